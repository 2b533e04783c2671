"""Two participants over real websockets: contributions and reactions arrive live, in order."""

from __future__ import annotations

import pytest

from tests.integration.harness import Harness

pytestmark = pytest.mark.asyncio


def contribute(theme: int, ref: str, body: str, **extra: object) -> dict[str, object]:
    return {"type": "contribute", "ref": ref, "theme": theme, "kind": "idea", "body": body, **extra}


@pytest.mark.parametrize("binary", [False, True], ids=["json", "msgpack"])
async def test_contribution_reaches_other_participant_in_seq_order(
    harness: Harness, binary: bool
) -> None:
    a_token, b_token = await harness.participants(2)
    a = await harness.ws(a_token, binary=binary)
    b = await harness.ws(b_token, binary=not binary)
    await b.subscribe(harness.theme_channel)
    acks = []
    for i in range(5):
        await a.send(contribute(harness.theme_id, f"ref-{i}", f"Idee nummer {i}"))
        acks.append(await a.answer(f"ref-{i}"))
    assert [ack["type"] for ack in acks] == ["ack"] * 5
    assert all(ack["channel"] == harness.theme_channel for ack in acks)
    for ack in acks:
        await b.wait_for(lambda m, s=ack["seq"]: m.get("seq") == s and m["type"] == "event")
    created = b.events(harness.theme_channel, "contribution.created")
    assert [e["data"]["body"] for e in created] == [f"Idee nummer {i}" for i in range(5)]
    seqs = [e["seq"] for e in created]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    assert [e["data"]["id"] for e in created] == [ack["id"] for ack in acks]


async def test_reaction_counts_reach_the_author(harness: Harness) -> None:
    a_token, b_token = await harness.participants(2)
    a = await harness.ws(a_token)
    b = await harness.ws(b_token)
    await a.subscribe(harness.theme_channel)
    await a.send(contribute(harness.theme_id, "c1", "Gezamenlijke inkoop"))
    contribution = (await a.answer("c1"))["id"]
    await b.send({"type": "react", "ref": "r1", "contribution": contribution, "reaction": "agree"})
    assert (await b.answer("r1"))["type"] == "ack"
    counts = await a.wait_for(lambda m: m.get("event") == "reaction.counts")
    assert counts["data"] == {"contribution": contribution, "agree": 1, "disagree": 0, "pass": 0}
    await b.send({"type": "react", "ref": "r2", "contribution": contribution, "reaction": "pass"})
    await b.answer("r2")
    counts = await a.wait_for(
        lambda m: m.get("event") == "reaction.counts" and m["data"]["pass"] == 1
    )
    assert counts["data"]["agree"] == 0, "a new reaction replaces the old one"
    listed = await harness.call(
        "GET", f"/api/dialogues/{harness.slug}/themes/{harness.theme_id}/contributions"
    )
    assert listed["contributions"][0]["pass"] == 1


async def test_resume_with_since_gives_exactly_the_missed_events(harness: Harness) -> None:
    a_token, b_token = await harness.participants(2)
    a = await harness.ws(a_token)
    b = await harness.ws(b_token)
    await b.subscribe(harness.theme_channel)
    await a.send(contribute(harness.theme_id, "first", "Voor de onderbreking"))
    first = await a.answer("first")
    await b.wait_for(lambda m: m.get("seq") == first["seq"])
    await b.conn.close()
    for i in range(5):
        await a.send(contribute(harness.theme_id, f"gap-{i}", f"Gemist {i}"))
        await a.answer(f"gap-{i}")
    b2 = await harness.ws(b_token)
    subscribed = await b2.subscribe(harness.theme_channel, since=first["seq"])
    assert subscribed["type"] == "subscribed"
    assert subscribed["replayed"] == 5
    assert subscribed["seq"] == first["seq"] + 5
    replayed = b2.events(harness.theme_channel)
    assert [e["data"]["body"] for e in replayed] == [f"Gemist {i}" for i in range(5)]
    await a.send(contribute(harness.theme_id, "after", "Weer live"))
    live = await b2.wait_for(
        lambda m: m.get("event") == "contribution.created" and m["data"]["body"] == "Weer live"
    )
    assert live["seq"] == first["seq"] + 6


async def test_retried_ref_gives_the_same_ack_and_one_row(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.send(contribute(harness.theme_id, "same-ref", "Eén keer opslaan"))
    first = await a.answer("same-ref")
    a2 = await harness.ws(token)
    await a2.send(contribute(harness.theme_id, "same-ref", "Eén keer opslaan"))
    second = await a2.answer("same-ref")
    assert {k: v for k, v in second.items() if k != "_seen"} == {
        k: v for k, v in first.items() if k != "_seen"
    }
    listed = await harness.call(
        "GET", f"/api/dialogues/{harness.slug}/themes/{harness.theme_id}/contributions"
    )
    assert len(listed["contributions"]) == 1


async def test_closed_step_refuses_contributions(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    await harness.call("POST", f"/api/dialogues/{harness.slug}/steps/4", json={"state": "closed"})
    a = await harness.ws(token)
    await a.send(contribute(harness.theme_id, "x", "Te laat"))
    answer = await a.answer("x")
    assert answer["type"] == "error" and answer["code"] == "closed"


async def test_step_change_is_announced_live(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.subscribe(f"dialogue:{harness.slug}")
    await harness.call("POST", f"/api/dialogues/{harness.slug}/steps/5", json={"state": "open"})
    changed = await a.wait_for(lambda m: m.get("event") == "step.changed")
    assert changed["data"]["step"] == 5 and changed["data"]["state"] == "open"
