"""Ballot routes: facilitators prepare ballots; participants read them and get pairs.

Every change is announced on ``dialogue:{slug}`` as ``ballot.created`` / ``ballot.changed``
with the ballot's public view (never a vote). Votes travel over the WebSocket
(``server.ballots.votes``); results and the agenda have their own modules.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, Principal, require
from server.ballots.service import (
    BallotChange,
    ItemChange,
    NewBallot,
    NewItem,
    add_items,
    ballot_in_dialogue,
    check_body,
    check_rules,
    check_title,
    dialogue_channel,
    item_view,
    load_view,
    require_editable,
    require_planned,
    theme_items,
    voorkeuren_state,
)
from server.clock import utcnow
from server.contributions import require_participant
from server.dialogues import load_dialogue
from server.errors import ApiError
from server.events import publish
from server.payloads import path_int, read_json
from server.services import Services
from server.voting.pairwise import PairVote, exposure, next_pair
from storage import ballots as store
from storage import events as event_store
from storage.ballots import Ballot
from storage.records import EventRecord

STANCE_NAMES = {1: "agree", -1: "disagree", 0: "pass"}


async def _announce(
    conn: AsyncConnection, slug: str, name: str, view: dict[str, Any], now: datetime
) -> EventRecord:
    return await event_store.append_event(conn, dialogue_channel(slug), name, view, now)


async def create_ballot(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/ballots (facilitator): a ballot, before step 5 opens.

    Items come from `items` (each a title and body of its own, or drawn from one theme or
    contribution; merged from several with a title) and/or one per theme (`from_themes`).
    """
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, NewBallot)
    title = check_title(body.title)
    check_rules(body.method, body.dots, body.max_per_item)
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.transaction() as conn:
        await require_planned(conn, dialogue.id, now)
        ballot = await store.create_ballot(
            conn,
            dialogue.id,
            now,
            title=title,
            method=body.method,
            dots=body.dots,
            max_per_item=body.max_per_item,
            hidden_until_closed=body.hidden_until_closed,
        )
        specs = (await theme_items(conn, dialogue.id) if body.from_themes else []) + body.items
        await add_items(conn, ballot, specs)
        view = await load_view(conn, ballot, now)
        record = await _announce(conn, dialogue.slug, "ballot.created", view, now)
    await publish(svc.hub, [record])
    return JSONResponse(view, status_code=201)


async def list_ballots(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/ballots: the dialogue's ballots with their items."""
    dialogue = await load_dialogue(request)
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.read() as conn:
        found = await store.list_ballots(conn, dialogue.id)
        views = [await load_view(conn, b, now) for b in found]
    return JSONResponse({"ballots": views})


async def _mine(conn: AsyncConnection, ballot: Ballot, author: str) -> dict[str, Any]:
    """The caller's own votes, found through its own pseudonym."""
    if ballot.method == "dots":
        dots = (await store.dot_votes(conn, ballot.id, author)).get(author, {})
        return {"dots": {str(item): n for item, n in dots.items()}}
    if ballot.method == "statements":
        given = await store.stances(conn, ballot.id, author)
        return {"stances": {str(item): STANCE_NAMES[s] for _, item, s in given}}
    return {"answered": len(await store.pair_answers(conn, ballot.id, author))}


async def get_ballot(request: Request) -> JSONResponse:
    """GET /api/ballots/{id}: the ballot; for a participant also `mine`, its own votes."""
    principal = await require(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        ballot, _ = await ballot_in_dialogue(conn, principal, path_int(request, "ballot_id"))
        view = await load_view(conn, ballot, utcnow())
        if principal.pseudonym is not None:
            view["mine"] = await _mine(conn, ballot, principal.pseudonym)
    return JSONResponse(view)


async def _edit(request: Request) -> tuple[Principal, Services]:
    principal = await require(request, *MODERATOR_ROLES)
    return principal, request.app.state.services


async def change_ballot(request: Request) -> JSONResponse:
    """PATCH /api/ballots/{id} (facilitator): title, method, dots, max_per_item before step 5
    opens; `hidden_until_closed` at any time."""
    principal, svc = await _edit(request)
    body = await read_json(request, BallotChange)
    values: dict[str, Any] = {}
    if body.title is not None:
        values["title"] = check_title(body.title)
    for name in ("method", "dots", "max_per_item"):
        if getattr(body, name) is not None:
            values[name] = getattr(body, name)
    now = utcnow()
    async with svc.db.transaction() as conn:
        ballot, dialogue = await ballot_in_dialogue(conn, principal, path_int(request, "ballot_id"))
        if values:
            await require_editable(conn, ballot, now)
            check_rules(
                values.get("method", ballot.method),
                values.get("dots", ballot.dots),
                values.get("max_per_item", ballot.max_per_item),
            )
        if body.hidden_until_closed is not None:
            values["hidden_until_closed"] = body.hidden_until_closed
        await store.update_ballot(conn, ballot.id, **values)
        view = await load_view(conn, ballot, now)
        record = await _announce(conn, dialogue.slug, "ballot.changed", view, now)
    await publish(svc.hub, [record])
    return JSONResponse(view)


async def add_item(request: Request) -> JSONResponse:
    """POST /api/ballots/{id}/items (facilitator): add a proposal before step 5 opens."""
    principal, svc = await _edit(request)
    body = await read_json(request, NewItem)
    now = utcnow()
    async with svc.db.transaction() as conn:
        ballot, dialogue = await ballot_in_dialogue(conn, principal, path_int(request, "ballot_id"))
        await require_editable(conn, ballot, now)
        (item,) = await add_items(conn, ballot, [body])
        view = await load_view(conn, ballot, now)
        record = await _announce(conn, dialogue.slug, "ballot.changed", view, now)
    await publish(svc.hub, [record])
    return JSONResponse(item_view(item), status_code=201)


async def _item_of(conn: AsyncConnection, ballot: Ballot, item_id: int) -> None:
    if item_id not in {i.id for i in await store.list_items(conn, ballot.id)}:
        raise ApiError(404, "not_found", "Dit voorstel staat niet op het stembiljet.")


async def change_item(request: Request) -> JSONResponse:
    """PATCH /api/ballots/{id}/items/{item_id} (facilitator): reword before step 5 opens."""
    principal, svc = await _edit(request)
    body = await read_json(request, ItemChange)
    values: dict[str, Any] = {}
    if body.title is not None:
        values["title"] = check_title(body.title)
    if body.body is not None:
        values["body"] = check_body(body.body)
    item_id = path_int(request, "item_id")
    now = utcnow()
    async with svc.db.transaction() as conn:
        ballot, dialogue = await ballot_in_dialogue(conn, principal, path_int(request, "ballot_id"))
        await _item_of(conn, ballot, item_id)
        await require_editable(conn, ballot, now)
        await store.update_item(conn, item_id, **values)
        view = await load_view(conn, ballot, now)
        record = await _announce(conn, dialogue.slug, "ballot.changed", view, now)
    await publish(svc.hub, [record])
    return JSONResponse(next(i for i in view["items"] if i["id"] == item_id))


async def delete_item(request: Request) -> JSONResponse:
    """DELETE /api/ballots/{id}/items/{item_id} (facilitator): before step 5 opens."""
    principal, svc = await _edit(request)
    item_id = path_int(request, "item_id")
    now = utcnow()
    async with svc.db.transaction() as conn:
        ballot, dialogue = await ballot_in_dialogue(conn, principal, path_int(request, "ballot_id"))
        await _item_of(conn, ballot, item_id)
        await require_editable(conn, ballot, now)
        await store.delete_item(conn, item_id)
        view = await load_view(conn, ballot, now)
        record = await _announce(conn, dialogue.slug, "ballot.changed", view, now)
    await publish(svc.hub, [record])
    return JSONResponse(view)


async def next_pair_for_caller(request: Request) -> JSONResponse:
    """GET /api/ballots/{id}/pair (participant): the next two proposals to compare.

    Pairs are balanced over everyone's answers (``next_pair``); pairs the caller answered
    come again only when it has answered every pair.
    """
    principal = await require(request)
    author = require_participant(principal)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        ballot, _ = await ballot_in_dialogue(conn, principal, path_int(request, "ballot_id"))
        if ballot.method != "pairwise":
            raise ApiError(400, "invalid", "Op dit stembiljet vergelijkt u geen paren.")
        if await voorkeuren_state(conn, ballot.dialogue_id, utcnow()) != "open":
            raise ApiError(409, "closed", "De stap Voorkeuren is niet open.")
        items = await store.list_items(conn, ballot.id)
        answers = await store.pair_answers(conn, ballot.id)
    if len(items) < 2:
        raise ApiError(409, "closed", "Dit stembiljet heeft nog geen twee voorstellen.")
    counts = exposure(PairVote.cant_choose(a.low, a.high) for a in answers)
    mine = [(a.low, a.high) for a in answers if a.author == author]
    left, right = next_pair([i.id for i in items], counts, random.Random(), avoid=mine)
    by_id = {i.id: i for i in items}
    n = len(items)
    return JSONResponse(
        {
            "ballot": ballot.id,
            "left": item_view(by_id[left]),  # type: ignore[index]
            "right": item_view(by_id[right]),  # type: ignore[index]
            "answered": len(mine),
            "pairs": n * (n - 1) // 2,
        }
    )


routes = [
    Route("/api/dialogues/{slug}/ballots", create_ballot, methods=["POST"]),
    Route("/api/dialogues/{slug}/ballots", list_ballots, methods=["GET"]),
    Route("/api/ballots/{ballot_id}", get_ballot, methods=["GET"]),
    Route("/api/ballots/{ballot_id}", change_ballot, methods=["PATCH"]),
    Route("/api/ballots/{ballot_id}/items", add_item, methods=["POST"]),
    Route("/api/ballots/{ballot_id}/items/{item_id}", change_item, methods=["PATCH"]),
    Route("/api/ballots/{ballot_id}/items/{item_id}", delete_item, methods=["DELETE"]),
    Route("/api/ballots/{ballot_id}/pair", next_pair_for_caller, methods=["GET"]),
]
