"""Guessing the language of texts that do not declare one."""

from __future__ import annotations

import pytest

from tracker.extract.language import guess_language


@pytest.mark.parametrize(("text", "expected"), [
    ("The crossing reopened on Monday.", "en"),
    ("КПП на границе закрыт для грузовиков, сообщили пограничники.", "ru"),
    ("Пункт пропуску закрито для вантажівок, повідомили прикордонники.", "uk"),
    ("Լաչինի միջանցքը փակ է", "hy"),
    ("معبر رفح مغلق", "ar"),
    ("מעבר כרם שלום נסגר", "he"),
    ("Reuters: КПП Верхний Ларс закрыт из-за лавины, сообщили в МЧС.", "ru"),
    ("", "en"),
    ("12345 -- !!", "en"),
])
def test_guess_language_by_script(text: str, expected: str) -> None:
    assert guess_language(text) == expected
