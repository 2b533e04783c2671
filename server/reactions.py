"""Reactions (eens / oneens / pas): one per participant per contribution, the last one counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from realtime import protocol
from server.activity import active_participants, mark_active_once
from server.auth import Principal
from server.contributions import require_participant, writable_context
from server.errors import ApiError
from server.idempotent import WorkResult, run_once
from server.services import Services
from storage import contributions as contribution_store
from storage import write_context as write_store
from storage.records import EventRecord


async def react(
    svc: Services, principal: Principal, msg: protocol.React
) -> tuple[protocol.Ack, list[EventRecord]]:
    """Record a reaction; the new counts follow as a coalesced `reaction.counts` event."""
    author = require_participant(principal)
    active = active_participants(svc.db)
    marked = False

    async def work(conn: AsyncConnection, now: datetime) -> WorkResult:
        nonlocal marked
        target = await write_store.reaction_target(conn, msg.contribution, author, now)
        if target is None or not principal.in_dialogue(target.dialogue_id):
            raise ApiError(404, "not_found", "Deze bijdrage bestaat niet.")
        if target.state != "visible":
            raise ApiError(404, "not_found", "Deze bijdrage is niet zichtbaar.")
        ctx = await writable_context(conn, principal, target.context, author, now)
        await contribution_store.set_reaction(
            conn, target.contribution_id, author, msg.reaction, now
        )
        marked = await mark_active_once(conn, active, principal.id)
        return {"id": target.contribution_id, "channel": f"theme:{ctx.theme.id}"}, []

    answer, _ = await run_once(svc.db, author, msg.ref, work)
    if marked:
        active.add(principal.id)
    svc.coalescer.touch((int(answer["id"]), str(answer["channel"])))
    svc.representation_changed(principal.dialogue_id)
    return protocol.Ack(ref=msg.ref, id=answer["id"]), []
