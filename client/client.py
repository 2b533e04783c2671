"""The asyncio Python client: one coroutine per request, reconnect and resume built in.

A single reader task owns the socket: it matches answers to requests (writes by
``ref``, subscribes by channel, pings in order) and feeds events to ``events()``.
When the connection is lost it reconnects with jittered backoff, subscribes every
channel again with ``since`` = the last seq seen, and resends every unanswered
write with its original ``ref``; the server answers a repeated ``ref`` with its
first answer, so each pending coroutine completes exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Literal, Self
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from client.backoff import Backoff
from client.channels import Channels
from client.errors import DialoogConnectionError
from client.inbox import Inbox
from client.pending import Pending, Write
from client.wire import decode_frame
from realtime.protocol import (
    SUBPROTOCOL_JSON,
    SUBPROTOCOL_MSGPACK,
    Ack,
    ClientMessage,
    Contribute,
    ContributionKind,
    Error,
    Event,
    Flag,
    FlagReason,
    Ping,
    Pong,
    Position,
    React,
    Reaction,
    Reset,
    ServerMessage,
    Subscribed,
    Unsubscribe,
    encode,
)

log = logging.getLogger("dialoog.client")

FATAL_CLOSE_CODES = frozenset({1008, 1009, 4401, 4403})
"""Policy violation, frame too large, not authenticated, not allowed: retrying cannot help."""
RESUME_MESSAGES_PER_SECOND = 20
"""The contract never rate-limits a client that sends at most 20 messages in any second."""
STABLE_SECONDS = 10.0
"""A connection that lived this long resets the backoff; a flapping one keeps growing it."""
MAX_INBOUND_BYTES = 16 * 1024 * 1024
"""Server batch frames may be large; the 64 KiB limit is for client frames."""

ClientEvent = Event | Reset | Position


def websocket_url(url: str) -> str:
    """``ws(s)://host[/path]``; http(s) maps to ws(s) and an empty path to ``/ws``."""
    parts = urlsplit(url)
    schemes = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"not a ws(s):// or http(s):// URL: {url!r}")
    path = parts.path if parts.path not in ("", "/") else "/ws"
    return urlunsplit((schemes[parts.scheme], parts.netloc, path, parts.query, ""))


def new_ref() -> str:
    """A fresh idempotency key."""
    return uuid.uuid4().hex


class DialoogClient:
    """A Dialoog WebSocket session that survives connection loss without gaps or duplicates.

    Use as ``async with DialoogClient(url, token) as client:``. Consume ``events()``
    while subscribed: its queue is bounded, and a full queue pauses reading.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        codec: Literal["msgpack", "json"] = "msgpack",
        origin: str | None = None,
        backoff: Backoff | None = None,
        reconnect: bool = True,
        max_queue: int = 10_000,
        open_timeout: float = 10.0,
    ) -> None:
        if codec not in ("msgpack", "json"):
            raise ValueError("codec must be 'msgpack' or 'json'")
        self.url = websocket_url(url)
        self._token = token
        self._subprotocol = SUBPROTOCOL_MSGPACK if codec == "msgpack" else SUBPROTOCOL_JSON
        self._origin = origin
        self._backoff = backoff or Backoff()
        self._reconnect = reconnect
        self._open_timeout = open_timeout
        self._channels = Channels()
        self._pending = Pending()
        self._inbox: Inbox[ClientEvent] = Inbox(max_queue)
        self._send_lock = asyncio.Lock()
        self._ws: ClientConnection | None = None
        self._binary = True
        self._runner: asyncio.Task[None] | None = None
        self._failure: DialoogConnectionError | None = None
        self._closing = False
        self.reconnects = 0
        """How often the connection was re-established (for metrics and tests)."""

    # --- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Open the first connection; its failure raises at once (no retry)."""
        if self._runner is not None:
            raise RuntimeError("already connected")
        ws = await self._open()
        await self._resume(ws)
        self._runner = asyncio.create_task(self._run(ws), name="dialoog-client-reader")

    async def close(self) -> None:
        """Close for good: pending requests fail, ``events()`` ends after what is queued."""
        self._closing = True
        self._inbox.close()  # unblocks a reader waiting on a full queue; queued events stay
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
        self._fail(DialoogConnectionError(None, "client closed"), clean=True)

    @property
    def connected(self) -> bool:
        """True while a connection is up (false between a loss and the reconnect)."""
        return self._ws is not None

    # --- requests -----------------------------------------------------------------------

    async def subscribe(self, channel: str, since: int | None = None) -> Subscribed:
        """Join a channel; with ``since``, its events after that seq are replayed first."""
        self._check_usable()
        future = self._pending.add_subscribe(channel)
        try:
            await self._send(self._channels.add(channel, since))
            return await future
        finally:
            self._pending.drop_subscribe(channel, future)

    async def unsubscribe(self, channel: str) -> None:
        """Leave a channel; its events are no longer delivered (no answer to wait for)."""
        self._check_usable()
        self._channels.remove(channel)
        await self._send(Unsubscribe(channel=channel))

    async def contribute(
        self,
        theme: int,
        kind: ContributionKind,
        body: str,
        parent: int | None = None,
        ref: str | None = None,
        *,
        confirm: bool = False,
    ) -> Ack:
        """Post a contribution; the ack carries its ``id``, ``channel`` and ``seq``."""
        message = Contribute(
            ref=ref or new_ref(), theme=theme, kind=kind, body=body, parent=parent, confirm=confirm
        )
        return await self._write(message)

    async def react(self, contribution: int, reaction: Reaction, ref: str | None = None) -> Ack:
        """Agree, disagree or pass; a new reaction replaces the old one."""
        return await self._write(
            React(ref=ref or new_ref(), contribution=contribution, reaction=reaction)
        )

    async def flag(
        self,
        contribution: int,
        reason: FlagReason,
        note: str | None = None,
        ref: str | None = None,
    ) -> Ack:
        """Ask the facilitators to look at a contribution."""
        message = Flag(ref=ref or new_ref(), contribution=contribution, reason=reason, note=note)
        return await self._write(message)

    async def ping(self) -> None:
        """Round trip to the server; returns on its ``pong``."""
        self._check_usable()
        future = self._pending.add_ping()
        await self._send(Ping())
        await future

    async def events(self, *, positions: bool = False) -> AsyncIterator[ClientEvent]:
        """Events in seq order per channel, each once; ``Reset`` means reload over HTTP.

        After a ``Reset`` the client already subscribed again from the reset's seq.
        With ``positions``, the periodic ``Position`` messages are yielded too.
        Ends after ``close()``; raises ``DialoogConnectionError`` after a fatal close.
        """
        while (item := await self._inbox.get()) is not None:
            if positions or not isinstance(item, Position):
                yield item

    async def _write(self, message: Write) -> Ack:
        self._check_usable()
        future = self._pending.add_write(message)
        try:
            await self._send(message)
            return await future
        finally:
            self._pending.drop_write(message.ref, future)

    def _check_usable(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._runner is None:
            raise RuntimeError("not connected: use 'async with' or await connect()")

    # --- connection ---------------------------------------------------------------------

    async def _open(self) -> ClientConnection:
        """One handshake; 401/403 become a fatal DialoogConnectionError."""
        try:
            return await connect(
                self.url,
                subprotocols=[self._subprotocol],  # type: ignore[list-item]
                additional_headers={"Authorization": f"Bearer {self._token}"},
                origin=self._origin,  # type: ignore[arg-type]
                compression=None,
                proxy=None,
                open_timeout=self._open_timeout,
                max_size=MAX_INBOUND_BYTES,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403):
                raise DialoogConnectionError(4000 + status, f"handshake refused: {status}") from exc
            raise

    async def _run(self, ws: ClientConnection) -> None:
        """Read until the connection is lost, reconnect, repeat; fail on a fatal close."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                opened_at = loop.time()
                closed = await self._read(ws)
                self._ws = None
                if self._closing:
                    return
                self._check_close(closed)
                if loop.time() - opened_at >= STABLE_SECONDS:
                    self._backoff.reset()
                ws = await self._reopen()
        except DialoogConnectionError as exc:
            self._fail(exc)
        except Exception as exc:  # our own bug: fail loudly rather than hang every caller
            log.exception("client reader failed")
            self._fail(DialoogConnectionError(None, f"client error: {exc!r}"))

    def _check_close(self, closed: ConnectionClosed) -> None:
        """Raise for a close that must not be retried; 4008 (too slow) and others resume."""
        code = closed.rcvd.code if closed.rcvd else None
        reason = closed.rcvd.reason if closed.rcvd else "connection lost"
        if code in FATAL_CLOSE_CODES or not self._reconnect:
            raise DialoogConnectionError(code, reason)
        log.info("connection lost (%s %s), reconnecting", code, reason)

    async def _reopen(self) -> ClientConnection:
        """Reconnect with backoff until it works or the server refuses us."""
        while True:
            await asyncio.sleep(self._backoff.next_delay())
            try:
                ws = await self._open()
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                log.info("reconnect failed: %s", exc)
                continue
            self.reconnects += 1
            await self._resume(ws)
            return ws

    async def _resume(self, ws: ClientConnection) -> None:
        """Make ``ws`` current, then subscribe again and resend what is unanswered."""
        async with self._send_lock:
            self._ws = ws
            self._binary = ws.subprotocol == SUBPROTOCOL_MSGPACK  # none = JSON
            self._pending.new_connection()
            again = [*self._channels.resume(), *self._pending.unanswered()]
            batch = [m for m in again if self._pending.mark_sent(m, ws)]
            step = RESUME_MESSAGES_PER_SECOND
            for start in range(0, len(batch), step):
                if start:
                    await asyncio.sleep(1.0)
                if not await self._send_frame(ws, batch[start : start + step]):
                    return

    async def _send(self, message: ClientMessage) -> None:
        """Send on the current connection; without one the resume sends it later."""
        ws = self._ws
        if ws is None:
            return
        async with self._send_lock:
            if ws is self._ws and self._pending.mark_sent(message, ws):
                await self._send_frame(ws, message)

    async def _send_frame(
        self, ws: ClientConnection, payload: ClientMessage | list[ClientMessage]
    ) -> bool:
        try:
            await ws.send(encode(payload, self._binary), text=not self._binary)
        except ConnectionClosed:
            return False  # the reader sees the close and reconnects
        return True

    # --- incoming -----------------------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> ConnectionClosed:
        while True:
            try:
                frame = await ws.recv()
            except ConnectionClosed as closed:
                return closed
            for message in decode_frame(frame):
                await self._dispatch(message)

    async def _dispatch(self, message: ServerMessage) -> None:
        match message:
            case Event():
                deliver, resync = self._channels.on_event(message)
                if deliver:
                    await self._inbox.put(message)
                if resync is not None:
                    await self._send(resync)
            case Ack(ref=ref) | Error(ref=str(ref)):
                self._pending.answer(ref, message)
            case Error():
                if (refused := self._pending.refuse_subscribe(message)) is not None:
                    self._channels.remove(refused)
            case Subscribed():
                self._channels.on_subscribed(message)
                self._pending.subscribed(message)
            case Position():
                await self._on_position(message)
            case Reset():
                self._pending.reset(message.channel)
                await self._inbox.put(message)
                if (again := self._channels.on_reset(message)) is not None:
                    await self._send(again)
            case Pong():
                self._pending.pong()

    async def _on_position(self, message: Position) -> None:
        if message.channel not in self._channels:
            return
        await self._inbox.put(message)
        if (resync := self._channels.on_position(message)) is not None:
            await self._send(resync)

    def _fail(self, error: DialoogConnectionError, *, clean: bool = False) -> None:
        """End every pending request with ``error`` and close the event stream."""
        if self._failure is None:
            self._failure = error
        self._pending.fail(self._failure)
        self._inbox.close(None if clean else error)
