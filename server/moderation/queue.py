"""What facilitators see at once (the queue), the audit log, and the moderation mode."""

from __future__ import annotations

import csv
import io
import json
from typing import Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, require
from server.clock import iso, utcnow
from server.dialogues import load_dialogue
from server.errors import ApiError
from server.events import publish
from server.payloads import read_json
from server.services import Services
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage import moderation as moderation_store


class ModeChange(msgspec.Struct, forbid_unknown_fields=True):
    moderation_mode: Literal["pre", "post"]


async def moderation_queue(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/moderation: open flags and held contributions, no authors.

    The live feed (`moderation:{slug}`) adds to this; a facilitator screen loads it once,
    then subscribes with `since` = the `seq` answered here.
    """
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    svc: Services = request.app.state.services
    channel = f"moderation:{dialogue.slug}"
    async with svc.db.read() as conn:
        seq = (await event_store.last_seqs(conn, [channel]))[channel]
        items = await moderation_store.queue(conn, dialogue.id)
    return JSONResponse(
        {
            "channel": channel,
            "seq": seq,
            "moderation_mode": dialogue.moderation_mode,
            "items": [
                {
                    "contribution": {"id": i.contribution_id, "body": i.body},
                    "theme": i.theme_id,
                    "state": i.state,
                    "hidden_reason": i.hidden_reason,
                    "flags": i.flags,
                    "reasons": i.reasons,
                    "sources": i.sources,
                    "notes": i.notes,
                    "claimed_by": i.claimed_by,
                    "flag_notes": i.flag_notes,
                }
                for i in items
            ],
        }
    )


async def audit(request: Request) -> Response:
    """GET /api/dialogues/{slug}/audit[?format=csv] (admin): the append-only audit log."""
    await require(request, "admin")
    dialogue = await load_dialogue(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        entries = await moderation_store.list_audit(conn, dialogue.id)
    rows = [
        {
            "id": e.id,
            "at": iso(e.created_at),
            "by": e.staff_email,
            "action": e.action,
            "contribution": e.contribution_id,
            "detail": e.detail,
        }
        for e in entries
    ]
    if request.query_params.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "tijdstip", "door", "actie", "bijdrage", "details"])
        for row in rows:
            writer.writerow(
                [
                    row["id"],
                    row["at"],
                    row["by"] or "",
                    row["action"],
                    row["contribution"] or "",
                    json.dumps(row["detail"], ensure_ascii=False),
                ]
            )
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="audit-{dialogue.slug}.csv"'},
        )
    if request.query_params.get("format") not in (None, "json"):
        raise ApiError(400, "invalid", "Kies format=json of format=csv.")
    return JSONResponse({"entries": rows})


async def set_mode(request: Request) -> JSONResponse:
    """PATCH /api/dialogues/{slug}/moderation {"moderation_mode": "pre"|"post"}."""
    who = await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, ModeChange)
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.transaction() as conn:
        await dialogue_store.set_moderation_mode(conn, dialogue.id, body.moderation_mode)
        await moderation_store.append_audit(
            conn,
            dialogue_id=dialogue.id,
            staff_id=who.id,
            action="mode",
            contribution_id=None,
            detail={"moderation_mode": body.moderation_mode},
            now=now,
        )
        record = await event_store.append_event(
            conn,
            f"moderation:{dialogue.slug}",
            "moderation.mode",
            {"moderation_mode": body.moderation_mode},
            now,
        )
    await publish(svc.hub, [record])
    return JSONResponse({"moderation_mode": body.moderation_mode})


routes = [
    Route("/api/dialogues/{slug}/moderation", moderation_queue, methods=["GET"]),
    Route("/api/dialogues/{slug}/moderation", set_mode, methods=["PATCH"]),
    Route("/api/dialogues/{slug}/audit", audit, methods=["GET"]),
]
