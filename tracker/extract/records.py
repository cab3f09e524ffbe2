"""JSON-lines records for `tracker extract` / `tracker eval`: validate one input line and
turn one record into its places and labels. Bad lines raise InputError naming the line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any, Protocol

from tracker.errors import InputError
from tracker.extract.cues import has_lexicon
from tracker.extract.language import guess_language
from tracker.models import Claim, Mention

MAX_TEXT_BYTES = 10 * 1024 * 1024
MAX_LINE_BYTES = MAX_TEXT_BYTES + 64 * 1024  # room for the other fields
_CONTROL_OK = {"\n", "\r", "\t", "\f", "\v"}


@dataclass(frozen=True)
class Record:
    """One validated input record."""

    line: int
    id: str
    text: str
    language: str  # the language whose cue table reads the text
    published: date | None
    raw: dict[str, Any]
    declared_language: str = ""  # as the record gave it, when it did


class MentionFinder(Protocol):
    def find_mentions(self, text: str) -> list[Mention]: ...


class ClaimSource(Protocol):
    def read_claims(self, text: str, mentions: Any, **kwargs: Any) -> list[Claim]: ...


def read_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | InputError]]:
    """(line number, raw bytes) per line; an over-long line yields an InputError instead
    and is skipped without being held in memory."""
    lineno = 0
    while True:
        chunk = stream.readline(MAX_LINE_BYTES + 1)
        if not chunk:
            return
        lineno += 1
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):  # drain the rest of the line
                chunk = stream.readline(1 << 20)
            yield lineno, InputError(f"line {lineno}: line longer than {MAX_LINE_BYTES} bytes")
            continue
        yield lineno, chunk


def parse_record(raw: bytes, lineno: int) -> Record | None:
    """A validated record, or None for a blank line; InputError says what is wrong."""
    if not raw.strip():
        return None
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"line {lineno}: not UTF-8 text (byte {exc.start})") from None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {lineno}: invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(obj, dict):
        raise InputError(f"line {lineno}: expected a JSON object, got {type(obj).__name__}")
    rid = obj.get("id")
    if rid is None or isinstance(rid, (dict, list, bool)) or str(rid) == "":
        raise InputError(f"line {lineno}: missing or invalid 'id'")
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(f"line {lineno} (id {rid}): 'text' must be a string")
    if not text.strip():
        raise InputError(f"line {lineno} (id {rid}): 'text' is empty")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise InputError(f"line {lineno} (id {rid}): 'text' is larger than 10 MB")
    if _looks_binary(text):
        raise InputError(f"line {lineno} (id {rid}): 'text' looks like binary data")
    language = obj.get("language")
    if language is not None and not isinstance(language, str):
        raise InputError(f"line {lineno} (id {rid}): 'language' must be a string")
    declared = language or ""
    if not language:
        language = guess_language(text)  # undeclared: guessed from the script
    if not has_lexicon(language):
        # No cue table for it yet: its places are still found, and English cues still read
        # the English-language wire copy such sources often carry (as the pipeline does).
        language = "en"
    return Record(lineno, str(rid), text, language, _published(obj, lineno, rid), obj,
                  declared)


def _published(obj: dict[str, Any], lineno: int, rid: Any) -> date | None:
    value = obj.get("published")
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InputError(f"line {lineno} (id {rid}): 'published' must be a date string")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InputError(
            f"line {lineno} (id {rid}): 'published' is not a date: {value!r}"
        ) from None


def _looks_binary(text: str) -> bool:
    """NULs, lone surrogates or many control characters: not news text."""
    sample = text[:4096]
    if "\x00" in sample or "\ufffd\ufffd\ufffd" in sample:
        return True
    bad = sum(
        1 for ch in sample if (ch < " " and ch not in _CONTROL_OK) or "\ud800" <= ch <= "\udfff"
    )
    return bad > max(2, len(sample) // 50)


def extract_record(record: Record, finder: MentionFinder, reader: ClaimSource) -> dict[str, Any]:
    """The output object of `tracker extract` for one record."""
    mentions = finder.find_mentions(record.text)
    claims = reader.read_claims(
        record.text,
        mentions,
        language=record.language,
        published=record.published,
        outlet=str(record.raw.get("outlet") or ""),
    )
    places = [
        {
            "id": m.place_id,
            "name": m.name,
            "kind": m.kind,
            "text": m.text,
            "start": m.start,
            "end": m.end,
            "tracked": m.tracked,
        }
        for m in mentions
        if (getattr(m, "role", "place") or "place") == "place"
    ]
    labels = [
        {
            "place": c.place_id,
            "name": c.name,
            "status": c.status.value,
            "claimant": c.claimant,
            "negated": c.negated,
            "evidence": c.evidence,
            "start": c.start,
            "end": c.end,
            "confidence": c.confidence,
        }
        for c in claims
    ]
    return {"id": record.raw.get("id"), "places": places, "labels": labels}
