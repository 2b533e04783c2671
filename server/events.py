"""Between storage and the hub: events as the wire carries them, published after commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import structlog

from realtime import protocol
from realtime.hub import Hub
from server.clock import iso
from storage import events as event_store
from storage.database import Database
from storage.records import EventRecord

log = structlog.get_logger(__name__)


def to_wire(record: EventRecord) -> protocol.Event:
    """The wire form of a stored event."""
    return protocol.Event(
        channel=record.channel,
        seq=record.seq,
        event=record.name,
        data=record.data,
        at=iso(record.created_at),
    )


class DatabaseEventSource:
    """The hub's view of the event log: what it reads to fill gaps and resume."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def events_after(self, channel: str, after_seq: int, limit: int) -> list[protocol.Event]:
        async with self._db.read() as conn:
            records = await event_store.events_after(conn, channel, after_seq, limit)
        return [to_wire(record) for record in records]

    async def last_seqs(self, channels: Sequence[str]) -> dict[str, int]:
        async with self._db.read() as conn:
            return await event_store.last_seqs(conn, channels)


async def publish(hub: Hub, records: Iterable[EventRecord]) -> None:
    """Publish committed events. A failed publish loses nothing: readers catch up by seq."""
    for record in records:
        try:
            await hub.publish(to_wire(record))
        except (OSError, ConnectionError, TimeoutError, RuntimeError) as exc:
            log.warning("publish_failed", channel=record.channel, seq=record.seq, error=repr(exc))
