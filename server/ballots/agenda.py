"""The hand-off from Voorkeuren to Verdiepen: the top N of a ballot become the agenda.

Each agenda item gets a deepening theme: an open theme channel titled after the item,
where participants contribute during Verdiepen and on which live workshops
(``/api/dialogues/{slug}/workshops``) can be planned. Handing off again (another N, or
another ballot) replaces the agenda; an item that had a deepening theme keeps it. The
ranking uses the exact tallies, so a hand-off waits until step 5 is no longer open.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, require
from server.ballots.inputs import load_votes
from server.ballots.service import (
    ballot_in_dialogue,
    dialogue_channel,
    item_view,
    voorkeuren_state,
)
from server.ballots.tallies import ranking
from server.clock import utcnow
from server.dialogues import load_dialogue, theme_view
from server.errors import ApiError
from server.events import publish
from server.payloads import path_int, read_json
from server.services import Services
from storage import ballots as store
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage.ballots import BallotItem
from storage.records import EventRecord, Theme

MAX_AGENDA: Final = 20
"""More themes than this cannot be deepened in one step."""


class AgendaRequest(msgspec.Struct, forbid_unknown_fields=True):
    top: int


async def agenda_view(conn: AsyncConnection, dialogue_id: int) -> dict[str, Any]:
    """The agenda in order: each item with its deepening theme."""
    entries = []
    for item in await store.agenda(conn, dialogue_id):
        theme = (
            await dialogue_store.get_theme(conn, item.deepening_theme_id)
            if item.deepening_theme_id is not None
            else None
        )
        entries.append(
            {
                "position": item.agenda_position,
                "ballot": item.ballot_id,
                "item": item_view(item),
                "theme": theme_view(theme) if theme else None,
            }
        )
    return {"agenda": entries}


async def _deepening_theme(
    conn: AsyncConnection, dialogue_id: int, slug: str, item: BallotItem, now: datetime
) -> tuple[Theme, list[EventRecord]]:
    """The item's deepening theme, created (or reopened) as an open theme channel."""
    found = (
        await dialogue_store.get_theme(conn, item.deepening_theme_id)
        if item.deepening_theme_id is not None
        else None
    )
    channel = dialogue_channel(slug)
    if found is None or found.dialogue_id != dialogue_id or found.merged_into is not None:
        theme = await dialogue_store.create_theme(conn, dialogue_id, item.title, item.body, now)
        return theme, [
            await event_store.append_event(conn, channel, "theme.created", theme_view(theme), now)
        ]
    if found.state == "open":
        return found, []
    await dialogue_store.update_theme(conn, found.id, state="open")
    reopened = await dialogue_store.get_theme(conn, found.id)
    assert reopened is not None
    return reopened, [
        await event_store.append_event(conn, channel, "theme.changed", theme_view(reopened), now)
    ]


async def hand_off(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/ballots/{id}/agenda {"top": N} (facilitator): the ballot's
    top N become the Verdiepen agenda, each with an open deepening theme."""
    principal = await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, AgendaRequest)
    if not 1 <= body.top <= MAX_AGENDA:
        raise ApiError(400, "invalid", f"Kies een top van 1 tot {MAX_AGENDA} voorstellen.")
    svc: Services = request.app.state.services
    ballot_id = path_int(request, "ballot_id")
    now = utcnow()
    async with svc.db.read() as conn:
        ballot, _ = await ballot_in_dialogue(conn, principal, ballot_id)
        if ballot.dialogue_id != dialogue.id:
            raise ApiError(404, "not_found", "Dit stembiljet bestaat niet.")
        if await voorkeuren_state(conn, dialogue.id, now) == "open":
            raise ApiError(
                409, "conflict", "Sluit eerst de stap Voorkeuren: de agenda volgt uit de uitslag."
            )
        votes = await load_votes(conn, ballot)
    top = (await asyncio.to_thread(ranking, votes))[: body.top]
    items = {item.id: item for item in votes.items}
    records: list[EventRecord] = []
    async with svc.db.transaction() as conn:
        await store.clear_agenda(conn, dialogue.id)
        for position, item_id in enumerate(top, 1):
            theme, events = await _deepening_theme(
                conn, dialogue.id, dialogue.slug, items[item_id], now
            )
            records += events
            await store.update_item(
                conn, item_id, agenda_position=position, deepening_theme_id=theme.id
            )
        view = await agenda_view(conn, dialogue.id)
        records.append(
            await event_store.append_event(
                conn, dialogue_channel(dialogue.slug), "agenda.set", view, now
            )
        )
    await publish(svc.hub, records)
    return JSONResponse(view)


async def get_agenda(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/agenda: the Verdiepen agenda and its deepening themes."""
    dialogue = await load_dialogue(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        return JSONResponse(await agenda_view(conn, dialogue.id))


routes = [
    Route("/api/dialogues/{slug}/ballots/{ballot_id}/agenda", hand_off, methods=["POST"]),
    Route("/api/dialogues/{slug}/agenda", get_agenda, methods=["GET"]),
]
