"""Russian claims: the same reader with the Russian lexicon (synthetic sentences)."""

from __future__ import annotations

import pytest

from tests.claims_support import AliasFinder, PlaceTable
from tracker.extract.claims import ClaimReader

READER = ClaimReader(PlaceTable())
FINDER = AliasFinder()


def read(text: str):
    return READER.read_claims(text, FINDER.find_mentions(text), language="ru")


CASES = [
    ("Активисты заблокировали Лачинский коридор.", {("Lachin Corridor", "blocked", False)}),
    (
        "Лачинский коридор находится под контролем российских миротворцев.",
        {("Lachin Corridor", "patrolled", False)},
    ),
    ("Движение через Верхний Ларс возобновлено.", {("Upper Lars crossing", "open", False)}),
    (
        "Баку опроверг сообщения о блокаде Лачинского коридора.",
        {("Lachin Corridor", "blocked", True)},
    ),
    (
        "Лачинский коридор открыт только для гуманитарных грузов.",
        {("Lachin Corridor", "restricted", False)},
    ),
    ("Лачинский коридор может быть закрыт.", set()),
    ("Активисты угрожают перекрыть Лачинский коридор.", set()),
    ("Сенат заблокировал законопроект, упомянув Верхний Ларс.", set()),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_russian_claims(text, expected):
    assert {(c.name, c.status.value, c.negated) for c in read(text)} == expected


def test_russian_attribution():
    text = "МИД Армении заявил, что Лачинский коридор остается заблокированным."
    (claim,) = read(text)
    assert claim.claimant == "МИД Армении"
    text = "По словам Баку, Лачинский коридор открыт."
    (claim,) = read(text)
    assert claim.claimant == "Баку"
