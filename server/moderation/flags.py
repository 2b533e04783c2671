"""Flags: participants ask facilitators to look; enough independent flags hide a contribution.

Automatic flags (from screening on the write path) go the same way with source `auto`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from realtime import protocol
from server.auth import Principal
from server.contributions import require_participant
from server.errors import ApiError
from server.idempotent import WorkResult, run_once
from server.moderation.events import AUTO_HIDE_REASON, flag_event, hide_event
from server.services import Services
from storage import contributions as contribution_store
from storage.records import EventRecord


async def flag(
    svc: Services, principal: Principal, msg: protocol.Flag
) -> tuple[protocol.Ack, list[EventRecord]]:
    """Record a participant's flag; enough independent flags hide the contribution."""
    author = require_participant(principal)
    slug = principal.dialogue_slug or ""

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
                await flag_event(
                    conn,
                    slug,
                    contribution,
                    flag_id=result.flag_id,
                    reason=msg.reason,
                    source="participant",
                    detail=msg.note,
                    flags=result.distinct_flaggers,
                    now=now,
                )
            )
        enough = result.distinct_flaggers >= svc.settings.flags_to_hide
        if enough and contribution.state == "visible":
            records.append(await hide_event(conn, contribution, AUTO_HIDE_REASON, now))
        return {"id": contribution.id}, records

    answer, records = await run_once(svc.db, author, msg.ref, work)
    return protocol.Ack(ref=msg.ref, id=answer["id"]), records
