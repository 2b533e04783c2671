"""Voorkeuren end to end, on both backends: ballots frozen once step 5 opens, dot voting,
pairwise comparison and statements over real websockets, suppressed results per group,
weights, hidden results, live counts and the hand-off to the Verdiepen agenda."""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from server.security import Signer
from server.stakeholders.service import seed_reference
from storage.database import Database
from tests.integration.harness import Harness, WsClient

pytestmark = pytest.mark.asyncio

UTRECHT, AMERSFOORT, IJSSELSTEIN, GRONINGEN = "GM0344", "GM0307", "GM0353", "GM0014"
_refs = itertools.count(1)


# --- helpers --------------------------------------------------------------------------------


async def on_db(h: Harness, work: Callable[[Database], Awaitable[Any]]) -> Any:
    db = Database(h.settings.resolved_database_url())
    try:
        return await work(db)
    finally:
        await db.close()


async def step(h: Harness, n: int, state: str) -> None:
    await h.call("POST", f"/api/dialogues/{h.slug}/steps/{n}", json={"state": state})


async def new_ballot(h: Harness, **body: Any) -> dict[str, Any]:
    return await h.call("POST", f"/api/dialogues/{h.slug}/ballots", json=body)


def items(*titles: str) -> list[dict[str, str]]:
    return [{"title": t} for t in titles]


async def voters(h: Harness, n: int, **profile: str) -> tuple[list[str], list[WsClient]]:
    tokens = await h.participants(n, **profile)
    return tokens, [await h.ws(t) for t in tokens]


async def send(client: WsClient, type_: str, **fields: Any) -> dict[str, Any]:
    """One vote message; its answer (ack or error)."""
    ref = f"v{next(_refs)}"
    await client.send({"type": type_, "ref": ref, **fields})
    return await client.answer(ref)


async def request(h: Harness, method: str, path: str, token: str, **kw: Any) -> httpx.Response:
    return await h.http.request(method, path, headers=h.auth(token), **kw)


def by_id(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in rows}


PANEL = [
    ("burgemeester", UTRECHT, 5),
    ("gemeentesecretaris", AMERSFOORT, 5),
    ("griffier", IJSSELSTEIN, 1),
    ("griffier", GRONINGEN, 4),
]


async def panel(h: Harness) -> tuple[list[str], list[WsClient]]:
    """15 voters on the stakeholder map, spread so that totals can be shown: 5 per office;
    Utrecht 11 and Groningen 4 (a small group). Where nearly every group is empty,
    suppression hides the one full group too (it would show that the rest are 0)."""
    await on_db(h, seed_reference)
    tokens: list[str] = []
    clients: list[WsClient] = []
    for office, code, n in PANEL:
        more, connected = await voters(h, n, role=office, municipality=code)
        tokens += more
        clients += connected
    return tokens, clients


def block(results: dict[str, Any], dimension: str) -> dict[str, Any]:
    return next(b for b in results["groups"] if b["dimension"] == dimension)


# --- ballots --------------------------------------------------------------------------------


async def test_a_ballot_is_editable_before_voorkeuren_and_frozen_once_it_opens(
    harness: Harness,
) -> None:
    h = harness
    (token,) = await h.participants(1)
    writer = await h.ws(token)
    await writer.send(
        {
            "type": "contribute",
            "ref": "c1",
            "theme": h.theme_id,
            "kind": "solution",
            "body": "Een regionale woningbouwtafel",
        }
    )
    contribution = (await writer.answer("c1"))["id"]
    ballot = await new_ballot(
        h,
        title="Wat weegt het zwaarst?",
        from_themes=True,
        items=[
            {"contributions": [contribution]},
            {"title": "Samen bouwen", "themes": [h.theme_id], "contributions": [contribution]},
        ],
    )
    assert [i["title"] for i in ballot["items"]] == [
        "Wonen in de regio",
        "Een regionale woningbouwtafel",
        "Samen bouwen",
    ]
    assert ballot["items"][2]["themes"] == [h.theme_id]
    assert ballot["items"][2]["contributions"] == [contribution]
    assert ballot["state"] == "planned" and ballot["frozen"] is False
    bid = ballot["id"]
    reworded = await h.call(
        "PATCH", f"/api/ballots/{bid}/items/{ballot['items'][1]['id']}", json={"title": "Tafel"}
    )
    assert reworded["title"] == "Tafel"
    await h.call("POST", f"/api/ballots/{bid}/items", json={"title": "Flexwonen"})
    untitled = await request(
        h, "POST", f"/api/ballots/{bid}/items", h.admin_token, json={"themes": []}
    )
    assert untitled.status_code == 400

    await step(h, 5, "open")
    edits = [
        ("POST", f"/api/ballots/{bid}/items", {"title": "Te laat"}),
        ("PATCH", f"/api/ballots/{bid}/items/{ballot['items'][0]['id']}", {"title": "Anders"}),
        ("DELETE", f"/api/ballots/{bid}/items/{ballot['items'][0]['id']}", None),
        ("PATCH", f"/api/ballots/{bid}", {"method": "pairwise"}),
        ("POST", f"/api/dialogues/{h.slug}/ballots", {"title": "Nog een"}),
    ]
    for method, path, body in edits:
        refused = await request(h, method, path, h.admin_token, json=body)
        assert refused.status_code == 409, (method, path, refused.text)
        assert refused.json()["error"]["code"] == "frozen"
        assert "vast" in refused.json()["error"]["message"]  # Dutch: "… ligt vast"
    shown = await h.call("GET", f"/api/ballots/{bid}", token)
    assert shown["frozen"] is True and len(shown["items"]) == 4
    visibility = await h.call("PATCH", f"/api/ballots/{bid}", json={"hidden_until_closed": True})
    assert visibility["hidden_until_closed"] is True
    listed = await h.call("GET", f"/api/dialogues/{h.slug}/ballots", token)
    assert [b["id"] for b in listed["ballots"]] == [bid]


async def test_dot_voting_limits_are_enforced_over_the_wire(harness: Harness) -> None:
    h = harness
    ballot = await new_ballot(
        h, title="Stippen", dots=5, max_per_item=3, items=items("Wonen", "Zorg", "Energie")
    )
    a, b, c = (i["id"] for i in ballot["items"])
    (token,), (client,) = await voters(h, 1)
    early = await send(client, "vote_dots", ballot=ballot["id"], dots={str(a): 1})
    assert early["type"] == "error" and early["code"] == "closed"

    await step(h, 5, "open")
    too_many = await send(client, "vote_dots", ballot=ballot["id"], dots={a: 3, b: 2, c: 1})
    assert too_many["code"] == "invalid"
    assert too_many["message"] == "U heeft 6 stippen verdeeld; u kunt er hoogstens 5 verdelen."
    one_item = await send(client, "vote_dots", ballot=ballot["id"], dots={a: 4})
    assert one_item["message"] == "U kunt hoogstens 3 stippen aan één onderwerp geven."
    negative = await send(client, "vote_dots", ballot=ballot["id"], dots={a: -1})
    assert negative["code"] == "invalid"
    elsewhere = await send(client, "vote_dots", ballot=ballot["id"], dots={999999: 1})
    assert elsewhere["code"] == "invalid"
    wrong_kind = await send(
        client, "vote_pair", ballot=ballot["id"], left=a, right=b, choice="left"
    )
    assert wrong_kind["code"] == "invalid"
    await client.send({"type": "vote_dots", "ref": "x", "ballot": ballot["id"], "dots": {}, "n": 1})
    unknown_field = await client.wait_for(lambda m: m["type"] == "error" and "ref" not in m)
    assert unknown_field["code"] == "invalid", "strict: an unknown field is refused whole"

    await client.send({"type": "vote_dots", "ref": "same", "ballot": ballot["id"], "dots": {a: 3}})
    first = await client.answer("same")
    assert first == {"type": "ack", "ref": "same", "id": ballot["id"], "_seen": True}
    await client.send({"type": "vote_dots", "ref": "same", "ballot": ballot["id"], "dots": {b: 1}})
    assert (await client.answer("same"))["type"] == "ack"
    mine = (await h.call("GET", f"/api/ballots/{ballot['id']}", token))["mine"]
    assert mine == {"dots": {str(a): 3}}, "a resent ref stores nothing twice"


async def test_a_ballot_changes_until_the_step_closes_and_counts_once(harness: Harness) -> None:
    h = harness
    ballot = await new_ballot(h, title="Stippen", items=items("Wonen", "Zorg"))
    bid = ballot["id"]
    a, b = (i["id"] for i in ballot["items"])
    tokens, clients = await panel(h)
    await step(h, 5, "open")
    for client in clients:
        assert (await send(client, "vote_dots", ballot=bid, dots={a: 6, b: 4}))["type"] == "ack"
    changed = await send(clients[0], "vote_dots", ballot=bid, dots={a: 4, b: 6})
    assert changed["type"] == "ack"
    assert (await h.call("GET", f"/api/ballots/{bid}", tokens[0]))["mine"] == {
        "dots": {str(a): 4, str(b): 6}
    }
    results = await h.call("GET", f"/api/ballots/{bid}/results")
    assert results["voters"] == 15, "one ballot per participant"
    assert results["items"] == [
        {"id": a, "title": "Wonen", "voters": 15, "dots": 14 * 6 + 4},
        {"id": b, "title": "Zorg", "voters": 15, "dots": 14 * 4 + 6},
    ]

    await step(h, 5, "closed")
    late = await send(clients[1], "vote_dots", ballot=bid, dots={a: 1})
    assert late["code"] == "closed"
    withdrawn = await send(clients[1], "vote_dots", ballot=bid, dots={})
    assert withdrawn["code"] == "closed"
    assert (await h.call("GET", f"/api/ballots/{bid}/results"))["items"] == results["items"]


async def test_pairwise_pairs_are_served_per_participant_and_votes_fitted(
    harness: Harness,
) -> None:
    h = harness
    ballot = await new_ballot(
        h, title="Paren", method="pairwise", items=items("Wonen", "Zorg", "Energie", "Mobiliteit")
    )
    bid = ballot["id"]
    best = ballot["items"][0]["id"]
    tokens, clients = await voters(h, 5)
    closed = await request(h, "GET", f"/api/ballots/{bid}/pair", tokens[0])
    assert closed.status_code == 409
    await step(h, 5, "open")
    staff = await request(h, "GET", f"/api/ballots/{bid}/pair", h.admin_token)
    assert staff.status_code == 403
    for n, (token, client) in enumerate(zip(tokens, clients, strict=True)):
        seen = set()
        for round_ in range(6):
            pair = await h.call("GET", f"/api/ballots/{bid}/pair", token)
            left, right = pair["left"]["id"], pair["right"]["id"]
            assert pair["answered"] == round_ and pair["pairs"] == 6
            seen.add(frozenset((left, right)))
            if best in (left, right):
                choice = "left" if left == best else "right"
            else:
                choice = "none" if n == 0 else ("left" if left < right else "right")
            answer = await send(
                client, "vote_pair", ballot=bid, left=left, right=right, choice=choice
            )
            assert answer["type"] == "ack"
        assert len(seen) == 6, "every pair once before any comes again"
    same = await send(clients[0], "vote_pair", ballot=bid, left=best, right=best, choice="left")
    assert same["code"] == "invalid"

    results = await h.call("GET", f"/api/ballots/{bid}/results")
    top = results["items"][0]
    assert top["id"] == best and top["title"] == "Wonen"
    assert top["wins"] == 15 and top["losses"] == 0
    assert top["low"] < top["score"] < top["high"] and top["score"] > 80
    assert results["answers"] == {"decided": 27, "undecided": 3}


async def test_results_per_group_are_suppressed_and_weights_add_up_to_the_population(
    harness: Harness,
) -> None:
    h = harness
    ballot = await new_ballot(h, title="Stippen", items=items("Wonen", "Zorg"))
    bid = ballot["id"]
    a, b = (i["id"] for i in ballot["items"])
    tokens, clients = await panel(h)
    await step(h, 5, "open")
    for client in clients:
        assert (await send(client, "vote_dots", ballot=bid, dots={a: 7, b: 3}))["type"] == "ack"
    response = await request(
        h,
        "GET",
        f"/api/ballots/{bid}/results?group=office,province&weighted=office",
        h.admin_token,
    )
    assert response.status_code == 200, response.text
    results = response.json()
    assert results["voters"] == 15 and results["k"] == 5
    office = block(results, "office")
    assert office["sizes"] == {
        "burgemeester": 5,
        "gemeentesecretaris": 5,
        "griffier": 5,
        "totaal": 15,
    }
    province = block(results, "province")
    assert province["sizes"]["Groningen"] == "<5", "a group of 4"
    assert province["sizes"]["Utrecht"] == 11
    groningen = next(g for g in province["groups"] if g["group"] == "Groningen")
    assert groningen["size"] == "<5"
    assert {row["voters"] for row in groningen["items"]} == {"<5"}
    assert {row["dots"] for row in groningen["items"]} == {None}
    assert by_id(results["items"])[a] == {"id": a, "title": "Wonen", "voters": 15, "dots": 105}

    weighted = results["weighted"]
    assert weighted["dimension"] == "office" and weighted["missing"] == []
    assert weighted["population_total"] == 3 * 342
    assert sum(g["population"] for g in weighted["groups"]) == 3 * 342
    assert sum(g["voters"] * g["represents"] for g in weighted["groups"]) == pytest.approx(1026)
    assert {g["weight"] for g in weighted["groups"]} == {1.0}, "every office answered alike"
    estimates = by_id(weighted["items"])
    assert estimates[a]["support"]["unweighted"]["mean"] == 1.0
    assert estimates[a]["dots"]["weighted"]["mean"] == pytest.approx(7.0)
    assert (
        estimates[a]["dots"]["weighted"]["low"] <= 7.0 <= estimates[a]["dots"]["weighted"]["high"]
    )

    by_province = await h.call("GET", f"/api/ballots/{bid}/results?weighted=province")
    assert by_province["weighted"]["items"] is None, "the Groningen voters are too few to weigh"
    exported = await h.call("GET", f"/api/ballots/{bid}/results?group=office&export=1")
    assert exported["k"] == 10 and block(exported, "office")["sizes"]["griffier"] == "<10"
    refused = await request(h, "GET", f"/api/ballots/{bid}/results?export=1", tokens[0])
    assert refused.status_code == 403
    text = json.dumps([results, by_province, exported])
    signer = Signer(h.settings.secret, 3600)
    assert not [i for i in range(1, 40) if signer.pseudonym(i) in text], "no pseudonym goes out"


async def test_results_are_hidden_from_participants_until_the_step_closes(
    harness: Harness,
) -> None:
    h = harness
    ballot = await new_ballot(
        h, title="Verborgen", hidden_until_closed=True, items=items("Wonen", "Zorg")
    )
    bid = ballot["id"]
    a, b = (i["id"] for i in ballot["items"])
    tokens, clients = await panel(h)
    watcher = clients[0]
    await watcher.subscribe(f"dialogue:{h.slug}")
    await step(h, 5, "open")
    for client in clients:
        assert (await send(client, "vote_dots", ballot=bid, dots={a: 5, b: 5}))["type"] == "ack"
    counts = await watcher.wait_for(
        lambda m: m.get("event") == "ballot.counts" and m["data"]["voters"] == 15
    )
    assert counts["data"] == {"ballot": bid, "voters": 15}, "no counts per item while hidden"
    hidden = await request(h, "GET", f"/api/ballots/{bid}/results", tokens[1])
    assert hidden.status_code == 403 and hidden.json()["error"]["code"] == "hidden"
    staff = await h.call("GET", f"/api/ballots/{bid}/results")
    assert by_id(staff["items"])[a]["dots"] == 75

    await step(h, 5, "closed")
    shown = await h.call("GET", f"/api/ballots/{bid}/results", tokens[1])
    assert shown["state"] == "closed" and by_id(shown["items"])[a]["voters"] == 15


@pytest.mark.settings(reaction_coalesce_seconds=0.1)
async def test_vote_counts_follow_live_on_the_dialogue_channel(harness: Harness) -> None:
    h = harness
    ballot = await new_ballot(h, title="Live", items=items("Wonen", "Zorg"))
    bid = ballot["id"]
    a, b = (i["id"] for i in ballot["items"])
    _, clients = await panel(h)
    watcher = await h.ws(h.admin_token)
    await watcher.subscribe(f"dialogue:{h.slug}")
    await step(h, 5, "open")
    for client in clients:
        assert (await send(client, "vote_dots", ballot=bid, dots={a: 5, b: 5}))["type"] == "ack"
    last = await watcher.wait_for(
        lambda m: m.get("event") == "ballot.counts" and m["data"]["voters"] == 15
    )
    assert by_id(last["data"]["items"]) == {
        a: {"id": a, "voters": 15, "dots": 75},
        b: {"id": b, "voters": 15, "dots": 75},
    }
    assert len(watcher.events(f"dialogue:{h.slug}", "ballot.counts")) < 15, "coalesced"


async def test_statements_give_opinion_groups_and_group_aware_consensus(
    harness: Harness,
) -> None:
    h = harness
    texts = [f"Stelling {n}" for n in range(8)] + ["Iedereen eens"]
    ballot = await new_ballot(h, title="Stellingen", method="statements", items=items(*texts))
    bid = ballot["id"]
    ids = [i["id"] for i in ballot["items"]]
    _, clients = await voters(h, 12)
    await step(h, 5, "open")
    for n, client in enumerate(clients):
        camp = n % 2
        for j, item in enumerate(ids):
            stance = "agree" if j == 8 or (j < 4) == (camp == 0) else "disagree"
            answer = await send(client, "vote_statement", ballot=bid, statement=item, stance=stance)
            assert answer["type"] == "ack"
    again = await send(clients[0], "vote_statement", ballot=bid, statement=ids[8], stance="agree")
    assert again["type"] == "ack"
    results = await h.call("GET", f"/api/ballots/{bid}/results?group=opinion")
    groups = results["opinion_groups"]
    assert groups["k"] == 2 and groups["sizes"] == {"A": 6, "B": 6}
    consensus = results["consensus"]
    assert consensus["over"] == "opinion" and consensus["groups"] == ["A", "B"]
    scores = {row["id"]: row["score"] for row in consensus["scores"]}
    assert max(scores, key=scores.__getitem__) == ids[8]
    assert results["items"][0]["id"] == ids[8]
    shown = [c for row in results["items"] for c in row.values() if isinstance(c, int)]
    assert all(c >= 5 for c in shown if c not in ids), "no count under k"
    opinion = block(results, "opinion")
    assert {g["group"] for g in opinion["groups"]} == {"A", "B"}


async def test_the_top_of_a_ballot_becomes_the_verdiepen_agenda(harness: Harness) -> None:
    h = harness
    ballot = await new_ballot(h, title="Agenda", items=items("Wonen", "Zorg", "Energie"))
    bid = ballot["id"]
    wonen, zorg, energie = (i["id"] for i in ballot["items"])
    _, clients = await voters(h, 5)
    await step(h, 5, "open")
    for client in clients:
        ack = await send(client, "vote_dots", ballot=bid, dots={energie: 6, zorg: 3, wonen: 1})
        assert ack["type"] == "ack"
    path = f"/api/dialogues/{h.slug}/ballots/{bid}/agenda"
    early = await request(h, "POST", path, h.admin_token, json={"top": 2})
    assert early.status_code == 409
    await step(h, 5, "closed")
    watcher = await h.ws(h.admin_token)
    await watcher.subscribe(f"dialogue:{h.slug}")
    agenda = (await h.call("POST", path, json={"top": 2}))["agenda"]
    assert [e["item"]["title"] for e in agenda] == ["Energie", "Zorg"]
    assert [e["position"] for e in agenda] == [1, 2]
    themes = [e["theme"] for e in agenda]
    assert [t["title"] for t in themes] == ["Energie", "Zorg"]
    assert {t["state"] for t in themes} == {"open"}
    await watcher.wait_for(lambda m: m.get("event") == "agenda.set")
    created = watcher.events(f"dialogue:{h.slug}", "theme.created")
    assert {e["data"]["id"] for e in created} == {t["id"] for t in themes}
    overview = await h.call("GET", f"/api/dialogues/{h.slug}")
    assert {t["id"] for t in themes} <= {t["id"] for t in overview["themes"]}
    assert (await h.call("GET", f"/api/dialogues/{h.slug}/agenda", token=None))["agenda"] == agenda

    await step(h, 6, "open")
    workshop = await h.call(
        "POST",
        f"/api/dialogues/{h.slug}/workshops",
        json={
            "title": "Verdieping energie",
            "theme": themes[0]["id"],
            "rounds": [{"prompt": "Wat is nodig?", "kind": "write", "duration_seconds": 300}],
        },
    )
    assert workshop["theme"] == themes[0]["id"]
    again = (await h.call("POST", path, json={"top": 1}))["agenda"]
    assert [e["theme"]["id"] for e in again] == [themes[0]["id"]], "the theme is kept"
