"""The representation monitor end to end, on both backends: hand-computed figures on a
seeded dialogue, filters and crosstabs, the export's k, the live signal and an alert over
real websockets, and the reminder batch an alert sends through the invitation machinery."""

from __future__ import annotations

import asyncio
import email
import itertools
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.policy import default as default_policy
from typing import Any

import pytest

from server.stakeholders.reference import load_municipalities
from server.stakeholders.service import seed_reference
from storage.database import Database
from tests.integration.harness import Harness, WsClient

pytestmark = pytest.mark.asyncio

FAST = {"representation_signal_seconds": 0.4, "mail_poll_interval_seconds": 0.05}


@pytest.fixture
def h(harness: Harness) -> Harness:
    return harness


def codes(province: str) -> list[str]:
    """The CBS codes of a province's municipalities, sorted."""
    return sorted(o.code for o in load_municipalities() if o.province == province)


async def on_db(h: Harness, work: Callable[[Database], Awaitable[Any]]) -> Any:
    db = Database(h.settings.resolved_database_url())
    try:
        return await work(db)
    finally:
        await db.close()


async def seeded(h: Harness) -> str:
    """The reference stakeholder map; returns a facilitator's token."""
    await on_db(h, seed_reference)
    return await h.staff("facilitator@test.example", "facilitator")


async def invite(h: Harness, office: str, municipalities: list[str], **extra: str) -> list[str]:
    """Personal invitation tokens, one per municipality."""
    invitees = [{"role": office, "municipality": code, **extra} for code in municipalities]
    links = await h.call(
        "POST", f"/api/dialogues/{h.slug}/invitations", json={"invitees": invitees}
    )
    return [link["token"] for link in links]


async def join(h: Harness, token: str, profile: dict[str, str] | None = None) -> str:
    body: dict[str, Any] = {"token": token}
    if profile is not None:
        body["profile"] = profile
    answer = await h.http.post("/api/join", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


async def write(h: Harness, session: str, times: int = 1) -> None:
    client = await h.ws(session)
    for i in range(times):
        ref = str(uuid.uuid4())
        await client.send(
            {
                "type": "contribute",
                "ref": ref,
                "theme": h.theme_id,
                "kind": "idea",
                "body": f"Een idee over samenwerking in de regio, nummer {i}",
            }
        )
        assert (await client.answer(ref))["type"] == "ack"
    await client.conn.close()


async def react(h: Harness, session: str, contribution: int) -> None:
    client = await h.ws(session)
    ref = str(uuid.uuid4())
    await client.send(
        {"type": "react", "ref": ref, "contribution": contribution, "reaction": "agree"}
    )
    assert (await client.answer(ref))["type"] == "ack"
    await client.conn.close()


async def open_link(h: Harness, token: str) -> str:
    made = await h.call(
        "POST", f"/api/dialogues/{h.slug}/open-links", token, json={"label": "Netwerk"}
    )
    return str(made["token"])


def rows(answer: dict[str, Any], dimension: str) -> dict[str, dict[str, Any]]:
    return {r["group"]: r for r in answer["groups"] if r["dimension"] == dimension}


def representation(h: Harness, token: str, query: str = "") -> Awaitable[Any]:
    return h.call("GET", f"/api/dialogues/{h.slug}/representation{query}", token)


# --- figures ---------------------------------------------------------------------------------


async def seed_offices(h: Harness, token: str) -> None:
    """Per office: invited, joined, active (each active one writes once); plus 10
    self-declared per office of whom 5 write.

    griffier: 20 / 15 / 10 (Utrecht), burgemeester: 15 / 10 / 5 (Gelderland),
    gemeentesecretaris: 15 / 10 / 5 (Noord-Brabant).
    """
    plan = {
        "griffier": (codes("Utrecht")[:20], 15, 10),
        "burgemeester": (codes("Gelderland")[:15], 10, 5),
        "gemeentesecretaris": (codes("Noord-Brabant")[:15], 10, 5),
    }
    link = await open_link(h, token)
    for office, (places, joined, active) in plan.items():
        tokens = await invite(h, office, places)
        sessions = [await join(h, t) for t in tokens[:joined]]
        for session in sessions[:active]:
            await write(h, session)
        declared = [
            await join(h, link, {"office": office, "municipality": code})
            for code in codes("Zuid-Holland")[:10]
        ]
        for session in declared[:5]:
            await write(h, session)


async def test_figures_per_office_equal_the_hand_computed_ones(h: Harness) -> None:
    token = await seeded(h)
    await seed_offices(h, token)
    answer = await representation(h, token)
    offices = rows(answer, "office")

    griffier = offices["griffier"]
    assert (griffier["population"], griffier["invited"], griffier["joined"]) == (342, 20, 15)
    assert (griffier["active"], griffier["contributions"]) == (10, 10)
    assert griffier["self_declared"] == {"joined": 10, "active": 5, "contributions": 5}
    # index = joined share ÷ population share = (15/35) ÷ (342/1026)
    assert griffier["index"] == round((15 / 35) / (342 / 1026), 3) == 1.286
    assert griffier["index_active"] == round((10 / 20) / (1 / 3), 3) == 1.5
    assert griffier["rate"] == round(15 / 342, 4)
    assert griffier["shares"]["joined"] == round(15 / 35, 4)
    for office in ("burgemeester", "gemeentesecretaris"):
        row = offices[office]
        assert (row["population"], row["invited"], row["joined"], row["active"]) == (
            342,
            15,
            10,
            5,
        )
        assert row["contributions"] == 5
        assert row["index"] == round((10 / 35) * 3, 3) == 0.857
    totals = answer["totals"]
    assert (totals["population"], totals["invited"], totals["joined"], totals["active"]) == (
        1026,
        50,
        35,
        20,
    )
    assert totals["self_declared"] == {"joined": 30, "active": 15, "contributions": 15}
    assert totals["all_contributions"] == 35
    # R-score over the offices: lowest rate ÷ highest = (10/342) ÷ (15/342)
    assert answer["r_scores"]["office"] == {"value": 0.667, "range": [0.667, 0.667]}
    assert answer["activity_until"] is not None


async def test_every_group_of_the_population_is_listed_and_small_ones_are_hidden(
    h: Harness,
) -> None:
    token = await seeded(h)
    await seed_offices(h, token)
    answer = await representation(h, token)
    provinces = rows(answer, "province")
    assert len(provinces) == 13  # twelve provinces and "onbekend"
    assert provinces["Flevoland"]["population"] == 18  # 6 municipalities × 3 offices
    assert provinces["Flevoland"]["invited"] == "<5"
    assert provinces["Flevoland"]["index"] is None
    assert provinces["Utrecht"]["population"] == 78
    networks = {r["group"] for r in answer["groups"] if r["dimension"] == "network"}
    assert {"G4", "G40", "M50", "P10", "K80", "P10: onbekend"} <= networks
    assert set(rows(answer, "size")) >= {"tot 20.000 inwoners", "onbekend"}
    for row in answer["groups"]:
        for name in ("population", "invited", "joined", "active", "contributions"):
            value = row[name]
            assert value is None or value == "<5" or (isinstance(value, int) and value >= 5)
        if not isinstance(row["joined"], int):
            assert row["index"] is None and row["shares"]["joined"] is None
        if not isinstance(row["population"], int):
            assert row["index"] is None and row["rate"] is None


async def test_a_crosstab_filters_and_the_export(h: Harness) -> None:
    token = await seeded(h)
    await seed_offices(h, token)
    cross = await representation(h, token, "?dimensions=office,province")
    assert {r["dimension"] for r in cross["groups"]} == {"office", "province"}
    cells = {(c["row"], c["column"]): c for c in cross["crosstab"]["cells"]}
    assert cross["crosstab"]["rows"] == "office"
    assert len(cells) == 3 * 13
    assert cells[("griffier", "Utrecht")]["invited"] == 20
    assert cells[("griffier", "Utrecht")]["population"] == 26
    assert cells[("griffier", "Flevoland")]["invited"] == "<5"
    assert cells[("burgemeester", "Utrecht")]["invited"] == "<5"

    export = await representation(h, token, "?export=1")
    assert export["k"] == 10 and export["alerts"] == []
    offices = rows(export, "office")
    assert offices["griffier"]["invited"] == 20
    assert offices["burgemeester"]["active"] == "<10"
    for row in export["groups"]:
        for name in ("invited", "joined", "active", "contributions"):
            assert row[name] in (None, "<10") or row[name] >= 10

    step = await representation(h, token, "?step=4")
    assert rows(step, "office")["griffier"]["active"] == 10  # written while Verrijken was open
    assert rows(await representation(h, token, "?step=3"), "office")["griffier"]["active"] == "<5"
    theme = await representation(h, token, f"?theme={h.theme_id}&dimensions=office")
    assert rows(theme, "office")["griffier"]["contributions"] == 10
    assert {r["dimension"] for r in theme["groups"]} == {"office"}


async def test_the_query_is_checked_and_only_facilitators_may_ask(h: Harness) -> None:
    token = await seeded(h)
    path = f"/api/dialogues/{h.slug}/representation"
    for query in (
        "?dimensions=office,office",
        "?dimensions=colour",
        "?step=2",
        "?step=x",
        "?dimensions=office,province,size",
        "?colour=1",
    ):
        answer = await h.http.get(path + query, headers=h.auth(token))
        assert answer.status_code == 400, query
        assert answer.json()["error"]["code"] == "invalid"
    missing = await h.http.get(path + "?theme=999", headers=h.auth(token))
    assert missing.status_code == 404
    [participant] = await h.participants(1)
    assert (await h.http.get(path, headers=h.auth(participant))).status_code == 403
    lead = await h.staff("lead@test.example", "lead")
    assert (await h.http.get(path, headers=h.auth(lead))).status_code == 403


# --- live ------------------------------------------------------------------------------------


async def moderation_client(h: Harness, token: str) -> WsClient:
    client = await h.ws(token)
    subscribed = await client.subscribe(f"moderation:{h.slug}")
    assert subscribed["type"] == "subscribed"
    return client


@pytest.mark.settings(**FAST)
async def test_joins_and_writes_signal_a_coalesced_change(h: Harness) -> None:
    token = await seeded(h)
    watcher = await moderation_client(h, token)
    channel = f"moderation:{h.slug}"
    tokens = await invite(h, "griffier", codes("Utrecht")[:6])
    first = await join(h, tokens[0])
    changed = await watcher.wait_for(
        lambda m: m.get("event") == "representation.changed", timeout=5
    )
    assert changed["data"] == {}  # nothing about people: the screen fetches the figures
    sessions = [first, *[await join(h, t) for t in tokens[1:]]]
    for session in sessions:
        await write(h, session)
    await watcher.drain(1.5)
    signals = watcher.events(channel, "representation.changed")
    assert 2 <= len(signals) <= 1 + 6  # a burst of 11 changes, coalesced
    times = [s["at"] for s in signals]
    gaps = [_seconds(b) - _seconds(a) for a, b in itertools.pairwise(times)]
    assert all(gap >= 0.35 for gap in gaps), gaps  # at most one per 0.4 s interval
    # a reaction counts too
    contributions = await h.call(
        "GET", f"/api/dialogues/{h.slug}/themes/{h.theme_id}/contributions", token
    )
    await asyncio.sleep(0.5)
    await react(h, sessions[0], contributions["contributions"][0]["id"])
    await watcher.wait_for(
        lambda m: m.get("event") == "representation.changed" and m["at"] > times[-1], timeout=5
    )


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


async def alert_setting(h: Harness, token: str) -> list[str]:
    """30 burgemeesters joined; 12 griffiers (with addresses) and 10 secretarissen invited,
    of the griffiers two joined without taking part. Returns the griffiers' tokens."""
    mayors = await invite(h, "burgemeester", codes("Gelderland")[:30])
    for t in mayors:
        await join(h, t)
    clerks = [
        {"role": "griffier", "municipality": code, "email": f"griffie{i}@gemeente.example"}
        for i, code in enumerate(codes("Utrecht")[:12])
    ]
    links = await h.call("POST", f"/api/dialogues/{h.slug}/invitations", json={"invitees": clerks})
    await invite(h, "gemeentesecretaris", codes("Zeeland")[:10])
    return [link["token"] for link in links]


@pytest.mark.settings(**FAST)
async def test_an_alert_is_raised_live_and_listed(h: Harness) -> None:
    token = await seeded(h)
    watcher = await moderation_client(h, token)
    clerks = await alert_setting(h, token)
    await join(h, clerks[0])  # a join: the monitor re-evaluates and raises the alerts
    alert = await watcher.wait_for(
        lambda m: m.get("event") == "representation.alert" and m["data"]["group"] == "griffier",
        timeout=10,
    )
    data = alert["data"]
    assert data["dimension"] == "office" and data["invited"] == 12
    assert data["joined"] == "<5" and data["index"] is None
    # the highest index "<5" allows: (4 / joined) ÷ (342 / 1026), under the default 0.5; the
    # monitor evaluates at most once per signal interval, so the first evaluation that sees the
    # clerks invited counts 30 joined (the mayors) or 31 (with the clerk's join)
    assert data["index_at_most"] in {round((4 / 30) * 3, 3), round((4 / 31) * 3, 3)}
    assert data["threshold"] == {"index_below": 0.5, "min_invited": 10}
    answer = await representation(h, token)
    listed = {(a["dimension"], a["group"]) for a in answer["alerts"]}
    assert ("office", "griffier") in listed and ("office", "gemeentesecretaris") in listed
    assert ("office", "burgemeester") not in listed
    # every listed alert was announced once (the others of that evaluation may still be on
    # their way), and a second evaluation raises nothing new
    alerts = f"moderation:{h.slug}"
    for _ in range(40):
        if len(watcher.events(alerts, "representation.alert")) >= len(answer["alerts"]):
            break
        await watcher.drain(0.25)
    count = len(watcher.events(alerts, "representation.alert"))
    assert count >= len(answer["alerts"])
    await representation(h, token)
    await watcher.drain(0.5)
    assert len(watcher.events(alerts, "representation.alert")) == count

    lowered = await h.call(
        "PUT",
        f"/api/dialogues/{h.slug}/representation/threshold",
        token,
        json={"index_below": 0.2, "min_invited": 10},
    )
    assert lowered["threshold"] == {"index_below": 0.2, "min_invited": 10}
    assert ("office", "griffier") not in {(a["dimension"], a["group"]) for a in lowered["alerts"]}
    bad = await h.http.put(
        f"/api/dialogues/{h.slug}/representation/threshold",
        headers=h.auth(token),
        json={"index_below": 1.5},
    )
    assert bad.status_code == 400


@pytest.mark.settings(**FAST)
async def test_an_alert_sends_a_reminder_batch_to_the_group(h: Harness) -> None:
    token = await seeded(h)
    clerks = await alert_setting(h, token)
    await join(h, clerks[0])
    await join(h, clerks[1])
    answer = await representation(h, token)
    assert ("office", "griffier") in {(a["dimension"], a["group"]) for a in answer["alerts"]}
    path = f"/api/dialogues/{h.slug}/representation/alerts/office/griffier/remind"
    sent = await h.call("POST", path, token)
    assert sent["alert"]["group"] == "griffier"
    assert (sent["reminded"], sent["queued"], sent["without_email"]) == (10, 10, 0)
    assert sent["not_active"] == {"mailed": "<5", "without_email": "<5", "totaal": "<5"}
    folder = h.settings.data_dir / "mail-outbox"
    for _ in range(200):
        if len(list(folder.glob("*.eml"))) >= 12:
            break
        await asyncio.sleep(0.05)
    mails = [
        email.message_from_bytes(f.read_bytes(), policy=default_policy)  # type: ignore[arg-type]
        for f in folder.glob("*.eml")
    ]
    addressed = {str(m["To"]) for m in mails}
    assert addressed == {f"griffie{i}@gemeente.example" for i in range(12)}
    listed = await representation(h, token)
    [alert] = [a for a in listed["alerts"] if a["group"] == "griffier"]
    assert alert["reminded_at"] is not None
    none = await h.http.post(
        f"/api/dialogues/{h.slug}/representation/alerts/office/burgemeester/remind",
        headers=h.auth(token),
    )
    assert none.status_code == 404
