"""Facilitator actions over the API and live channels: hold, approve, claim, mute, audit."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from storage.database import Database
from storage.tables import mutes
from tests.integration.harness import Harness

pytestmark = pytest.mark.asyncio


def contribute(theme: int, ref: str, body: str) -> dict[str, object]:
    return {"type": "contribute", "ref": ref, "theme": theme, "kind": "idea", "body": body}


async def moderate(h: Harness, token: str, contribution: int, **body: object) -> dict:
    return await h.call(
        "POST",
        f"/api/dialogues/{h.slug}/contributions/{contribution}/moderation",
        token=token,
        json=body,
    )


async def test_pre_moderation_holds_until_a_facilitator_approves(harness: Harness) -> None:
    facilitator = await harness.staff("f@test.example", "facilitator")
    await harness.call(
        "PATCH",
        f"/api/dialogues/{harness.slug}/moderation",
        token=facilitator,
        json={"moderation_mode": "pre"},
    )
    author_token, reader_token = await harness.participants(2)
    mod = await harness.ws(facilitator)
    await mod.subscribe(f"moderation:{harness.slug}")
    reader = await harness.ws(reader_token)
    await reader.subscribe(harness.theme_channel)
    author = await harness.ws(author_token)
    await author.send(contribute(harness.theme_id, "h", "Eerst nakijken"))
    ack = await author.answer("h")
    assert ack["held"] is True and ack["channel"] == f"moderation:{harness.slug}"
    held = await mod.wait_for(lambda m: m.get("event") == "contribution.held")
    assert held["data"]["contribution"] == {"id": ack["id"], "body": "Eerst nakijken"}
    queue = await harness.call(
        "GET", f"/api/dialogues/{harness.slug}/moderation", token=facilitator
    )
    assert [i["state"] for i in queue["items"]] == ["held"]
    await reader.drain(0.3)
    assert reader.events(harness.theme_channel, "contribution.created") == []
    await moderate(harness, facilitator, ack["id"], action="approve")
    created = await reader.wait_for(lambda m: m.get("event") == "contribution.created")
    assert created["data"]["id"] == ack["id"] and created["data"]["body"] == "Eerst nakijken"


async def test_mute_blocks_writes_for_its_time_only(harness: Harness) -> None:
    facilitator = await harness.staff("f@test.example", "facilitator")
    loud, quiet = await harness.participants(2)
    a = await harness.ws(loud)
    await a.send(contribute(harness.theme_id, "1", "Eerste"))
    first = await a.answer("1")
    outcome = await moderate(
        harness, facilitator, first["id"], action="mute", minutes=1, reason="Even afkoelen"
    )
    assert "until" in outcome and "author" not in outcome
    await a.send(contribute(harness.theme_id, "2", "Tweede"))
    refused = await a.answer("2")
    assert refused["code"] == "forbidden"
    await a.send({"type": "react", "ref": "3", "contribution": first["id"], "reaction": "agree"})
    assert (await a.answer("3"))["code"] == "forbidden"
    b = await harness.ws(quiet)
    await b.send(contribute(harness.theme_id, "4", "Een ander mag wel"))
    assert (await b.answer("4"))["type"] == "ack"


async def test_mute_ends_when_its_time_is_up(harness: Harness) -> None:
    facilitator = await harness.staff("f@test.example", "facilitator")
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.send(contribute(harness.theme_id, "1", "Eerste"))
    first = await a.answer("1")
    await moderate(harness, facilitator, first["id"], action="mute", minutes=1)
    db = Database(harness.settings.resolved_database_url())
    async with db.transaction() as conn:  # let the minute pass without waiting for it
        await conn.execute(sa.update(mutes).values(until=datetime.now(UTC) - timedelta(seconds=1)))
    await db.close()
    await a.send(contribute(harness.theme_id, "2", "Weer welkom"))
    assert (await a.answer("2"))["type"] == "ack"


async def test_claim_note_and_actions_reach_other_facilitators(harness: Harness) -> None:
    first = await harness.staff("eerste@test.example", "facilitator")
    second = await harness.staff("tweede@test.example", "facilitator")
    (token,) = await harness.participants(1)
    watcher = await harness.ws(second)
    await watcher.subscribe(f"moderation:{harness.slug}")
    a = await harness.ws(token)
    await a.send(contribute(harness.theme_id, "c", "Twijfelgeval"))
    contribution = (await a.answer("c"))["id"]
    await moderate(harness, first, contribution, action="claim")
    claimed = await watcher.wait_for(lambda m: m.get("event") == "moderation.action")
    assert claimed["data"]["by"] == "eerste@test.example"
    assert claimed["data"]["action"] == "claim"
    await moderate(harness, first, contribution, action="note", note="Navragen bij de griffie")
    await watcher.wait_for(
        lambda m: m.get("event") == "moderation.action" and m["data"]["action"] == "note"
    )


async def test_audit_log_is_readable_and_exportable_by_admins_only(harness: Harness) -> None:
    facilitator = await harness.staff("f@test.example", "facilitator")
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.send(contribute(harness.theme_id, "c", "Even verbergen"))
    contribution = (await a.answer("c"))["id"]
    await moderate(harness, facilitator, contribution, action="hide", reason="Test")
    await moderate(harness, facilitator, contribution, action="restore")
    refused = await harness.http.get(
        f"/api/dialogues/{harness.slug}/audit", headers=harness.auth(facilitator)
    )
    assert refused.status_code == 403
    log = await harness.call("GET", f"/api/dialogues/{harness.slug}/audit")
    assert [e["action"] for e in log["entries"]] == ["hide", "restore"]
    assert log["entries"][0]["by"] == "f@test.example"
    exported = await harness.http.get(
        f"/api/dialogues/{harness.slug}/audit?format=csv", headers=harness.auth(harness.admin_token)
    )
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:4] == ["id", "tijdstip", "door", "actie"] and len(rows) == 3


async def test_participant_cannot_moderate(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.send(contribute(harness.theme_id, "c", "Zelf verbergen?"))
    contribution = (await a.answer("c"))["id"]
    response = await harness.http.post(
        f"/api/dialogues/{harness.slug}/contributions/{contribution}/moderation",
        json={"action": "hide"},
        headers=harness.auth(token),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    await asyncio.sleep(0)
