"""The stakeholder map's pure rules: contacts files, facilitator networks, new kinds."""

from __future__ import annotations

import pytest

from server.stakeholders.contacts import normalise_email, parse_contacts
from server.stakeholders.population import population_sizes
from server.stakeholders.reference import (
    NETWORKS,
    Organisation,
    apply_import,
    load_municipalities,
    parse_import,
)
from storage.stakeholders import NewContact

CODES = {"GM0363", "GM0014", "ORG-0001"}
OFFICES = {"burgemeester", "griffier"}


@pytest.fixture(scope="module")
def municipalities() -> tuple[Organisation, ...]:
    return load_municipalities()


def test_contacts_are_normalised_and_repeats_are_skipped() -> None:
    text = (
        "Gemeente;Functie;E-mail\n"
        "gm0363;Burgemeester; B.Meester@Amsterdam.EXAMPLE \n"
        "ORG-0001;griffier;griffie@regio.example\n"
        ";;\n"
        "GM0363;burgemeester;b.meester@amsterdam.example\n"
    )
    parsed = parse_contacts(text, CODES, OFFICES)
    assert parsed.errors == ()
    assert parsed.contacts == (
        NewContact("GM0363", "burgemeester", "b.meester@amsterdam.example"),
        NewContact("ORG-0001", "griffier", "griffie@regio.example"),
    )
    assert parsed.duplicates == 1


def test_contact_errors_name_the_line_and_never_the_address() -> None:
    text = (
        "code,office,email\n"
        "GM9999,burgemeester,geheim@nergens.example\n"
        "GM0363,wethouder,a@b.example\n"
        "GM0363,griffier,geen adres@x.example\n"
        "GM0363,griffier\n"
    )
    errors = [str(e) for e in parse_contacts(text, CODES, OFFICES).errors]
    assert errors == [
        "Regel 2: organisatie 'GM9999' staat niet op de stakeholderkaart",
        "Regel 3: onbekende functie 'wethouder'",
        "Regel 4: ongeldig e-mailadres",
        "Regel 5: 2 velden, verwacht 3",
    ]
    assert "@" not in " ".join(errors)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("code,office", "Regel 1: de kolom 'email' ontbreekt"),
        ("code,office,email,naam", "Regel 1: onbekende kolom 'naam'"),
        ("code,gemeente,office,email", "Regel 1: kolom 'code' staat er twee keer in"),
    ],
)
def test_a_contacts_header_must_hold_code_office_and_email(header: str, message: str) -> None:
    errors = parse_contacts(header + "\n", CODES, OFFICES).errors
    assert message in [str(e) for e in errors]


def test_an_empty_or_binary_contacts_file_is_refused() -> None:
    assert [str(e) for e in parse_contacts("", CODES, OFFICES).errors] == [
        "Regel 1: het bestand is leeg"
    ]
    latin = "code,office,email\nGM0363,griffier,caf\xe9@x.example\n".encode("latin-1")
    assert "UTF-8" in str(parse_contacts(latin, CODES, OFFICES).errors[0])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Griffie@Gemeente.NL", "griffie@gemeente.nl"),
        ("a@b", None),
        ("a@@b.nl", None),
        ("a b@c.nl", None),
        ("x" * 250 + "@c.nl", None),
        ("", None),
    ],
)
def test_email_addresses_are_checked_loosely(raw: str, expected: str | None) -> None:
    assert normalise_email(raw) == expected


def test_the_import_takes_a_network_a_facilitator_added(municipalities) -> None:
    names = (*NETWORKS, "Regio-Deal")
    known = [
        Organisation(m.code, m.name, m.kind, m.province, m.population, {**m.networks})
        for m in municipalities
    ]
    result = parse_import("code,regio-deal\nGM0363,1\nGM0014,0\n", known, names)
    assert result.ok, result.errors
    merged = {o.code: o for o in apply_import(known, result.records, names)}
    assert merged["GM0363"].networks["Regio-Deal"] is True
    assert merged["GM0014"].networks["Regio-Deal"] is False
    assert parse_import("code,regio-deal\nGM0363,1\n", known).ok is False  # not by default


def test_a_network_or_province_kind_can_be_added(municipalities) -> None:
    text = "code,name,kind,province\nNW-1,Netwerk X,netwerk,\nPROV-1,Provincie Zeeland,provincie,\n"
    errors = [str(e) for e in parse_import(text, municipalities).errors]
    assert errors == ["Regel 3: nieuwe organisatie PROV-1: provincie ontbreekt"]


def test_population_counts_a_facilitators_network_and_its_unknowns(municipalities) -> None:
    orgs = [
        Organisation(
            m.code,
            m.name,
            m.kind,
            m.province,
            m.population,
            {**m.networks, "Regio-Deal": True if m.code == "GM0363" else None},
        )
        for m in municipalities
    ]
    sizes = population_sizes(orgs, "network", offices=("griffier",))
    assert sizes["Regio-Deal"] == 1 and sizes["Regio-Deal: onbekend"] == 341
    assert sizes["P10: onbekend"] == 342
