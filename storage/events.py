"""The per-channel event log: gap-free sequence numbers kept in the database.

``append_event`` takes the channel's next seq with one atomic UPDATE, which
Postgres locks per channel row until commit: concurrent writers on the same
channel queue up there, so seqs are gap-free and committed in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.records import EventRecord
from storage.tables import channels, events


async def ensure_channel(conn: AsyncConnection, name: str) -> None:
    """Create the channel's seq row if it does not exist yet."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(channels).values(name=name, last_seq=0).on_conflict_do_nothing()
    await conn.execute(stmt)


async def channel_exists(conn: AsyncConnection, name: str) -> bool:
    """True when the channel has a seq row."""
    row = await conn.execute(sa.select(channels.c.name).where(channels.c.name == name))
    return row.first() is not None


async def _next_seq(conn: AsyncConnection, channel: str) -> int:
    stmt = (
        sa.update(channels)
        .where(channels.c.name == channel)
        .values(last_seq=channels.c.last_seq + 1)
        .returning(channels.c.last_seq)
    )
    seq = (await conn.execute(stmt)).scalar()
    if seq is not None:
        return int(seq)
    await ensure_channel(conn, channel)
    return int((await conn.execute(stmt)).scalar_one())


async def append_event(
    conn: AsyncConnection, channel: str, name: str, data: dict[str, Any], now: datetime
) -> EventRecord:
    """Append one event to a channel inside the caller's transaction."""
    seq = await _next_seq(conn, channel)
    await conn.execute(
        events.insert().values(channel=channel, seq=seq, name=name, data=data, created_at=now)
    )
    return EventRecord(channel=channel, seq=seq, name=name, data=data, created_at=now)


async def events_after(
    conn: AsyncConnection, channel: str, after_seq: int, limit: int
) -> list[EventRecord]:
    """The channel's events with seq > after_seq, oldest first, at most limit."""
    stmt = (
        sa.select(events.c.channel, events.c.seq, events.c.name, events.c.data, events.c.created_at)
        .where(events.c.channel == channel, events.c.seq > after_seq)
        .order_by(events.c.seq)
        .limit(limit)
    )
    rows = await conn.execute(stmt)
    return [EventRecord(*row) for row in rows]


async def last_seqs(conn: AsyncConnection, names: Sequence[str]) -> dict[str, int]:
    """The newest seq of each named channel; unknown channels answer 0."""
    result = dict.fromkeys(names, 0)
    if not names:
        return result
    rows = await conn.execute(
        sa.select(channels.c.name, channels.c.last_seq).where(channels.c.name.in_(list(names)))
    )
    result.update({name: int(seq) for name, seq in rows})
    return result
