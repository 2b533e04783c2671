"""Contributions: the write path (validate, persist with the event, ack) and the theme list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from realtime import protocol
from server.auth import Principal, require
from server.clock import iso
from server.errors import ApiError
from server.idempotent import WorkResult, run_once
from server.payloads import path_int
from server.services import Services
from server.steps import takes_contributions
from storage import contributions as contribution_store
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage import invitations as participant_store
from storage.records import Contribution, EventRecord, Theme


def require_participant(principal: Principal) -> str:
    """The pseudonym of a participant; staff do not write in the dialogue."""
    if principal.pseudonym is None:
        raise ApiError(403, "forbidden", "Alleen deelnemers kunnen dit doen.")
    return principal.pseudonym


async def theme_in_dialogue(conn: AsyncConnection, principal: Principal, theme_id: int) -> Theme:
    """The theme, which must belong to the principal's dialogue."""
    theme = await dialogue_store.get_theme(conn, theme_id)
    for _hop in range(10):  # a merged theme's writes land where it was merged into
        if theme is None or theme.merged_into is None:
            break
        theme = await dialogue_store.get_theme(conn, theme.merged_into)
    if theme is None or not principal.in_dialogue(theme.dialogue_id):
        raise ApiError(404, "not_found", "Dit thema bestaat niet.")
    return theme


async def require_writable(conn: AsyncConnection, theme: Theme, now: datetime) -> None:
    """An open theme in an open step that takes contributions, else `closed`."""
    if theme.state != "open":
        raise ApiError(409, "closed", "Dit thema is gesloten.")
    steps = await dialogue_store.list_steps(conn, theme.dialogue_id)
    if not takes_contributions(steps, now):
        raise ApiError(409, "closed", "Er is nu geen stap open waarin u kunt bijdragen.")


def contribution_data(c: Contribution) -> dict[str, Any]:
    """The public face of a contribution: never its author."""
    return {
        "id": c.id,
        "theme": c.theme_id,
        "kind": c.kind,
        "body": c.body,
        "parent": c.parent_id,
        "created_at": iso(c.created_at),
    }


async def contribute(
    svc: Services, principal: Principal, msg: protocol.Contribute
) -> tuple[protocol.Ack, list[EventRecord]]:
    """Store a contribution and its `contribution.created` event; ack after commit."""
    author = require_participant(principal)

    async def work(conn: AsyncConnection, now: datetime) -> WorkResult:
        theme = await theme_in_dialogue(conn, principal, msg.theme)
        await require_writable(conn, theme, now)
        if msg.parent is not None:
            parent = await contribution_store.get_contribution(conn, msg.parent)
            if parent is None or parent.theme_id != theme.id:
                raise ApiError(400, "invalid", "De bijdrage waarop u reageert bestaat niet.")
        created = await contribution_store.add_contribution(
            conn,
            dialogue_id=theme.dialogue_id,
            theme_id=theme.id,
            kind=msg.kind,
            body=msg.body,
            parent_id=msg.parent,
            author=author,
            state="visible",
            now=now,
        )
        channel = f"theme:{theme.id}"
        record = await event_store.append_event(
            conn, channel, "contribution.created", contribution_data(created), now
        )
        await participant_store.mark_active(conn, principal.id)
        return {"id": created.id, "channel": channel, "seq": record.seq}, [record]

    answer, records = await run_once(svc.db, author, msg.ref, work)
    return protocol.Ack(ref=msg.ref, **answer), records


async def list_theme_contributions(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/themes/{id}/contributions: visible ones, no author data."""
    principal = await require(request)
    svc: Services = request.app.state.services
    theme_id = path_int(request, "theme_id")
    async with svc.db.read() as conn:
        dialogue = await dialogue_store.get_dialogue(conn, request.path_params["slug"])
        theme = await theme_in_dialogue(conn, principal, theme_id)
        if dialogue is None or theme.dialogue_id != dialogue.id:
            raise ApiError(404, "not_found", "Dit thema bestaat niet.")
        items = await contribution_store.list_contributions(conn, theme.id)
    return JSONResponse(
        {
            "contributions": [
                {
                    **contribution_data(c),
                    "agree": c.agree,
                    "disagree": c.disagree,
                    "pass": c.pass_count,
                }
                for c in items
            ]
        }
    )


async def my_contributions(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/mine: the participant's own contributions and their outcome.

    Found through the caller's own pseudonym; nobody else's are ever listed this way.
    """
    principal = await require(request)
    author = require_participant(principal)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        dialogue = await dialogue_store.get_dialogue(conn, request.path_params["slug"])
        if dialogue is None or not principal.in_dialogue(dialogue.id):
            raise ApiError(404, "not_found", "Deze dialoog bestaat niet.")
        items = await contribution_store.list_by_author(conn, dialogue.id, author)
    return JSONResponse(
        {
            "contributions": [
                {
                    **contribution_data(c),
                    "state": c.state,
                    "hidden_reason": c.hidden_reason,
                    "agree": c.agree,
                    "disagree": c.disagree,
                    "pass": c.pass_count,
                }
                for c in items
            ]
        }
    )


routes = [
    Route("/api/dialogues/{slug}/mine", my_contributions, methods=["GET"]),
    Route(
        "/api/dialogues/{slug}/themes/{theme_id}/contributions",
        list_theme_contributions,
        methods=["GET"],
    ),
]
