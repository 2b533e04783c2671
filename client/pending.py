"""Requests waiting for their answer, without I/O.

Writes are matched by ``ref``, subscribes by channel (``subscribed`` names it; an
``error`` without ref goes to the channel it names in ``detail``, else to the oldest
subscribe in flight), pings by order. Writes and pings survive a reconnect and are
sent again; ``sent_on`` keeps a write from going out twice on one connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field

from client.errors import DialoogError
from realtime.protocol import (
    Ack,
    ClientMessage,
    Contribute,
    Error,
    Flag,
    Ping,
    React,
    Subscribe,
    Subscribed,
)

log = logging.getLogger("dialoog.client")

Write = Contribute | React | Flag


@dataclass
class _PendingWrite:
    message: Write
    future: asyncio.Future[Ack]
    sent_on: object = field(default=None)
    """The connection it was last sent on."""


class Pending:
    """The unanswered requests of one client."""

    def __init__(self) -> None:
        self._writes: dict[str, _PendingWrite] = {}
        self._pings: deque[asyncio.Future[None]] = deque()
        self._sub_waiters: dict[str, list[asyncio.Future[Subscribed]]] = {}
        self._sub_inflight: deque[str] = deque()

    def add_write(self, message: Write) -> asyncio.Future[Ack]:
        """Register a write; its ref must not be pending already."""
        if message.ref in self._writes:
            raise ValueError(f"ref {message.ref!r} is already pending")
        future: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._writes[message.ref] = _PendingWrite(message, future)
        return future

    def drop_write(self, ref: str, future: asyncio.Future[Ack]) -> None:
        """Forget a write whose caller stopped waiting (answered, cancelled or timed out)."""
        entry = self._writes.get(ref)
        if entry is not None and entry.future is future:
            del self._writes[ref]

    def add_ping(self) -> asyncio.Future[None]:
        """Register a ping; pongs answer pings in order."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pings.append(future)
        return future

    def add_subscribe(self, channel: str) -> asyncio.Future[Subscribed]:
        """Register a caller waiting for ``subscribed`` on a channel."""
        future: asyncio.Future[Subscribed] = asyncio.get_running_loop().create_future()
        self._sub_waiters.setdefault(channel, []).append(future)
        return future

    def drop_subscribe(self, channel: str, future: asyncio.Future[Subscribed]) -> None:
        """Forget a subscribe caller that stopped waiting."""
        waiters = self._sub_waiters.get(channel, [])
        if future in waiters:
            waiters.remove(future)
        if not waiters:
            self._sub_waiters.pop(channel, None)

    def new_connection(self) -> None:
        """Nothing is in flight on a fresh connection."""
        self._sub_inflight.clear()

    def unanswered(self) -> list[ClientMessage]:
        """Writes and pings to send again after a reconnect, oldest first."""
        return [*(w.message for w in self._writes.values()), *(Ping() for _ in self._pings)]

    def mark_sent(self, message: ClientMessage, connection: object) -> bool:
        """Bookkeeping just before a send; False when the message must not go out."""
        if isinstance(message, Subscribe):
            self._sub_inflight.append(message.channel)
        elif isinstance(message, Contribute | React | Flag):
            entry = self._writes.get(message.ref)
            if entry is None or entry.sent_on is connection:
                return False
            entry.sent_on = connection
        return True

    def answer(self, ref: str, message: Ack | Error) -> None:
        """Complete the write with this ref (an error raises DialoogError in its caller)."""
        entry = self._writes.pop(ref, None)
        if entry is None or entry.future.done():
            log.debug("answer for unknown ref %s ignored", ref)
        elif isinstance(message, Ack):
            entry.future.set_result(message)
        else:
            entry.future.set_exception(DialoogError(message.code, message.message, ref))

    def subscribed(self, message: Subscribed) -> None:
        """Complete every caller waiting for this channel."""
        if message.channel in self._sub_inflight:
            self._sub_inflight.remove(message.channel)
        for future in self._sub_waiters.get(message.channel, []):
            if not future.done():
                future.set_result(message)

    def reset(self, channel: str) -> None:
        """A ``reset`` answered a subscribe of this channel instead of ``subscribed``."""
        if channel in self._sub_inflight:
            self._sub_inflight.remove(channel)

    def refuse_subscribe(self, message: Error) -> str | None:
        """Fail the subscribe an error without ref answers; returns its channel, if any."""
        named = (message.detail or {}).get("channel")
        if isinstance(named, str) and named in self._sub_inflight:
            self._sub_inflight.remove(named)
            channel: str | None = named
        else:
            channel = self._sub_inflight.popleft() if self._sub_inflight else None
        if channel is None:
            log.warning("server error without a request: %s %s", message.code, message.message)
            return None
        for future in self._sub_waiters.get(channel, []):
            if not future.done():
                future.set_exception(DialoogError(message.code, message.message))
        return channel

    def pong(self) -> None:
        """Complete the oldest waiting ping."""
        while self._pings:
            future = self._pings.popleft()
            if not future.done():
                future.set_result(None)
                return

    def fail(self, error: BaseException) -> None:
        """End every waiting caller with ``error``."""
        futures: list[asyncio.Future] = [w.future for w in self._writes.values()]
        futures += [*self._pings, *(f for fs in self._sub_waiters.values() for f in fs)]
        for future in futures:
            if not future.done():
                future.set_exception(error)
        self._writes.clear()
        self._pings.clear()
