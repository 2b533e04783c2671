"""Screening rule 1: personal data (e-mail, phone, address, IBAN, BSN) and its look-alikes."""

from __future__ import annotations

import pytest

from server.screening import Finding
from server.screening.personal import elfproef, find_personal_data, iban_checksum_ok


def rules(text: str) -> list[tuple[str, str]]:
    return [(f.rule, f.excerpt) for f in find_personal_data(text)]


def only(text: str, rule: str) -> Finding:
    found = find_personal_data(text)
    assert [f.rule for f in found] == [rule], found
    return found[0]


# --- e-mail -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Mail me op jan.jansen@utrecht.nl als u vragen heeft.", "jan.jansen@utrecht.nl"),
        ("Stuur het naar griffie@gemeente-almere.nl.", "griffie@gemeente-almere.nl"),
        ("J.de.Vries+dialoog@Example.COM", "J.de.Vries+dialoog@Example.COM"),
        ("info (at) gemeente.nl", "info (at) gemeente.nl"),
        ("info[at]zwolle.nl", "info[at]zwolle.nl"),
    ],
)
def test_an_email_address_is_personal_data(text: str, address: str) -> None:
    finding = only(text, "email")
    assert text[finding.start : finding.end] == address
    assert finding.kind == "personal_data"


@pytest.mark.parametrize(
    "text",
    [
        "Wij zijn @ het stadhuis om 10 uur.",
        "Zie de website van de VNG (at home werken mag).",
        "Het adres is @utrecht op sociale media.",
        "Dat gebeurde at random.",
    ],
)
def test_an_at_sign_without_an_address_is_not_personal_data(text: str) -> None:
    assert rules(text) == []


# --- phone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "06-12345678",
        "06 1234 5678",
        "06 12 34 56 78",
        "0612345678",
        "+31 6 12345678",
        "+31612345678",
        "0031 6 12345678",
        "0031612345678",
        "+31 (0)6 12345678",
        "(06) 12345678",
        "020-1234567",
        "010 123 4567",
        "(020) 123 45 67",
        "0575-123456",
        "+31 20 1234567",
        "+31 (0)20 123 4567",
    ],
)
def test_a_dutch_phone_number_is_personal_data(number: str) -> None:
    text = f"Bel mij gerust op {number} of kom langs."
    finding = only(text, "phone")
    assert text[finding.start : finding.end] == number


@pytest.mark.parametrize(
    "text",
    [
        "Het budget is € 2.000.000 voor de hele periode.",
        "Het budget is €2.000.000,- en 1.250.000 euro.",
        "De periode 2024-2030 is lang.",
        "In 2024 bouwen we 1234 woningen.",
        "Een stijging van 12% ten opzichte van 2023.",
        "Zie artikel 12 van de Gemeentewet.",
        "De vergadering is op 01-02-2024 om 10:00 uur.",
        "Op 06-12-2024 14:00 begint de sessie.",
        "De termijn loopt van 01-01-2025 tot 31-12-2030.",
        "Een daling van 0,5 procent.",
        "Bel de gratis lijn 0800-1234567.",
        "Bel de servicelijn 0900 1234567.",
        "Het postnummer is 020 en meer niet.",
        "Zaaknummer Z-2024-0612345678 is afgehandeld.",
    ],
)
def test_amounts_years_ranges_and_dates_are_not_phone_numbers(text: str) -> None:
    assert rules(text) == []


# --- postcode, house number, street -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "excerpt"),
    [
        ("Ik woon op 1234 AB 12 in het dorp.", "postcode", "1234 AB 12"),
        ("Adres: 1234AB, 12a.", "postcode", "1234AB, 12a"),
        ("Adres: 1234 AB, 12-3.", "postcode", "1234 AB, 12-3"),
        (
            "Kom naar Dorpsstraat 12, 1234 AB Ergenshuizen.",
            "street_address",
            "Dorpsstraat 12, 1234 AB",
        ),
        ("Ik woon aan de Dorpsstraat 12 in het centrum.", "street_address", "Dorpsstraat 12"),
        ("Het huis aan de Prinsengracht 263a is oud.", "street_address", "Prinsengracht 263a"),
        ("Het pand op de Stationsweg 5 staat leeg.", "street_address", "Stationsweg 5"),
    ],
)
def test_a_postcode_with_house_number_or_a_street_address_is_personal_data(
    text: str, rule: str, excerpt: str
) -> None:
    finding = only(text, rule)
    assert finding.excerpt == excerpt


@pytest.mark.parametrize(
    "text",
    [
        "In 2030 CO2-neutraal, in 2040 NOx-vrij.",
        "In 2024 en 12 andere jaren.",
        "Zie Hoofdstuk 12 en Artikel 12 van de Omgevingswet.",
        "De Agenda 2030 en de Woonwet 2024.",
        "Zie Bijlage 3 bij de Kerkstraat.",
        "De Ringweg 2030 is een plan, geen adres.",
        "Er komen 1234 woningen bij.",
        "De dorpsstraat 12 schrijven wij niet met een hoofdletter.",
    ],
)
def test_chapters_articles_and_years_are_not_addresses(text: str) -> None:
    assert rules(text) == []


def test_a_postcode_alone_is_not_flagged_only_with_a_house_number() -> None:
    assert rules("Het gebied rond 1234 AB wordt vernieuwd.") == []


# --- IBAN -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban",
    [
        "NL91ABNA0417164300",
        "NL91 ABNA 0417 1643 00",
        "nl91abna0417164300",
        "BE68 5390 0754 7034",
        "DE89 3704 0044 0532 0130 00",
    ],
)
def test_an_iban_with_a_valid_checksum_is_personal_data(iban: str) -> None:
    text = f"Maak het over naar {iban} en vermeld de naam."
    finding = only(text, "iban")
    assert text[finding.start : finding.end] == iban


@pytest.mark.parametrize(
    "text",
    [
        "Rekening NL12ABCD0123456789 klopt niet.",
        "Rekening NL91ABNA0417164301 heeft een tikfout.",
        "Code AB12CDEF34567890 is een kenmerk.",
        "Kenmerk XY12 3456 7890 1234 en verder.",
    ],
)
def test_capitals_and_digits_that_fail_mod_97_are_not_an_iban(text: str) -> None:
    assert rules(text) == []


def test_iban_checksum() -> None:
    assert iban_checksum_ok("NL91 ABNA 0417 1643 00")
    assert not iban_checksum_ok("NL91 ABNA 0417 1643 01")
    assert not iban_checksum_ok("NL91")
    assert not iban_checksum_ok("NL91ABNA04171643٠٠")  # Arabic-Indic digits are not digits here


# --- BSN --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "excerpt"),
    [
        ("Mijn bsn is 111222333.", "111222333"),
        ("BSN: 123.456.782", "123.456.782"),
        ("burgerservicenummer 1234 56 782", "1234 56 782"),
        ("Sofinummer 10000008 (oud)", "10000008"),
        ("Het nummer 111222333 staat op de brief.", "111222333"),
    ],
)
def test_a_bsn_passing_the_elfproef_is_personal_data(text: str, excerpt: str) -> None:
    assert only(text, "bsn").excerpt == excerpt


@pytest.mark.parametrize(
    "text",
    [
        "Mijn bsn is 123456789.",  # fails the elfproef
        "Het nummer 123456789 staat op de brief.",
        "Een bedrag van € 111222333 is veel.",
        "Een bedrag van EUR 111222333 is veel.",
        "Het kenmerk 1112223334 is tien cijfers.",
        "Het getal 111.222.333 zonder het woord bsn.",
        "Een groei van 111222333% is onmogelijk.",
    ],
)
def test_nine_digits_that_are_no_bsn_are_not_flagged(text: str) -> None:
    assert rules(text) == []


def test_elfproef() -> None:
    assert elfproef("111222333")
    assert elfproef("123456782")
    assert elfproef("10000008")  # a BSN of 8 digits: a leading 0 left off
    assert not elfproef("12345678")
    assert not elfproef("123456789")
    assert not elfproef("000000000")
    assert not elfproef("12345")


# --- together ---------------------------------------------------------------------------


def test_overlapping_findings_keep_the_longer_one() -> None:
    found = find_personal_data("Dorpsstraat 12, 1234 AB 12")
    assert [(f.rule, f.start) for f in found] == [("street_address", 0)]


def test_every_kind_of_personal_data_in_one_text_is_found_in_order() -> None:
    text = (
        "Mail jan@voorbeeld.nl, bel 06-12345678, schrijf naar Dorpsstraat 12, "
        "betaal op NL91ABNA0417164300, bsn 111222333."
    )
    assert [f.rule for f in find_personal_data(text)] == [
        "email",
        "phone",
        "street_address",
        "iban",
        "bsn",
    ]
