"""Live numbers of a workshop: quick-poll counts and how many are present (never who)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta

import structlog

from realtime.hub import Hub
from server.clock import utcnow
from server.coalesce import Coalescer
from server.events import publish
from server.services import Services
from server.workshops.service import channel_of
from storage import events as event_store
from storage import workshops as workshop_store
from storage.database import Database
from storage.records import EventRecord

log = structlog.get_logger(__name__)


def poll_coalescer(db: Database, hub: Hub, interval_seconds: float) -> Coalescer[tuple[int, str]]:
    """A coalescer keyed by (round id, workshop channel): `workshop.poll` with the counts."""

    async def emit(key: tuple[int, str]) -> None:
        round_id, channel = key
        async with db.transaction() as conn:
            found = await workshop_store.get_round(conn, round_id)
            if found is None:
                return
            counts = await workshop_store.poll_counts(conn, round_id, len(found[0].options))
            record = await event_store.append_event(
                conn, channel, "workshop.poll", {"round": round_id, "counts": counts}, utcnow()
            )
        await publish(hub, [record])

    return Coalescer(emit, interval_seconds)


class Presence:
    """Each worker reports its workshop connections; one worker announces a changed total."""

    def __init__(self, svc: Services, interval_seconds: float) -> None:
        self._svc = svc
        self._interval = interval_seconds
        self._worker = uuid.uuid4().hex
        self._reported = False

    async def tick(self) -> None:
        """Report this worker's counts and announce totals that changed."""
        counts = Counter(
            channel
            for connection in list(self._svc.connections)
            for channel in connection.cursors
            if channel.startswith("workshop:")
        )
        if not counts and not self._reported:
            async with self._svc.db.read() as conn:
                if not await workshop_store.list_live_workshops(conn):
                    return
        now = utcnow()
        records: list[EventRecord] = []
        async with self._svc.db.transaction() as conn:
            await workshop_store.report_presence(conn, self._worker, dict(counts), now)
            self._reported = bool(counts)
            live = await workshop_store.list_live_workshops(conn)
            fresh = now - timedelta(seconds=3 * self._interval)
            totals = await workshop_store.total_presence(
                conn, [channel_of(w.id) for w in live], fresh
            )
            for w in live:
                present = totals[channel_of(w.id)]
                if present != w.present and await workshop_store.claim_presence(
                    conn, w.id, w.present, present
                ):
                    records.append(
                        await event_store.append_event(
                            conn, channel_of(w.id), "workshop.presence", {"present": present}, now
                        )
                    )
        await publish(self._svc.hub, records)

    async def run(self) -> None:
        """Tick forever (until cancelled); a lost database only skips a tick."""
        while True:
            try:
                await self.tick()
            except Exception as exc:  # keep counting once the database is back
                log.error("presence_failed", error=repr(exc))
            await asyncio.sleep(self._interval)
