"""The contract's limits over real websockets: sizes, malformed input, origins, roles, rates."""

from __future__ import annotations

import asyncio
import json

import msgpack
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.integration.harness import Harness

pytestmark = pytest.mark.asyncio


async def closed_code(client_conn: object) -> int:
    """Wait until the server closes the connection; its close code."""
    try:
        while True:
            await asyncio.wait_for(client_conn.recv(), 5)  # type: ignore[attr-defined]
    except ConnectionClosed as exc:
        assert exc.rcvd is not None
        return exc.rcvd.code


async def test_oversize_frame_closes_with_1009(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.conn.send(json.dumps({"type": "ping", "pad": "x" * 70_000}))
    assert await closed_code(a.conn) == 1009


async def test_malformed_frame_gets_error_and_connection_stays(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    for binary in (False, True):
        a = await harness.ws(token, binary=binary)
        await a.conn.send(b"\xc1\xff" if binary else "{niet: json")
        error = await a.wait_for(lambda m: m["type"] == "error")
        assert error["code"] == "invalid"
        await a.send({"type": "nonsense"})
        assert (await a.wait_for(lambda m: m["type"] == "error"))["code"] == "invalid"
        await a.send({"type": "ping"})
        await a.wait_for(lambda m: m["type"] == "pong")


async def test_deeply_nested_frame_is_rejected_cleanly(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.conn.send("[" * 5000 + "]" * 5000)
    assert (await a.wait_for(lambda m: m["type"] == "error"))["code"] == "invalid"
    await a.send({"type": "ping"})
    await a.wait_for(lambda m: m["type"] == "pong")


async def test_repeated_abuse_closes_with_1008(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    for _ in range(harness.settings.abuse_limit_invalid_per_10_seconds + 1):
        await a.conn.send("kapot")
    assert await closed_code(a.conn) == 1008


async def test_cross_origin_handshake_is_refused(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    with pytest.raises(InvalidStatus) as refused:
        await harness.ws(token, origin="https://kwaadwillend.example")
    assert refused.value.response.status_code == 403
    same_origin = await harness.ws(token, origin=harness.base)
    await same_origin.send({"type": "ping"})
    await same_origin.wait_for(lambda m: m["type"] == "pong")


async def test_unauthenticated_connection_closes_with_4401(harness: Harness) -> None:
    a = await harness.ws("vervalst-token")
    assert await closed_code(a.conn) == 4401


async def test_participant_cannot_follow_moderation_channel(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    answer = await a.subscribe(f"moderation:{harness.slug}")
    assert answer["type"] == "error" and answer["code"] == "forbidden"
    await a.send({"type": "ping"})
    await a.wait_for(lambda m: m["type"] == "pong")


async def test_unknown_channel_and_theme_are_refused(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    assert (await a.subscribe("geheim:1"))["code"] == "invalid"
    assert (await a.subscribe("theme:999999"))["code"] == "not_found"


async def test_flooding_client_is_rate_limited_and_honest_client_is_not(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.send([{"type": "ping"}] * 40)
    await a.drain(0.5)
    errors = [m for m in a.received if m["type"] == "error"]
    assert errors and all(e["code"] == "rate_limited" for e in errors)
    assert len([m for m in a.received if m["type"] == "pong"]) == 20
    await asyncio.sleep(1.1)
    honest = await harness.ws(token)
    for _ in range(4):
        await honest.send([{"type": "ping"}] * 5)
    await honest.drain(0.5)
    assert [m["type"] for m in honest.received] == ["pong"] * 20


@pytest.mark.settings(replay_max_events=3)
async def test_resume_beyond_the_replay_limit_gets_reset(harness: Harness) -> None:
    a_token, b_token = await harness.participants(2)
    a = await harness.ws(a_token)
    for i in range(5):
        await a.send(
            {
                "type": "contribute",
                "ref": f"r{i}",
                "theme": harness.theme_id,
                "kind": "idea",
                "body": f"tekst {i}",
            }
        )
        last = await a.answer(f"r{i}")
    b = await harness.ws(b_token)
    answer = await b.subscribe(harness.theme_channel, since=0)
    assert answer == {
        "type": "reset",
        "channel": harness.theme_channel,
        "seq": last["seq"],
        "_seen": True,
    }
    again = await b.subscribe(harness.theme_channel, since=last["seq"])
    assert again["type"] == "subscribed" and again["replayed"] == 0


@pytest.mark.settings(position_interval_seconds=0.3, catchup_interval_seconds=0.2)
async def test_quiet_channel_gets_position_messages(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    subscribed = await a.subscribe(harness.theme_channel)
    position = await a.wait_for(lambda m: m["type"] == "position", timeout=5)
    assert position == {
        "type": "position",
        "channel": harness.theme_channel,
        "seq": subscribed["seq"],
        "_seen": True,
    }


async def test_reference_msgpack_library_decodes_our_frames(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token, binary=True)
    await a.subscribe(harness.theme_channel)
    await a.send(
        {
            "type": "contribute",
            "ref": "m",
            "theme": harness.theme_id,
            "kind": "question",
            "body": "Wie betaalt de regionale ambtenaren? € ✓",
        }
    )
    await a.answer("m")
    await a.wait_for(lambda m: m.get("event") == "contribution.created")
    assert all(isinstance(frame, bytes) for frame in a.frames)
    decoded = [msgpack.unpackb(frame, raw=False) for frame in a.frames]
    bodies = [
        m["data"]["body"]
        for frame in decoded
        for m in (frame if isinstance(frame, list) else [frame])
        if m.get("type") == "event"
    ]
    assert bodies == ["Wie betaalt de regionale ambtenaren? € ✓"]


async def test_body_is_kept_as_sent_and_validated_after_trimming(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    raw = "  <b>Niet escapen</b> & \\n  "
    await a.send(
        {"type": "contribute", "ref": "k", "theme": harness.theme_id, "kind": "idea", "body": raw}
    )
    assert (await a.answer("k"))["type"] == "ack"
    await a.send(
        {"type": "contribute", "ref": "e", "theme": harness.theme_id, "kind": "idea", "body": "   "}
    )
    assert (await a.answer("e"))["code"] == "invalid"
    await a.send(
        {
            "type": "contribute",
            "ref": "l",
            "theme": harness.theme_id,
            "kind": "idea",
            "body": "x" * 2001,
        }
    )
    assert (await a.answer("l"))["code"] == "invalid"
    listed = await harness.call(
        "GET", f"/api/dialogues/{harness.slug}/themes/{harness.theme_id}/contributions"
    )
    assert [c["body"] for c in listed["contributions"]] == [raw]
