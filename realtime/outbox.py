"""One connection's outgoing queue: bounded, one writer task, bursts sent as one batch frame.

The hub hands every connection the same :class:`Delivery` (encoded once);
``put`` only appends to a deque, so fan-out never waits for a client. The
writer task takes *everything* pending and sends it as one frame, so a client
that falls behind gets fewer, larger frames instead of a growing backlog; one
that falls too far behind overflows and is closed (4008) to resume with
``since``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

import msgspec

from realtime import protocol

_BATCH_OVERHEAD_BYTES = 5
"""Largest msgpack array header; also covers JSON's brackets."""


class _EventName(msgspec.Struct):
    event: str = ""


_name_decoder = msgspec.msgpack.Decoder(_EventName)


class Delivery:
    """One outgoing message, encoded once and shared by every outbox of the worker."""

    __slots__ = ("_json", "_name", "channel", "is_event", "msgpack", "seq")

    def __init__(self, channel: str, seq: int, msgpack: bytes, *, is_event: bool = True) -> None:
        self.channel = channel
        self.seq = seq
        self.is_event = is_event
        """False for a ``position``: it repeats ``seq`` instead of carrying a new event."""
        self.msgpack = msgpack
        self._json: bytes | None = None
        self._name: str | None = None

    @classmethod
    def of_event(cls, event: protocol.Event) -> Delivery:
        """Encode an event read from the source."""
        return cls(event.channel, event.seq, protocol.encode_msgpack(event))

    @classmethod
    def position(cls, channel: str, seq: int) -> Delivery:
        """A ``position`` message for a quiet channel."""
        encoded = protocol.encode_msgpack(protocol.Position(channel=channel, seq=seq))
        return cls(channel, seq, encoded, is_event=False)

    @property
    def json(self) -> bytes:
        """The JSON form, transcoded on first use only: msgpack-only workers never pay for it."""
        if self._json is None:
            self._json = protocol.msgpack_to_json(self.msgpack)
        return self._json

    @property
    def event_name(self) -> str:
        """The event's name (``""`` for a position), decoded once for every connection."""
        if self._name is None:
            self._name = _name_decoder.decode(self.msgpack).event if self.is_event else ""
        return self._name

    def encoded(self, binary: bool) -> bytes:
        """The bytes for a connection's codec."""
        return self.msgpack if binary else self.json

    def __repr__(self) -> str:
        return f"Delivery({self.channel!r}, {self.seq}, is_event={self.is_event})"


class Outbox:
    """A connection's bounded send queue with exactly one writer (``run``)."""

    __slots__ = (
        "_accepting",
        "_binary",
        "_closed",
        "_items",
        "_max_frame_bytes",
        "_max_pending",
        "_on_overflow",
        "_send",
        "_waiter",
        "frames_sent",
        "messages_sent",
    )

    def __init__(
        self,
        send: Callable[[bytes], Awaitable[None]],
        *,
        binary: bool,
        max_pending: int,
        on_overflow: Callable[[], None],
        max_frame_bytes: int = protocol.MAX_FRAME_BYTES,
    ) -> None:
        self._send = send
        self._binary = binary
        self._max_pending = max_pending
        self._on_overflow = on_overflow
        self._max_frame_bytes = max_frame_bytes
        """A batch grows only up to this size, so clients with a frame limit can read it."""
        self._items: deque[Delivery | bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None
        """Set while the writer waits for work; ``put`` resolves it."""
        self._accepting = True
        self._closed = False
        self.frames_sent = 0
        self.messages_sent = 0

    @property
    def pending(self) -> int:
        """Messages queued and not yet taken by the writer."""
        return len(self._items)

    def put(self, item: Delivery | bytes) -> bool:
        """Queue without waiting; False once closed or overflowed (``on_overflow`` runs once)."""
        if not self._accepting:
            return False
        if len(self._items) >= self._max_pending:
            self._accepting = False
            self._on_overflow()
            return False
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None:
            # Wake the writer: one future resolved, no Event bookkeeping per delivery.
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
        return True

    def close(self) -> None:
        """Refuse new items, drop pending ones and let ``run`` return."""
        self._accepting = False
        self._closed = True
        self._items.clear()
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def run(self) -> None:
        """The writer: send what is pending as one frame, wait, repeat; errors of send propagate.

        While the queue has items the writer never suspends except inside ``send``
        (a socket that accepts the bytes completes it without suspending); an idle
        writer waits on one bare future that the next ``put`` resolves.
        """
        items = self._items
        send = self._send
        loop = asyncio.get_running_loop()
        try:
            while not self._closed:
                if not items:
                    self._waiter = waiter = loop.create_future()
                    await waiter
                    continue
                if len(items) == 1:
                    await send(self._bytes(items.popleft()))
                    self.frames_sent += 1
                    self.messages_sent += 1
                    continue
                frame, count = self._take_frame()
                await send(frame)
                self.frames_sent += 1
                self.messages_sent += count
        finally:
            self._waiter = None

    def _take_frame(self) -> tuple[bytes, int]:
        """Pop one message as is, or as many as fit in one batch frame."""
        items = self._items
        first = self._bytes(items.popleft())
        if not items:
            return first, 1
        parts = [first]
        size = _BATCH_OVERHEAD_BYTES + len(first)
        limit = self._max_frame_bytes
        while items:
            part = self._bytes(items[0])
            size += len(part) + 1
            if size > limit:
                break
            items.popleft()
            parts.append(part)
        if len(parts) == 1:
            return first, 1
        batch = protocol.msgpack_batch(parts) if self._binary else protocol.json_batch(parts)
        return batch, len(parts)

    def _bytes(self, item: Delivery | bytes) -> bytes:
        if isinstance(item, bytes):
            return item
        return item.msgpack if self._binary else item.json
