"""Flags reach facilitators without author data; hiding reaches everyone; nothing leaks."""

from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa

from storage.database import Database
from storage.tables import contributions, participants
from tests.integration.harness import Harness

pytestmark = pytest.mark.asyncio

CANARY_EMAIL = "kanarie.{n}@vogelkooi.example"


async def test_flag_reaches_facilitator_and_hiding_reaches_everyone(harness: Harness) -> None:
    tokens = await harness.participants(3)
    facilitator = await harness.staff("facilitator@test.example", "facilitator")
    mod = await harness.ws(facilitator)
    assert (await mod.subscribe(f"moderation:{harness.slug}"))["type"] == "subscribed"
    author, flagger, reader = [await harness.ws(t) for t in tokens]
    for client in (author, reader):
        await client.subscribe(harness.theme_channel)
    await author.send(
        {
            "type": "contribute",
            "ref": "c",
            "theme": harness.theme_id,
            "kind": "concern",
            "body": "Dit is een lastig punt",
        }
    )
    contribution = (await author.answer("c"))["id"]
    await flagger.send(
        {
            "type": "flag",
            "ref": "f",
            "contribution": contribution,
            "reason": "off_topic",
            "note": "hoort bij een ander thema",
        }
    )
    assert (await flagger.answer("f"))["type"] == "ack"
    flagged = await mod.wait_for(lambda m: m.get("event") == "flag.created")
    assert flagged["data"]["contribution"] == {"id": contribution, "body": "Dit is een lastig punt"}
    assert flagged["data"]["source"] == "participant" and flagged["data"]["reason"] == "off_topic"
    await harness.call(
        "POST",
        f"/api/dialogues/{harness.slug}/contributions/{contribution}/moderation",
        token=facilitator,
        json={"action": "hide", "reason": "Buiten het thema"},
    )
    for client in (author, reader):
        hidden = await client.wait_for(lambda m: m.get("event") == "contribution.hidden")
        assert hidden["data"] == {"id": contribution, "reason": "Buiten het thema"}
    listed = await harness.call(
        "GET", f"/api/dialogues/{harness.slug}/themes/{harness.theme_id}/contributions"
    )
    assert listed["contributions"] == []
    await harness.call(
        "POST",
        f"/api/dialogues/{harness.slug}/contributions/{contribution}/moderation",
        token=facilitator,
        json={"action": "restore", "reason": ""},
    )
    await reader.wait_for(lambda m: m.get("event") == "contribution.restored")


async def test_three_independent_flags_hide_a_contribution(harness: Harness) -> None:
    tokens = await harness.participants(4)
    author = await harness.ws(tokens[0])
    await author.subscribe(harness.theme_channel)
    await author.send(
        {
            "type": "contribute",
            "ref": "c",
            "theme": harness.theme_id,
            "kind": "idea",
            "body": "Omstreden voorstel",
        }
    )
    contribution = (await author.answer("c"))["id"]
    first = await harness.ws(tokens[1])
    for ref in ("f1", "f2"):  # the same participant twice counts once
        await first.send(
            {"type": "flag", "ref": ref, "contribution": contribution, "reason": "spam"}
        )
        await first.answer(ref)
    for i, token in enumerate(tokens[2:]):
        other = await harness.ws(token)
        await other.send(
            {"type": "flag", "ref": f"g{i}", "contribution": contribution, "reason": "offensive"}
        )
        await other.answer(f"g{i}")
    hidden = await author.wait_for(lambda m: m.get("event") == "contribution.hidden")
    assert hidden["data"]["id"] == contribution
    assert len(author.events(harness.theme_channel, "contribution.hidden")) == 1


CLIENT_LOGGERS = ("httpx", "httpcore", "websockets.client", "asyncio")
"""Loggers of the test's own clients: they see their own tokens, the server's logs must not."""


async def test_no_event_answer_or_log_line_carries_an_identity(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    invitees = [
        {"role": "burgemeester", "email": CANARY_EMAIL.format(n=n), "municipality": "GM0363"}
        for n in range(3)
    ]
    links = await harness.call(
        "POST", f"/api/dialogues/{harness.slug}/invitations", json={"invitees": invitees}
    )
    tokens = [
        (await harness.http.post("/api/join", json={"token": link["token"]})).json()["token"]
        for link in links
    ]
    facilitator = await harness.staff("facilitator@test.example", "facilitator")
    mod = await harness.ws(facilitator, binary=True)
    await mod.subscribe(f"moderation:{harness.slug}")
    clients = [await harness.ws(t, binary=i == 1) for i, t in enumerate(tokens)]
    for client in clients:
        await client.subscribe(harness.theme_channel)
        await client.subscribe(f"dialogue:{harness.slug}")
    await clients[0].send(
        {
            "type": "contribute",
            "ref": "a",
            "theme": harness.theme_id,
            "kind": "idea",
            "body": "Anoniem idee",
        }
    )
    contribution = (await clients[0].answer("a"))["id"]
    await clients[1].send(
        {"type": "react", "ref": "b", "contribution": contribution, "reaction": "disagree"}
    )
    await clients[1].answer("b")
    await clients[2].send(
        {
            "type": "flag",
            "ref": "c",
            "contribution": contribution,
            "reason": "other",
            "note": "even kijken",
        }
    )
    await clients[2].answer("c")
    await mod.wait_for(lambda m: m.get("event") == "flag.created")
    for client in clients:
        await client.wait_for(lambda m: m.get("event") == "reaction.counts")
    http_answers = [
        (await harness.http.get(path, headers=harness.auth(tokens[0]))).text
        for path in (
            f"/api/dialogues/{harness.slug}",
            f"/api/dialogues/{harness.slug}/themes/{harness.theme_id}/contributions",
            "/api/me",
        )
    ]
    db = Database(harness.settings.resolved_database_url())
    async with db.read() as conn:
        pseudonyms = [r[0] for r in await conn.execute(sa.select(contributions.c.author))]
        participant_ids = [r[0] for r in await conn.execute(sa.select(participants.c.id))]
    await db.close()
    assert pseudonyms
    everything = (
        [json.dumps(m, ensure_ascii=False) for c in [mod, *clients] for m in c.received]
        + http_answers
        + [
            f"{r.name}: {r.getMessage()}"
            for r in caplog.records
            if not r.name.startswith(CLIENT_LOGGERS)
        ]
    )
    text = "\n".join(everything)
    for secret in [*pseudonyms, *(CANARY_EMAIL.format(n=n) for n in range(3)), *tokens]:
        assert secret not in text
    for message in (m for c in [mod, *clients] for m in c.received if m["type"] == "event"):
        assert not {"author", "participant", "pseudonym", "email"} & set(message["data"])
    assert not any(f'"participant": {pid}' in text for pid in participant_ids)
