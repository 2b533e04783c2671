"""Live workshops: their rounds, board, pins, quick-poll votes and presence counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import (
    contributions,
    poll_votes,
    presence,
    workshop_contributions,
    workshop_pins,
    workshop_rounds,
    workshops,
)


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    position: int
    prompt: str
    theme_id: int | None
    kind: str
    duration_seconds: int
    options: list[str]


@dataclass(frozen=True, slots=True)
class Workshop:
    id: int
    dialogue_id: int
    theme_id: int | None
    title: str
    state: str
    current_round: int | None
    deadline: datetime | None
    remaining_seconds: float | None
    present: int
    summary: str


def _workshop(row: sa.Row) -> Workshop:
    return Workshop(
        row.id,
        row.dialogue_id,
        row.theme_id,
        row.title,
        row.state,
        row.current_round,
        row.deadline,
        row.remaining_seconds,
        row.present,
        row.summary,
    )


async def create_workshop(
    conn: AsyncConnection,
    dialogue_id: int,
    title: str,
    theme_id: int | None,
    rounds: list[dict[str, Any]],
    now: datetime,
) -> Workshop:
    """A planned workshop with its agenda of rounds (positions 0, 1, …)."""
    result = await conn.execute(
        workshops.insert()
        .values(dialogue_id=dialogue_id, title=title, theme_id=theme_id, created_at=now)
        .returning(*workshops.c)
    )
    workshop = _workshop(result.one())
    await conn.execute(
        workshop_rounds.insert(),
        [{"workshop_id": workshop.id, "position": i, **r} for i, r in enumerate(rounds)],
    )
    return workshop


async def get_workshop(
    conn: AsyncConnection, workshop_id: int, *, for_update: bool = False
) -> Workshop | None:
    """The workshop with this id, if any."""
    stmt = sa.select(workshops).where(workshops.c.id == workshop_id)
    if for_update and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    return _workshop(row) if row else None


async def list_workshops(conn: AsyncConnection, dialogue_id: int) -> list[Workshop]:
    """A dialogue's workshops in creation order."""
    rows = await conn.execute(
        sa.select(workshops).where(workshops.c.dialogue_id == dialogue_id).order_by(workshops.c.id)
    )
    return [_workshop(row) for row in rows]


async def list_rounds(conn: AsyncConnection, workshop_id: int) -> list[Round]:
    """The agenda of a workshop in order."""
    rows = await conn.execute(
        sa.select(workshop_rounds)
        .where(workshop_rounds.c.workshop_id == workshop_id)
        .order_by(workshop_rounds.c.position)
    )
    return [
        Round(r.id, r.position, r.prompt, r.theme_id, r.kind, r.duration_seconds, list(r.options))
        for r in rows
    ]


async def get_round(conn: AsyncConnection, round_id: int) -> tuple[Round, int] | None:
    """A round and the id of its workshop."""
    row = (
        await conn.execute(sa.select(workshop_rounds).where(workshop_rounds.c.id == round_id))
    ).first()
    if row is None:
        return None
    item = Round(
        row.id,
        row.position,
        row.prompt,
        row.theme_id,
        row.kind,
        row.duration_seconds,
        list(row.options),
    )
    return item, int(row.workshop_id)


async def update_workshop(conn: AsyncConnection, workshop_id: int, **values: Any) -> None:
    """Store a new clock state, summary or presence count."""
    await conn.execute(workshops.update().where(workshops.c.id == workshop_id).values(**values))


async def link_contribution(conn: AsyncConnection, contribution_id: int, round_id: int) -> None:
    """Put a contribution on a round's board."""
    await conn.execute(
        workshop_contributions.insert().values(contribution_id=contribution_id, round_id=round_id)
    )


async def board(conn: AsyncConnection, workshop_id: int) -> list[tuple[int, int, str, str]]:
    """(round id, contribution id, kind, body) of the visible contributions of every round."""
    rows = await conn.execute(
        sa.select(
            workshop_contributions.c.round_id,
            contributions.c.id,
            contributions.c.kind,
            contributions.c.body,
        )
        .join(contributions, contributions.c.id == workshop_contributions.c.contribution_id)
        .join(workshop_rounds, workshop_rounds.c.id == workshop_contributions.c.round_id)
        .where(workshop_rounds.c.workshop_id == workshop_id, contributions.c.state == "visible")
        .order_by(contributions.c.id)
    )
    return [(int(r), int(i), str(k), str(b)) for r, i, k, b in rows]


async def pin(conn: AsyncConnection, workshop_id: int, contribution_id: int, now: datetime) -> bool:
    """Pin a contribution as an insight; False when it was pinned already."""
    found = await conn.execute(
        sa.select(workshop_pins.c.contribution_id).where(
            workshop_pins.c.workshop_id == workshop_id,
            workshop_pins.c.contribution_id == contribution_id,
        )
    )
    if found.first() is not None:
        return False
    await conn.execute(
        workshop_pins.insert().values(
            workshop_id=workshop_id, contribution_id=contribution_id, created_at=now
        )
    )
    return True


async def pins(conn: AsyncConnection, workshop_id: int) -> list[tuple[int, str]]:
    """(contribution id, body) of the pinned insights in pin order."""
    rows = await conn.execute(
        sa.select(contributions.c.id, contributions.c.body)
        .join(workshop_pins, workshop_pins.c.contribution_id == contributions.c.id)
        .where(workshop_pins.c.workshop_id == workshop_id)
        .order_by(workshop_pins.c.created_at, contributions.c.id)
    )
    return [(int(i), str(b)) for i, b in rows]


async def vote(
    conn: AsyncConnection, round_id: int, author: str, option: int, now: datetime
) -> None:
    """One quick-poll vote per participant per round; a new one replaces the old."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(poll_votes).values(
        round_id=round_id, author=author, option=option, updated_at=now
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["round_id", "author"],
            set_={"option": stmt.excluded.option, "updated_at": stmt.excluded.updated_at},
        )
    )


async def poll_counts(conn: AsyncConnection, round_id: int, options: int) -> list[int]:
    """Votes per option of a round."""
    rows = await conn.execute(
        sa.select(poll_votes.c.option, sa.func.count())
        .where(poll_votes.c.round_id == round_id)
        .group_by(poll_votes.c.option)
    )
    counts = [0] * options
    for option, count in rows:
        if 0 <= option < options:
            counts[option] = int(count)
    return counts


async def report_presence(
    conn: AsyncConnection, worker: str, counts: dict[str, int], now: datetime
) -> None:
    """Store this worker's connection count per channel (zero counts are removed)."""
    await conn.execute(presence.delete().where(presence.c.worker == worker))
    rows = [
        {"worker": worker, "channel": channel, "count": count, "updated_at": now}
        for channel, count in counts.items()
        if count > 0
    ]
    if rows:
        await conn.execute(presence.insert(), rows)


async def total_presence(
    conn: AsyncConnection, channels: list[str], fresh_after: datetime
) -> dict[str, int]:
    """Connections per channel over every worker that reported recently."""
    totals = dict.fromkeys(channels, 0)
    if not channels:
        return totals
    rows = await conn.execute(
        sa.select(presence.c.channel, sa.func.sum(presence.c.count))
        .where(presence.c.channel.in_(channels), presence.c.updated_at > fresh_after)
        .group_by(presence.c.channel)
    )
    totals.update({str(c): int(n) for c, n in rows})
    return totals


async def list_live_workshops(conn: AsyncConnection) -> list[Workshop]:
    """Workshops not closed yet (people wait in a planned one too), over every dialogue."""
    rows = await conn.execute(sa.select(workshops).where(workshops.c.state != "closed"))
    return [_workshop(row) for row in rows]


async def claim_presence(conn: AsyncConnection, workshop_id: int, seen: int, present: int) -> bool:
    """Store a new presence count unless another worker did so first."""
    result = await conn.execute(
        workshops.update()
        .where(workshops.c.id == workshop_id, workshops.c.present == seen)
        .values(present=present)
    )
    return result.rowcount == 1
