"""Reactions (eens / oneens / pas): one per participant per contribution, the last one counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from realtime import protocol
from server.auth import Principal
from server.contributions import (
    require_not_muted,
    require_participant,
    require_writable,
    theme_in_dialogue,
)
from server.errors import ApiError
from server.idempotent import WorkResult, run_once
from server.services import Services
from storage import contributions as contribution_store
from storage import invitations as participant_store
from storage.records import EventRecord


async def react(
    svc: Services, principal: Principal, msg: protocol.React
) -> tuple[protocol.Ack, list[EventRecord]]:
    """Record a reaction; the new counts follow as a coalesced `reaction.counts` event."""
    author = require_participant(principal)

    async def work(conn: AsyncConnection, now: datetime) -> WorkResult:
        contribution = await contribution_store.get_contribution(conn, msg.contribution)
        if contribution is None or not principal.in_dialogue(contribution.dialogue_id):
            raise ApiError(404, "not_found", "Deze bijdrage bestaat niet.")
        if contribution.state != "visible":
            raise ApiError(404, "not_found", "Deze bijdrage is niet zichtbaar.")
        theme = await theme_in_dialogue(conn, principal, contribution.theme_id)
        await require_writable(conn, theme, now)
        await require_not_muted(conn, theme.dialogue_id, author, now)
        await contribution_store.set_reaction(conn, contribution.id, author, msg.reaction, now)
        await participant_store.mark_active(conn, principal.id)
        return {"id": contribution.id, "channel": f"theme:{theme.id}"}, []

    answer, _ = await run_once(svc.db, author, msg.ref, work)
    svc.coalescer.touch((int(answer["id"]), str(answer["channel"])))
    svc.representation_changed(principal.dialogue_id)
    return protocol.Ack(ref=msg.ref, id=answer["id"]), []
