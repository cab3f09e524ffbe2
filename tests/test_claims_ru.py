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
    # a crossing that "works" only for a category of traffic is restricted
    (
        "Пункт пропуска Верхний Ларс работает только для грузовиков.",
        {("Upper Lars crossing", "restricted", False)},
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


@pytest.mark.parametrize(
    "text, claimant",
    [
        # a claimant after "в" is given in the nominative, adjectives agreeing
        ("Верхний Ларс закрыт, сообщили в пограничном управлении.", "пограничное управление"),
        (
            "Лачинский коридор заблокирован, заявили в Государственной пограничной службе.",
            "Государственная пограничная служба",
        ),
        ("Верхний Ларс закрыт, сообщили в российском посольстве.", "российское посольство"),
        ("Верхний Ларс закрыт, сообщили в оперативном штабе.", "оперативный штаб"),
    ],
)
def test_russian_locative_claimants(text, claimant):
    (claim,) = read(text)
    assert claim.claimant == claimant


# ---------------------------------------------------------------- real geocoder, inflected names


@pytest.fixture(scope="module")
def geo_read():
    """Claims read through the real gazetteer and geocoder (inflected Russian names)."""
    from tracker.extract.geocode import Geocoder
    from tracker.gazetteer import Gazetteer

    gazetteer = Gazetteer.load()
    geocoder, reader = Geocoder(gazetteer), ClaimReader(gazetteer)

    def read_ru(text: str):
        return reader.read_claims(text, geocoder.find_mentions(text), language="ru")

    return read_ru


REAL = [
    # reported speech: заявил / сообщили / по данным
    (
        "Пограничное управление сообщило, что движение через Верхний Ларс возобновлено.",
        {("Upper Lars crossing", "open", False)},
    ),
    (
        "По данным Ространснадзора, проезд по Крымскому мосту перекрыт.",
        {("Kerch Bridge", "blocked", False)},
    ),
    (
        "Пакистан закрыл пункт пропуска Торхам после перестрелки, сообщает агентство.",
        {("Torkham crossing", "closed", False)},
    ),
    (
        "Украинские пограничники сообщили, что польские перевозчики блокируют пункт "
        "пропуска Ягодин.",
        {("Dorohusk–Yahodyn crossing", "blocked", False)},
    ),
    (
        "Власти Грузии сообщили, что Военно-Грузинская дорога закрыта из-за снегопада.",
        {("Georgian Military Road", "closed", False)},
    ),
    (
        "Суда проходят через Босфор в штатном режиме, заявили в морской администрации.",
        {("Bosphorus", "open", False)},
    ),
    # negation and denial: не закрыт, опроверг, отверг ..., заявив
    (
        "МИД Азербайджана заявил, что Лачинский коридор не заблокирован.",
        {("Lachin Corridor", "blocked", True)},
    ),
    (
        "Армения опровергла сообщения о закрытии КПП Маргара.",
        {("Margara crossing", "closed", True)},
    ),
    (
        "Баку отверг заявления о блокаде Лачинского коридора, заявив, что дорога открыта.",
        {("Lachin Corridor", "blocked", True), ("Lachin Corridor", "open", False)},
    ),
    # modality: may be closed, threatened, plans -> no claim; "will remain closed" -> closed
    ("Иран пригрозил закрыть Ормузский пролив.", set()),
    ("Керченский мост может быть закрыт для грузовиков.", set()),
    ("Власти планируют открыть пункт пропуска Торхам в понедельник.", set()),
    (
        "Военно-Грузинская дорога останется закрытой до утра из-за лавинной опасности.",
        {("Georgian Military Road", "closed", False)},
    ),
    # an escort is a patrol
    (
        "Российские миротворцы сопровождают конвои по Лачинскому коридору.",
        {("Lachin Corridor", "patrolled", False)},
    ),
    # attacks are not blockages; restrictions by category
    ("Хуситы атаковали судно в Красном море.", set()),
    (
        "Пункт пропуска Верхний Ларс открыт только для легковых машин.",
        {("Upper Lars crossing", "restricted", False)},
    ),
]


@pytest.mark.parametrize("text, expected", REAL)
def test_russian_claims_real_geocoder(geo_read, text, expected):
    assert {(c.name, c.status.value, c.negated) for c in geo_read(text)} == expected


def test_russian_claimants_real_geocoder(geo_read):
    (claim,) = geo_read(
        "Украинские пограничники сообщили, что польские перевозчики блокируют "
        "пункт пропуска Ягодин."
    )
    assert claim.claimant == "Украинские пограничники"
    (claim,) = geo_read("По данным Ространснадзора, проезд по Крымскому мосту перекрыт.")
    assert claim.claimant == "Ространснадзора"
    claims = geo_read(
        "Баку отверг заявления о блокаде Лачинского коридора, заявив, что дорога открыта."
    )
    assert {c.claimant for c in claims} == {"Баку"}


def test_russian_parties_merge_capital_and_ministry():
    from tracker.extract.claimants import party_of
    from tracker.extract.cues import load_lexicon

    lex = load_lexicon("ru")
    assert party_of("Баку", lex) == party_of("МИД Азербайджана", lex) == "Azerbaijani government"
