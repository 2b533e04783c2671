"""The /ws endpoint: a thin I/O loop around the sans-I/O session, the hub and the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope
from starlette.types import Send as ASGISend
from starlette.websockets import WebSocket, WebSocketState

from realtime import protocol
from realtime.hub import Delivery
from realtime.outbox import Frame, Outbox
from realtime.protocol import (
    ClientMessage,
    Contribute,
    Flag,
    Poll,
    React,
    Subscribe,
    Unsubscribe,
    VoteDots,
    VotePair,
    VoteStatement,
)
from realtime.session import (
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHENTICATED,
    Close,
    Handle,
    Send,
    Session,
    SlidingWindowLimiter,
)
from realtime.subscriptions import ChannelCursor
from server import channels
from server.auth import Principal, principal_of
from server.ballots.votes import vote_dots, vote_pair, vote_statement
from server.contributions import contribute
from server.errors import ApiError
from server.events import publish, to_wire
from server.moderation.flags import flag
from server.reactions import react
from server.services import Services
from server.workshops.service import poll
from storage import events as event_store
from storage.errors import StorageError

log = structlog.get_logger(__name__)
_ids = itertools.count(1)
Write = Contribute | React | Flag | Poll | VoteDots | VotePair | VoteStatement


RAW_SEND_KEY = "dialoog.raw_send"
"""Scope key under which RawSend keeps the server's own ASGI send of a WebSocket."""


class RawSend:
    """ASGI middleware: keeps a WebSocket's send, as the server gave it, in the scope.

    Starlette wraps send once more per request for its exception handling (which concerns
    HTTP responses only); the fan-out path sends each event to thousands of sockets and
    uses this one instead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: ASGISend) -> None:
        if scope["type"] == "websocket":
            scope[RAW_SEND_KEY] = send
        await self.app(scope, receive, send)


def choose_subprotocol(offered: list[str]) -> str | None:
    """The first subprotocol the client offers that we speak; None means JSON."""
    return next((p for p in offered if p in protocol.SUBPROTOCOLS), None)


def origin_allowed(ws: WebSocket, allowed: tuple[str, ...]) -> bool:
    """Browsers must come from an allowed origin; non-browsers send none and use a bearer."""
    origin = ws.headers.get("origin")
    if origin is None:
        return ws.headers.get("authorization", "").lower().startswith("bearer ")
    origin = origin.rstrip("/")
    if allowed:
        return origin in allowed
    host = ws.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


class Connection:
    """One client: a hub sink, a protocol session and one outbox with one writer."""

    def __init__(self, ws: WebSocket, svc: Services, principal: Principal, binary: bool) -> None:
        self.id = next(_ids)
        self.ws = ws
        self.svc = svc
        self.principal = principal
        self.binary = binary
        self._asgi_send: Callable[[Message], Awaitable[None]] = ws.scope.get(RAW_SEND_KEY, ws._send)
        settings = svc.settings
        self.session = Session(
            binary=binary,
            limiter=SlidingWindowLimiter(settings.rate_limit_messages_per_second),
            abuse_limit=settings.abuse_limit_invalid_per_10_seconds,
        )
        self.outbox = Outbox(
            self._send,
            binary=binary,
            max_pending=settings.outbox_max_pending,
            on_overflow=self._too_slow,
        )
        self.cursors: dict[str, ChannelCursor[Delivery]] = {}
        self._closing: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # --- hub sink ---------------------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> None:
        """Called by the hub for every event of a subscribed channel; never awaits."""
        cursor = self.cursors.get(delivery.channel)
        if cursor is not None and cursor.offer(delivery):
            self.outbox.put(delivery)
            if delivery.event_name == "theme.merged":
                self._follow_merge(delivery)

    def _follow_merge(self, delivery: Delivery) -> None:
        """A merged theme's subscribers move to the theme it went into, without asking."""
        (event,) = protocol.decode_server_frame(delivery.msgpack, True)
        assert isinstance(event, protocol.Event)
        target = f"theme:{event.data.get('into')}"
        if event.channel != f"theme:{event.data.get('theme')}" or target in self.cursors:
            return
        task = asyncio.get_running_loop().create_task(self._subscribe_quietly(target))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _subscribe_quietly(self, channel: str) -> None:
        try:
            await self.subscribe(Subscribe(channel=channel))
        except ApiError as exc:
            self.send(protocol.Error(code=exc.code, message=exc.message))

    # --- I/O ------------------------------------------------------------------------------------

    def _send(self, frame: Frame) -> Coroutine[Any, Any, None]:
        # The fan-out hot path: the server's own ASGI send (kept in the scope by RawSend),
        # beneath the wrappers of Starlette's WebSocket.send, which for data frames only
        # re-check state. Its coroutine runs to its end in the outbox's flush unless the
        # socket is full. A gone client raises OSError (uvicorn's ClientDisconnected),
        # handled in _write; accept and close use self.ws.
        if isinstance(frame, str):
            return self._asgi_send({"type": "websocket.send", "text": frame})
        return self._asgi_send({"type": "websocket.send", "bytes": frame})

    async def _write(self) -> None:
        """The writer task: the outbox's lifetime; a failed send marks the socket closed."""
        try:
            await self.outbox.run()
        except OSError:
            self.ws.application_state = WebSocketState.DISCONNECTED
            raise

    def _too_slow(self) -> None:
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(
                self.close(CLOSE_TOO_SLOW, "too slow")
            )

    async def close(self, code: int, reason: str) -> None:
        """Stop writing and close with a contract code."""
        self.outbox.close()
        with contextlib.suppress(RuntimeError, OSError):  # already closed by the peer
            await self.ws.close(code, reason)

    def send(self, message: protocol.ServerMessage) -> None:
        """Queue one message for this client."""
        self.outbox.put(protocol.encode(message, self.binary))

    async def run(self) -> None:
        """Read frames until the client leaves; the writer task runs beside."""
        writer = asyncio.get_running_loop().create_task(self._write())
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                data = message.get("bytes")
                if data is None:
                    data = message.get("text")
                if data is None:
                    continue
                if not await self._act(self.session.receive(data, time.monotonic())):
                    return
        finally:
            self.svc.hub.unsubscribe_all(self)
            self.outbox.close()
            for task in (writer, *self._tasks):
                task.cancel()
            await asyncio.gather(writer, *self._tasks, return_exceptions=True)

    async def _act(self, actions: list[Send | Handle | Close]) -> bool:
        for action in actions:
            match action:
                case Send(data=data):
                    self.outbox.put(data)
                case Handle(message=message):
                    await self.handle(message)
                case Close(code=code, reason=reason):
                    await self.close(code, reason)
                    return False
        return True

    # --- messages ------------------------------------------------------------------------------

    async def handle(self, message: ClientMessage) -> None:
        """Answer one valid message: domain errors become `error`, our bugs `internal`."""
        ref = getattr(message, "ref", None)
        self.svc.metrics.messages_in.labels(type(message).__name__.lower()).inc()
        started = time.perf_counter()
        try:
            match message:
                case Subscribe():
                    await self.subscribe(message)
                case Unsubscribe(channel=channel):
                    await self.unsubscribe(channel)
                case (
                    Contribute()
                    | React()
                    | Flag()
                    | Poll()
                    | VoteDots()
                    | VotePair()
                    | VoteStatement()
                ):
                    await self.write(message, started)
        except ApiError as exc:
            channel = getattr(message, "channel", None)
            detail = dict(exc.detail or {})
            if channel is not None:
                detail["channel"] = channel
            self.send(
                protocol.Error(code=exc.code, message=exc.message, ref=ref, detail=detail or None)
            )
        except (StorageError, OSError) as exc:
            log.error("write_failed", connection=self.id, error=repr(exc))
            self.send(protocol.Error(code="internal", message="Opslaan mislukt.", ref=ref))
        except Exception as exc:  # our own bug: log once, answer, keep serving
            log.exception("internal_error", connection=self.id, error=repr(exc))
            self.send(protocol.Error(code="internal", message="Interne fout.", ref=ref))

    async def write(self, message: Write, started: float) -> None:
        """Persist, commit, ack, then publish."""
        match message:
            case Contribute():
                ack, records = await contribute(self.svc, self.principal, message)
            case React():
                ack, records = await react(self.svc, self.principal, message)
            case Flag():
                ack, records = await flag(self.svc, self.principal, message)
            case Poll():
                ack, records = await poll(self.svc, self.principal, message)
            case VoteDots():
                ack, records = await vote_dots(self.svc, self.principal, message)
            case VotePair():
                ack, records = await vote_pair(self.svc, self.principal, message)
            case VoteStatement():
                ack, records = await vote_statement(self.svc, self.principal, message)
        self.send(ack)
        self.svc.metrics.ack_latency.observe(time.perf_counter() - started)
        await publish(self.svc.hub, records)

    async def subscribe(self, message: Subscribe) -> None:
        """Join a channel: hub first, then replay from the database, then live."""
        channel = message.channel
        await channels.authorize(self.svc.db, self.principal, channel)
        cursor: ChannelCursor[Delivery] = ChannelCursor(channel)
        self.cursors[channel] = cursor
        await self.svc.hub.subscribe(channel, self)
        limit = self.svc.settings.replay_max_events
        async with self.svc.db.read() as conn:
            last = (await event_store.last_seqs(conn, [channel]))[channel]
            replay = []
            if message.since is not None and message.since < last:
                replay = await event_store.events_after(conn, channel, message.since, limit + 1)
        if len(replay) > limit:
            await self.unsubscribe(channel)
            self.send(protocol.Reset(channel=channel, seq=last))
            return
        for record in replay:
            self.outbox.put(protocol.encode(to_wire(record), self.binary))
        caught_up = replay[-1].seq if replay else last
        due = cursor.finish_replay(caught_up)
        self.send(protocol.Subscribed(channel=channel, seq=caught_up, replayed=len(replay)))
        for delivery in due:
            self.outbox.put(delivery)

    async def unsubscribe(self, channel: str) -> None:
        """Leave a channel (no error when not subscribed)."""
        if self.cursors.pop(channel, None) is not None:
            await self.svc.hub.unsubscribe(channel, self)


async def websocket_endpoint(ws: WebSocket) -> None:
    """GET /ws: origin, authentication, subprotocol, then the connection's loop."""
    svc: Services = ws.app.state.services
    if not origin_allowed(ws, svc.settings.origins()):
        await ws.close(4403)  # before accept: the handshake is refused with HTTP 403
        return
    subprotocol = choose_subprotocol(ws.scope.get("subprotocols", []))
    principal = await principal_of(ws)
    await ws.accept(subprotocol=subprotocol)
    if principal is None:
        await ws.close(CLOSE_UNAUTHENTICATED, "not authenticated")
        return
    connection = Connection(ws, svc, principal, subprotocol == protocol.SUBPROTOCOL_MSGPACK)
    svc.connections.add(connection)
    svc.metrics.connections.inc()
    try:
        await connection.run()
    finally:
        svc.connections.discard(connection)
        svc.metrics.connections.dec()


routes = [WebSocketRoute("/ws", websocket_endpoint)]
