"""Moderation records: claims, mutes on pseudonyms, notes, the queue and the audit log.

The audit log is append-only: this module has no function that changes or removes a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import audit_log, contributions, flags, moderation_notes, mutes, staff


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    action: str
    staff_email: str | None
    contribution_id: int | None
    detail: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class QueueItem:
    contribution_id: int
    theme_id: int
    body: str
    state: str
    hidden_reason: str | None
    flags: int
    reasons: list[str]
    sources: list[str]
    notes: list[str]
    claimed_by: str | None
    flag_notes: list[str]
    """What flagging participants wrote with their flags (never who they are)."""


async def claim(
    conn: AsyncConnection, contribution_id: int, staff_id: int | None, now: datetime
) -> None:
    """Mark who handles a contribution (None releases it)."""
    await conn.execute(
        contributions.update()
        .where(contributions.c.id == contribution_id)
        .values(claimed_by=staff_id, claimed_at=now if staff_id else None)
    )


async def add_mute(
    conn: AsyncConnection,
    dialogue_id: int,
    author: str,
    until: datetime,
    reason: str,
    staff_id: int,
    now: datetime,
) -> None:
    """Mute an author (by pseudonym) until a moment."""
    await conn.execute(
        mutes.insert().values(
            dialogue_id=dialogue_id,
            author=author,
            until=until,
            reason=reason,
            created_by=staff_id,
            created_at=now,
        )
    )


async def muted_until(
    conn: AsyncConnection, dialogue_id: int, author: str, now: datetime
) -> datetime | None:
    """The end of the author's longest running mute, if any."""
    row = await conn.execute(
        sa.select(sa.func.max(mutes.c.until)).where(
            mutes.c.dialogue_id == dialogue_id, mutes.c.author == author, mutes.c.until > now
        )
    )
    return row.scalar()  # max() keeps the column's type: a UTC datetime on every backend


async def add_note(
    conn: AsyncConnection, contribution_id: int, staff_id: int, body: str, now: datetime
) -> None:
    """Keep a facilitator's note on a contribution."""
    await conn.execute(
        moderation_notes.insert().values(
            contribution_id=contribution_id, staff_id=staff_id, body=body, created_at=now
        )
    )


async def append_audit(
    conn: AsyncConnection,
    *,
    dialogue_id: int | None,
    staff_id: int | None,
    action: str,
    contribution_id: int | None,
    detail: dict[str, Any],
    now: datetime,
) -> None:
    """Append one entry to the audit log."""
    await conn.execute(
        audit_log.insert().values(
            dialogue_id=dialogue_id,
            staff_id=staff_id,
            action=action,
            contribution_id=contribution_id,
            detail=detail,
            created_at=now,
        )
    )


async def list_audit(
    conn: AsyncConnection, dialogue_id: int, limit: int = 10_000
) -> list[AuditEntry]:
    """A dialogue's audit log, oldest first."""
    rows = await conn.execute(
        sa.select(
            audit_log.c.id,
            audit_log.c.action,
            staff.c.email,
            audit_log.c.contribution_id,
            audit_log.c.detail,
            audit_log.c.created_at,
        )
        .select_from(audit_log.outerjoin(staff, staff.c.id == audit_log.c.staff_id))
        .where(audit_log.c.dialogue_id == dialogue_id)
        .order_by(audit_log.c.id)
        .limit(limit)
    )
    return [AuditEntry(*row) for row in rows]


async def queue(conn: AsyncConnection, dialogue_id: int) -> list[QueueItem]:
    """What needs a facilitator: contributions with open flags, held or hidden ones."""
    open_flags = (
        sa.select(flags.c.contribution_id, flags.c.reason, flags.c.source, flags.c.note)
        .where(flags.c.resolved_at.is_(None))
        .subquery()
    )
    rows = await conn.execute(
        sa.select(
            contributions.c.id,
            contributions.c.theme_id,
            contributions.c.body,
            contributions.c.state,
            contributions.c.hidden_reason,
            staff.c.email,
            open_flags.c.reason,
            open_flags.c.source,
            open_flags.c.note,
        )
        .select_from(
            contributions.outerjoin(
                open_flags, open_flags.c.contribution_id == contributions.c.id
            ).outerjoin(staff, staff.c.id == contributions.c.claimed_by)
        )
        .where(
            contributions.c.dialogue_id == dialogue_id,
            sa.or_(open_flags.c.reason.is_not(None), contributions.c.state == "held"),
        )
        .order_by(contributions.c.id)
    )
    items: dict[int, dict[str, Any]] = {}
    for cid, theme, body, state, hidden, claimer, reason, source, note in rows:
        item = items.setdefault(
            cid,
            {
                "theme": theme,
                "body": body,
                "state": state,
                "hidden": hidden,
                "claimer": claimer,
                "reasons": [],
                "flag_notes": [],
                "sources": [],
            },
        )
        if reason is not None:
            item["reasons"].append(reason)
            item["sources"].append(source)
        if note:
            item["flag_notes"].append(note)
    notes = await _notes(conn, list(items))
    return [
        QueueItem(
            cid,
            i["theme"],
            i["body"],
            i["state"],
            i["hidden"],
            len(i["reasons"]),
            sorted(set(i["reasons"])),
            sorted(set(i["sources"])),
            notes.get(cid, []),
            i["claimer"],
            i["flag_notes"],
        )
        for cid, i in items.items()
    ]


async def _notes(conn: AsyncConnection, ids: list[int]) -> dict[int, list[str]]:
    if not ids:
        return {}
    rows = await conn.execute(
        sa.select(moderation_notes.c.contribution_id, moderation_notes.c.body)
        .where(moderation_notes.c.contribution_id.in_(ids))
        .order_by(moderation_notes.c.id)
    )
    found: dict[int, list[str]] = {}
    for cid, body in rows:
        found.setdefault(cid, []).append(body)
    return found
