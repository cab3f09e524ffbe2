"""Parsing bytes into articles: feeds, charsets, salvage, HTML pages, GDELT, article pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.feedserver import rss
from tracker.errors import ParseError
from tracker.sources import parse_feed
from tracker.sources.feeds import decode_text, html_to_text
from tracker.sources.gdelt import build_query, build_url, parse_gdelt
from tracker.sources.pages import extract_main_text, parse_page

BASE = "https://wire.example.org/feed.xml"

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Frontier Desk</title>
  <entry>
    <title type="html">Checkpoint &lt;b&gt;shut&lt;/b&gt; overnight</title>
    <link rel="alternate" href="/2024/03/checkpoint-shut"/>
    <id>tag:frontier.example,2024:17</id>
    <updated>2024-03-05T06:30:00+04:00</updated>
    <content type="html">&lt;p&gt;Border guards shut the &lt;em&gt;checkpoint&lt;/em&gt;
      overnight.&lt;/p&gt;&lt;script&gt;track()&lt;/script&gt;
      &lt;p&gt;Queues formed.&lt;/p&gt;</content>
  </entry>
</feed>"""


def test_rss_items_become_articles_with_normalised_urls():
    data = rss([
        ("Pass reopened", "HTTPS://Wire.Example.ORG:443/a?id=3&utm_source=tw&fbclid=z#c",
         "&lt;p&gt;Traffic resumed &amp;amp; queues cleared.&lt;/p&gt;"),
        ("Second", "/relative/b", "Plain text"),
    ], title="Test Wire")
    first, second = parse_feed(data, base_url=BASE, source="wire")
    assert first.url == "https://wire.example.org/a?id=3"
    assert first.title == "Pass reopened"
    assert first.text == "Traffic resumed & queues cleared."
    assert first.published == datetime(2023, 1, 2, 10, 0, tzinfo=UTC)
    assert first.outlet == "Test Wire" and first.source == "wire" and first.language == "en"
    assert second.url == "https://wire.example.org/relative/b"


def test_atom_entry_with_html_content_and_offset_date():
    (article,) = parse_feed(ATOM, base_url=BASE, source="desk", outlet="Configured Outlet",
                            language="ru")
    assert article.url == "https://wire.example.org/2024/03/checkpoint-shut"
    assert article.title == "Checkpoint shut overnight"
    assert "track()" not in article.text
    assert article.text.startswith("Border guards shut the checkpoint overnight.")
    assert "Queues formed." in article.text
    assert article.published == datetime(2024, 3, 5, 2, 30, tzinfo=UTC)
    assert article.guid == "tag:frontier.example,2024:17"
    assert article.outlet == "Configured Outlet" and article.language == "ru"


def test_changing_guids_keep_the_same_article_urls():
    items = [("A", "https://wire.example.org/a", "x"), ("B", "https://wire.example.org/b", "y")]
    monday = parse_feed(rss(items, guid_prefix="v1-"), base_url=BASE, source="s")
    tuesday = parse_feed(rss(items, guid_prefix="v2-"), base_url=BASE, source="s")
    assert [a.guid for a in monday] != [a.guid for a in tuesday]
    assert [a.url for a in monday] == [a.url for a in tuesday]


def test_duplicate_links_in_one_feed_are_collapsed():
    items = [("A", "https://wire.example.org/a?utm_medium=x", "1"),
             ("A again", "https://wire.example.org/a", "2")]
    assert len(parse_feed(rss(items), base_url=BASE, source="s")) == 1


def test_malformed_xml_with_bare_ampersands_is_salvaged():
    data = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Q & A</title>'
            b"<item><title>Road A & B closed</title><link>https://x.example/1?a=1&b=2</link>"
            b"<description>Rock & snow</description></item></channel></rss>")
    (article,) = parse_feed(data, base_url=BASE, source="s")
    assert article.title == "Road A & B closed"
    assert article.url == "https://x.example/1?a=1&b=2"


def test_truncated_feed_keeps_the_complete_items():
    whole = rss([("One", "https://x.example/1", "a"), ("Two", "https://x.example/2", "b")])
    cut = whole[: whole.index(b"<item>", whole.index(b"</item>")) + 20]
    articles = parse_feed(cut, base_url=BASE, source="s")
    assert [a.url for a in articles][:1] == ["https://x.example/1"]


def test_control_characters_do_not_break_parsing():
    data = rss([("Bad\x0bbyte", "https://x.example/1", "te\x00xt")])
    (article,) = parse_feed(data, base_url=BASE, source="s")
    assert article.title == "Badbyte"


@pytest.mark.parametrize("page,expected", [
    (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body>"
     b"</html>", "HTML page ('502 Bad Gateway')"),
    (b"<html><head><title>Just a moment...</title></head><body>"
     b"<div id='challenge-platform'></div></body></html>", "Cloudflare challenge"),
    (b"<html><body><form>Please solve the CAPTCHA</form></body></html>", "CAPTCHA"),
])
def test_html_pages_and_bot_challenges_are_errors(page, expected):
    with pytest.raises(ParseError, match="not a feed") as info:
        parse_feed(page, base_url=BASE, source="s", content_type="text/html")
    assert expected in str(info.value)


@pytest.mark.parametrize("data", [b"", b"   \n", b"/etc/passwd", b'{"json": true}',
                                  b"plain words, no markup"])
def test_things_that_are_not_feeds_raise(data):
    with pytest.raises(ParseError):
        parse_feed(data, base_url=BASE, source="s")


def test_a_valid_empty_feed_is_no_news():
    assert parse_feed(rss([]), base_url=BASE, source="s") == []


RUSSIAN = "Пункт пропуска Верхний Ларс закрыт из-за снегопада, сообщили пограничники."


def test_wrong_header_charset_is_overridden_by_the_prolog():
    data = rss([(RUSSIAN[:30], "https://x.example/1", RUSSIAN)], encoding="windows-1251")
    (article,) = parse_feed(data, base_url=BASE, source="s",
                            content_type="application/rss+xml; charset=utf-8")
    assert article.text == RUSSIAN


def test_valid_utf8_wins_over_a_wrong_latin1_declaration():
    data = rss([("t", "https://x.example/1", RUSSIAN)]).replace(b'encoding="utf-8"',
                                                               b'encoding="iso-8859-1"')
    (article,) = parse_feed(data, base_url=BASE, source="s",
                            content_type="text/xml; charset=ISO-8859-1")
    assert article.text == RUSSIAN


def test_undeclared_single_byte_charset_is_detected():
    body = " ".join([RUSSIAN] * 8)
    data = rss([("t", "https://x.example/1", body)], encoding="windows-1251")
    data = data.replace(b' encoding="windows-1251"', b"")
    (article,) = parse_feed(data, base_url=BASE, source="s", content_type="text/xml")
    assert article.text == body


def test_meta_charset_and_bom():
    html = '<html><head><meta charset="koi8-r"></head><body>Граница</body></html>'
    assert "Граница" in decode_text(html.encode("koi8-r"))
    assert decode_text("Армения".encode("utf-16")) == "Армения"


def test_html_to_text_handles_entities_and_blocks():
    assert html_to_text("<p>One&nbsp;&amp; two</p><p>Three</p>") == "One\xa0& two\nThree"
    assert html_to_text("no markup   at all") == "no markup at all"


def test_clean_url_rules():
    from tracker.urls import TRACKING_PARAMS, clean_url, url_key

    assert clean_url("HTTP://EXAMPLE.org:80") == "http://example.org/"
    assert clean_url("https://example.org:8443/p?UTM_Campaign=1&q=2") == \
        "https://example.org:8443/p?q=2"
    # The link as published keeps www, the trailing slash and the order of parameters.
    assert clean_url("https://www.example.org/p/?b=2&a=1&at_medium=rss#top") == \
        "https://www.example.org/p/?b=2&a=1"
    # One table for both forms: whatever the link drops, the key drops too.
    for name in sorted(TRACKING_PARAMS) + ["utm_source", "AT_campaign"]:
        url = f"https://example.org/p?keep=1&{name}=x"
        assert clean_url(url) == "https://example.org/p?keep=1", name
        assert url_key(url) == url_key("https://example.org/p?keep=1"), name


GDELT_JSON = json.dumps({"articles": [
    {"url": "https://agency.example.am/news/1?utm_source=gdelt", "title": "Crossing  open",
     "seendate": "20240105T083000Z", "domain": "agency.example.am", "language": "Armenian"},
    {"url": "https://agency.example.am/news/1", "title": "dup"},
    {"title": "no url"},
]}).encode()


def test_gdelt_artlist_becomes_articles():
    (article,) = parse_gdelt(GDELT_JSON, source="gdelt-x")
    assert article.url == "https://agency.example.am/news/1"
    assert article.title == "Crossing open" and article.language == "hy"
    assert article.published == datetime(2024, 1, 5, 8, 30, tzinfo=UTC)
    assert article.outlet == "agency.example.am"
    assert parse_gdelt(b"{}", source="g") == []


def test_gdelt_plain_text_error_is_a_parse_error():
    with pytest.raises(ParseError, match="limit requests"):
        parse_gdelt(b"Please limit requests to one every 5 seconds.", source="g")


def test_gdelt_query_builder():
    query = build_query(["Lachin corridor", "lachin CORRIDOR", "Goris", "X", "Bab el-Mandeb"])
    assert query == '("Lachin corridor" OR Goris OR "Bab el-Mandeb")'
    assert build_query(["Upper Lars"]) == '"Upper Lars"'
    with pytest.raises(ValueError):
        build_query(["ab"])
    url = build_url(query)
    assert "mode=artlist" in url and "format=json" in url and "maxrecords=250" in url


ARTICLE_PAGE = b"""<!DOCTYPE html><html lang="en"><head><title>Ferry resumes | Harbour Post</title>
<meta property="og:site_name" content="Harbour Post"></head><body>
<nav>Home | World | Sport</nav>
<article><h1>Ferry service resumes across the strait</h1>
<p>The ferry line across the strait resumed service on Tuesday after a three-day halt
caused by storms, the port authority said in a statement to reporters.</p>
<p>Officials said the crossing would run on a reduced timetable until the weekend while
crews inspect the piers, and that freight trucks would board first.</p>
<p>Hundreds of vehicles had queued at the terminal while the line was suspended.</p>
</article><footer>Copyright Harbour Post</footer></body></html>"""


def test_article_page_main_text():
    text = extract_main_text(ARTICLE_PAGE, url="https://harbour.example/ferry")
    assert "resumed service on Tuesday" in text
    assert "Home | World" not in text
    article = parse_page(ARTICLE_PAGE, url="https://Harbour.example/ferry#x", source="p")
    assert article.url == "https://harbour.example/ferry"
    assert "freight trucks" in article.text


def test_page_without_text_is_a_parse_error():
    with pytest.raises(ParseError, match="no article text"):
        parse_page(b"<html><body></body></html>", url="https://x.example/", source="p")
