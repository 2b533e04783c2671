"""Coalesced emission: at most one `emit(key)` per key per interval, never a lost update.

A burst of changes to one key becomes one emission that reads the state at that
moment. A change that arrives while an emission runs schedules one more, since the
running one may have read the state already.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

import structlog

log = structlog.get_logger(__name__)
K = TypeVar("K", bound=Hashable)


class Coalescer(Generic[K]):
    """Schedules one emit per key per interval."""

    def __init__(
        self,
        emit: Callable[[K], Awaitable[None]],
        interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit = emit
        self._interval = interval_seconds
        self._clock = clock
        self._last: dict[K, float] = {}
        self._pending: dict[K, asyncio.TimerHandle | asyncio.Task[None]] = {}
        self._dirty: set[K] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def touch(self, key: K) -> None:
        """Note that key changed; emit now or when its interval is over."""
        pending = self._pending.get(key)
        if isinstance(pending, asyncio.Task):
            self._dirty.add(key)
            return
        if pending is not None:
            return
        wait = self._last.get(key, -1e9) + self._interval - self._clock()
        if wait <= 0:
            self._start(key)
        else:
            self._pending[key] = asyncio.get_running_loop().call_later(wait, self._start, key)

    def _start(self, key: K) -> None:
        self._last[key] = self._clock()
        task = asyncio.get_running_loop().create_task(self._run(key))
        self._pending[key] = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, key: K) -> None:
        try:
            await self._emit(key)
        except Exception as exc:  # a lost database must not stop later emissions
            log.error("coalesced_emit_failed", key=repr(key), error=repr(exc))
        finally:
            self._pending.pop(key, None)
        if key in self._dirty:
            self._dirty.discard(key)
            self.touch(key)

    async def close(self) -> None:
        """Cancel scheduled emissions and wait for running ones."""
        for item in list(self._pending.values()):
            if isinstance(item, asyncio.TimerHandle):
                item.cancel()
        self._pending.clear()
        self._dirty.clear()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
