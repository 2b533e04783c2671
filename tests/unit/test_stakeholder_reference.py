"""The municipalities reference, the VNG branches and the facilitator's CSV import."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.stakeholders.reference import (
    KIND_OTHER,
    KIND_VNG_BRANCH,
    NETWORKS,
    PROVINCES,
    ImportIssue,
    Organisation,
    apply_import,
    load_municipalities,
    parse_import,
    parse_municipalities,
    vng_branches,
)

REPO = Path(__file__).resolve().parents[2]
PACKAGED_CSV = REPO / "server" / "data" / "gemeenten-2024.csv"
SHARED_CSV = REPO.parent / "shared" / "data" / "gemeenten-2024.csv"


@pytest.fixture(scope="module")
def municipalities() -> tuple[Organisation, ...]:
    return load_municipalities()


def by_code(organisations: tuple[Organisation, ...]) -> dict[str, Organisation]:
    return {org.code: org for org in organisations}


def test_the_packaged_reference_holds_all_342_municipalities(municipalities) -> None:
    assert len(municipalities) == 342
    assert len({org.code for org in municipalities}) == 342
    assert sum(org.population or 0 for org in municipalities) == 17_942_942
    assert {org.kind for org in municipalities} == {"gemeente"}


def test_municipalities_per_province_match_cbs(municipalities) -> None:
    expected = {
        "Groningen": 10,
        "Fryslân": 18,
        "Drenthe": 12,
        "Overijssel": 25,
        "Flevoland": 6,
        "Gelderland": 51,
        "Utrecht": 26,
        "Noord-Holland": 44,
        "Zuid-Holland": 50,
        "Zeeland": 13,
        "Noord-Brabant": 56,
        "Limburg": 31,
    }
    counts = {p: sum(org.province == p for org in municipalities) for p in PROVINCES}
    assert counts == expected


def test_network_flags_are_true_false_or_unknown(municipalities) -> None:
    den_haag = by_code(municipalities)["GM0518"]
    assert den_haag.name == "'s-Gravenhage"
    assert set(den_haag.networks) == set(NETWORKS)
    assert den_haag.networks["G4"] is True
    assert den_haag.networks["G40"] is False
    assert sum(org.networks["G4"] is True for org in municipalities) == 4
    assert sum(org.networks["G40"] is True for org in municipalities) == 41
    assert sum(org.networks["M50"] is True for org in municipalities) == 61


def test_an_empty_cell_is_unknown_never_not_a_member(municipalities) -> None:
    assert all(org.networks["P10"] is None for org in municipalities)
    assert all(org.networks["K80"] is None for org in municipalities)


def test_a_quoted_name_with_commas_is_read_whole(municipalities) -> None:
    names = {org.name for org in municipalities}
    assert "Nuenen, Gerwen en Nederwetten" in names


def test_a_given_path_is_read_like_the_packaged_copy(tmp_path: Path, municipalities) -> None:
    copy = tmp_path / "gemeenten.csv"
    copy.write_bytes(PACKAGED_CSV.read_bytes())
    assert load_municipalities(copy) == municipalities


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="no shared/ beside the repository")
def test_the_packaged_copy_is_the_shared_reference_file() -> None:
    assert PACKAGED_CSV.read_bytes() == SHARED_CSV.read_bytes()


def test_broken_reference_data_fails_loudly_with_its_line() -> None:
    text = "cbs_code,name,province,population,population_year,g4,g40,m50,p10,k80\n"
    text += "GM0014,Groningen,Groningen,243768,2024,0,1,0,,\nGM0034,Almere,Atlantis,1,2024,,,,,\n"
    with pytest.raises(ValueError, match="line 3"):
        parse_municipalities(text)


def test_there_is_one_vng_branch_per_province(municipalities) -> None:
    branches = vng_branches(municipalities)
    assert [b.province for b in branches] == list(PROVINCES)
    assert branches[0].name == "VNG Afdeling Groningen"
    assert {b.kind for b in branches} == {KIND_VNG_BRANCH}
    assert len({b.code for b in branches}) == 12
    assert sum(b.population or 0 for b in branches) == 17_942_942
    assert all(value is False for b in branches for value in b.networks.values())


def test_branches_without_municipalities_have_no_population() -> None:
    assert all(b.population is None for b in vng_branches())


# --- the import ----------------------------------------------------------------------------


def test_an_import_completes_memberships_without_touching_other_fields(municipalities) -> None:
    result = parse_import("code,P10,K80\nGM0363,1,\nGM0014,nee,JA\n", municipalities)
    assert result.ok
    updated = by_code(apply_import(municipalities, result.records))
    amsterdam = updated["GM0363"]
    assert amsterdam.networks["P10"] is True
    assert amsterdam.networks["K80"] is None
    assert amsterdam.networks["G4"] is True
    assert amsterdam.population == by_code(municipalities)["GM0363"].population
    assert updated["GM0014"].networks["P10"] is False
    assert updated["GM0014"].networks["K80"] is True


def test_an_import_adds_new_organisations_after_the_existing_ones(municipalities) -> None:
    text = (
        "code;name;kind;province;population;G40\n"
        "GM9001;Nieuwstad;gemeente;Friesland;12.345;\n"
        "REGIO-1;Regio Test;overig;;;0\n"
    )
    result = parse_import(text, municipalities)
    assert result.ok, result.errors
    merged = apply_import(municipalities, result.records)
    assert len(merged) == 344
    new, other = merged[-2], merged[-1]
    assert (new.code, new.province, new.population) == ("GM9001", "Fryslân", 12345)
    assert new.networks == dict.fromkeys(NETWORKS)
    assert other.kind == KIND_OTHER
    assert other.networks["G40"] is False


def test_the_import_is_parsed_from_utf8_bytes_with_a_bom(municipalities) -> None:
    data = "\ufeffcode,name,province\nGM9002,Ĳsselstein-Noord,Utrecht\n".encode()
    result = parse_import(data, municipalities)
    assert result.ok
    assert result.records[0].name == "Ĳsselstein-Noord"


def test_row_errors_name_the_line_and_the_problem_in_dutch(municipalities) -> None:
    text = (
        "code,name,province,population,P10\n"
        "GM0363,,,,misschien\n"
        "GM12,Kort,Utrecht,,\n"
        "\n"
        "GM9003,,Utrecht,veel,\n"
        "GM9004,Nergens,Atlantis,,1\n"
        "GM0363,,,,1\n"
        "GM0014,Groningen\n"
    )
    errors = [str(e) for e in parse_import(text, municipalities).errors]
    assert errors == [
        "Regel 2: kolom P10: 'misschien' is geen geldige waarde (gebruik 1, 0, ja, nee of leeg)",
        "Regel 3: gemeentecode 'GM12' moet 'GM' met 4 cijfers zijn",
        "Regel 5: inwonertal 'veel' is geen geheel getal",
        "Regel 5: nieuwe organisatie GM9003: naam ontbreekt",
        "Regel 6: onbekende provincie 'Atlantis' (kies uit: " + ", ".join(PROVINCES) + ")",
        "Regel 6: nieuwe organisatie GM9004: provincie ontbreekt",
        "Regel 8: 2 velden, verwacht 5",
    ]


def test_a_duplicate_code_is_an_error_on_its_second_line(municipalities) -> None:
    result = parse_import("code,P10\nGM0363,1\nGM0363,0\n", municipalities)
    assert [str(e) for e in result.errors] == ["Regel 3: code GM0363 staat ook op regel 2"]


def test_a_record_with_a_quoted_newline_keeps_counting_lines(municipalities) -> None:
    text = 'code,name,province\nGM9005,"Twee\nregels",Utrecht\nGM9006,,Utrecht\n'
    errors = parse_import(text, municipalities).errors
    assert errors == (ImportIssue(4, "nieuwe organisatie GM9006: naam ontbreekt"),)


def test_the_kind_of_a_known_organisation_cannot_change(municipalities) -> None:
    result = parse_import("code,kind\nGM0363,vng_afdeling\n", municipalities)
    assert [str(e) for e in result.errors] == [
        "Regel 2: GM0363 is al bekend als 'gemeente'; de soort wijzigt niet"
    ]


def test_only_municipalities_use_gm_codes(municipalities) -> None:
    result = parse_import("code,name,kind,province\nGM7777,X,overig,\n", municipalities)
    assert "niet met 'GM' beginnen" in str(result.errors[0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Regel 1: het bestand is leeg"),
        ("name,P10\nX,1\n", "Regel 1: de kolom 'code' ontbreekt"),
        ("code,p10,P10\n", "Regel 1: kolom 'P10' staat er twee keer in"),
        ("code,bestuurslaag\n", "Regel 1: onbekende kolom 'bestuurslaag'"),
    ],
)
def test_a_bad_file_is_refused_at_its_header(municipalities, text: str, message: str) -> None:
    result = parse_import(text, municipalities)
    assert not result.ok
    assert result.records == ()
    assert str(result.errors[0]) == message


def test_a_file_that_is_not_utf8_is_refused(municipalities) -> None:
    result = parse_import("code,name\nGM9007,Café\n".encode("latin-1"), municipalities)
    assert [str(e) for e in result.errors] == ["Regel 1: het bestand is geen UTF-8-tekst"]


def test_rows_with_errors_yield_no_record_and_the_result_is_not_ok(municipalities) -> None:
    result = parse_import("code,P10\nGM0363,1\nGM0014,2\n", municipalities)
    assert [r.code for r in result.records] == ["GM0363"]
    assert not result.ok


def test_an_unreadable_csv_is_refused_with_the_line_it_broke_on(municipalities) -> None:
    text = 'code,name\nGM0363,Amsterdam\nGM9008,"' + "x" * 200_000 + '"\n'
    result = parse_import(text, municipalities)
    assert result.records == ()
    assert str(result.errors[0]).startswith("Regel 3: onleesbare CSV")
