"""The hub: in-order, encoded-once fan-out that repairs what the broker loses."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence

import msgpack
import pytest

from realtime import protocol
from realtime.broker import MemoryBroker, MessageHandler
from realtime.hub import Delivery, Hub

CHANNEL = "theme:7"


class FakeSource:
    """An in-memory event log with the real EventSource interface.

    Reads take their snapshot when called; with ``gate`` cleared they then wait,
    like a slow database query that started before later commits.
    """

    def __init__(self) -> None:
        self.log: dict[str, list[protocol.Event]] = {}
        self.gate = asyncio.Event()
        self.gate.set()
        self.reads = 0

    def commit(self, channel: str = CHANNEL) -> protocol.Event:
        events = self.log.setdefault(channel, [])
        event = protocol.Event(
            channel=channel,
            seq=len(events) + 1,
            event="contribution.created",
            data={"id": len(events) + 1, "body": "Meer groen in de wijk"},
            at="2024-05-01T12:00:00Z",
        )
        events.append(event)
        return event

    async def events_after(self, channel: str, after_seq: int, limit: int) -> list[protocol.Event]:
        self.reads += 1
        snapshot = [e for e in self.log.get(channel, []) if e.seq > after_seq][:limit]
        await self.gate.wait()
        return snapshot

    async def last_seqs(self, channels: Sequence[str]) -> dict[str, int]:
        snapshot = {c: len(self.log[c]) for c in channels if c in self.log}
        await self.gate.wait()
        return snapshot


class SpyBroker(MemoryBroker):
    """A MemoryBroker that records subscription calls and lets a test simulate a reconnect."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []
        self.reconnect: Callable[[], None] = lambda: None

    async def start(self, on_message: MessageHandler, on_reconnect: Callable[[], None]) -> None:
        self.reconnect = on_reconnect
        await super().start(on_message, on_reconnect)

    async def subscribe(self, channel: str) -> None:
        self.calls.append(("subscribe", channel))
        await super().subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        self.calls.append(("unsubscribe", channel))
        await super().unsubscribe(channel)


class RecordingSink:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []

    def deliver(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)

    def seqs(self) -> list[int]:
        return [d.seq for d in self.deliveries if d.is_event]


class BrokenSink:
    def deliver(self, delivery: Delivery) -> None:
        raise RuntimeError("this connection is broken")


async def eventually(check: Callable[[], bool], within: float = 3.0) -> None:
    """Poll check() until it holds."""
    steps = int(within / 0.005)
    for _ in range(steps):
        if check():
            return
        await asyncio.sleep(0.005)
    assert check(), f"not true within {within} s"


async def publish_raw(broker: MemoryBroker, event: protocol.Event) -> None:
    """What another worker's hub.publish puts on the broker."""
    await broker.publish(event.channel, protocol.encode_msgpack(event))


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()


@pytest.fixture
def broker() -> SpyBroker:
    return SpyBroker()


@pytest.fixture
async def hub(broker: SpyBroker, source: FakeSource) -> AsyncIterator[Hub]:
    hub = Hub(broker, source, position_interval_seconds=60, catchup_interval_seconds=60)
    await hub.start()
    yield hub
    await hub.close()


async def test_fan_out_hands_the_same_delivery_to_every_sink_in_order(
    hub: Hub, source: FakeSource
) -> None:
    sinks = [RecordingSink() for _ in range(3)]
    for sink in sinks:
        await hub.subscribe(CHANNEL, sink)
    for _ in range(5):
        await hub.publish(source.commit())
    await eventually(lambda: all(len(s.deliveries) == 5 for s in sinks))
    assert sinks[0].seqs() == [1, 2, 3, 4, 5]
    for i in range(5):
        assert sinks[1].deliveries[i] is sinks[0].deliveries[i]
        assert sinks[2].deliveries[i] is sinks[0].deliveries[i]
    assert msgpack.unpackb(sinks[0].deliveries[0].msgpack)["type"] == "event"
    assert hub.stats.deliveries == 15
    assert (hub.stats.channels, hub.stats.sinks) == (1, 3)


async def test_subscribe_starts_at_the_sources_last_seq(hub: Hub, source: FakeSource) -> None:
    for _ in range(3):
        source.commit()
    sink = RecordingSink()
    await hub.subscribe(CHANNEL, sink)
    assert hub.last_seq(CHANNEL) == 3
    await hub.publish(source.commit())
    await eventually(lambda: sink.seqs() == [4])


async def test_duplicates_are_dropped(hub: Hub, broker: SpyBroker, source: FakeSource) -> None:
    sink = RecordingSink()
    await hub.subscribe(CHANNEL, sink)
    first, second = source.commit(), source.commit()
    for event in (first, first, second, first):
        await publish_raw(broker, event)
    await eventually(lambda: hub.stats.events_received == 4)
    assert sink.seqs() == [1, 2]
    assert hub.stats.duplicates_dropped == 2


async def test_a_gap_is_filled_from_the_source_in_order(
    hub: Hub, broker: SpyBroker, source: FakeSource
) -> None:
    sink = RecordingSink()
    await hub.subscribe(CHANNEL, sink)
    lost = [source.commit(), source.commit()]
    await publish_raw(broker, source.commit())
    await eventually(lambda: sink.seqs() == [1, 2, 3])
    assert hub.stats.gaps_filled == len(lost)
    assert [d.msgpack for d in sink.deliveries[:2]] == [protocol.encode_msgpack(e) for e in lost]


async def test_events_arriving_during_a_catch_up_are_held_and_released_in_order(
    hub: Hub, broker: SpyBroker, source: FakeSource
) -> None:
    sink = RecordingSink()
    await hub.subscribe(CHANNEL, sink)
    source.commit()
    source.commit()
    source.gate.clear()  # the catch-up query will be slow
    await publish_raw(broker, source.commit())  # seq 3: gap, catch-up starts
    await eventually(lambda: source.reads == 1)
    source.commit()  # seq 4 is lost on the broker
    await publish_raw(broker, source.commit())  # seq 5 arrives during the catch-up
    await publish_raw(broker, source.commit())  # seq 6 too
    await asyncio.sleep(0.02)
    assert sink.seqs() == []
    source.gate.set()
    await eventually(lambda: sink.seqs() == [1, 2, 3, 4, 5, 6])
    await publish_raw(broker, source.commit())  # back on the fast path
    await eventually(lambda: sink.seqs() == [1, 2, 3, 4, 5, 6, 7])


async def test_events_arriving_while_the_channel_is_set_up_are_not_lost(
    hub: Hub, broker: SpyBroker, source: FakeSource
) -> None:
    source.gate.clear()  # last_seqs is slow: the broker is subscribed already
    sink = RecordingSink()
    subscribing = asyncio.create_task(hub.subscribe(CHANNEL, sink))
    await eventually(lambda: ("subscribe", CHANNEL) in broker.calls)
    await asyncio.sleep(0.01)
    await publish_raw(broker, source.commit())
    await asyncio.sleep(0.01)
    source.gate.set()
    await subscribing
    await eventually(lambda: sink.seqs() == [1])


async def test_a_second_subscriber_waits_for_the_channel_set_up(
    hub: Hub, source: FakeSource
) -> None:
    source.commit()
    source.gate.clear()
    first, second = RecordingSink(), RecordingSink()
    tasks = [asyncio.create_task(hub.subscribe(CHANNEL, s)) for s in (first, second)]
    await asyncio.sleep(0.02)
    assert not any(t.done() for t in tasks)
    source.gate.set()
    await asyncio.gather(*tasks)
    assert hub.last_seq(CHANNEL) == 1


async def test_a_lost_last_event_is_caught_up_by_the_ticker(
    broker: SpyBroker, source: FakeSource
) -> None:
    hub = Hub(broker, source, position_interval_seconds=60, catchup_interval_seconds=0.05)
    await hub.start()
    try:
        sink = RecordingSink()
        await hub.subscribe(CHANNEL, sink)
        await hub.publish(source.commit())
        source.commit()  # committed, but its publish was lost; nothing follows it
        await eventually(lambda: sink.seqs() == [1, 2])
        assert hub.stats.gaps_filled == 1
    finally:
        await hub.close()


async def test_a_broker_reconnect_catches_up_every_channel(
    hub: Hub, broker: SpyBroker, source: FakeSource
) -> None:
    sinks = {name: RecordingSink() for name in ("theme:1", "theme:2")}
    for name, sink in sinks.items():
        await hub.subscribe(name, sink)
    for name in sinks:
        source.commit(name)  # published while the broker was away
    broker.reconnect()
    await eventually(lambda: all(s.seqs() == [1] for s in sinks.values()))


async def test_quiet_channels_get_position_deliveries(
    broker: SpyBroker, source: FakeSource
) -> None:
    hub = Hub(broker, source, position_interval_seconds=0.06, catchup_interval_seconds=60)
    await hub.start()
    try:
        sink = RecordingSink()
        await hub.subscribe(CHANNEL, sink)
        await hub.publish(source.commit())
        await eventually(lambda: any(not d.is_event for d in sink.deliveries))
        position = next(d for d in sink.deliveries if not d.is_event)
        assert (position.channel, position.seq) == (CHANNEL, 1)
        expected = {"type": "position", "channel": CHANNEL, "seq": 1}
        assert msgpack.unpackb(position.msgpack) == expected
        assert hub.stats.positions_sent >= 1
    finally:
        await hub.close()


async def test_a_raising_sink_does_not_stop_the_others(
    hub: Hub, source: FakeSource, caplog: pytest.LogCaptureFixture
) -> None:
    before, after = RecordingSink(), RecordingSink()
    for sink in (before, BrokenSink(), after):
        await hub.subscribe(CHANNEL, sink)
    with caplog.at_level(logging.ERROR, logger="realtime.hub"):
        await hub.publish(source.commit())
        await hub.publish(source.commit())
        await eventually(lambda: after.seqs() == [1, 2])
    assert before.seqs() == [1, 2]
    assert "this connection is broken" in caplog.text


async def test_the_last_sink_leaving_unsubscribes_the_broker(hub: Hub, broker: SpyBroker) -> None:
    first, second = RecordingSink(), RecordingSink()
    await hub.subscribe(CHANNEL, first)
    await hub.subscribe(CHANNEL, second)
    assert broker.calls == [("subscribe", CHANNEL)]  # one upstream subscription per channel
    await hub.unsubscribe(CHANNEL, first)
    assert ("unsubscribe", CHANNEL) not in broker.calls
    await hub.unsubscribe(CHANNEL, second)
    assert broker.calls[-1] == ("unsubscribe", CHANNEL)
    assert (hub.stats.channels, hub.stats.sinks) == (0, 0)


async def test_unsubscribe_all_releases_every_channel_of_a_closing_connection(
    hub: Hub, broker: SpyBroker
) -> None:
    leaving, staying = RecordingSink(), RecordingSink()
    for name in ("theme:1", "theme:2"):
        await hub.subscribe(name, leaving)
    await hub.subscribe("theme:2", staying)
    hub.unsubscribe_all(leaving)
    await eventually(lambda: ("unsubscribe", "theme:1") in broker.calls)
    assert ("unsubscribe", "theme:2") not in broker.calls
    assert (hub.stats.channels, hub.stats.sinks) == (1, 1)


async def test_resubscribing_right_after_the_last_sink_left_keeps_the_broker_subscribed(
    hub: Hub, broker: SpyBroker, source: FakeSource
) -> None:
    leaving, arriving = RecordingSink(), RecordingSink()
    await hub.subscribe(CHANNEL, leaving)
    hub.unsubscribe_all(leaving)  # schedules the broker unsubscribe
    await hub.subscribe(CHANNEL, arriving)
    await asyncio.sleep(0.01)
    await hub.publish(source.commit())
    await eventually(lambda: arriving.seqs() == [1])


async def test_a_gap_the_source_cannot_fill_is_skipped_rather_than_stalling(
    hub: Hub, broker: SpyBroker
) -> None:
    sink = RecordingSink()
    await hub.subscribe(CHANNEL, sink)
    orphan = protocol.Event(channel=CHANNEL, seq=2, event="step.changed", data={}, at="")
    await publish_raw(broker, orphan)  # seq 1 is in neither the broker nor the source
    await eventually(lambda: sink.seqs() == [2])
    assert hub.stats.gaps_skipped == 1
