"""The per-connection outbox: one writer, bursts coalesced into batch frames, bounded."""

from __future__ import annotations

import asyncio
import json

import msgpack
import pytest

from realtime import protocol
from realtime.outbox import Delivery, Outbox


def event(seq: int, channel: str = "theme:1") -> protocol.Event:
    return protocol.Event(
        channel=channel,
        seq=seq,
        event="contribution.created",
        data={"id": seq, "body": f"idee {seq} — één"},
        at="2024-05-01T12:00:00Z",
    )


def delivery(seq: int) -> Delivery:
    return Delivery.of_event(event(seq))


class Wire:
    """A send() that records frames and can be held shut, like a slow socket."""

    def __init__(self) -> None:
        self.frames: list[bytes | str] = []
        self.open = asyncio.Event()
        self.open.set()
        self.sent = asyncio.Event()

        self.fail: Exception | None = None

    async def send(self, frame: bytes | str) -> None:
        await self.open.wait()
        if self.fail is not None:
            raise self.fail
        self.frames.append(frame)
        self.sent.set()


async def wait_frames(wire: Wire, count: int) -> None:
    async with asyncio.timeout(2):
        while len(wire.frames) < count:
            wire.sent.clear()
            await wire.sent.wait()


def make_outbox(wire: Wire, *, binary: bool, max_pending: int = 100) -> tuple[Outbox, list[int]]:
    overflows: list[int] = []
    outbox = Outbox(
        wire.send, binary=binary, max_pending=max_pending, on_overflow=lambda: overflows.append(1)
    )
    return outbox, overflows


@pytest.mark.parametrize("binary", [True, False])
async def test_single_message_is_sent_as_is(binary: bool) -> None:
    wire = Wire()
    outbox, _ = make_outbox(wire, binary=binary)
    writer = asyncio.create_task(outbox.run())
    item = delivery(1)
    assert outbox.put(item)
    await wait_frames(wire, 1)
    assert wire.frames == [item.msgpack if binary else item.json_text]
    assert (outbox.frames_sent, outbox.messages_sent) == (1, 1)
    outbox.close()
    await asyncio.wait_for(writer, 1)


@pytest.mark.parametrize("binary", [True, False])
async def test_burst_is_coalesced_into_one_batch_frame_in_order(binary: bool) -> None:
    wire = Wire()
    outbox, _ = make_outbox(wire, binary=binary)
    writer = asyncio.create_task(outbox.run())
    items = [delivery(seq) for seq in range(1, 21)]
    for item in items:
        assert outbox.put(item)
    assert outbox.pending == 20
    await wait_frames(wire, 1)
    [frame] = wire.frames
    decoded = msgpack.unpackb(frame) if binary else json.loads(frame)
    assert decoded == [json.loads(protocol.encode_json(event(seq))) for seq in range(1, 21)]
    assert (outbox.frames_sent, outbox.messages_sent, outbox.pending) == (1, 20, 0)
    outbox.close()
    await asyncio.wait_for(writer, 1)


async def test_items_queued_while_sending_form_the_next_batch() -> None:
    wire = Wire()
    outbox, _ = make_outbox(wire, binary=True)
    writer = asyncio.create_task(outbox.run())
    wire.open.clear()  # the client stops reading
    outbox.put(delivery(1))
    await asyncio.sleep(0)  # the writer takes seq 1 and blocks in send
    for seq in (2, 3, 4):
        outbox.put(delivery(seq))
    wire.open.set()
    await wait_frames(wire, 2)
    assert msgpack.unpackb(wire.frames[0])["seq"] == 1
    assert [m["seq"] for m in msgpack.unpackb(wire.frames[1])] == [2, 3, 4]
    outbox.close()
    await asyncio.wait_for(writer, 1)


async def test_pre_encoded_bytes_are_batched_with_deliveries() -> None:
    wire = Wire()
    outbox, _ = make_outbox(wire, binary=False)
    pong = protocol.encode_json(protocol.Pong())
    outbox.put(pong)
    outbox.put(delivery(1))
    writer = asyncio.create_task(outbox.run())
    await wait_frames(wire, 1)
    assert [m["type"] for m in json.loads(wire.frames[0])] == ["pong", "event"]
    outbox.close()
    await asyncio.wait_for(writer, 1)


async def test_batch_frames_stay_under_the_frame_limit() -> None:
    wire = Wire()
    outbox = Outbox(
        wire.send, binary=True, max_pending=1000, on_overflow=lambda: None, max_frame_bytes=1024
    )
    items = [delivery(seq) for seq in range(1, 101)]
    for item in items:
        outbox.put(item)
    writer = asyncio.create_task(outbox.run())
    async with asyncio.timeout(2):
        while outbox.messages_sent < 100:
            wire.sent.clear()
            await wire.sent.wait()
    outbox.close()
    await asyncio.wait_for(writer, 1)
    seqs: list[int] = []
    for frame in wire.frames:
        decoded = msgpack.unpackb(frame)
        seqs += [m["seq"] for m in (decoded if isinstance(decoded, list) else [decoded])]
    assert seqs == list(range(1, 101))
    assert len(wire.frames) > 1
    assert all(len(frame) <= 1024 for frame in wire.frames)


async def test_overflow_calls_on_overflow_once_and_refuses_further_puts() -> None:
    wire = Wire()
    outbox, overflows = make_outbox(wire, binary=True, max_pending=3)
    assert all(outbox.put(delivery(seq)) for seq in (1, 2, 3))
    assert outbox.put(delivery(4)) is False
    assert outbox.put(delivery(5)) is False
    assert overflows == [1]
    assert outbox.pending == 3


async def test_close_ends_run_and_refuses_puts() -> None:
    wire = Wire()
    outbox, overflows = make_outbox(wire, binary=True)
    writer = asyncio.create_task(outbox.run())
    await asyncio.sleep(0)
    outbox.close()
    await asyncio.wait_for(writer, 1)
    assert outbox.put(delivery(1)) is False
    assert overflows == []
    assert wire.frames == []


async def test_json_form_is_transcoded_once_and_shared() -> None:
    item = delivery(1)
    assert item.json is item.json
    assert json.loads(item.encoded(False)) == msgpack.unpackb(item.encoded(True))


async def test_an_idle_outbox_sends_the_first_message_of_a_turn_at_once_and_batches_the_rest() -> (
    None
):
    wires = [Wire(), Wire()]
    outboxes = [make_outbox(wire, binary=True)[0] for wire in wires]
    writers = [asyncio.create_task(outbox.run()) for outbox in outboxes]
    await asyncio.sleep(0)  # both writers start and idle
    for outbox in outboxes:
        outbox.put(delivery(1))
        outbox.put(delivery(2))
        outbox.put(delivery(3))
    for wire in wires:  # the first went out inside put(), the rest wait for the turn's end
        assert [msgpack.unpackb(frame)["seq"] for frame in wire.frames] == [1]
    await asyncio.sleep(0)  # one turn: the flush
    for wire, outbox in zip(wires, outboxes, strict=True):
        assert [m["seq"] for m in msgpack.unpackb(wire.frames[1])] == [2, 3]
        assert (outbox.frames_sent, outbox.messages_sent) == (2, 3)
        assert outbox._waiter is not None and not outbox._waiter.done()  # the writer slept on
        outbox.put(delivery(4))  # a new turn: at once again
        assert msgpack.unpackb(wire.frames[2])["seq"] == 4
        outbox.close()
    await asyncio.wait_for(asyncio.gather(*writers), 1)


async def test_a_send_that_fails_in_a_flush_ends_the_writer_with_its_error() -> None:
    wire = Wire()
    outbox, _ = make_outbox(wire, binary=True)
    writer = asyncio.create_task(outbox.run())
    await asyncio.sleep(0)
    wire.fail = ConnectionResetError("gone")
    outbox.put(delivery(1))
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(writer, 1)


async def test_a_writer_cancelled_during_a_waiting_send_closes_that_send() -> None:
    wire = Wire()
    outbox, _ = make_outbox(wire, binary=True)
    writer = asyncio.create_task(outbox.run())
    await asyncio.sleep(0)
    wire.open.clear()
    outbox.put(delivery(1))
    await asyncio.sleep(0.01)  # flushed, suspended, handed to the writer
    writer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writer
    wire.open.set()
    await asyncio.sleep(0.01)
    assert wire.frames == [] and outbox.frames_sent == 0
