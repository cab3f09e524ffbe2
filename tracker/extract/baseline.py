"""The keyword baseline of the claims benchmark: a status word within N words of a
tracked place is a claim by the reporter. No negation, modality or attribution."""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Sequence
from functools import lru_cache

from tracker.extract.cues import FLAGS, LEXICON_DIR, normalise_language
from tracker.models import Claim, Mention, Status

_WORD = re.compile(r"\w+")


@lru_cache(maxsize=8)
def _keywords(language: str) -> tuple[tuple[Status, re.Pattern[str]], ...]:
    path = LEXICON_DIR / f"{normalise_language(language)}.toml"
    table = tomllib.loads(path.read_text(encoding="utf-8")).get("baseline", {})
    return tuple((Status(k), re.compile(v, FLAGS)) for k, v in table.items())


class KeywordBaseline:
    """Status word within ``window`` words of a tracked mention."""

    def __init__(self, window: int = 8) -> None:
        self.window = window

    def read_claims(
        self, text: str, mentions: Sequence[Mention], *, language: str = "en", **_: object
    ) -> list[Claim]:
        """Claims by proximity alone (the same signature as ClaimReader.read_claims)."""
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        starts = [s for s, _ in words]
        found: dict[tuple[str, Status], Claim] = {}
        for status, pattern in _keywords(language):
            for hit in pattern.finditer(text):
                idx = _index(starts, hit.start())
                for men in mentions:
                    if not (men.tracked and (getattr(men, "role", "place") or "place") == "place"):
                        continue
                    lo, hi = _index(starts, men.start), _index(starts, max(men.start, men.end - 1))
                    if lo - self.window <= idx <= hi + self.window:
                        key = (men.place_id, status)
                        found.setdefault(
                            key,
                            Claim(
                                men.place_id,
                                men.name,
                                status,
                                "reporter",
                                False,
                                text[max(0, hit.start() - 80) : hit.end() + 80],
                                hit.start(),
                                hit.end(),
                                0.5,
                            ),
                        )
        return list(found.values())


def _index(starts: list[int], pos: int) -> int:
    return max(0, bisect.bisect_right(starts, pos) - 1)
