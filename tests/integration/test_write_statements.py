"""How many SQL statements one contribute or react costs.

Each statement is a round trip, and on SQLite one made while the process's write lock
is held, so statements per write bound writes per second. Counted, not timed: the
statements of the write's own transaction, on both backends.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.harness import Harness, WsClient
from tests.integration.statements import statement_log
from tests.integration.test_workshops import plan

pytestmark = pytest.mark.asyncio

CONTRIBUTE = 5  # was 10, a reply 11
"""Context (theme, dialogue, steps, mute, parent) + contribution + seq + event + key."""
REACT = 5  # was 11
"""Context (contribution, theme, dialogue, steps, mute) + previous + reaction + counts + key."""
FIRST_WRITE = 6
"""A participant's first write (this worker sees) also marks it active."""
ROUND_CONTRIBUTE = 10  # was 16
"""A contribution in a workshop round also checks the round and puts it on the board."""


async def _counted(client: WsClient, message: dict[str, Any]) -> list[str]:
    """Send one keyed write; the statements of its transaction."""
    with statement_log() as log:
        await client.send(message)
        answer = await client.answer(message["ref"])
    assert answer["type"] == "ack", answer
    (unit,) = log.writes_to("idempotency")
    return unit


def contribute(harness: Harness, ref: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "contribute",
        "ref": ref,
        "theme": harness.theme_id,
        "kind": "idea",
        "body": "Een regionaal loket voor iedereen",
        **extra,
    }


def react(ref: str, contribution: int, reaction: str) -> dict[str, Any]:
    return {"type": "react", "ref": ref, "contribution": contribution, "reaction": reaction}


async def test_statements_per_contribute_and_react(harness: Harness) -> None:
    a_token, b_token = await harness.participants(2)
    a, b = await harness.ws(a_token), await harness.ws(b_token)
    assert len(await _counted(a, contribute(harness, "c1"))) <= FIRST_WRITE
    assert len(await _counted(a, contribute(harness, "c2"))) <= CONTRIBUTE
    assert len(await _counted(a, contribute(harness, "c3", parent=1))) <= CONTRIBUTE
    assert len(await _counted(b, react("r1", 1, "agree"))) <= FIRST_WRITE
    assert len(await _counted(b, react("r2", 2, "agree"))) <= REACT
    assert len(await _counted(b, react("r3", 2, "pass"))) <= REACT
    assert len(await _counted(b, react("r4", 2, "pass"))) <= REACT


async def test_statements_per_contribute_in_a_workshop_round(harness: Harness) -> None:
    lead = await harness.staff("leider@test.example", "lead")
    workshop = await plan(harness, lead)
    (token,) = await harness.participants(1)
    client = await harness.ws(token)
    await _counted(client, contribute(harness, "warm"))  # the first write marks active
    await harness.call(
        "POST", f"/api/workshops/{workshop['id']}/control", token=lead, json={"action": "start"}
    )
    rounds = await harness.call("GET", f"/api/workshops/{workshop['id']}", token=lead)
    first_round = rounds["rounds"][0]["id"]
    unit = await _counted(client, contribute(harness, "w", round=first_round))
    assert len(unit) <= ROUND_CONTRIBUTE


async def test_a_retry_the_step_now_refuses_still_gets_the_stored_ack(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    client = await harness.ws(token)
    await client.send(contribute(harness, "kept"))
    first = await client.answer("kept")
    await harness.call("POST", f"/api/dialogues/{harness.slug}/steps/4", json={"state": "closed"})
    again = await harness.ws(token)
    await again.send(contribute(harness, "kept"))
    second = await again.answer("kept")
    assert first["type"] == "ack"
    assert {k: v for k, v in second.items() if k != "_seen"} == {
        k: v for k, v in first.items() if k != "_seen"
    }
    await again.send(contribute(harness, "new"))
    refused = await again.answer("new")
    assert refused["type"] == "error" and refused["code"] == "closed"
