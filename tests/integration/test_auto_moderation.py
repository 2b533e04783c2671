"""Screening on the write path: a warning first, an automatic flag when posted anyway."""

from __future__ import annotations

import pytest

from tests.integration.harness import Harness

pytestmark = pytest.mark.asyncio


def contribute(theme: int, ref: str, body: str, **extra: object) -> dict[str, object]:
    return {"type": "contribute", "ref": ref, "theme": theme, "kind": "idea", "body": body, **extra}


async def test_personal_data_warns_then_flags_when_posted_anyway(harness: Harness) -> None:
    facilitator = await harness.staff("f@test.example", "facilitator")
    mod = await harness.ws(facilitator)
    await mod.subscribe(f"moderation:{harness.slug}")
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.subscribe(harness.theme_channel)
    body = "Als burgemeester van Zwolle zeg ik: mail me op j.jansen@zwolle.nl"
    await a.send(contribute(harness.theme_id, "w", body))
    warning = await a.answer("w")
    assert warning["type"] == "error" and warning["code"] == "warning"
    kinds = {f["kind"] for f in warning["detail"]["findings"]}
    assert kinds == {"personal_data", "self_identification"}
    listed = await harness.call(
        "GET", f"/api/dialogues/{harness.slug}/themes/{harness.theme_id}/contributions"
    )
    assert listed["contributions"] == [], "a warning stores nothing"
    await a.send(contribute(harness.theme_id, "w2", body, confirm=True))
    ack = await a.answer("w2")
    assert ack["type"] == "ack"
    flagged = await mod.wait_for(lambda m: m.get("event") == "flag.created")
    assert flagged["data"]["source"] == "auto"
    assert flagged["data"]["contribution"] == {"id": ack["id"], "body": body}
    assert flagged["data"]["reason"] == "personal_data"


async def test_clean_text_is_posted_without_a_flag(harness: Harness) -> None:
    facilitator = await harness.staff("f@test.example", "facilitator")
    mod = await harness.ws(facilitator)
    await mod.subscribe(f"moderation:{harness.slug}")
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.send(contribute(harness.theme_id, "c", "In Utrecht werkt een regionale tafel goed."))
    assert (await a.answer("c"))["type"] == "ack"
    await mod.drain(0.4)
    assert mod.events(f"moderation:{harness.slug}", "flag.created") == []


async def test_offensive_language_is_posted_with_an_automatic_flag(harness: Harness) -> None:
    facilitator = await harness.staff("f@test.example", "facilitator")
    mod = await harness.ws(facilitator)
    await mod.subscribe(f"moderation:{harness.slug}")
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.send(contribute(harness.theme_id, "o", "Wat een klootzak is die wethouder."))
    assert (await a.answer("o"))["type"] == "ack"
    flagged = await mod.wait_for(lambda m: m.get("event") == "flag.created")
    assert flagged["data"]["source"] == "auto" and flagged["data"]["reason"] == "offensive"
