"""A live Verdiepen workshop over real websockets, run by a session lead."""

from __future__ import annotations

import pytest

from tests.integration.harness import Harness

pytestmark = pytest.mark.asyncio


async def plan(h: Harness, lead: str) -> dict:
    await h.call("POST", f"/api/dialogues/{h.slug}/steps/6", json={"state": "open"})
    return await h.call(
        "POST",
        f"/api/dialogues/{h.slug}/workshops",
        token=lead,
        json={
            "title": "Verdieping woningbouw",
            "theme": h.theme_id,
            "rounds": [
                {
                    "prompt": "Wat houdt regionale woningbouw tegen?",
                    "kind": "write",
                    "duration_seconds": 300,
                },
                {
                    "prompt": "Welke aanpak verdient voorrang?",
                    "kind": "poll",
                    "duration_seconds": 120,
                    "options": ["Woningbouwtafel", "Flexwoningen"],
                },
            ],
        },
    )


@pytest.mark.settings(presence_interval_seconds=0.2)
async def test_a_live_workshop_from_first_round_to_summary(harness: Harness) -> None:
    lead = await harness.staff("leider@test.example", "lead")
    workshop = await plan(harness, lead)
    channel = workshop["channel"]
    tokens = await harness.participants(3)
    clients = [await harness.ws(t) for t in tokens[:2]]
    for client in clients:
        await client.subscribe(channel, since=workshop["seq"])
    present = await clients[0].wait_for(
        lambda m: m.get("event") == "workshop.presence" and m["data"]["present"] == 2
    )
    assert set(present["data"]) == {"present"}, "how many, never who"
    started = await harness.call(
        "POST", f"/api/workshops/{workshop['id']}/control", token=lead, json={"action": "start"}
    )
    seen = [await c.wait_for(lambda m: m.get("event") == "workshop.state") for c in clients]
    assert {s["data"]["deadline"] for s in seen} == {started["deadline"]}
    assert seen[0]["data"]["round"]["prompt"] == "Wat houdt regionale woningbouw tegen?"
    first_round = seen[0]["data"]["round"]["id"]
    await clients[0].send(
        {
            "type": "contribute",
            "ref": "w",
            "theme": harness.theme_id,
            "kind": "obstacle",
            "body": "Te weinig bouwgrond",
            "round": first_round,
        }
    )
    written = await clients[0].answer("w")
    assert written["type"] == "ack"
    board = await clients[1].wait_for(lambda m: m.get("event") == "workshop.contribution")
    assert board["data"] == {
        "round": first_round,
        "id": written["id"],
        "kind": "obstacle",
        "body": "Te weinig bouwgrond",
    }
    await harness.call(
        "POST", f"/api/workshops/{workshop['id']}/control", token=lead, json={"action": "next"}
    )
    poll_round = (
        await clients[1].wait_for(
            lambda m: m.get("event") == "workshop.state" and m["data"]["round"]["kind"] == "poll"
        )
    )["data"]["round"]["id"]
    for i, client in enumerate(clients):
        await client.send({"type": "poll", "ref": f"p{i}", "round": poll_round, "option": 1})
        assert (await client.answer(f"p{i}"))["type"] == "ack"
    counts = await clients[0].wait_for(
        lambda m: m.get("event") == "workshop.poll" and m["data"]["counts"] == [0, 2]
    )
    assert counts["data"]["round"] == poll_round
    await harness.call(
        "POST",
        f"/api/workshops/{workshop['id']}/pins",
        token=lead,
        json={"contribution": written["id"]},
    )
    await clients[1].wait_for(lambda m: m.get("event") == "workshop.pinned")
    late = await harness.ws(tokens[2])
    state = await harness.call("GET", f"/api/workshops/{workshop['id']}", token=tokens[2])
    assert state["round"]["id"] == poll_round and state["polls"][str(poll_round)] == [0, 2]
    assert state["pins"] == [{"id": written["id"], "body": "Te weinig bouwgrond"}]
    assert [b["body"] for b in state["board"]] == ["Te weinig bouwgrond"]
    await late.subscribe(channel, since=state["seq"])
    await harness.call(
        "POST",
        f"/api/workshops/{workshop['id']}/control",
        token=lead,
        json={"action": "close", "summary": "Bouwgrond is het knelpunt."},
    )
    closed = await late.wait_for(lambda m: m.get("event") == "workshop.closed")
    assert closed["data"]["summary"] == "Bouwgrond is het knelpunt."


async def test_writes_outside_the_current_round_are_refused(harness: Harness) -> None:
    lead = await harness.staff("leider@test.example", "lead")
    workshop = await plan(harness, lead)
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    first_round = workshop["rounds"][0]["id"]
    await a.send(
        {
            "type": "contribute",
            "ref": "early",
            "theme": harness.theme_id,
            "kind": "idea",
            "body": "Te vroeg",
            "round": first_round,
        }
    )
    assert (await a.answer("early"))["code"] == "closed"
    await a.send({"type": "poll", "ref": "p", "round": workshop["rounds"][1]["id"], "option": 0})
    assert (await a.answer("p"))["code"] == "closed"
    participant_control = await harness.http.post(
        f"/api/workshops/{workshop['id']}/control",
        json={"action": "start"},
        headers=harness.auth(token),
    )
    assert participant_control.status_code == 403
