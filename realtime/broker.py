"""The pub/sub seam between workers: an interface, an in-process backend and a factory.

A broker moves already-encoded event bytes between the processes that serve one
deployment. It is a fast path that may lose messages: every event carries its
channel ``seq``, so the hub notices a gap (or is told about a reconnect) and
catches up from the database, which stays the only source of truth.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

logger = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], None]
"""``(channel, payload)``, called on the event loop thread; must not block."""


class BrokerUnavailable(ConnectionError):
    """The broker could not carry a publish; the caller logs it and carries on.

    The event is already committed when it is published, and hubs and clients
    catch up by ``seq``, so a lost publish only delays delivery.
    """


class Broker(Protocol):
    """What the hub needs from a pub/sub backend.

    ``subscribe``/``unsubscribe`` update the broker's own subscription set before
    their first ``await``, so calls take effect in the order they were made even
    when their network round trips overlap.
    """

    async def start(self, on_message: MessageHandler, on_reconnect: Callable[[], None]) -> None:
        """Begin delivering messages; ``on_reconnect`` runs after a lost connection is back."""
        ...

    async def close(self) -> None:
        """Stop delivering and release connections; idempotent."""
        ...

    async def publish(self, channel: str, payload: bytes) -> None:
        """Send payload to every subscriber of channel (this process included)."""
        ...

    async def subscribe(self, channel: str) -> None:
        """Start receiving channel; idempotent."""
        ...

    async def unsubscribe(self, channel: str) -> None:
        """Stop receiving channel; idempotent."""
        ...

    async def ping(self) -> bool:
        """True when the broker can carry messages right now (for ``/readyz``)."""
        ...


class MemoryBus:
    """The shared medium of in-process brokers: one per "deployment" in a process."""

    def __init__(self) -> None:
        self.brokers: set[MemoryBroker] = set()

    def publish(self, channel: str, payload: bytes) -> None:
        """Hand payload to every started broker subscribed to channel."""
        for broker in self.brokers:
            broker.offer(channel, payload)


class MemoryBroker:
    """A broker inside one process: what runs with one worker and no ``REDIS_URL``.

    Brokers sharing a :class:`MemoryBus` see each other's publishes, which lets
    tests run two "workers" in one process. Delivery goes through
    ``loop.call_soon`` so ``publish`` never re-enters its caller.
    """

    def __init__(self, bus: MemoryBus | None = None) -> None:
        self._bus = bus if bus is not None else MemoryBus()
        self._channels: set[str] = set()
        self._on_message: MessageHandler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    async def start(self, on_message: MessageHandler, on_reconnect: Callable[[], None]) -> None:
        """Attach to the bus; an in-process bus never disconnects, so on_reconnect is unused."""
        self._on_message = on_message
        self._loop = asyncio.get_running_loop()
        self._closed = False
        self._bus.brokers.add(self)

    async def close(self) -> None:
        """Detach from the bus; messages already scheduled are dropped."""
        self._closed = True
        self._bus.brokers.discard(self)
        self._channels.clear()

    async def publish(self, channel: str, payload: bytes) -> None:
        """Schedule delivery to every subscribed broker on the bus."""
        if self._closed:
            raise BrokerUnavailable("memory broker is closed")
        self._bus.publish(channel, payload)

    async def subscribe(self, channel: str) -> None:
        """Start receiving channel."""
        self._channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        """Stop receiving channel, including messages already scheduled."""
        self._channels.discard(channel)

    async def ping(self) -> bool:
        """Always ready unless closed."""
        return not self._closed

    def offer(self, channel: str, payload: bytes) -> None:
        """Schedule delivery of a bus message if this broker listens to channel."""
        if channel in self._channels and self._loop is not None:
            self._loop.call_soon(self._deliver, channel, payload)

    def _deliver(self, channel: str, payload: bytes) -> None:
        # Re-check: an unsubscribe or close may have happened since offer().
        if channel not in self._channels or self._on_message is None:
            return
        try:
            self._on_message(channel, payload)
        except Exception:
            logger.exception("broker message handler failed on %s", channel)


def create_broker(redis_url: str | None, *, prefix: str = "dialoog:") -> Broker:
    """The Redis broker when a URL is configured, else the in-process one (one worker only)."""
    if not redis_url:
        return MemoryBroker()
    from realtime.redis_broker import RedisBroker  # lazily: redis_broker imports this module

    return RedisBroker(redis_url, prefix=prefix)
