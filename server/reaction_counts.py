"""Coalesced `reaction.counts` events: at most one per contribution per interval.

A burst of reactions on one contribution becomes one event carrying the counts
read at emission time, so the theme channel does not grow with every click.
The counts are durable before the ack; only their broadcast is coalesced. When
several workers serve one dialogue, each coalesces its own reactions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import structlog

from realtime.hub import Hub
from server.clock import utcnow
from server.events import publish
from storage import contributions as contribution_store
from storage import events as event_store
from storage.database import Database

log = structlog.get_logger(__name__)


class ReactionCoalescer:
    """Schedules one counts event per contribution per interval."""

    def __init__(
        self,
        db: Database,
        hub: Hub,
        interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._hub = hub
        self._interval = interval_seconds
        self._clock = clock
        self._last_emit: dict[int, float] = {}
        self._pending: dict[int, asyncio.TimerHandle | asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._dirty: set[int] = set()

    def touch(self, contribution_id: int, channel: str) -> None:
        """Note that a contribution's counts changed; emit now or at the interval's end."""
        pending = self._pending.get(contribution_id)
        if isinstance(pending, asyncio.Task):
            self._dirty.add(contribution_id)  # it may have read the counts already: go again
            return
        if pending is not None:
            return
        loop = asyncio.get_running_loop()
        wait = self._last_emit.get(contribution_id, -1e9) + self._interval - self._clock()
        if wait <= 0:
            self._start(contribution_id, channel)
        else:
            self._pending[contribution_id] = loop.call_later(
                wait, self._start, contribution_id, channel
            )

    def _start(self, contribution_id: int, channel: str) -> None:
        self._last_emit[contribution_id] = self._clock()
        task = asyncio.get_running_loop().create_task(self._emit(contribution_id, channel))
        self._pending[contribution_id] = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _emit(self, contribution_id: int, channel: str) -> None:
        try:
            async with self._db.transaction() as conn:
                counts = await contribution_store.reaction_counts(conn, contribution_id)
                record = await event_store.append_event(
                    conn,
                    channel,
                    "reaction.counts",
                    {
                        "contribution": contribution_id,
                        "agree": counts.agree,
                        "disagree": counts.disagree,
                        "pass": counts.pass_count,
                    },
                    utcnow(),
                )
            await publish(self._hub, [record])
        except Exception as exc:  # our bug or a lost database: log once, keep serving
            log.error("reaction_counts_failed", contribution=contribution_id, error=repr(exc))
        finally:
            self._pending.pop(contribution_id, None)
        if contribution_id in self._dirty:
            self._dirty.discard(contribution_id)
            self.touch(contribution_id, channel)

    async def close(self) -> None:
        """Cancel scheduled emissions and wait for running ones."""
        for item in list(self._pending.values()):
            if isinstance(item, asyncio.TimerHandle):
                item.cancel()
        self._pending.clear()
        self._dirty.clear()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
