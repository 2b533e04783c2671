"""Per-worker fan-out: one broker subscription per channel, events in seq order to every sink.

The broker is a fast path that may drop, duplicate or reorder messages; the
database (behind :class:`EventSource`) is the truth. The hub keeps each
channel's last delivered ``seq`` and turns whatever the broker hands it into
the gap-free sequence 1, 2, 3 … for its sinks: duplicates are dropped, gaps are
filled from the source, and a ticker notices a lost *last* event and tells
quiet channels where they stand (``position``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import msgspec

from realtime import protocol
from realtime.broker import Broker
from realtime.outbox import Delivery

__all__ = ["Delivery", "EventSource", "Hub", "HubStats", "Sink"]

logger = logging.getLogger(__name__)

PAGE_SIZE: Final = 500
"""Events per ``events_after`` call while catching up: bounded memory per query."""
MAX_HELD: Final = 10_000
"""Out-of-order events kept per channel during a catch-up; the rest are re-read from the source."""
FANOUT_CHUNK: Final = 128
"""Sinks handed one delivery per turn of the event loop. A channel with more sinks gets its
fan-out in chunks, so database replies and incoming frames are served between chunks
instead of after every writer of every sink has run (which stalls the write path)."""


class _Header(msgspec.Struct):
    channel: str
    seq: int


_decode_header = msgspec.msgpack.Decoder(_Header).decode
"""Reads just channel and seq of an encoded event; the rest is skipped, not built."""


class Sink(Protocol):
    """A receiver of deliveries (a connection); must be hashable, must never block."""

    def deliver(self, delivery: Delivery) -> None:
        """Filter and queue; never await."""
        ...


class EventSource(Protocol):
    """The durable event log, implemented by the server on top of the database."""

    async def events_after(self, channel: str, after_seq: int, limit: int) -> list[protocol.Event]:
        """Up to limit events of channel with seq > after_seq, ascending."""
        ...

    async def last_seqs(self, channels: Sequence[str]) -> dict[str, int]:
        """The newest seq of each channel; a channel without events may be missing (= 0)."""
        ...


@dataclass(slots=True, eq=False)
class _Channel:
    """The hub's state for one channel with local sinks."""

    name: str
    quiet_since: float
    """Clock time of the last delivery (event or position) to this channel's sinks."""
    sinks: dict[Sink, None] = field(default_factory=dict)
    fanout: tuple[Sink, ...] = ()
    """Snapshot of sinks: fan-out allocates nothing and survives a sink leaving mid-loop."""
    last_seq: int = 0
    held: dict[int, Delivery] = field(default_factory=dict)
    ready: bool = False
    """True once last_seq is known; until then every event is held."""
    init: asyncio.Task[None] | None = None
    catchup: asyncio.Task[None] | None = None
    again: bool = False
    """A catch-up was asked for while one ran (or before ready): run once more."""
    backlog: deque[tuple[Delivery, tuple[Sink, ...]]] = field(default_factory=deque)
    """Deliveries still being handed out chunk by chunk, each with its sinks at arrival."""
    next_sink: int = 0
    """Index into the first backlog entry's sinks where the next chunk starts."""


@dataclass(slots=True)
class HubStats:
    """Plain counters for ``/metrics`` and tests."""

    _channels: dict[str, _Channel] = field(repr=False)
    events_received: int = 0
    """Event payloads accepted from the broker."""
    deliveries: int = 0
    """``sink.deliver`` calls (events and positions)."""
    gaps_filled: int = 0
    """Events read from the source because the broker did not bring them in time."""
    gaps_skipped: int = 0
    """Times the source could not fill a gap and held events went out past it."""
    duplicates_dropped: int = 0
    positions_sent: int = 0
    """Position messages, counted once per channel (not per sink)."""

    @property
    def channels(self) -> int:
        """Channels with at least one local sink."""
        return len(self._channels)

    @property
    def sinks(self) -> int:
        """Subscriptions (sink, channel) in this worker."""
        return sum(len(state.sinks) for state in self._channels.values())


class Hub:
    """Channel -> sinks for one worker, fed by the broker, repaired from the source."""

    def __init__(
        self,
        broker: Broker,
        source: EventSource,
        *,
        position_interval_seconds: float = 30.0,
        catchup_interval_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._broker = broker
        self._source = source
        self._position_interval = position_interval_seconds
        self._catchup_interval = catchup_interval_seconds
        self._clock = clock
        self._channels: dict[str, _Channel] = {}
        self._by_sink: dict[Sink, set[str]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self.stats = HubStats(self._channels)

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start the broker (the hub owns it from here on) and the ticker."""
        await self._broker.start(self._on_message, self._on_reconnect)
        self._ticker = asyncio.create_task(self._tick_forever(), name="hub-ticker")

    async def close(self) -> None:
        """Stop every background task, then close the broker."""
        tasks = set(self._tasks)
        if self._ticker is not None:
            tasks.add(self._ticker)
            self._ticker = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._channels.clear()
        self._by_sink.clear()
        await self._broker.close()

    # --- subscriptions -----------------------------------------------------------------

    async def subscribe(self, channel: str, sink: Sink) -> None:
        """Add sink to channel; returns once the hub knows the channel's last seq.

        The first local sink subscribes the broker *before* reading the last seq,
        so an event committed after this returns reaches the hub or is caught up.
        """
        state = self._channels.get(channel)
        if state is None:
            state = _Channel(channel, quiet_since=self._clock())
            self._channels[channel] = state
            state.init = self._spawn(self._initialise(state), f"hub-init:{channel}", report=False)
        state.sinks[sink] = None
        state.fanout = tuple(state.sinks)
        self._by_sink.setdefault(sink, set()).add(channel)
        if state.init is not None:
            # Shielded: one subscriber going away must not abort the others' set-up.
            await asyncio.shield(state.init)

    async def unsubscribe(self, channel: str, sink: Sink) -> None:
        """Remove sink from channel; the last one out unsubscribes the broker."""
        channels = self._by_sink.get(sink)
        if channels is not None:
            channels.discard(channel)
            if not channels:
                del self._by_sink[sink]
        if self._detach(channel, sink):
            await self._broker.unsubscribe(channel)

    def unsubscribe_all(self, sink: Sink) -> None:
        """Remove a closing connection everywhere; broker unsubscribes run in the background."""
        for channel in self._by_sink.pop(sink, ()):
            if self._detach(channel, sink):
                self._spawn(self._unsubscribe_broker(channel), f"hub-unsubscribe:{channel}")

    async def publish(self, event: protocol.Event) -> None:
        """Encode once and publish; raises the broker's error (the caller logs and goes on)."""
        await self._broker.publish(event.channel, protocol.encode_msgpack(event))

    def last_seq(self, channel: str) -> int:
        """The last seq delivered to this worker's sinks of channel (0 if not subscribed)."""
        state = self._channels.get(channel)
        return state.last_seq if state is not None else 0

    def _detach(self, channel: str, sink: Sink) -> bool:
        """Remove sink from channel's state; True when that emptied and dropped the channel."""
        state = self._channels.get(channel)
        if state is None or sink not in state.sinks:
            return False
        del state.sinks[sink]
        state.fanout = tuple(state.sinks)
        if state.sinks:
            return False
        del self._channels[channel]
        if state.catchup is not None:
            state.catchup.cancel()
        return True

    async def _unsubscribe_broker(self, channel: str) -> None:
        # Checked right before the call: a new subscriber may have arrived meanwhile.
        if channel not in self._channels:
            await self._broker.unsubscribe(channel)

    async def _initialise(self, state: _Channel) -> None:
        """Subscribe the broker, then learn the last seq; every broker call checks currency."""
        name = state.name
        try:
            if self._channels.get(name) is not state:
                return
            await self._broker.subscribe(name)
            if self._channels.get(name) is not state:
                return
            seqs = await self._source.last_seqs([name])
        except Exception:
            self._abandon(state)
            raise
        finally:
            state.init = None
        state.last_seq = max(state.last_seq, seqs.get(name, 0))
        state.quiet_since = self._clock()
        state.ready = True
        self._release_held(state)
        if state.held or state.again:
            self._start_catchup(state)

    def _abandon(self, state: _Channel) -> None:
        """Forget a channel whose set-up failed; its subscribers see the error."""
        if self._channels.get(state.name) is not state:
            return
        del self._channels[state.name]
        for sink in state.sinks:
            channels = self._by_sink.get(sink)
            if channels is not None:
                channels.discard(state.name)
                if not channels:
                    del self._by_sink[sink]
        self._spawn(self._unsubscribe_broker(state.name), f"hub-unsubscribe:{state.name}")

    # --- the hot path ------------------------------------------------------------------

    def _on_message(self, channel: str, payload: bytes) -> None:
        """Broker callback: route one encoded event by its seq."""
        state = self._channels.get(channel)
        if state is None:
            return
        try:
            header = _decode_header(payload)
        except msgspec.DecodeError as exc:
            logger.warning("dropped an undecodable broker payload on %s: %s", channel, exc)
            return
        if header.channel != channel:
            logger.warning("dropped a payload for %s published on %s", header.channel, channel)
            return
        self.stats.events_received += 1
        seq = header.seq
        if seq <= state.last_seq:
            self.stats.duplicates_dropped += 1
            return
        delivery = Delivery(channel, seq, payload)
        if seq == state.last_seq + 1 and state.ready and state.catchup is None:
            self._fan_out(state, delivery)
            return
        self._hold(state, delivery)
        if state.ready and state.catchup is None:
            self._start_catchup(state)  # a running catch-up releases held events itself

    def _fan_out(self, state: _Channel, delivery: Delivery) -> None:
        """Hand the same Delivery to every sink (in chunks for a big channel), in seq order."""
        if delivery.is_event:
            state.last_seq = delivery.seq
        state.quiet_since = self._clock()
        fanout = state.fanout
        if not state.backlog and len(fanout) <= FANOUT_CHUNK:
            self._deliver(fanout, 0, len(fanout), delivery)
            return
        # The sinks of this moment, like the synchronous path: a sink that joins later
        # learns its start from the source, one that leaves ignores what still comes.
        state.backlog.append((delivery, fanout))
        if len(state.backlog) == 1:
            self._pump(state)

    def _pump(self, state: _Channel) -> None:
        """Deliver one chunk of the oldest backlog entry; come back next turn for the rest."""
        if self._channels.get(state.name) is not state:
            state.backlog.clear()  # dropped (last sink left, or the hub closed)
            return
        delivery, sinks = state.backlog[0]
        start = state.next_sink
        end = min(start + FANOUT_CHUNK, len(sinks))
        self._deliver(sinks, start, end, delivery)
        if end < len(sinks):
            state.next_sink = end
        else:
            state.backlog.popleft()
            state.next_sink = 0
        if state.backlog:
            asyncio.get_running_loop().call_soon(self._pump, state)

    def _deliver(self, sinks: tuple[Sink, ...], start: int, end: int, delivery: Delivery) -> None:
        """sinks[start:end] each take the delivery; a failing sink is logged and skipped."""
        for index in range(start, end):
            try:
                sinks[index].deliver(delivery)
            except Exception:
                logger.exception("sink %r failed to take %r", sinks[index], delivery)
        self.stats.deliveries += end - start

    def _hold(self, state: _Channel, delivery: Delivery) -> None:
        if delivery.seq in state.held:
            self.stats.duplicates_dropped += 1
        elif len(state.held) < MAX_HELD:
            state.held[delivery.seq] = delivery

    def _release_held(self, state: _Channel) -> None:
        """Deliver held events that are next in line; drop those already delivered."""
        held = state.held
        while held:
            delivery = held.pop(state.last_seq + 1, None)
            if delivery is None:
                break
            self._fan_out(state, delivery)
        stale = [seq for seq in held if seq <= state.last_seq]
        for seq in stale:
            del held[seq]
        self.stats.duplicates_dropped += len(stale)

    # --- catching up -------------------------------------------------------------------

    def _start_catchup(self, state: _Channel) -> None:
        """Run one catch-up task per channel; a request during one makes it loop once more."""
        if state.catchup is not None or not state.ready:
            state.again = True
            return
        if self._channels.get(state.name) is not state:
            return
        state.again = False
        state.catchup = self._spawn(self._catch_up(state), f"hub-catchup:{state.name}")

    async def _catch_up(self, state: _Channel) -> None:
        try:
            await self._fill(state)
        except Exception:
            logger.exception("catch-up of %s failed; the ticker retries", state.name)
        finally:
            state.catchup = None

    async def _fill(self, state: _Channel) -> None:
        """Read the source until the channel is gap-free; events arriving meanwhile are held."""
        while True:
            state.again = False
            held_before = bool(state.held)
            events = await self._source.events_after(state.name, state.last_seq, PAGE_SIZE)
            if self._channels.get(state.name) is not state:
                return
            for event in events:
                self._deliver_fetched(state, event)
            self._release_held(state)
            if len(events) >= PAGE_SIZE or state.again:
                continue
            if not state.held:
                return
            if not events and held_before:
                # Held events were published, so what precedes them was committed
                # before this read began; if the source still lacks it, it never will.
                self._skip_gap(state)
                return

    def _deliver_fetched(self, state: _Channel, event: protocol.Event) -> None:
        if event.seq <= state.last_seq:
            return
        delivery = state.held.pop(event.seq, None)
        if delivery is None:
            delivery = Delivery.of_event(event)
            self.stats.gaps_filled += 1
        self._fan_out(state, delivery)

    def _skip_gap(self, state: _Channel) -> None:
        logger.warning(
            "source has no events of %s after seq %d, yet seq %d arrived; skipping the gap",
            state.name,
            state.last_seq,
            min(state.held),
        )
        self.stats.gaps_skipped += 1
        for seq in sorted(state.held):
            self._fan_out(state, state.held.pop(seq))

    def _on_reconnect(self) -> None:
        """Broker callback: messages may have been lost while it was away; catch up every channel.

        One ``last_seqs`` query finds the channels that are behind, rather than
        one ``events_after`` per channel hitting the database at once.
        """
        for state in self._channels.values():
            if not state.ready:
                state.again = True  # its set-up may have read last_seq before the outage
        self._spawn(self._check_behind(), "hub-reconnect-check")

    # --- the ticker ----------------------------------------------------------------------

    async def _tick_forever(self) -> None:
        period = min(self._position_interval / 3, self._catchup_interval)
        next_check = self._clock() + self._catchup_interval
        while True:
            await asyncio.sleep(period)
            now = self._clock()
            try:
                self._send_positions(now)
                if now >= next_check:
                    next_check = now + self._catchup_interval
                    await self._check_behind()
            except Exception:
                logger.exception("hub tick failed; the ticker carries on")

    def _send_positions(self, now: float) -> None:
        """Tell the sinks of every quiet channel its last seq, so a lost last event shows."""
        for state in list(self._channels.values()):
            if not state.ready or state.catchup is not None or not state.sinks:
                continue
            if now - state.quiet_since >= self._position_interval:
                self._fan_out(state, Delivery.position(state.name, state.last_seq))
                self.stats.positions_sent += 1

    async def _check_behind(self) -> None:
        """Ask the source where every channel stands; catch up those that are behind."""
        names = [name for name, state in self._channels.items() if state.ready]
        if not names:
            return
        try:
            seqs = await self._source.last_seqs(names)
        except Exception:
            logger.exception("reading last seqs failed; retrying next tick")
            return
        for name in names:
            state = self._channels.get(name)
            if state is not None and (seqs.get(name, 0) > state.last_seq or state.held):
                self._start_catchup(state)

    # --- tasks ---------------------------------------------------------------------------

    def _spawn(
        self, coro: Coroutine[Any, Any, None], name: str, *, report: bool = True
    ) -> asyncio.Task[None]:
        """Start a background task that close() can cancel; its failure is logged."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done if report else self._task_done_quietly)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.error("hub task %s failed", task.get_name(), exc_info=exc)

    def _task_done_quietly(self, task: asyncio.Task[Any]) -> None:
        # Its awaiters get the error; retrieving it here avoids a spurious GC warning.
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()
