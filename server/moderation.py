"""Moderation: participants flag, facilitators hide and restore; every outcome is an event."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from realtime import protocol
from server.auth import MODERATOR_ROLES, Principal, require
from server.clock import utcnow
from server.contributions import require_participant
from server.errors import ApiError
from server.events import publish
from server.idempotent import WorkResult, run_once
from server.payloads import path_int, read_json
from server.services import Services
from storage import contributions as contribution_store
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage.records import Contribution, EventRecord

AUTO_HIDE_REASON = "Tijdelijk verborgen na meldingen van deelnemers."


async def _hide(
    conn: AsyncConnection, contribution: Contribution, reason: str, now: datetime
) -> EventRecord:
    await contribution_store.set_state(conn, contribution.id, "hidden", reason)
    return await event_store.append_event(
        conn,
        f"theme:{contribution.theme_id}",
        "contribution.hidden",
        {"id": contribution.id, "reason": reason},
        now,
    )


async def flag(
    svc: Services, principal: Principal, msg: protocol.Flag
) -> tuple[protocol.Ack, list[EventRecord]]:
    """Record a participant's flag; enough independent flags hide the contribution."""
    author = require_participant(principal)
    slug = principal.dialogue_slug

    async def work(conn: AsyncConnection, now: datetime) -> WorkResult:
        contribution = await contribution_store.get_contribution(
            conn, msg.contribution, for_update=True
        )
        if contribution is None or not principal.in_dialogue(contribution.dialogue_id):
            raise ApiError(404, "not_found", "Deze bijdrage bestaat niet.")
        result = await contribution_store.add_flag(
            conn,
            contribution_id=contribution.id,
            author=author,
            reason=msg.reason,
            note=msg.note,
            source="participant",
            detail=None,
            now=now,
        )
        records: list[EventRecord] = []
        if result.flag_id is not None:
            records.append(
                await event_store.append_event(
                    conn,
                    f"moderation:{slug}",
                    "flag.created",
                    {
                        "flag": result.flag_id,
                        "contribution": {"id": contribution.id, "body": contribution.body},
                        "reason": msg.reason,
                        "source": "participant",
                        "detail": msg.note,
                        "flags": result.distinct_flaggers,
                    },
                    now,
                )
            )
        enough = result.distinct_flaggers >= svc.settings.flags_to_hide
        if enough and contribution.state == "visible":
            records.append(await _hide(conn, contribution, AUTO_HIDE_REASON, now))
        return {"id": contribution.id}, records

    answer, records = await run_once(svc.db, author, msg.ref, work)
    return protocol.Ack(ref=msg.ref, id=answer["id"]), records


class ModerationAction(msgspec.Struct, forbid_unknown_fields=True):
    action: Literal["hide", "restore"]
    reason: str = msgspec.field(default="")


async def moderate(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/contributions/{id}/moderation: hide or restore."""
    await require(request, *MODERATOR_ROLES)
    svc: Services = request.app.state.services
    body = await read_json(request, ModerationAction)
    if len(body.reason) > 200:
        raise ApiError(400, "invalid", "De reden mag hoogstens 200 tekens zijn.")
    contribution_id = path_int(request, "contribution_id")
    now = utcnow()
    async with svc.db.transaction() as conn:
        dialogue = await dialogue_store.get_dialogue(conn, request.path_params["slug"])
        contribution = await contribution_store.get_contribution(
            conn, contribution_id, for_update=True
        )
        if dialogue is None or contribution is None or contribution.dialogue_id != dialogue.id:
            raise ApiError(404, "not_found", "Deze bijdrage bestaat niet.")
        records = await _apply(conn, contribution, body, now)
    await publish(svc.hub, records)
    state = "hidden" if body.action == "hide" else "visible"
    return JSONResponse({"id": contribution.id, "state": state})


async def _apply(
    conn: AsyncConnection, contribution: Contribution, body: ModerationAction, now: datetime
) -> list[EventRecord]:
    await contribution_store.resolve_flags(conn, contribution.id, now)
    if body.action == "hide":
        if contribution.state == "hidden":
            return []
        reason = body.reason.strip() or "Verborgen door de moderator."
        return [await _hide(conn, contribution, reason, now)]
    if contribution.state == "visible":
        return []
    await contribution_store.set_state(conn, contribution.id, "visible", None)
    return [
        await event_store.append_event(
            conn,
            f"theme:{contribution.theme_id}",
            "contribution.restored",
            {"id": contribution.id},
            now,
        )
    ]


routes = [
    Route(
        "/api/dialogues/{slug}/contributions/{contribution_id}/moderation",
        moderate,
        methods=["POST"],
    ),
]
