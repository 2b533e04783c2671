"""The 7V flow: dates on the server's clock, proposals in Verkennen, merges, suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.harness import Harness

pytestmark = pytest.mark.asyncio


def contribute(theme: int, ref: str, body: str) -> dict[str, object]:
    return {"type": "contribute", "ref": ref, "theme": theme, "kind": "idea", "body": body}


def at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def test_overview_has_seven_steps_with_dutch_names_and_calls(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    overview = await harness.call("GET", f"/api/dialogues/{harness.slug}", token=token)
    assert [s["name"] for s in overview["steps"]] == [
        "Vinden",
        "Verzamelen",
        "Verkennen",
        "Verrijken",
        "Voorkeuren",
        "Verdiepen",
        "Voortzetten",
    ]
    assert [s["state"] for s in overview["steps"]] == ["planned"] * 3 + ["open"] + ["planned"] * 3
    assert all(s["call_to_action"] for s in overview["steps"])


@pytest.mark.settings(step_check_interval_seconds=0.2)
async def test_step_dates_are_enforced_and_announced_live(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    await a.subscribe(f"dialogue:{harness.slug}")
    await harness.call(
        "POST",
        f"/api/dialogues/{harness.slug}/steps/4",
        json={"opens_at": at(-60), "closes_at": at(1.5)},
    )
    await a.send(contribute(harness.theme_id, "early", "Nog op tijd"))
    assert (await a.answer("early"))["type"] == "ack"
    closed = await a.wait_for(
        lambda m: m.get("event") == "step.changed" and m["data"]["state"] == "closed", timeout=6
    )
    assert closed["data"]["step"] == 4
    await a.send(contribute(harness.theme_id, "late", "Te laat"))
    assert (await a.answer("late"))["code"] == "closed"
    await a.drain(0.6)
    announced = [
        e
        for e in a.events(f"dialogue:{harness.slug}", "step.changed")
        if e["data"]["state"] == "closed"
    ]
    assert len(announced) == 1, "a date passing is announced once"


async def test_planned_step_opens_on_its_date(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    await harness.call("POST", f"/api/dialogues/{harness.slug}/steps/4", json={"state": "closed"})
    await harness.call(
        "POST", f"/api/dialogues/{harness.slug}/steps/3", json={"opens_at": at(3600)}
    )
    overview = await harness.call("GET", f"/api/dialogues/{harness.slug}", token=token)
    assert overview["steps"][2]["state"] == "planned"
    a = await harness.ws(token)
    await a.send(contribute(harness.theme_id, "x", "Te vroeg"))
    assert (await a.answer("x"))["code"] == "closed"


async def test_participants_propose_themes_only_in_verkennen(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    path = f"/api/dialogues/{harness.slug}/themes/proposals"
    refused = await harness.http.post(
        path, json={"title": "Netcongestie"}, headers=harness.auth(token)
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "closed"
    await harness.call("POST", f"/api/dialogues/{harness.slug}/steps/3", json={"state": "open"})
    proposed = await harness.call("POST", path, token=token, json={"title": "Netcongestie"})
    assert proposed["state"] == "proposed"
    a = await harness.ws(token)
    await a.send(contribute(proposed["id"], "p", "Nog geen kanaal"))
    assert (await a.answer("p"))["code"] == "closed", "a proposal is no theme channel yet"
    await harness.call(
        "PATCH", f"/api/dialogues/{harness.slug}/themes/{proposed['id']}", json={"state": "open"}
    )
    await a.send(contribute(proposed["id"], "q", "Nu wel"))
    assert (await a.answer("q"))["type"] == "ack"


async def test_merge_moves_contributions_and_subscribers(harness: Harness) -> None:
    a_token, b_token = await harness.participants(2)
    other = await harness.call(
        "POST", f"/api/dialogues/{harness.slug}/themes", json={"title": "Woningbouw"}
    )
    a = await harness.ws(a_token)
    for i in range(3):
        await a.send(contribute(other["id"], f"m{i}", f"Over woningbouw {i}"))
        await a.answer(f"m{i}")
    b = await harness.ws(b_token)
    await b.subscribe(f"theme:{other['id']}")
    merged = await harness.call(
        "POST",
        f"/api/dialogues/{harness.slug}/themes/{other['id']}/merge",
        json={"into": harness.theme_id},
    )
    assert len(merged["contributions"]) == 3
    notice = await b.wait_for(lambda m: m.get("event") == "theme.merged")
    assert notice["data"]["into"] == harness.theme_id
    followed = await b.wait_for(
        lambda m: m["type"] == "subscribed" and m["channel"] == harness.theme_channel
    )
    assert followed["replayed"] == 0
    await a.send(contribute(other["id"], "late", "Schrijft nog naar het oude thema"))
    ack = await a.answer("late")
    assert ack["channel"] == harness.theme_channel, "writes to a merged theme land in the new one"
    await b.wait_for(
        lambda m: (
            m.get("channel") == harness.theme_channel and m.get("event") == "contribution.created"
        )
    )
    listed = await harness.call(
        "GET", f"/api/dialogues/{harness.slug}/themes/{harness.theme_id}/contributions"
    )
    assert len(listed["contributions"]) == 4


async def test_suggestions_are_offered_and_applied_only_when_accepted(harness: Harness) -> None:
    (token,) = await harness.participants(1)
    a = await harness.ws(token)
    texts = [f"Woningbouw en huisvesting van starters in de regio, plan {i}" for i in range(6)]
    texts += [
        f"Jeugdzorg kosten en inkoop van specialistische jeugdhulp, punt {i}" for i in range(6)
    ]
    for i, text in enumerate(texts):
        await a.send(contribute(harness.theme_id, f"s{i}", text))
        await a.answer(f"s{i}")
    found = await harness.call("GET", f"/api/dialogues/{harness.slug}/themes/suggestions")
    assert len(found["suggestions"]) >= 2
    overview = await harness.call("GET", f"/api/dialogues/{harness.slug}")
    assert len(overview["themes"]) == 1, "nothing is applied silently"
    first = found["suggestions"][0]
    ids = [c["id"] for c in first["contributions"]]
    theme = await harness.call(
        "POST", f"/api/dialogues/{harness.slug}/themes", json={"title": first["label"], "move": ids}
    )
    listed = await harness.call(
        "GET", f"/api/dialogues/{harness.slug}/themes/{theme['id']}/contributions"
    )
    assert sorted(c["id"] for c in listed["contributions"]) == sorted(ids)


async def test_participant_sees_own_contributions_and_their_outcome(harness: Harness) -> None:
    mine, theirs = await harness.participants(2)
    a = await harness.ws(mine)
    b = await harness.ws(theirs)
    await a.send(contribute(harness.theme_id, "a", "Van mij"))
    own = (await a.answer("a"))["id"]
    await b.send(contribute(harness.theme_id, "b", "Van een ander"))
    await b.answer("b")
    await harness.call(
        "POST",
        f"/api/dialogues/{harness.slug}/contributions/{own}/moderation",
        json={"action": "hide", "reason": "Persoonsgegevens"},
    )
    listed = await harness.call("GET", f"/api/dialogues/{harness.slug}/mine", token=mine)
    assert [(c["id"], c["state"], c["hidden_reason"]) for c in listed["contributions"]] == [
        (own, "hidden", "Persoonsgegevens")
    ]
