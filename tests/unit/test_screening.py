"""Automatic screening: the API, the place index, self-identification, and robustness.

Rules 1 (personal data) and 3 (offensive language) have their own test files.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.screening import EXCERPT_MAX_CHARS, Finding, PlaceIndex, default_places, screen
from server.screening.text import Words
from server.stakeholders.reference import load_municipalities

REPO = Path(__file__).resolve().parents[2]
KINDS = {"personal_data", "self_identification", "offensive"}


@pytest.fixture(scope="module")
def places() -> PlaceIndex:
    return PlaceIndex.from_names(org.name for org in load_municipalities())


def identifications(text: str, places: PlaceIndex) -> list[tuple[str, str]]:
    return [
        (f.rule, f.excerpt) for f in screen(text, places=places) if f.kind == "self_identification"
    ]


# --- the API ----------------------------------------------------------------------------


def test_a_clean_contribution_has_no_findings(places: PlaceIndex) -> None:
    text = (
        "Wij vinden dat de VNG in 2025 meer moet investeren in de wijkaanpak; het budget van "
        "€ 2.000.000 is te krap. In Utrecht werkt het goed, lees ik in artikel 12."
    )
    assert screen(text, places=places) == []


def test_findings_of_every_kind_come_in_text_order(places: PlaceIndex) -> None:
    text = "Klootzak! Als burgemeester van Utrecht geef ik u mijn nummer: 06-12345678."
    found = screen(text, places=places)
    assert [(f.kind, f.rule) for f in found] == [
        ("offensive", "word"),
        ("self_identification", "office_capacity"),
        ("personal_data", "phone"),
    ]
    assert all(isinstance(f, Finding) for f in found)
    assert [f.start for f in found] == sorted(f.start for f in found)


def test_a_finding_points_into_the_original_text(places: PlaceIndex) -> None:
    text = "Ik ben griffier in Súdwest-Fryslân, mail griffie@example.nl."
    for f in screen(text, places=places):
        assert f.excerpt == text[f.start : f.end][:EXCERPT_MAX_CHARS]
    assert screen(text, places=places)[0].excerpt == "Ik ben griffier in Súdwest-Fryslân"


def test_an_excerpt_is_cut_to_forty_characters(places: PlaceIndex) -> None:
    text = "Ik ben al sinds 2010 gemeentesecretaris bij de gemeente Nuenen, Gerwen en Nederwetten."
    (finding,) = screen(text, places=places)
    assert len(finding.excerpt) == EXCERPT_MAX_CHARS
    assert finding.end - finding.start > EXCERPT_MAX_CHARS
    assert text[finding.start : finding.end].endswith("Nederwetten")


def test_findings_are_frozen(places: PlaceIndex) -> None:
    (finding,) = screen("bel 0612345678", places=places)
    with pytest.raises(AttributeError):
        finding.start = 0  # type: ignore[misc]


def test_the_default_index_is_built_once() -> None:
    assert default_places() is default_places()
    assert len(default_places()) == 342


# --- the place index --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Utrecht", "Utrecht"),
        ("UTRECHT", "Utrecht"),
        ("utrecht", "Utrecht"),
        ("Den Haag", "'s-Gravenhage"),
        ("'s-Gravenhage", "'s-Gravenhage"),
        ("s-Gravenhage", "'s-Gravenhage"),
        ("Den Bosch", "'s-Hertogenbosch"),
        ("Hengelo", "Hengelo (O.)"),
        ("Hengelo (O.)", "Hengelo (O.)"),
        ("Rijswijk", "Rijswijk (ZH.)"),
        ("Nuenen", "Nuenen, Gerwen en Nederwetten"),
        ("Nuenen, Gerwen en Nederwetten", "Nuenen, Gerwen en Nederwetten"),
        ("Súdwest-Fryslân", "Súdwest-Fryslân"),
        ("Sudwest-Fryslan", "Súdwest-Fryslân"),
        ("sudwest fryslan", "Súdwest-Fryslân"),
        ("Bergen op Zoom", "Bergen op Zoom"),
        ("Alphen aan den Rijn", "Alphen aan den Rijn"),
        ("De Bilt", "De Bilt"),
        ("IJsselstein", "IJsselstein"),
        ("Kampen", "Kampen"),
    ],
)
def test_municipalities_are_found_by_cbs_name_and_short_form(
    places: PlaceIndex, text: str, name: str
) -> None:
    sentence = f"We gingen naar {text} vandaag."
    assert places.find(sentence) == [(name, 15, 15 + len(text))]


def test_a_short_form_shared_by_two_municipalities_names_both(places: PlaceIndex) -> None:
    (match,) = places.matches(Words("Bergen"))
    assert set(match.names) == {"Bergen (L.)", "Bergen (NH.)"}


@pytest.mark.parametrize(
    "text",
    [
        "wij kampen met tekorten",
        "onze huizen zijn duur",
        "ik vind het best",
        "de buren klagen",
        "dit kan leiden tot problemen",
        "hij delft het onderspit",
        "een berg en dal",
        "sudwest en fryslan los",
        "Utrechtse Heuvelrug is niet Utrecht's",
    ],
)
def test_names_that_are_also_dutch_words_need_a_capital(places: PlaceIndex, text: str) -> None:
    assert all(name != "Utrecht" or text.endswith("'s") for name, *_ in places.find(text))
    assert [n for n, *_ in places.find(text) if n != "Utrecht" and n != "Utrechtse Heuvelrug"] == []


def test_a_name_does_not_run_over_a_sentence_end(places: PlaceIndex) -> None:
    assert [n for n, *_ in places.find("Wij gaan naar Bergen. Op Zoom letten we niet.")] == [
        "Bergen (NH.)"
    ]


def test_an_index_from_other_names() -> None:
    index = PlaceIndex.from_names(["Testdorp", "Ander Dorp (X.)", " ", "Testdorp"])
    assert index.names == ("Testdorp", "Ander Dorp (X.)")
    assert len(index) == 2
    assert [n for n, *_ in index.find("In ander dorp en TESTDORP")] == [
        "Ander Dorp (X.)",
        "Testdorp",
    ]


# --- rule 2: self-identification -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "excerpt"),
    [
        (
            "Als burgemeester van Utrecht vind ik dit goed.",
            "office_capacity",
            "Als burgemeester van Utrecht",
        ),
        (
            "Als gemeentesecretaris in Hengelo zie ik dat ook.",
            "office_capacity",
            "Als gemeentesecretaris in Hengelo",
        ),
        ("Ik ben griffier in Almere.", "first_person", "Ik ben griffier in Almere"),
        (
            "ik ben raadslid in 's-Hertogenbosch",
            "first_person",
            "ik ben raadslid in 's-Hertogenbosch",
        ),
        (
            "Ik ben de burgemeester van Utrecht.",
            "first_person",
            "Ik ben de burgemeester van Utrecht",
        ),
        (
            "Ik ben al 8 jaar wethouder in Sudwest-Fryslan.",
            "first_person",
            "Ik ben al 8 jaar wethouder in Sudwest-Fr",
        ),
        ("Ik werk bij de gemeente Den Haag.", "first_person", "Ik werk bij de gemeente Den Haag"),
        (
            "Bij ons in Amersfoort (ik ben secretaris) werkt het.",
            "first_person",
            "Bij ons in Amersfoort",
        ),
        ("Wij als gemeente Zwolle pleiten hiervoor.", "first_person", "Wij als gemeente Zwolle"),
        ("Ik woon in Best.", "first_person", "Ik woon in Best"),
        ("Onze gemeente Tilburg heeft dit al.", "possessive", "Onze gemeente Tilburg"),
        (
            "In mijn gemeente Súdwest-Fryslân doen we dat.",
            "possessive",
            "mijn gemeente Súdwest-Fryslân",
        ),
        ("Namens de gemeente Zwolle zeg ik dank.", "namens", "Namens de gemeente Zwolle"),
        ("In Nuenen hebben wij dit geregeld.", "first_person_after", "In Nuenen hebben wij"),
        ("Hier in Kampen wonen we al lang.", "first_person_after", "in Kampen wonen we"),
        (
            "Ik spreek namens de gemeente Zwolle.",
            "first_person",
            "Ik spreek namens de gemeente Zwolle",
        ),
    ],
)
def test_an_author_naming_their_own_municipality_is_flagged(
    places: PlaceIndex, text: str, rule: str, excerpt: str
) -> None:
    assert identifications(text, places) == [(rule, excerpt)]


@pytest.mark.parametrize(
    "text",
    [
        "In mijn gemeente gaat het goed.",
        "In Utrecht werkt het goed.",
        "De burgemeester van Utrecht zei in de krant dat het werkt.",
        "Ik las dat de burgemeester van Utrecht dit zei.",
        "Als de burgemeester van Utrecht dat zegt, geloof ik het.",
        "Ik ken de burgemeester van Utrecht goed.",
        "Wethouder Jansen van Utrecht zei dat.",
        "Ik denk dat het in Utrecht beter gaat.",
        "Gemeenten als Utrecht en Zwolle hebben dit al.",
        "De gemeente Utrecht heeft ons geholpen.",
        "Het verschil tussen ons en Utrecht is groot.",
        "Wij hebben samen met de gemeente Utrecht een plan.",
        "Wij kampen met personeelstekorten.",
        "Onze huizen zijn te duur. Ik vind het best.",
        "Ik ben burgemeester. In Utrecht is dat anders.",
        "De griffier sprak namens de gemeente Zwolle.",
    ],
)
def test_a_municipality_in_the_third_person_is_not_flagged(places: PlaceIndex, text: str) -> None:
    assert identifications(text, places) == []


def test_a_visit_in_the_first_person_is_flagged_a_known_false_positive(places: PlaceIndex) -> None:
    assert identifications("Ik ben in Utrecht op bezoek geweest.", places) == [
        ("first_person", "Ik ben in Utrecht")
    ]


# --- robustness ---------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "06-12345678", "+31 6 1234 5678", "0031", "(0)", "1234 AB 12", "Dorpsstraat 12",
        "NL91 ABNA 0417 1643 00", "bsn 111.222.333", "111222333", "@", "(at)", "x@y.nl",
        "Als burgemeester van ", "ik ben griffier in ", "onze gemeente ", "namens ", "Utrecht",
        "Den Haag", "Súdwest-Fryslân", "Hengelo (O.)", "Nuenen, Gerwen en Nederwetten", "Best",
        "kanker", "kanker hoer", "k@nker", "de hoer spelen", "İ", "ẞ", "ĳ", "\u0301", "\ud800",
        ". ", "\n", " ", "-", "€ ", "2024-2030", "01-02-2024 10:00",
    ]
)  # fmt: skip
_TEXTS = st.one_of(
    st.text(max_size=2000),
    st.lists(st.one_of(_FRAGMENTS, st.text(max_size=12)), max_size=60).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS)
def test_screen_never_raises_and_its_spans_lie_in_the_text(text: str) -> None:
    for f in screen(text, places=default_places()):
        assert f.kind in KINDS
        assert f.rule
        assert 0 <= f.start < f.end <= len(text)
        assert f.excerpt == text[f.start : f.end][:EXCERPT_MAX_CHARS]


# --- the micro-benchmark -------------------------------------------------------------------


def test_the_benchmark_script_prints_its_measurements(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs bench/screening.py briefly and prints the JSON; timings are shown, never asserted."""
    spec = importlib.util.spec_from_file_location(
        "bench_screening", REPO / "bench" / "screening.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    argv, sys.argv = sys.argv, ["screening.py", "--iterations", "50"]
    try:
        bench.main()
    finally:
        sys.argv = argv
    report = json.loads(capsys.readouterr().out)
    assert set(report["texts"]) == {"policy_prose", "with_findings", "plain_ascii"}
    assert all(t["chars"] == 2000 for t in report["texts"].values())
    assert report["texts"]["with_findings"]["findings"] > 0
    with capsys.disabled():
        print(
            "\nscreen() on 2000 chars, µs:", {k: v["mean_us"] for k, v in report["texts"].items()}
        )
