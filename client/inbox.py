"""A bounded queue that can be closed, with or without an error, to end its consumer."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Inbox(Generic[T]):
    """Hands messages from the reader task to the ``events()`` consumer.

    Bounded on purpose: when the consumer lags, the reader stops reading the socket,
    TCP pushes back, and the server's slow-client policy (close 4008, resume with
    ``since``) takes over instead of our memory growing without limit.
    """

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._items: deque[T] = deque()
        self._maxsize = maxsize
        self._not_empty = asyncio.Event()
        self._not_full = asyncio.Event()
        self._closed = False
        self._error: BaseException | None = None

    def __len__(self) -> int:
        return len(self._items)

    async def put(self, item: T) -> None:
        """Append, waiting while full; dropped silently once closed."""
        while len(self._items) >= self._maxsize and not self._closed:
            self._not_full.clear()
            await self._not_full.wait()
        if self._closed:
            return
        self._items.append(item)
        self._not_empty.set()

    async def get(self) -> T | None:
        """The next item; ``None`` once closed and drained, or the close error."""
        while not self._items:
            if self._closed:
                if self._error is not None:
                    raise self._error
                return None
            self._not_empty.clear()
            await self._not_empty.wait()
        item = self._items.popleft()
        self._not_full.set()
        return item

    def close(self, error: BaseException | None = None) -> None:
        """Let the consumer drain what is queued, then end (or raise ``error``)."""
        if self._closed:
            return
        self._closed = True
        self._error = error
        self._not_empty.set()
        self._not_full.set()
