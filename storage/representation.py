"""What the representation monitor reads (profiles, activity, step changes) and keeps
(a threshold per dialogue, its alerts).

Profiles and activity are read apart and never joined here: activity rows carry only the
keyed pseudonym of their author. The server matches pseudonyms to participants in memory
and lets only suppressed aggregates out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import (
    contributions,
    events,
    invitations,
    participants,
    reactions,
    representation_alerts,
    representation_monitors,
    workshop_contributions,
)

DEFAULT_INDEX_BELOW = 0.5
DEFAULT_MIN_INVITED = 10


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """An invitation (with its participant, if joined) or a self-declared participant."""

    office: str
    municipality: str | None
    network: str | None
    province: str | None
    organisation: str | None
    participant_id: int | None
    invited: bool


@dataclass(frozen=True, slots=True)
class Act:
    """One contribution or reaction: its author's pseudonym and when."""

    author: str
    at: datetime
    contribution: bool
    in_workshop: bool = False


@dataclass(frozen=True, slots=True)
class Monitor:
    index_below: float = DEFAULT_INDEX_BELOW
    min_invited: int = DEFAULT_MIN_INVITED
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    dimension: str
    group: str
    raised_at: datetime
    reminded_at: datetime | None


def _insert(conn: AsyncConnection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


# --- what is counted ------------------------------------------------------------------------


async def profiles(conn: AsyncConnection, dialogue_id: int) -> list[ProfileRow]:
    """Every invitation not revoked (with its participant) and every self-declared
    participant: profiles only, as the join funnel counts them."""
    invited = await conn.execute(
        sa.select(
            invitations.c.office,
            invitations.c.municipality,
            invitations.c.network,
            invitations.c.province,
            invitations.c.organisation,
            participants.c.id,
        )
        .select_from(
            invitations.outerjoin(participants, participants.c.invitation_id == invitations.c.id)
        )
        .where(invitations.c.dialogue_id == dialogue_id, invitations.c.revoked_at.is_(None))
        .order_by(invitations.c.id)
    )
    found = [ProfileRow(*row, invited=True) for row in invited]
    declared = await conn.execute(
        sa.select(
            participants.c.office,
            participants.c.municipality,
            participants.c.network,
            participants.c.province,
            participants.c.id,
        )
        .where(participants.c.dialogue_id == dialogue_id, participants.c.self_declared.is_(True))
        .order_by(participants.c.id)
    )
    found += [ProfileRow(o, m, n, p, None, id_, invited=False) for o, m, n, p, id_ in declared]
    return found


async def acts(conn: AsyncConnection, dialogue_id: int, theme_id: int | None = None) -> list[Act]:
    """Every contribution (any state) and every reaction of the dialogue, or of one theme."""
    where = [contributions.c.dialogue_id == dialogue_id]
    if theme_id is not None:
        where.append(contributions.c.theme_id == theme_id)
    written = await conn.execute(
        sa.select(
            contributions.c.author,
            contributions.c.created_at,
            workshop_contributions.c.round_id.is_not(None),
        )
        .select_from(
            contributions.outerjoin(
                workshop_contributions,
                workshop_contributions.c.contribution_id == contributions.c.id,
            )
        )
        .where(*where)
    )
    found = [Act(author, at, True, bool(workshop)) for author, at, workshop in written]
    reacted = await conn.execute(
        sa.select(reactions.c.author, reactions.c.updated_at)
        .select_from(
            reactions.join(contributions, contributions.c.id == reactions.c.contribution_id)
        )
        .where(*where)
    )
    found += [Act(author, at, False) for author, at in reacted]
    return found


async def step_changes(conn: AsyncConnection, slug: str) -> list[tuple[datetime, int, str]]:
    """The announced step changes of a dialogue, oldest first: (when, step, state)."""
    rows = await conn.execute(
        sa.select(events.c.created_at, events.c.data)
        .where(events.c.channel == f"dialogue:{slug}", events.c.name == "step.changed")
        .order_by(events.c.seq)
    )
    found = []
    for at, data in rows:
        if isinstance(data, dict) and isinstance(data.get("step"), int):
            found.append((at, int(data["step"]), str(data.get("state"))))
    return found


# --- the threshold and the signal -----------------------------------------------------------


async def get_monitor(conn: AsyncConnection, dialogue_id: int) -> Monitor:
    """The dialogue's threshold (the defaults until a facilitator sets one)."""
    row = (
        await conn.execute(
            sa.select(
                representation_monitors.c.index_below,
                representation_monitors.c.min_invited,
                representation_monitors.c.updated_at,
            ).where(representation_monitors.c.dialogue_id == dialogue_id)
        )
    ).first()
    return Monitor() if row is None else Monitor(float(row[0]), int(row[1]), row[2])


async def _ensure_monitor(conn: AsyncConnection, dialogue_id: int) -> None:
    stmt = _insert(conn, representation_monitors).values(dialogue_id=dialogue_id)
    await conn.execute(stmt.on_conflict_do_nothing())


async def set_threshold(
    conn: AsyncConnection, dialogue_id: int, index_below: float, min_invited: int, now: datetime
) -> Monitor:
    """Store a facilitator's threshold."""
    await _ensure_monitor(conn, dialogue_id)
    await conn.execute(
        representation_monitors.update()
        .where(representation_monitors.c.dialogue_id == dialogue_id)
        .values(index_below=index_below, min_invited=min_invited, updated_at=now)
    )
    return Monitor(index_below, min_invited, now)


async def claim_signal(
    conn: AsyncConnection, dialogue_id: int, now: datetime, interval_seconds: float
) -> bool:
    """Take the right to signal now: False when any worker signalled within the interval."""
    await _ensure_monitor(conn, dialogue_id)
    column = representation_monitors.c.signalled_at
    result = await conn.execute(
        representation_monitors.update()
        .where(
            representation_monitors.c.dialogue_id == dialogue_id,
            sa.or_(column.is_(None), column <= now - timedelta(seconds=interval_seconds)),
        )
        .values(signalled_at=now)
    )
    return result.rowcount == 1


# --- alerts -----------------------------------------------------------------------------------


async def current_alerts(conn: AsyncConnection, dialogue_id: int) -> list[Alert]:
    """The alerts raised and not cleared, oldest first."""
    rows = await conn.execute(
        sa.select(
            representation_alerts.c.dimension,
            representation_alerts.c.group_name,
            representation_alerts.c.raised_at,
            representation_alerts.c.reminded_at,
        )
        .where(
            representation_alerts.c.dialogue_id == dialogue_id,
            representation_alerts.c.cleared_at.is_(None),
        )
        .order_by(representation_alerts.c.raised_at, representation_alerts.c.dimension)
    )
    return [Alert(*row) for row in rows]


async def sync_alerts(
    conn: AsyncConnection, dialogue_id: int, now_under: Iterable[tuple[str, str]], now: datetime
) -> list[tuple[str, str]]:
    """Make the stored alerts the groups now under the threshold; returns the new ones."""
    wanted = set(now_under)
    await _ensure_monitor(conn, dialogue_id)
    await conn.execute(  # one evaluation at a time per dialogue (Postgres; SQLite locks writes)
        sa.select(representation_monitors.c.dialogue_id)
        .where(representation_monitors.c.dialogue_id == dialogue_id)
        .with_for_update()
    )
    rows = await conn.execute(
        sa.select(
            representation_alerts.c.dimension,
            representation_alerts.c.group_name,
            representation_alerts.c.cleared_at.is_(None),
        ).where(representation_alerts.c.dialogue_id == dialogue_id)
    )
    stored = {(d, g): bool(open_) for d, g, open_ in rows}
    new = sorted(key for key in wanted if not stored.get(key, False))
    for dimension, group in new:
        stmt = _insert(conn, representation_alerts).values(
            dialogue_id=dialogue_id, dimension=dimension, group_name=group, raised_at=now
        )
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["dialogue_id", "dimension", "group_name"],
                set_={"raised_at": now, "cleared_at": None, "reminded_at": None},
            )
        )
    for dimension, group in (key for key, open_ in stored.items() if open_ and key not in wanted):
        await conn.execute(
            representation_alerts.update()
            .where(
                representation_alerts.c.dialogue_id == dialogue_id,
                representation_alerts.c.dimension == dimension,
                representation_alerts.c.group_name == group,
            )
            .values(cleared_at=now)
        )
    return new


async def mark_reminded(
    conn: AsyncConnection, dialogue_id: int, dimension: str, group: str, now: datetime
) -> bool:
    """Note that a current alert's group was reminded; False when there is no such alert."""
    result = await conn.execute(
        representation_alerts.update()
        .where(
            representation_alerts.c.dialogue_id == dialogue_id,
            representation_alerts.c.dimension == dimension,
            representation_alerts.c.group_name == group,
            representation_alerts.c.cleared_at.is_(None),
        )
        .values(reminded_at=now)
    )
    return result.rowcount == 1
