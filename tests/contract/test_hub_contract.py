"""Hubs of two "workers" over each broker backend: what one publishes, the other delivers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence

import pytest

from realtime import protocol
from realtime.broker import Broker, MemoryBroker, MemoryBus
from realtime.hub import Delivery, Hub
from realtime.redis_broker import RedisBroker
from tests.contract.test_broker import kill_pubsub_connection

CHANNEL = "theme:42"


class SharedLog:
    """The database both workers read: an in-memory EventSource."""

    def __init__(self) -> None:
        self.events: list[protocol.Event] = []

    def commit(self) -> protocol.Event:
        seq = len(self.events) + 1
        event = protocol.Event(
            channel=CHANNEL, seq=seq, event="reaction.counts", data={"agree": seq}, at=""
        )
        self.events.append(event)
        return event

    async def events_after(self, channel: str, after_seq: int, limit: int) -> list[protocol.Event]:
        return [e for e in self.events if e.channel == channel and e.seq > after_seq][:limit]

    async def last_seqs(self, channels: Sequence[str]) -> dict[str, int]:
        return {CHANNEL: len(self.events)} if CHANNEL in channels else {}


class Sink:
    def __init__(self) -> None:
        self.seqs: list[int] = []

    def deliver(self, delivery: Delivery) -> None:
        if delivery.is_event:
            self.seqs.append(delivery.seq)


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    """Poll check() until it holds."""
    steps = int(within / 0.01)
    for _ in range(steps):
        if check():
            return
        await asyncio.sleep(0.01)
    assert check(), f"not true within {within} s"


@pytest.fixture(params=["memory", "redis"])
def brokers(request: pytest.FixtureRequest) -> Callable[[], Broker]:
    if request.param == "memory":
        bus = MemoryBus()
        return lambda: MemoryBroker(bus)
    url = request.getfixturevalue("redis_url")
    prefix = f"dialoog-test:{uuid.uuid4().hex}:"
    return lambda: RedisBroker(url, prefix=prefix)


@pytest.fixture
async def two_hubs(
    brokers: Callable[[], Broker],
) -> AsyncIterator[tuple[Hub, Hub, SharedLog]]:
    log = SharedLog()
    hubs = [Hub(brokers(), log, catchup_interval_seconds=60) for _ in range(2)]
    for hub in hubs:
        await hub.start()
    yield hubs[0], hubs[1], log
    for hub in hubs:
        await hub.close()


async def test_an_event_published_by_one_worker_reaches_sinks_on_both(
    two_hubs: tuple[Hub, Hub, SharedLog],
) -> None:
    first, second, log = two_hubs
    here, there = Sink(), Sink()
    await first.subscribe(CHANNEL, here)
    await second.subscribe(CHANNEL, there)
    for _ in range(3):
        await first.publish(log.commit())
    await eventually(lambda: here.seqs == there.seqs == [1, 2, 3])


async def test_events_missed_during_a_redis_outage_are_caught_up_after_reconnect(
    redis_url: str,
) -> None:
    prefix = f"dialoog-test:{uuid.uuid4().hex}:"
    log = SharedLog()
    publisher = Hub(RedisBroker(redis_url, prefix=prefix), log, catchup_interval_seconds=60)
    listener_broker = RedisBroker(redis_url, prefix=prefix)
    listener = Hub(listener_broker, log, catchup_interval_seconds=60)
    for hub in (publisher, listener):
        await hub.start()
    try:
        sink = Sink()
        await listener.subscribe(CHANNEL, sink)
        await publisher.publish(log.commit())
        await eventually(lambda: sink.seqs == [1])

        assert await kill_pubsub_connection(redis_url, listener_broker.client_name) == 1
        log.commit()  # committed while the listener was away: its publish never arrives
        await eventually(lambda: sink.seqs == [1, 2])  # on_reconnect -> catch-up
        await publisher.publish(log.commit())
        await eventually(lambda: sink.seqs == [1, 2, 3])
    finally:
        for hub in (publisher, listener):
            await hub.close()
