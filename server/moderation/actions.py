"""Facilitator actions on a contribution: every one is an event and an audit entry.

Actions act on contributions, never on people: a mute silences the author of a
contribution through its pseudonym, and nobody learns who that is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, Principal, require
from server.clock import iso, utcnow
from server.contributions import contribution_data
from server.errors import ApiError
from server.events import publish
from server.moderation.events import hide_event
from server.payloads import path_int, read_json
from server.services import Services
from storage import accounts as account_store
from storage import contributions as contribution_store
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage import moderation as moderation_store
from storage.records import Contribution, Dialogue, EventRecord

Action = Literal["hide", "restore", "approve", "claim", "release", "mute", "note"]
MAX_MUTE_MINUTES = 7 * 24 * 60
"""A mute lasts at most a week: longer silences need a conversation, not a button."""


class ModerationAction(msgspec.Struct, forbid_unknown_fields=True):
    action: Action
    reason: str = ""
    minutes: int | None = None
    note: str | None = None


def _check(body: ModerationAction) -> None:
    if len(body.reason) > 200:
        raise ApiError(400, "invalid", "De reden mag hoogstens 200 tekens zijn.")
    if body.action == "mute" and not (body.minutes and 1 <= body.minutes <= MAX_MUTE_MINUTES):
        raise ApiError(400, "invalid", "Geef de duur van de pauze in minuten (1 tot 10080).")
    if body.action == "note" and not (body.note and 1 <= len(body.note.strip()) <= 2000):
        raise ApiError(400, "invalid", "Een notitie heeft 1 tot 2000 tekens.")


async def _theme_event(
    conn: AsyncConnection, c: Contribution, name: str, data: dict[str, Any], now: datetime
) -> EventRecord:
    return await event_store.append_event(conn, f"theme:{c.theme_id}", name, data, now)


async def _apply(
    conn: AsyncConnection, c: Contribution, body: ModerationAction, who: Principal, now: datetime
) -> tuple[list[EventRecord], dict[str, Any]]:
    """Carry out one action; returns the theme events and the audit detail."""
    detail: dict[str, Any] = {"reason": body.reason.strip()} if body.reason.strip() else {}
    match body.action:
        case "hide":
            await contribution_store.resolve_flags(conn, c.id, now)
            if c.state == "hidden":
                return [], detail
            reason = body.reason.strip() or "Verborgen door de moderator."
            return [await hide_event(conn, c, reason, now)], {"reason": reason}
        case "restore" | "approve":
            await contribution_store.resolve_flags(conn, c.id, now)
            if c.state == "visible":
                return [], detail
            await contribution_store.set_state(conn, c.id, "visible", None)
            if c.state == "held":  # first publication: now the others see it
                return [
                    await _theme_event(conn, c, "contribution.created", contribution_data(c), now)
                ], detail
            restored = {
                **contribution_data(c),
                "agree": c.agree,
                "disagree": c.disagree,
                "pass": c.pass_count,
            }
            return [await _theme_event(conn, c, "contribution.restored", restored, now)], detail
        case "claim" | "release":
            await moderation_store.claim(
                conn, c.id, who.id if body.action == "claim" else None, now
            )
            return [], detail
        case "mute":
            until = now + timedelta(minutes=body.minutes or 0)
            await moderation_store.add_mute(
                conn, c.dialogue_id, c.author, until, body.reason.strip(), who.id, now
            )
            return [], {**detail, "until": iso(until)}
        case "note":
            await moderation_store.add_note(conn, c.id, who.id, (body.note or "").strip(), now)
            return [], {"note": (body.note or "").strip()}
    raise ApiError(400, "invalid", "Onbekende actie.")


async def act(
    svc: Services,
    dialogue: Dialogue,
    contribution_id: int,
    body: ModerationAction,
    who: Principal,
) -> dict[str, Any]:
    """Apply an action in one transaction, audit it, and tell everyone it concerns."""
    _check(body)
    now = utcnow()
    async with svc.db.transaction() as conn:
        c = await contribution_store.get_contribution(conn, contribution_id, for_update=True)
        if c is None or c.dialogue_id != dialogue.id:
            raise ApiError(404, "not_found", "Deze bijdrage bestaat niet.")
        records, detail = await _apply(conn, c, body, who, now)
        await moderation_store.append_audit(
            conn,
            dialogue_id=dialogue.id,
            staff_id=who.id,
            action=body.action,
            contribution_id=c.id,
            detail=detail,
            now=now,
        )
        account = await account_store.get_staff(conn, who.id)
        after = await contribution_store.get_contribution(conn, c.id)
        assert after is not None
        outcome = {
            "action": body.action,
            "contribution": c.id,
            "state": after.state,
            "by": account.email if account else None,
            **detail,
        }
        records.append(
            await event_store.append_event(
                conn, f"moderation:{dialogue.slug}", "moderation.action", outcome, now
            )
        )
    await publish(svc.hub, records)
    return outcome


async def moderate(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/contributions/{id}/moderation."""
    who = await require(request, *MODERATOR_ROLES)
    svc: Services = request.app.state.services
    body = await read_json(request, ModerationAction)
    async with svc.db.read() as conn:
        dialogue = await dialogue_store.get_dialogue(conn, request.path_params["slug"])
    if dialogue is None:
        raise ApiError(404, "not_found", "Deze dialoog bestaat niet.")
    outcome = await act(svc, dialogue, path_int(request, "contribution_id"), body, who)
    return JSONResponse({"id": outcome["contribution"], **outcome})


routes = [
    Route(
        "/api/dialogues/{slug}/contributions/{contribution_id}/moderation",
        moderate,
        methods=["POST"],
    ),
]
