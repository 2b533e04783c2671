"""Vinden: the stakeholder map over HTTP, the CLI and the database, on both backends."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import Result
from typer.testing import CliRunner

from server.cli import app as cli_app
from server.stakeholders.population import SIZE_CLASSES
from server.stakeholders.reference import PROVINCES, packaged_csv_text
from server.stakeholders.service import SeedSummary, load_organisations, seed_reference
from storage import stakeholders as store
from storage.database import Database
from storage.migrate import upgrade
from storage.tables import metadata
from tests.integration.harness import Backend, Harness

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]
PER_PROVINCE = dict(zip(PROVINCES, (10, 18, 12, 25, 6, 51, 26, 44, 50, 13, 56, 31), strict=True))
MEMBERS = {"G4": 4, "G40": 41, "M50": 61}
STAKEHOLDER_TABLES = {"organisations", "networks", "memberships", "offices", "contacts"}
OFFICES = 3


async def seed(h: Harness, path: Path | None = None) -> SeedSummary:
    """Run the reference import against the harness's database, as `dialoog` would."""
    db = Database(h.settings.resolved_database_url())
    try:
        return await seed_reference(db, path)
    finally:
        await db.close()


async def facilitator(h: Harness) -> str:
    return await h.staff("facilitator@test.example", "facilitator")


async def organisations(h: Harness, token: str, **params: str) -> list[dict[str, Any]]:
    answer = await h.call("GET", "/api/stakeholders", token, params=params)
    return list(answer["organisations"])


async def refused(h: Harness, method: str, path: str, token: str, **kw: Any) -> dict[str, Any]:
    """A call that must fail with 400 in the contract's error shape; its error object."""
    headers = {**h.auth(token), **kw.pop("headers", {})}
    response = await h.http.request(method, path, headers=headers, **kw)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert "Traceback" not in response.text
    return dict(error)


def groups(answer: dict[str, Any], dimension: str) -> dict[str, int]:
    return {g["group"]: g["population"] for g in answer["groups"] if g["dimension"] == dimension}


# --- the reference ---------------------------------------------------------------------------


async def test_reference_import_gives_342_municipalities_as_in_the_file(harness: Harness) -> None:
    summary = await seed(harness)
    assert (summary.counts.added, summary.networks_added, summary.offices_added) == (354, 5, 3)
    token = await facilitator(harness)
    found = await organisations(harness, token)
    municipalities = [o for o in found if o["kind"] == "gemeente"]
    branches = [o for o in found if o["kind"] == "vng_afdeling"]
    assert len(municipalities) == 342 and len(branches) == 12
    assert Counter(o["province"] for o in municipalities) == PER_PROVINCE
    assert sum(o["population"] for o in municipalities) == 17_942_942
    assert {o["province"] for o in branches} == set(PROVINCES)
    for network, count in MEMBERS.items():
        assert sum(o["networks"][network] is True for o in municipalities) == count
        assert all(o["networks"][network] is not None for o in municipalities)
    for o in municipalities:
        assert list(o["networks"]) == ["G4", "G40", "M50", "P10", "K80"]
        assert o["networks"]["P10"] is None and o["networks"]["K80"] is None
        assert o["source"] == "reference" and o["size_class"]
    den_haag = next(o for o in found if o["code"] == "GM0518")
    assert den_haag["name"] == "'s-Gravenhage" and den_haag["networks"]["G4"] is True


async def test_a_facilitators_correction_survives_a_reimport(
    harness: Harness, tmp_path: Path
) -> None:
    await seed(harness)
    token = await facilitator(harness)
    changed = await harness.call(
        "PATCH",
        "/api/stakeholders/GM0363",
        token,
        json={"population": 935_000, "networks": {"P10": False, "G40": True}},
    )
    assert changed["population"] == 935_000 and changed["source"] == "facilitator"
    assert changed["networks"] == {"G4": True, "G40": True, "M50": False, "P10": False, "K80": None}
    # Only a membership changes at Groningen: its name and population stay reference data.
    await harness.call(
        "PATCH", "/api/stakeholders/GM0014", token, json={"networks": {"K80": False}}
    )
    # A newer reference file changes both municipalities and Utrecht.
    text = packaged_csv_text()
    newer = tmp_path / "gemeenten-2025.csv"
    newer.write_text(
        text.replace("GM0363,Amsterdam,Noord-Holland,", "GM0363,Amsterdam,Noord-Holland,9")
        .replace("GM0014,Groningen,Groningen,243768", "GM0014,Groningen,Groningen,250000")
        .replace("GM0344,Utrecht,Utrecht,", "GM0344,Utrecht,Utrecht,1"),
        encoding="utf-8",
    )
    summary = await seed(harness, newer)
    assert summary.counts.kept == 1 and summary.counts.memberships_kept == 3
    found = {o["code"]: o for o in await organisations(harness, token)}
    amsterdam, groningen, utrecht = found["GM0363"], found["GM0014"], found["GM0344"]
    assert amsterdam["population"] == 935_000 and amsterdam["source"] == "facilitator"
    assert amsterdam["networks"]["G40"] is True and amsterdam["networks"]["P10"] is False
    assert groningen["population"] == 250_000 and groningen["networks"]["K80"] is False
    assert utrecht["population"] > 1_000_000 and utrecht["source"] == "reference"
    # The branch of Noord-Holland adds up the map as corrected.
    branch = found["VNG-PV27"]
    holland = [o for o in found.values() if o["province"] == "Noord-Holland"]
    assert branch["population"] == sum(o["population"] for o in holland if o["kind"] == "gemeente")


# --- unknown stays unknown ---------------------------------------------------------------------


async def test_unknown_memberships_are_counted_apart_never_as_non_members(
    harness: Harness,
) -> None:
    await seed(harness)
    token = await facilitator(harness)
    for code, member in (("GM0014", True), ("GM0034", True), ("GM0037", False)):
        await harness.call(
            "PATCH", f"/api/stakeholders/{code}", token, json={"networks": {"P10": member}}
        )
    answer = await harness.call("GET", "/api/stakeholders/population", token)
    assert answer["offices"] == ["burgemeester", "gemeentesecretaris", "griffier"]
    assert answer["total"] == 342 * OFFICES
    by_network = groups(answer, "network")
    assert by_network["G4"] == 4 * OFFICES and by_network["M50"] == 61 * OFFICES
    assert by_network["P10"] == 2 * OFFICES
    assert by_network["P10: onbekend"] == (342 - 3) * OFFICES
    assert by_network["K80"] == 0 and by_network["K80: onbekend"] == 342 * OFFICES
    assert "G4: onbekend" not in by_network  # the reference file knows every G4 membership
    assert groups(answer, "office") == dict.fromkeys(
        ["burgemeester", "gemeentesecretaris", "griffier"], 342
    )
    assert groups(answer, "province") == {p: n * OFFICES for p, n in PER_PROVINCE.items()}
    sizes = groups(answer, "size")
    assert list(sizes) == [c.label for c in SIZE_CLASSES]
    assert list(sizes.values()) == [65 * OFFICES, 182 * OFFICES, 63 * OFFICES, 32 * OFFICES]

    # Members only through a filter: the unknown ones are neither in nor counted out.
    assert len(await organisations(harness, token, network="P10")) == 2
    two = await harness.call(
        "GET", "/api/stakeholders/population", token, params={"offices": "griffier,burgemeester"}
    )
    assert two["total"] == 684 and groups(two, "network")["P10: onbekend"] == 339 * 2


# --- the facilitator's import ------------------------------------------------------------------


async def test_a_csv_import_with_a_row_error_changes_nothing(harness: Harness) -> None:
    await seed(harness)
    token = await facilitator(harness)
    bad = (
        "code;naam;soort;provincie;inwoners;P10\n"
        "GM0363;;;;;1\n"
        "GM9999;Nieuwe Gemeente;gemeente;Atlantis;1000;\n"
        "ZZ-1;Regio Zuid;overig;;;2\n"
    )
    error = await refused(
        harness,
        "POST",
        "/api/stakeholders/import",
        token,
        content=bad.encode(),
        headers={**harness.auth(token), "content-type": "text/csv"},
    )
    assert "niets" in error["message"]
    assert {e.split(":")[0] for e in error["errors"]} == {"Regel 3", "Regel 4"}
    assert "Atlantis" in error["errors"][0] and "P10" in error["errors"][-1]
    amsterdam = await harness.call("GET", "/api/stakeholders/GM0363", token)
    assert amsterdam["networks"]["P10"] is None and amsterdam["source"] == "reference"

    good = "code,name,kind,province,population,P10\nGM0363,,,,,1\nZZ-1,Regio Zuid,overig,,,\n"
    answer = await harness.call("POST", "/api/stakeholders/import", token, json={"csv": good})
    assert answer == {"added": 1, "updated": 1, "unchanged": 0}
    amsterdam = await harness.call("GET", "/api/stakeholders/GM0363", token)
    assert amsterdam["networks"]["P10"] is True and amsterdam["source"] == "reference"
    regio = await harness.call("GET", "/api/stakeholders/ZZ-1", token)
    assert (regio["kind"], regio["source"], regio["size_class"]) == ("overig", "facilitator", None)
    again = await harness.call("POST", "/api/stakeholders/import", token, json={"csv": good})
    assert again == {"added": 0, "updated": 0, "unchanged": 2}


async def test_an_unreadable_import_is_refused(harness: Harness) -> None:
    await seed(harness)
    token = await facilitator(harness)
    for body, headers in (
        (b"code,name\nGM0363,Caf\xe9\n", {"content-type": "text/csv"}),
        (b"code,name\n", {"content-type": "application/xml"}),
        (b'{"csv": "", "extra": 1}', {"content-type": "application/json"}),
    ):
        await refused(
            harness,
            "POST",
            "/api/stakeholders/import",
            token,
            content=body,
            headers=headers,
        )
    error = await refused(
        harness, "POST", "/api/stakeholders/import", token, json={"csv": "naam\nx\n"}
    )
    assert error["errors"] == ["Regel 1: de kolom 'code' ontbreekt"]


# --- filters and roles -----------------------------------------------------------------------


async def test_filters_select_organisations_and_bad_values_are_refused(harness: Harness) -> None:
    await seed(harness)
    token = await facilitator(harness)

    async def count(**params: str) -> int:
        return len(await organisations(harness, token, **params))

    assert await count(province="Utrecht") == 26 + 1  # the municipalities and their branch
    assert await count(province="friesland", kind="gemeente") == 18
    assert await count(kind="vng_afdeling") == 12
    assert await count(network="g40") == 41
    assert await count(network="M50", province="Limburg") == sum(
        1 for o in await organisations(harness, token, province="Limburg") if o["networks"]["M50"]
    )
    sizes = [await count(size=c.label) for c in SIZE_CLASSES]
    assert sizes == [65, 182, 63, 32]
    assert await count(size="onbekend") == 0
    hits = await organisations(harness, token, q="GRAVENHAGE")
    assert [o["code"] for o in hits] == ["GM0518"]
    assert await count(q="fryslân") == 2 + 1  # Súdwest-, Noardeast-Fryslân and the branch
    assert await count(q="%") == 0

    for params in (
        {"province": "Atlantis"},
        {"network": "G5"},
        {"kind": "stad"},
        {"size": "groot"},
        {"size": "onbekend", "kind": "overig"},
        {"q": ""},
        {"sort": "name"},
        {"page": "2"},
    ):
        await refused(harness, "GET", "/api/stakeholders", token, params=params)
    await refused(harness, "GET", "/api/stakeholders?kind=gemeente&kind=overig", token)
    await refused(
        harness, "GET", "/api/stakeholders/population", token, params={"offices": "wethouder"}
    )


async def test_participants_and_strangers_are_kept_out(harness: Harness) -> None:
    await seed(harness)
    (participant,) = await harness.participants(1)
    lead = await harness.staff("lead@test.example", "lead")
    calls = [
        ("GET", "/api/stakeholders", {}),
        ("GET", "/api/stakeholders/GM0363", {}),
        ("POST", "/api/stakeholders", {"json": {"name": "X", "kind": "overig"}}),
        ("PATCH", "/api/stakeholders/GM0363", {"json": {"population": 1}}),
        ("POST", "/api/stakeholders/import", {"json": {"csv": "code,P10\nGM0363,1\n"}}),
        ("POST", "/api/stakeholders/contacts/import", {"json": {"csv": "code,office,email\n"}}),
        ("GET", "/api/stakeholders/population", {}),
        ("POST", "/api/offices", {"json": {"name": "wethouder"}}),
        ("POST", "/api/networks", {"json": {"name": "X1"}}),
        ("GET", "/api/offices", {}),
        ("GET", "/api/networks", {}),
    ]
    for method, path, kw in calls:
        response = await harness.http.request(method, path, headers=harness.auth(participant), **kw)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["code"] == "forbidden"
        async with httpx.AsyncClient(base_url=harness.base) as stranger:  # no session cookie
            anonymous = await stranger.request(method, path, **kw)
        assert anonymous.status_code == 401, (method, path)
        if path not in ("/api/offices", "/api/networks") or method == "POST":
            as_lead = await harness.http.request(method, path, headers=harness.auth(lead), **kw)
            assert as_lead.status_code == 403, (method, path)
    amsterdam = await harness.call("GET", "/api/stakeholders/GM0363")
    assert amsterdam["population"] != 1


# --- adding organisations, offices and networks -------------------------------------------------


async def test_organisations_offices_and_networks_can_be_added(harness: Harness) -> None:
    await seed(harness)
    token = await facilitator(harness)
    offices = await harness.call("GET", "/api/offices", token)
    assert [o["name"] for o in offices["offices"]] == [
        "burgemeester",
        "gemeentesecretaris",
        "griffier",
    ]
    added = await harness.call("POST", "/api/offices", token, json={"name": "Wethouder"})
    assert added == {"name": "wethouder", "label": "Wethouder"}
    duplicate = await harness.http.post(
        "/api/offices", headers=harness.auth(token), json={"name": "wethouder"}
    )
    assert duplicate.status_code == 409

    network = await harness.call(
        "POST", "/api/networks", token, json={"name": "Regio-Deal", "description": "Regio Deals"}
    )
    assert network["name"] == "Regio-Deal"
    for name in ("regio-deal", "code", "P 10", ""):
        response = await harness.http.post(
            "/api/networks", headers=harness.auth(token), json={"name": name}
        )
        assert response.status_code in (400, 409), (name, response.text)
    names = [n["name"] for n in (await harness.call("GET", "/api/networks", token))["networks"]]
    assert names == ["G4", "G40", "M50", "P10", "K80", "Regio-Deal"]

    found = await organisations(harness, token)
    assert all(o["networks"]["Regio-Deal"] is None for o in found)
    await harness.call(
        "PATCH", "/api/stakeholders/GM0363", token, json={"networks": {"regio-deal": True}}
    )
    imported = await harness.call(
        "POST", "/api/stakeholders/import", token, json={"csv": "code,Regio-Deal\nGM0014,0\n"}
    )
    assert imported["updated"] == 1
    population = await harness.call(
        "GET", "/api/stakeholders/population", token, params={"offices": "wethouder"}
    )
    by_network = groups(population, "network")
    assert by_network["Regio-Deal"] == 1 and by_network["Regio-Deal: onbekend"] == 340
    assert groups(population, "office") == {"wethouder": 342}

    regio = await harness.call(
        "POST",
        "/api/stakeholders",
        token,
        json={"name": "Regio Rivierenland", "kind": "overig", "networks": {"M50": True}},
    )
    assert regio["code"] == "ORG-0001" and regio["networks"]["M50"] is True
    assert regio["networks"]["G4"] is None and regio["source"] == "facilitator"
    second = await harness.call(
        "POST",
        "/api/stakeholders",
        token,
        json={"name": "Provincie Zeeland", "kind": "provincie", "province": "Zeeland"},
    )
    assert second["code"] == "PROV-0001"
    merged = await harness.call(
        "POST",
        "/api/stakeholders",
        token,
        json={
            "code": "gm1999",
            "name": "Nieuwe Gemeente",
            "kind": "gemeente",
            "province": "Gelderland",
            "population": 55_000,
        },
    )
    assert merged["code"] == "GM1999" and merged["size_class"] == "50.000 tot 100.000 inwoners"
    for body in (
        {"name": "Zonder code", "kind": "gemeente", "province": "Utrecht"},
        {"name": "Zonder provincie", "kind": "provincie"},
        {"name": "X", "kind": "overig", "networks": {"G5": True}},
        {"name": "X", "kind": "overig", "population": -1},
        {"name": "X", "kind": "overig", "colour": "rood"},
        {"name": " ", "kind": "overig"},
        {"name": "X", "kind": "overig", "code": "GM0001"},
    ):
        await refused(harness, "POST", "/api/stakeholders", token, json=body)
    conflict = await harness.http.post(
        "/api/stakeholders",
        headers=harness.auth(token),
        json={
            "code": "GM0363",
            "name": "Amsterdam",
            "kind": "gemeente",
            "province": "Noord-Holland",
        },
    )
    assert conflict.status_code == 409
    await refused(harness, "PATCH", "/api/stakeholders/GM0363", token, json={})
    await refused(harness, "PATCH", "/api/stakeholders/GM0363", token, json={"province": None})
    missing = await harness.http.patch(
        "/api/stakeholders/GM0000", headers=harness.auth(token), json={"population": 1}
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


# --- contacts ---------------------------------------------------------------------------------


async def test_contacts_import_answers_counts_only_and_is_all_or_nothing(
    harness: Harness,
) -> None:
    await seed(harness)
    token = await facilitator(harness)
    good = (
        "gemeente,functie,e-mail\n"
        "GM0363,burgemeester,Burgemeester@Amsterdam.example\n"
        "gm0363,griffier,griffie@amsterdam.example\n"
        "GM0014,griffier,griffie@groningen.example\n"
        "GM0014,griffier,griffie@groningen.example\n"
    )
    response = await harness.http.post(
        "/api/stakeholders/contacts/import",
        headers={**harness.auth(token), "content-type": "text/csv"},
        content=good.encode(),
    )
    assert response.status_code == 200, response.text
    assert "@" not in response.text
    assert response.json() == {
        "added": 3,
        "already_known": 0,
        "repeated_in_file": 1,
        "contacts_per_office": {"burgemeester": 1, "griffier": 2},
    }
    again = await harness.call(
        "POST", "/api/stakeholders/contacts/import", token, json={"csv": good}
    )
    assert (again["added"], again["already_known"]) == (0, 3)

    bad = (
        "code,office,email\n"
        "GM0344,burgemeester,burgemeester@utrecht.example\n"
        "GM0000,griffier,iemand@nergens.example\n"
        "GM0344,wethouder,geheim@utrecht.example\n"
        "GM0344,griffier,geen-adres\n"
    )
    error = await refused(
        harness, "POST", "/api/stakeholders/contacts/import", token, json={"csv": bad}
    )
    assert [e.split(":")[0] for e in error["errors"]] == ["Regel 3", "Regel 4", "Regel 5"]
    assert "@" not in str(error) and "geen-adres" not in str(error)

    # The invitation batches read them through storage, never through a listing route.
    db = Database(harness.settings.resolved_database_url())
    try:
        async with db.read() as conn:
            griffiers = await store.list_contacts(conn, offices=["griffier"])
            everyone = await store.list_contacts(conn)
    finally:
        await db.close()
    assert [(c.organisation_code, c.email) for c in griffiers] == [
        ("GM0014", "griffie@groningen.example"),
        ("GM0363", "griffie@amsterdam.example"),
    ]
    assert "burgemeester@amsterdam.example" in {c.email for c in everyone}
    assert len(everyone) == 3
    listing = await harness.http.get("/api/stakeholders", headers=harness.auth(token))
    assert "@" not in listing.text


# --- the CLI and the schema ----------------------------------------------------------------------


def run_cli(database_url: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """`python -m server stakeholders import` in its own process, as an operator runs it."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DIALOOG_DATA_DIR": str(folder),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "server", "stakeholders", "import"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def invoke_cli(database_url: str, folder: Path, *args: str) -> Result:
    """The same command in this process (cheaper): Typer's runner, outside the event loop."""
    env = {"DATABASE_URL": database_url, "DIALOOG_DATA_DIR": str(folder)}
    return CliRunner().invoke(cli_app, ["stakeholders", "import", *args], env=env)


async def test_the_cli_imports_into_a_fresh_database(backend: Backend, tmp_path: Path) -> None:
    url = backend.database_url
    if backend.name == "embedded":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"  # not migrated: the command does it
    first = await asyncio.to_thread(run_cli, url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "354 nieuw" in first.stdout and "Groningen 10" in first.stdout
    assert "G4 4, G40 41, M50 61" in first.stdout
    second = await asyncio.to_thread(invoke_cli, url, tmp_path)
    assert second.exit_code == 0, second.output
    assert "0 nieuw, 0 bijgewerkt, 354 ongewijzigd" in second.output
    db = Database(url)
    try:
        async with db.read() as conn:
            found = await load_organisations(conn)
            offices = await store.list_offices(conn)
    finally:
        await db.close()
    assert Counter(o.kind for o in found) == {"gemeente": 342, "vng_afdeling": 12}
    assert {o.name for o in offices} == {"burgemeester", "gemeentesecretaris", "griffier"}

    broken = tmp_path / "kapot.csv"
    broken.write_text("cbs_code,name\nGM0001,X\n", encoding="utf-8")
    refused_file = await asyncio.to_thread(invoke_cli, url, tmp_path, "--file", str(broken))
    assert refused_file.exit_code == 2 and "Fout:" in refused_file.output
    assert refused_file.exception is None or isinstance(refused_file.exception, SystemExit)


async def test_the_migrations_build_the_stakeholder_tables_as_declared(
    backend: Backend, tmp_path: Path
) -> None:
    url = backend.database_url
    if backend.name == "embedded":
        url = f"sqlite:///{tmp_path / 'schema.db'}"
        await asyncio.to_thread(upgrade, url)  # Alembic runs its own event loop
    db = Database(url)
    try:
        async with db.read() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
    finally:
        await db.close()

    def table_of(change: Any) -> str:
        item = change[0] if isinstance(change, list) else change
        operation = item[0]
        if operation in ("add_table", "remove_table"):
            return str(item[1].name)
        if operation in ("add_column", "remove_column") or operation.startswith("modify_"):
            return str(item[2])
        return str(item[1].table.name)  # indexes, constraints, foreign keys

    ours = [change for change in diff if table_of(change) in STAKEHOLDER_TABLES]
    assert ours == []
