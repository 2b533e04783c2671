"""Redis pub/sub between workers and nodes, bytes end to end.

One dedicated pub/sub connection per process, owned by one reader task that
also reconnects it: redis-py's own silent reconnects are turned off because the
hub must *know* about an outage (messages published meanwhile are gone) to
catch up from the database. Publishes go through a separate small pool.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection, Connection, parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from realtime.broker import BrokerUnavailable, MessageHandler

logger = logging.getLogger(__name__)

_ERRORS = (RedisError, OSError)
"""What a broken or unreachable Redis raises (OSError includes TimeoutError)."""
_BACKOFF_BASE_SECONDS = 0.05


def _no_retry() -> Retry:
    # We retry ourselves, visibly; hidden retries would also hide reconnects.
    return Retry(NoBackoff(), 0)


def _pubsub_connection_args(
    url: str, client_name: str, timeout_seconds: float
) -> tuple[type[AbstractConnection], dict[str, Any]]:
    """The class and arguments of the pub/sub connection, from the URL like the pool does."""
    kwargs: dict[str, Any] = {
        "socket_connect_timeout": timeout_seconds,
        "socket_timeout": timeout_seconds,  # handshake and writes; our reads pass their own
    }
    kwargs.update(parse_url(url))
    kwargs.pop("max_connections", None)  # a pool option, not a connection one
    connection_class = kwargs.pop("connection_class", Connection)
    kwargs.update(
        protocol=2,  # pub/sub messages as plain arrays, whatever the URL says
        client_name=client_name,
        decode_responses=False,
        health_check_interval=0,  # we PING ourselves, from the reader
    )
    return connection_class, kwargs


class RedisBroker:
    """A :class:`realtime.broker.Broker` on Redis pub/sub; channel names get ``prefix``."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "dialoog:",
        client_name: str | None = None,
        heartbeat_seconds: float = 10.0,
        backoff_cap_seconds: float = 2.0,
        publish_attempts: int = 3,
        timeout_seconds: float = 2.0,
    ) -> None:
        self._prefix = prefix.encode()
        # CLIENT SETNAME takes printable ASCII without spaces only.
        self._client_name = client_name or "".join(
            c if "!" <= c <= "~" else "_" for c in f"{prefix}pubsub"
        )
        self._heartbeat = heartbeat_seconds
        """Idle time before a PING; no answer within another such period = dead link."""
        self._backoff_cap = backoff_cap_seconds
        self._publish_attempts = max(1, publish_attempts)
        self._timeout = timeout_seconds
        self._client = Redis.from_url(
            url,
            decode_responses=False,
            retry=_no_retry(),
            socket_connect_timeout=timeout_seconds,
            socket_timeout=timeout_seconds,
        )
        self._pubsub_class, self._pubsub_kwargs = _pubsub_connection_args(
            url, self._client_name, timeout_seconds
        )
        self._names: dict[bytes, str] = {}
        """The wanted subscriptions: Redis channel name -> our channel name."""
        self._waiters: dict[bytes, deque[asyncio.Future[bool]]] = {}
        self._conn: AbstractConnection | None = None
        self._ping_sent = False
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._on_message: MessageHandler | None = None
        self._on_reconnect: Callable[[], None] | None = None
        self._closed = False

    @property
    def client_name(self) -> str:
        """The ``CLIENT SETNAME`` of the pub/sub connection (for ops and tests)."""
        return self._client_name

    # --- Broker interface --------------------------------------------------------------

    async def start(self, on_message: MessageHandler, on_reconnect: Callable[[], None]) -> None:
        """Start the reader task and wait briefly for the first connection.

        Redis being down is not fatal: the task keeps retrying and ``ping()``
        answers False meanwhile.
        """
        self._on_message = on_message
        self._on_reconnect = on_reconnect
        self._task = asyncio.create_task(self._run(), name="redis-broker-reader")
        try:
            async with asyncio.timeout(self._timeout):
                await self._ready.wait()
        except TimeoutError:
            logger.warning("Redis pub/sub not connected yet; retrying in the background")

    async def close(self) -> None:
        """Stop the reader and close every connection; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task})
            self._task = None
        await self._client.aclose()

    async def publish(self, channel: str, payload: bytes) -> None:
        """PUBLISH with a few quick retries, then raise :class:`BrokerUnavailable`."""
        name = self._prefix + channel.encode()
        error: BaseException | None = None
        for attempt in range(1, self._publish_attempts + 1):
            try:
                await self._client.publish(name, payload)
                return
            except _ERRORS as exc:
                error = exc
            if attempt < self._publish_attempts:
                await asyncio.sleep(self._backoff(attempt))
        raise BrokerUnavailable(
            f"publish to {channel!r} failed after {self._publish_attempts} attempts: {error}"
        ) from error

    async def subscribe(self, channel: str) -> None:
        """Subscribe and wait for Redis to confirm, so later publishes are not missed.

        When the connection is down, the channel is only recorded: the reconnect
        subscribes it and then calls ``on_reconnect`` so the hub catches up.
        """
        name = self._prefix + channel.encode()
        if name in self._names:
            return
        self._names[name] = channel
        conn = self._conn
        if conn is None or not conn.is_connected:
            return
        waiter = self._expect(name)
        try:
            await conn.send_command("SUBSCRIBE", name, check_health=False)
        except _ERRORS as exc:
            logger.info("SUBSCRIBE %s not sent (%s); the reconnect restores it", channel, exc)
            return
        await waiter  # resolved by the reader: confirmed, or False when the link dropped

    async def unsubscribe(self, channel: str) -> None:
        """Forget channel; a message for it still in flight is dropped."""
        name = self._prefix + channel.encode()
        if self._names.pop(name, None) is None:
            return
        conn = self._conn
        if conn is None or not conn.is_connected:
            return
        try:
            await conn.send_command("UNSUBSCRIBE", name, check_health=False)
        except _ERRORS as exc:
            logger.info("UNSUBSCRIBE %s not sent (%s); the reconnect omits it", channel, exc)

    async def ping(self) -> bool:
        """True when Redis answers a PING and the pub/sub link is up; never raises."""
        if self._closed:
            return False
        try:
            async with asyncio.timeout(self._timeout):
                answered = await self._client.ping()
        except _ERRORS:
            return False
        return bool(answered) and self._conn is not None

    # --- the reader task ---------------------------------------------------------------

    async def _run(self) -> None:
        """(Re)connect, listen until the link breaks, back off, repeat; ends by cancel."""
        failures = 0
        while True:
            conn = self._new_connection()
            try:
                restored = await self._connect(conn)
                failures = 0
                self._ready.set()
                if restored:
                    self._notify_reconnect()
                await self._listen(conn)
            except _ERRORS as exc:
                failures += 1
                # Once per outage, then about once a minute at the backoff cap.
                level = logging.WARNING if failures % 30 == 1 else logging.DEBUG
                logger.log(level, "Redis pub/sub link down (%s); reconnecting", exc)
            except Exception:
                # Our own bug: keep the process receiving rather than go silently deaf.
                failures += 1
                logger.exception("Redis pub/sub reader failed; reconnecting")
            finally:
                await self._drop(conn)
            await asyncio.sleep(self._backoff(failures))

    def _new_connection(self) -> AbstractConnection:
        # A fresh object per attempt: a stale reference can never revive silently.
        return self._pubsub_class(**self._pubsub_kwargs, retry=_no_retry())

    async def _connect(self, conn: AbstractConnection) -> bool:
        """Connect and re-subscribe every wanted channel; True if any was restored."""
        await conn.connect()
        self._ping_sent = False
        # No await between publishing the connection and the snapshot: a concurrent
        # subscribe() is either in the snapshot or sends its own SUBSCRIBE.
        self._conn = conn
        names = list(self._names)
        if not names:
            return False
        waiters = [self._expect(name) for name in names]
        await conn.send_command("SUBSCRIBE", *names, check_health=False)
        while not all(w.done() for w in waiters):
            await self._read_once(conn)
        return True

    async def _listen(self, conn: AbstractConnection) -> None:
        while True:
            await self._read_once(conn)

    async def _read_once(self, conn: AbstractConnection) -> None:
        """Read one reply; on a long silence send a PING, and give up if that goes unanswered."""
        response = await conn.read_response(timeout=self._heartbeat)
        if response is None:
            if self._ping_sent:
                raise TimeoutError(f"no answer to PING within {self._heartbeat} s")
            self._ping_sent = True
            await conn.send_command("PING", check_health=False)
            return
        self._ping_sent = False
        self._handle(response)

    def _handle(self, response: Any) -> None:
        if not isinstance(response, list):
            return  # a plain PONG, when no channel is subscribed
        kind = response[0]
        if kind == b"message":
            channel = self._names.get(response[1])
            if channel is not None:
                self._dispatch(channel, response[2])
        elif kind == b"subscribe":
            self._confirm(response[1])

    def _dispatch(self, channel: str, payload: bytes) -> None:
        handler = self._on_message
        if handler is None:
            return
        try:
            handler(channel, payload)
        except Exception:
            logger.exception("broker message handler failed on %s", channel)

    def _notify_reconnect(self) -> None:
        logger.info("Redis pub/sub restored %d subscriptions", len(self._names))
        if self._on_reconnect is None:
            return
        try:
            self._on_reconnect()
        except Exception:
            logger.exception("broker on_reconnect handler failed")

    async def _drop(self, conn: AbstractConnection) -> None:
        if self._conn is conn:
            self._conn = None
        self._release_waiters()
        await conn.disconnect(nowait=True)

    # --- subscribe confirmations -------------------------------------------------------

    def _expect(self, name: bytes) -> asyncio.Future[bool]:
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(name, deque()).append(waiter)
        return waiter

    def _confirm(self, name: bytes) -> None:
        # Redis confirms SUBSCRIBEs of one channel in the order they were sent.
        waiters = self._waiters.get(name)
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)
                break
        if not waiters:
            self._waiters.pop(name, None)

    def _release_waiters(self) -> None:
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(False)
        self._waiters.clear()

    def _backoff(self, failures: int) -> float:
        """Jittered exponential backoff: 50 ms, 100 ms, … capped, times 0.5–1."""
        doublings = min(max(0, failures - 1), 16)  # clamped: a long outage must not overflow
        delay = min(self._backoff_cap, _BACKOFF_BASE_SECONDS * (1 << doublings))
        return delay * random.uniform(0.5, 1.0)
