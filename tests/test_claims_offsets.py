"""Claims in texts whose lower-case form would change length ("İ" lowers to two
characters): the same labels and offsets as in any other text."""

from __future__ import annotations

import pytest

from tracker.extract.claims import ClaimReader, lower_same_length
from tracker.extract.geocode import Geocoder
from tracker.gazetteer import Gazetteer


@pytest.fixture(scope="module")
def engine() -> tuple[Geocoder, ClaimReader]:
    gazetteer = Gazetteer.load()
    return Geocoder(gazetteer), ClaimReader(gazetteer)


def test_lowering_keeps_every_offset() -> None:
    text = "İpsala and İstanbul: ĞÜŞ"
    assert len(lower_same_length(text)) == len(text)
    assert lower_same_length(text) == "ipsala and istanbul: ğüş"


def test_a_dotted_capital_i_changes_no_label(engine) -> None:
    geo, reader = engine
    dotted = ("Farmers blocked the Kipoi–İpsala crossing on Monday. Officials in İzmir said "
              "the Kapıkule crossing was closed to trucks.")
    plain = dotted.replace("İ", "I")
    found = {}
    for text in (dotted, plain):
        claims = reader.read_claims(text, geo.find_mentions(text))
        found[text] = [(c.place_id, c.status.value, c.start, c.end) for c in claims]
        for c in claims:
            assert text[c.start:c.end] == c.evidence
    assert found[dotted] == found[plain]
    assert ("kipoi-ipsala-crossing", "blocked") in {(p, s) for p, s, _, _ in found[dotted]}
