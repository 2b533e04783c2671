"""One contract for every broker backend: bytes in, the same bytes out, between workers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from realtime import protocol
from realtime.broker import Broker, BrokerUnavailable, MemoryBroker, MemoryBus, create_broker
from realtime.redis_broker import RedisBroker

BrokerFactory = Callable[[], Broker]

PAYLOADS = [
    b"\xff\xfe\x00\x80 not UTF-8 \xc3\x28",
    b"",
    protocol.encode_msgpack(
        protocol.Event(
            channel="theme:1",
            seq=1,
            event="contribution.created",
            data={"body": "Één idee 🌱"},
            at="2024-05-01T12:00:00Z",
        )
    ),
    bytes(range(256)) * 64,
]


class Worker:
    """One started broker plus what it received, as one worker process would see it."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.received: list[tuple[str, bytes]] = []
        self.reconnects = 0

    def on_message(self, channel: str, payload: bytes) -> None:
        self.received.append((channel, payload))

    def on_reconnect(self) -> None:
        self.reconnects += 1

    def payloads(self, channel: str) -> list[bytes]:
        return [payload for name, payload in self.received if name == channel]


class Workers:
    """Starts brokers of one backend that share one medium; closes them all afterwards."""

    def __init__(self, factory: BrokerFactory) -> None:
        self._factory = factory
        self._started: list[Worker] = []

    async def start(self) -> Worker:
        worker = Worker(self._factory())
        await worker.broker.start(worker.on_message, worker.on_reconnect)
        self._started.append(worker)
        return worker

    async def close(self) -> None:
        for worker in self._started:
            await worker.broker.close()


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    """Poll check() until it holds: Redis round trips are fast but not instant."""
    steps = int(within / 0.01)
    for _ in range(steps):
        if check():
            return
        await asyncio.sleep(0.01)
    assert check(), f"not true within {within} s"


@pytest.fixture(params=["memory", "redis"])
def factory(request: pytest.FixtureRequest) -> BrokerFactory:
    if request.param == "memory":
        bus = MemoryBus()
        return lambda: MemoryBroker(bus)
    url = request.getfixturevalue("redis_url")
    prefix = f"dialoog-test:{uuid.uuid4().hex}:"  # parallel runs never share channels
    return lambda: RedisBroker(url, prefix=prefix)


@pytest.fixture
async def workers(factory: BrokerFactory) -> AsyncIterator[Workers]:
    started = Workers(factory)
    yield started
    await started.close()


async def test_payload_bytes_round_trip_untouched(workers: Workers) -> None:
    worker = await workers.start()
    await worker.broker.subscribe("theme:1")
    for payload in PAYLOADS:
        await worker.broker.publish("theme:1", payload)
    await eventually(lambda: len(worker.received) == len(PAYLOADS))
    assert worker.received == [("theme:1", payload) for payload in PAYLOADS]
    assert all(type(payload) is bytes for _, payload in worker.received)


async def test_subscribe_is_idempotent(workers: Workers) -> None:
    worker = await workers.start()
    await worker.broker.subscribe("theme:1")
    await worker.broker.subscribe("theme:1")
    await worker.broker.publish("theme:1", b"once")
    await worker.broker.publish("theme:2", b"not subscribed")
    await worker.broker.subscribe("theme:3")
    await worker.broker.publish("theme:3", b"marker")
    await eventually(lambda: ("theme:3", b"marker") in worker.received)
    assert worker.received == [("theme:1", b"once"), ("theme:3", b"marker")]


async def test_unsubscribe_stops_delivery(workers: Workers) -> None:
    worker = await workers.start()
    await worker.broker.subscribe("theme:1")
    await worker.broker.subscribe("theme:2")
    await worker.broker.publish("theme:1", b"before")
    await eventually(lambda: worker.payloads("theme:1") == [b"before"])
    await worker.broker.unsubscribe("theme:1")
    await worker.broker.publish("theme:1", b"after")
    await worker.broker.publish("theme:2", b"marker")  # delivered after "after" would have been
    await eventually(lambda: worker.payloads("theme:2") == [b"marker"])
    await asyncio.sleep(0.05)
    assert worker.payloads("theme:1") == [b"before"]


async def test_two_workers_see_each_others_publishes(workers: Workers) -> None:
    first, second = await workers.start(), await workers.start()
    for worker in (first, second):
        await worker.broker.subscribe("dialogue:zorg")
    await first.broker.publish("dialogue:zorg", b"from first")
    await second.broker.publish("dialogue:zorg", b"from second")
    for worker in (first, second):
        await eventually(lambda w=worker: len(w.received) == 2)
        assert sorted(worker.payloads("dialogue:zorg")) == [b"from first", b"from second"]


async def test_ping_answers_while_open_and_not_after_close(workers: Workers) -> None:
    worker = await workers.start()
    assert await worker.broker.ping() is True
    await worker.broker.close()
    assert await worker.broker.ping() is False
    await worker.broker.close()  # idempotent


# --- Redis only ------------------------------------------------------------------------------


async def kill_pubsub_connection(redis_url: str, client_name: str) -> int:
    """CLIENT KILL the broker's pub/sub link from a separate client; returns how many died.

    The TYPE filter is combined with the connection's ID so other test runs
    sharing this Redis keep their links.
    """
    admin = Redis.from_url(redis_url)
    try:
        clients = await admin.client_list(_type="pubsub")
        ids = [c["id"] for c in clients if c.get("name") == client_name]
        for client_id in ids:
            await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub", "ID", client_id)
        return len(ids)
    finally:
        await admin.aclose()


async def test_redis_broker_reconnects_resubscribes_and_reports_it(redis_url: str) -> None:
    prefix = f"dialoog-test:{uuid.uuid4().hex}:"
    worker = Worker(RedisBroker(redis_url, prefix=prefix))
    other = RedisBroker(redis_url, prefix=prefix)  # a second worker that only publishes
    await worker.broker.start(worker.on_message, worker.on_reconnect)
    try:
        for channel in ("theme:1", "theme:2"):
            await worker.broker.subscribe(channel)
        await other.publish("theme:1", b"before")
        await eventually(lambda: worker.payloads("theme:1") == [b"before"])

        assert await kill_pubsub_connection(redis_url, worker.broker.client_name) == 1
        await eventually(lambda: worker.reconnects == 1)
        await other.publish("theme:1", b"after \xff")
        await other.publish("theme:2", b"also after")
        await eventually(lambda: worker.payloads("theme:2") == [b"also after"])
        assert worker.payloads("theme:1") == [b"before", b"after \xff"]
        assert await worker.broker.ping() is True
    finally:
        await worker.broker.close()
        await other.close()


async def test_redis_broker_keeps_an_idle_link_alive_with_pings(redis_url: str) -> None:
    prefix = f"dialoog-test:{uuid.uuid4().hex}:"
    worker = Worker(RedisBroker(redis_url, prefix=prefix, heartbeat_seconds=0.05))
    await worker.broker.start(worker.on_message, worker.on_reconnect)
    try:
        await worker.broker.subscribe("theme:1")
        await asyncio.sleep(0.4)  # several heartbeats with nothing to read
        await worker.broker.publish("theme:1", b"still here")
        await eventually(lambda: worker.payloads("theme:1") == [b"still here"])
        assert worker.reconnects == 0
    finally:
        await worker.broker.close()


async def test_redis_broker_without_redis_fails_publish_clearly_and_pings_false() -> None:
    broker = RedisBroker("redis://127.0.0.1:1/0", timeout_seconds=0.2)
    worker = Worker(broker)
    await broker.start(worker.on_message, worker.on_reconnect)  # does not raise
    try:
        assert await broker.ping() is False
        await broker.subscribe("theme:1")  # recorded for when Redis is back
        with pytest.raises(BrokerUnavailable, match="theme:1"):
            await broker.publish("theme:1", b"lost, and caught up by seq later")
    finally:
        await broker.close()


def test_create_broker_picks_the_backend_from_the_url() -> None:
    assert isinstance(create_broker(None), MemoryBroker)
    assert isinstance(create_broker("redis://127.0.0.1:6379/15"), RedisBroker)
