"""The hub's fan-out to a big channel: in chunks, one per turn of the loop, still in seq order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from realtime.broker import MemoryBroker
from realtime.hub import FANOUT_CHUNK, Delivery, Hub
from tests.unit.test_hub import CHANNEL, FakeSource, RecordingSink, eventually

MANY = 2 * FANOUT_CHUNK + 7
"""Three chunks: two full ones and a short one."""


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()


@pytest.fixture
async def hub(source: FakeSource) -> AsyncIterator[Hub]:
    hub = Hub(MemoryBroker(), source, position_interval_seconds=60, catchup_interval_seconds=60)
    await hub.start()
    yield hub
    await hub.close()


async def subscribed(hub: Hub, count: int) -> list[RecordingSink]:
    sinks = [RecordingSink() for _ in range(count)]
    for sink in sinks:
        await hub.subscribe(CHANNEL, sink)
    return sinks


class Probe(RecordingSink):
    """A sink in the first chunk that looks, one turn of the loop later, at the last sink."""

    def __init__(self, last: RecordingSink) -> None:
        super().__init__()
        self.last = last
        self.last_had: list[int] = []

    def deliver(self, delivery: Delivery) -> None:
        super().deliver(delivery)
        loop = asyncio.get_running_loop()
        loop.call_soon(lambda: self.last_had.append(len(self.last.deliveries)))


async def test_every_sink_of_a_big_channel_gets_every_event_once_in_order(
    hub: Hub, source: FakeSource
) -> None:
    sinks = await subscribed(hub, MANY)
    for _ in range(5):  # back to back: later events queue behind the chunks of earlier ones
        await hub.publish(source.commit())
    await eventually(lambda: all(len(s.deliveries) == 5 for s in sinks))
    assert all(s.seqs() == [1, 2, 3, 4, 5] for s in sinks)
    assert all(s.deliveries[0] is sinks[0].deliveries[0] for s in sinks)
    assert hub.stats.deliveries == 5 * MANY


async def test_the_loop_runs_other_work_between_chunks(hub: Hub, source: FakeSource) -> None:
    last = RecordingSink()
    probe = Probe(last)
    await hub.subscribe(CHANNEL, probe)
    sinks = await subscribed(hub, MANY - 2)
    await hub.subscribe(CHANNEL, last)
    await hub.publish(source.commit())
    await eventually(lambda: len(last.deliveries) == 1)
    assert probe.last_had == [0]  # the probe's callback ran before the last chunk went out
    assert all(len(s.deliveries) == 1 for s in sinks)


async def test_a_channel_no_bigger_than_a_chunk_is_served_in_one_go(
    hub: Hub, source: FakeSource
) -> None:
    last = RecordingSink()
    probe = Probe(last)
    await hub.subscribe(CHANNEL, probe)
    await subscribed(hub, FANOUT_CHUNK - 2)
    await hub.subscribe(CHANNEL, last)
    await hub.publish(source.commit())
    await eventually(lambda: len(probe.last_had) == 1)
    assert probe.last_had == [1]


async def test_a_sink_that_joins_during_a_fan_out_gets_the_next_event(
    hub: Hub, source: FakeSource
) -> None:
    sinks = await subscribed(hub, MANY)
    await hub.publish(source.commit())
    await eventually(lambda: len(sinks[0].deliveries) == 1)
    late = RecordingSink()
    await hub.subscribe(CHANNEL, late)  # seq 1 is still being handed out
    await hub.publish(source.commit())
    await eventually(lambda: late.seqs() == [2] and all(s.seqs() == [1, 2] for s in sinks))


async def test_a_sink_that_leaves_during_a_fan_out_stops_nothing(
    hub: Hub, source: FakeSource
) -> None:
    sinks = await subscribed(hub, MANY)
    await hub.publish(source.commit())
    await eventually(lambda: len(sinks[0].deliveries) == 1)
    await hub.unsubscribe(CHANNEL, sinks[-1])
    await hub.publish(source.commit())
    await eventually(lambda: all(s.seqs() == [1, 2] for s in sinks[:-1]))
    assert sinks[-1].seqs() in ([1], [1, 2])  # what began before it left may still reach it


async def test_when_the_last_sink_leaves_the_remaining_chunks_are_dropped(
    hub: Hub, source: FakeSource
) -> None:
    sinks: list[RecordingSink] = []

    class Leaver(RecordingSink):
        """In the first chunk: on its delivery, every sink leaves (their connections close)."""

        def deliver(self, delivery: Delivery) -> None:
            super().deliver(delivery)
            for sink in [self, *sinks]:
                hub.unsubscribe_all(sink)

    await hub.subscribe(CHANNEL, Leaver())
    sinks += await subscribed(hub, MANY - 1)
    await hub.publish(source.commit())
    await eventually(lambda: hub.stats.channels == 0)
    await asyncio.sleep(0.02)
    assert all(len(s.deliveries) == 1 for s in sinks[: FANOUT_CHUNK - 1])
    assert all(len(s.deliveries) == 0 for s in sinks[FANOUT_CHUNK - 1 :])
