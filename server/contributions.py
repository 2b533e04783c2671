"""Contributions: the write path (validate, persist with the event, ack) and the theme list."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from realtime import protocol
from server.activity import active_participants, mark_active_once
from server.auth import Principal, require
from server.clock import iso
from server.errors import ApiError
from server.idempotent import WorkResult, run_once
from server.moderation.auto import WARN_KINDS, Finding, auto_flags
from server.payloads import path_int
from server.services import Services
from server.steps import takes_contributions
from server.workshops.service import board_event, open_round
from storage import contributions as contribution_store
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage import write_context as write_store
from storage.records import Contribution, EventRecord, Theme, WriteContext

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


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


def check_writable(ctx: WriteContext, now: datetime) -> None:
    """An open theme in an open step that takes contributions (else `closed`), and an
    author who is not muted (else `forbidden`), checked in that order."""
    if ctx.theme.state != "open":
        raise ApiError(409, "closed", "Dit thema is gesloten.")
    if not takes_contributions(list(ctx.steps), now):
        raise ApiError(409, "closed", "Er is nu geen stap open waarin u kunt bijdragen.")
    if ctx.muted_until is not None:
        local = ctx.muted_until.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
        raise ApiError(403, "forbidden", f"U kunt tot {local} niet bijdragen of reageren.")


async def writable_context(
    conn: AsyncConnection,
    principal: Principal,
    ctx: WriteContext | None,
    author: str,
    now: datetime,
    parent_id: int | None = None,
) -> WriteContext:
    """The context of the theme a write lands in (a merged theme's is where it was merged
    into), which must be in the principal's dialogue and writable."""
    for _hop in range(10):
        if ctx is None or ctx.theme.merged_into is None:
            break
        ctx = await write_store.theme_context(conn, ctx.theme.merged_into, author, now, parent_id)
    if ctx is None or not principal.in_dialogue(ctx.theme.dialogue_id):
        raise ApiError(404, "not_found", "Dit thema bestaat niet.")
    check_writable(ctx, now)
    return ctx


def screen_or_warn(svc: Services, msg: protocol.Contribute) -> list[Finding]:
    """Screen the text; personal data or self-identification is a warning unless confirmed."""
    findings = svc.screen(msg.body)
    risky = [f for f in findings if f.kind in WARN_KINDS]
    if risky and not msg.confirm:
        raise ApiError(
            409,
            "warning",
            "Uw tekst bevat mogelijk persoonsgegevens of maakt u herkenbaar. "
            "Pas de tekst aan, of plaats hem toch.",
            detail={"findings": [{"kind": f.kind, "excerpt": f.excerpt} for f in risky]},
        )
    return findings


async def contribute(
    svc: Services, principal: Principal, msg: protocol.Contribute
) -> tuple[protocol.Ack, list[EventRecord]]:
    """Store a contribution and its event; ack after commit.

    Post-moderation (the default) publishes `contribution.created` on the theme at once;
    pre-moderation holds it and shows it on the moderation channel until approved.
    Screening findings become automatic flags.
    """
    author = require_participant(principal)
    findings = screen_or_warn(svc, msg)
    active = active_participants(svc.db)
    marked = False

    async def work(conn: AsyncConnection, now: datetime) -> WorkResult:
        nonlocal marked
        found = await write_store.theme_context(conn, msg.theme, author, now, msg.parent)
        ctx = await writable_context(conn, principal, found, author, now, msg.parent)
        theme = ctx.theme
        if msg.parent is not None and ctx.parent_theme_id != theme.id:
            raise ApiError(400, "invalid", "De bijdrage waarop u reageert bestaat niet.")
        if msg.round is not None:
            item, workshop = await open_round(conn, msg.round, "write", theme.dialogue_id, now)
            if (item.theme_id or workshop.theme_id or theme.id) != theme.id:
                raise ApiError(400, "invalid", "Deze ronde hoort bij een ander thema.")
        held = ctx.moderation_mode == "pre"
        created = await contribution_store.add_contribution(
            conn,
            dialogue_id=theme.dialogue_id,
            theme_id=theme.id,
            kind=msg.kind,
            body=msg.body,
            parent_id=msg.parent,
            author=author,
            state="held" if held else "visible",
            now=now,
        )
        if held:
            channel = f"moderation:{ctx.dialogue_slug}"
            record = await event_store.append_event(
                conn,
                channel,
                "contribution.held",
                {
                    "contribution": {"id": created.id, "body": created.body},
                    "theme": theme.id,
                    "kind": created.kind,
                },
                now,
            )
        else:
            channel = f"theme:{theme.id}"
            record = await event_store.append_event(
                conn, channel, "contribution.created", contribution_data(created), now
            )
        records = [record, *await auto_flags(conn, ctx.dialogue_slug, created, findings, now)]
        if msg.round is not None and not held:
            records += await board_event(conn, msg.round, workshop.id, created, now)
        marked = await mark_active_once(conn, active, principal.id)
        answer: dict[str, Any] = {"id": created.id, "channel": channel, "seq": record.seq}
        if held:
            answer["held"] = True
        return answer, records

    answer, records = await run_once(svc.db, author, msg.ref, work)
    if marked:
        active.add(principal.id)
    svc.representation_changed(principal.dialogue_id)
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
        channel = f"theme:{theme.id}"
        seq = (await event_store.last_seqs(conn, [channel]))[channel]  # before the list
        items = await contribution_store.list_contributions(conn, theme.id)
    return JSONResponse(
        {
            "channel": channel,
            "seq": seq,
            "contributions": [
                {
                    **contribution_data(c),
                    "agree": c.agree,
                    "disagree": c.disagree,
                    "pass": c.pass_count,
                }
                for c in items
            ],
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
