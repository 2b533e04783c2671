"""Screening rule 3: offensive language from the curated Dutch list, without Scunthorpe."""

from __future__ import annotations

import pytest

from server.screening.offensive import (
    COMPOUNDS_FILE,
    EXCLUDE_FILE,
    EXTRA_FILE,
    UPSTREAM_FILE,
    WordList,
    data_lines,
    default_word_list,
)
from server.screening.text import Words


def offensive(text: str) -> list[tuple[str, str]]:
    return [(f.rule, f.excerpt) for f in default_word_list().find(Words(text))]


@pytest.mark.parametrize(
    ("text", "rule", "excerpt"),
    [
        ("Wat een klootzak is dat.", "word", "klootzak"),
        ("KUT! Dat plan is mislukt.", "word", "KUT"),
        ("Die kankerlijer van hiernaast.", "word", "kankerlijer"),
        ("Wat een godverdomme slechte zaak.", "word", "godverdomme"),
        ("Dat is een kankerhoer.", "word", "kankerhoer"),
        ("Dat is een kanker-hoer.", "compound", "kanker-hoer"),
        ("Dat is een kanker hoer.", "compound", "kanker hoer"),
        ("Wat een teringzooi hier.", "compound", "teringzooi"),
        ("Wat een tyfuslijer.", "word", "tyfuslijer"),
        ("Een teringwijf, echt.", "compound", "teringwijf"),
        ("Pokkenweer vandaag.", "compound", "Pokkenweer"),
        ("Klerezooi op straat.", "compound", "Klerezooi"),
        ("Wat een kutgemeente.", "compound", "kutgemeente"),
        ("Die kankerwijven ook.", "compound", "kankerwijven"),
        ("Wat een k@nker idee.", "disguised", "k@nker"),
        ("Dit is 5h1t.", "disguised", "5h1t"),
        ("Wat een k1ootzak.", "disguised", "k1ootzak"),
        ("Flikker op met je plan.", "phrase", "Flikker op"),
        ("Krijg de tering, allemaal.", "phrase", "Krijg de tering"),
        ("Je moet niet de hoer spelen.", "phrase", "de hoer spelen"),
        ("Da's kloten van de bok.", "phrase", "Da's kloten van de bok"),
        ("Dat krijg je voor jan lul.", "phrase", "voor jan lul"),
        ("Op z'n sodemieter geven.", "phrase", "Op z'n sodemieter geven"),
        ("Ik weet waar je woont.", "phrase", "Ik weet waar je woont"),
        ("Een draaikont is het.", "word", "draaikont"),
    ],
)
def test_offensive_words_phrases_and_compounds_are_flagged(
    text: str, rule: str, excerpt: str
) -> None:
    assert offensive(text) == [(rule, excerpt)]


@pytest.mark.parametrize(
    "text",
    [
        # Scunthorpe: the curse inside an ordinary compound, or the disease itself.
        "Kankerbestrijding is een speerpunt van ons gezondheidsbeleid.",
        "Mensen met kanker verdienen steun bij re-integratie.",
        "Met kanker weer aan het werk: een programma.",
        "Kankerverwekkende stoffen in de bodem.",
        "Het Nationaal Kankerplan en de kankerpatiënten.",
        "Over kanker: kop op!",
        "Het pokkenvaccin en de tyfusbacterie.",
        "De tering naar de nering zetten is verstandig.",
        "Zij kleren zich om in de klerenkast.",  # "kleren" starts like "klere"
        "De kabelmof en de kleding.",
        # Policy words that are on the upstream list.
        "De pot voor wijkbudgetten is leeg.",
        "Hypotheekrente aftrekken blijft mogelijk.",
        "De gedoogzone en de huisdealer in het coffeeshopbeleid.",
        "Hondenpoep en poep op straat.",
        "Er zit een gat in de begroting.",
        "Wij zijn aan de beurt.",
        "Een motie om de wethouder te wippen.",
        "Vrouwen die achter het raam zitten.",
        "Pesticiden spuiten en laadpalen plaatsen.",
        "Palen slaan voor de nieuwe brug.",
        "Een uitlaatplaats om de hond uit te laten.",
        "De pijpen van de waterleiding.",
        # Numbers and codes are not leetspeak.
        "De A50 en de N34, 12a en co2, 2e kamer.",
        "Het homohuwelijk en de homo-emancipatie.",
    ],
)
def test_ordinary_policy_language_is_not_flagged(text: str) -> None:
    assert offensive(text) == []


def test_repeated_letters_are_not_normalised_a_known_limit() -> None:
    assert offensive("kuuuut") == []


def test_matching_ignores_case_and_diacritics() -> None:
    assert offensive("KLOOTZAK en klóótzak") == [("word", "KLOOTZAK"), ("word", "klóótzak")]


def test_a_phrase_wins_over_the_word_inside_it() -> None:
    assert offensive("Ga toch de hoer spelen") == [("phrase", "de hoer spelen")]


def test_a_word_list_can_be_built_from_other_entries() -> None:
    words = WordList(["boef", "rot op"], prefixes=["rot"], heads=["zak"])
    assert "boef" in words
    found = [(f.rule, f.excerpt) for f in words.find(Words("Boef! Rot op, rotzak, rot-zak."))]
    assert found == [
        ("word", "Boef"),
        ("phrase", "Rot op"),
        ("compound", "rotzak"),
        ("compound", "rot-zak"),
    ]


def test_a_word_list_without_compounds_flags_no_compound() -> None:
    words = WordList(["boef"], prefixes=[], heads=[])
    assert list(words.find(Words("kanker kankerhoer k@nker"))) == []


# --- the data files ---------------------------------------------------------------------


def test_every_exclusion_names_an_upstream_entry() -> None:
    upstream = set(data_lines(UPSTREAM_FILE))
    stale = [entry for entry in data_lines(EXCLUDE_FILE) if entry not in upstream]
    assert stale == []


def test_the_upstream_file_is_kept_verbatim() -> None:
    upstream = data_lines(UPSTREAM_FILE)
    assert len(upstream) == 190
    assert upstream[0] == "aardappels afgieten"
    assert upstream[-1] == "zuiplap"


def test_additions_do_not_repeat_kept_upstream_entries() -> None:
    kept = set(data_lines(UPSTREAM_FILE)) - set(data_lines(EXCLUDE_FILE))
    assert [e for e in data_lines(EXTRA_FILE) if e in kept] == []


def test_every_compound_line_is_a_prefix_a_head_or_a_joined_head() -> None:
    kinds = {line.split(" ", 1)[0] for line in data_lines(COMPOUNDS_FILE)}
    assert kinds == {"prefix", "head", "joined"}


def test_the_bare_disease_words_are_not_on_the_list() -> None:
    words = default_word_list()
    for disease in ("kanker", "tering", "pokken", "pleuris"):
        assert disease not in words
