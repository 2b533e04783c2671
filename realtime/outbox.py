"""One connection's outgoing queue: bounded, one writer task, bursts sent as one batch frame.

The hub hands every connection the same :class:`Delivery` (encoded once);
``put`` never waits for a client. An idle outbox sends the first message of a
loop turn straight to the socket, like ``broadcast()``, without waking its
writer task; what it is given later in the same turn goes out at the end of the
turn as one frame (one callback for all outboxes). A send that would wait (a
full socket buffer) is handed to the connection's writer task, which then sends
*everything* pending as one frame,
so a client that falls behind gets fewer, larger frames instead of a growing
backlog; one that falls too far behind overflows and is closed (4008) to
resume with ``since``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

import msgspec

from realtime import protocol

logger = logging.getLogger(__name__)
_BATCH_OVERHEAD_BYTES = 5
"""Largest msgpack array header; also covers JSON's brackets."""


class _EventName(msgspec.Struct):
    event: str = ""


_name_decoder = msgspec.msgpack.Decoder(_EventName)


class Delivery:
    """One outgoing message, encoded once and shared by every outbox of the worker."""

    __slots__ = ("_json", "_text", "channel", "event_name", "is_event", "msgpack", "seq")

    def __init__(self, channel: str, seq: int, msgpack: bytes, *, is_event: bool = True) -> None:
        self.channel = channel
        self.seq = seq
        self.is_event = is_event
        """False for a ``position``: it repeats ``seq`` instead of carrying a new event."""
        self.msgpack = msgpack
        self._json: bytes | None = None
        self._text: str | None = None
        self.event_name = _name_decoder.decode(msgpack).event if is_event else ""
        """The event's name (``""`` for a position): read by every connection, decoded once."""

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
    def json_text(self) -> str:
        """The JSON form as text (what a text frame carries), decoded once for every connection."""
        if self._text is None:
            self._text = self.json.decode()
        return self._text

    def encoded(self, binary: bool) -> bytes:
        """The bytes for a connection's codec."""
        return self.msgpack if binary else self.json

    def __repr__(self) -> str:
        return f"Delivery({self.channel!r}, {self.seq}, is_event={self.is_event})"


Frame = bytes | str
"""A binary frame (msgpack) or a text frame (JSON)."""
Send = Callable[[Frame], Coroutine[Any, Any, None]]


class _Flusher:
    """Marks the loop's turns and sends, at the end of one, what idle outboxes queued in it."""

    __slots__ = ("_due", "_loop", "_pending", "turn")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._due: list[Outbox] = []
        self._pending = False
        self.turn = 0
        """Advances after every loop turn in which an outbox sent or queued something."""

    def schedule(self) -> None:
        """Make sure this turn ends with ``_end_turn``."""
        if not self._pending:
            self._pending = True
            self._loop.call_soon(self._end_turn)

    def add(self, outbox: Outbox) -> None:
        self.schedule()
        self._due.append(outbox)

    def _end_turn(self) -> None:
        self._pending = False
        self.turn += 1
        due, self._due = self._due, []
        for outbox in due:
            try:
                outbox._flush()
            except Exception:  # one broken outbox must not strand the others' frames
                logger.exception("flushing %r failed", outbox)
                outbox._scheduled = False
                outbox._wake()


_flushers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Flusher] = (
    weakref.WeakKeyDictionary()
)


def _flusher_for(loop: asyncio.AbstractEventLoop) -> _Flusher:
    flusher = _flushers.get(loop)
    if flusher is None:
        flusher = _flushers[loop] = _Flusher(loop)
    return flusher


async def _finish(coro: Coroutine[Any, Any, None], step: Any) -> None:
    """Drive a send that suspended during a flush to its end, as a task of its own would.

    ``step`` is what the coroutine yielded: an asyncio future it waits for (or None for a
    bare yield). Its outcome is the coroutine's to see, so it is awaited without raising.
    """
    try:
        while True:
            if step is None:
                await asyncio.sleep(0)
            else:
                step._asyncio_future_blocking = False
                await asyncio.wait((step,))
            step = coro.send(None)
    except StopIteration:
        return
    finally:
        coro.close()


class Outbox:
    """A connection's bounded send queue with exactly one writer (``run``)."""

    __slots__ = (
        "_accepting",
        "_binary",
        "_closed",
        "_failure",
        "_flusher",
        "_inflight",
        "_items",
        "_max_frame_bytes",
        "_max_pending",
        "_on_overflow",
        "_scheduled",
        "_send",
        "_sent_turn",
        "_waiter",
        "frames_sent",
        "messages_sent",
    )

    def __init__(
        self,
        send: Send,
        *,
        binary: bool,
        max_pending: int,
        on_overflow: Callable[[], None],
        max_frame_bytes: int = protocol.MAX_FRAME_BYTES,
    ) -> None:
        self._send = send
        """Called with bytes (binary) or str (JSON); its coroutine runs in a flush or the writer."""
        self._binary = binary
        self._max_pending = max_pending
        self._on_overflow = on_overflow
        self._max_frame_bytes = max_frame_bytes
        """A batch grows only up to this size, so clients with a frame limit can read it."""
        self._items: deque[Delivery | bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None
        """Set while the writer is idle; items then go out in a flush, or wake it."""
        self._flusher: _Flusher | None = None
        self._scheduled = False
        """True while this outbox waits for the flush at the end of the loop turn."""
        self._sent_turn = -1
        """The loop turn in which this outbox last sent straight from ``put``."""
        self._inflight: tuple[Coroutine[Any, Any, None], Any, int] | None = None
        """A flush's send that had to wait: the writer finishes it (coroutine, step, count)."""
        self._failure: Exception | None = None
        """A flush's send that failed: the writer raises it."""
        self._accepting = True
        self._closed = False
        self.frames_sent = 0
        self.messages_sent = 0

    @property
    def pending(self) -> int:
        """Messages queued and not yet taken by the writer."""
        return len(self._items)

    def put(self, item: Delivery | bytes) -> bool:
        """Queue without waiting; False once closed or overflowed (``on_overflow`` runs once).

        An idle writer's first message of a loop turn goes to the socket at once, like
        ``broadcast()``: the connection is touched once per delivery. More messages in the
        same turn are queued and go out together, as one frame, at the end of the turn.
        """
        if not self._accepting:
            return False
        items = self._items
        if len(items) >= self._max_pending:
            self._accepting = False
            self._on_overflow()
            return False
        if self._waiter is None:  # the writer is awake (or not started): it sends
            items.append(item)
            return True
        flusher: _Flusher = self._flusher  # type: ignore[assignment]  # set by run() first
        if not items and self._sent_turn != flusher.turn:
            self._sent_turn = flusher.turn
            flusher.schedule()
            self._send_now(self._single(item), 1)
            return True
        items.append(item)
        if not self._scheduled:
            self._scheduled = True
            flusher.add(self)
        return True

    def close(self) -> None:
        """Refuse new items, drop pending ones and let ``run`` return."""
        self._accepting = False
        self._closed = True
        self._items.clear()
        self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _flush(self) -> None:
        """At the end of a turn: send what was queued in it as one frame."""
        self._scheduled = False
        if self._closed or self._waiter is None or not self._items:
            return  # closed, or the writer is awake and sends it itself
        frame, count = self._take_frame()
        self._send_now(frame, count)

    def _send_now(self, frame: Frame, count: int) -> None:
        """Run the send in place; if it has to wait, fails, or more is pending, the writer
        takes over (a send that waits is finished by the writer, in order)."""
        try:
            coro = self._send(frame)
            step = coro.send(None)
        except StopIteration:
            self.frames_sent += 1
            self.messages_sent += count
            if self._items:
                self._wake()
            return
        except Exception as exc:  # the writer raises it, in the connection's task
            self._failure = exc
        else:
            self._inflight = (coro, step, count)
        self._wake()

    async def run(self) -> None:
        """The writer: send what is pending as one frame, wait, repeat; errors of send propagate.

        While the queue has items the writer never suspends except inside ``send``
        (a socket that accepts the bytes completes it without suspending); an idle
        writer waits on one bare future, and only a send that has to wait wakes it.
        """
        items = self._items
        send = self._send
        loop = asyncio.get_running_loop()
        self._flusher = _flusher_for(loop)
        try:
            while not self._closed:
                inflight = self._inflight
                if inflight is not None:
                    self._inflight = None
                    coro, step, count = inflight
                    await _finish(coro, step)
                    self.frames_sent += 1
                    self.messages_sent += count
                    continue
                failure = self._failure
                if failure is not None:
                    self._failure = None
                    raise failure
                if not items:
                    self._waiter = waiter = loop.create_future()
                    await waiter
                    continue
                frame, count = self._take_frame()
                await send(frame)
                self.frames_sent += 1
                self.messages_sent += count
        finally:
            self._waiter = None
            if self._inflight is not None:
                self._inflight[0].close()
                self._inflight = None

    def _take_frame(self) -> tuple[Frame, int]:
        """Pop one message as is, or as many as fit in one batch frame."""
        items = self._items
        item = items.popleft()
        if not items:
            return self._single(item), 1
        first = self._bytes(item)
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
            return self._single(item), 1
        if self._binary:
            return protocol.msgpack_batch(parts), len(parts)
        return protocol.json_batch(parts).decode(), len(parts)

    def _single(self, item: Delivery | bytes) -> Frame:
        if self._binary:
            return item if isinstance(item, bytes) else item.msgpack
        return item.decode() if isinstance(item, bytes) else item.json_text

    def _bytes(self, item: Delivery | bytes) -> bytes:
        if isinstance(item, bytes):
            return item
        return item.msgpack if self._binary else item.json
