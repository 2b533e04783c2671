"""The load generator of the workshop burst benchmark, run in its own process by
bench/workshop_burst.py.

Connections, all over bench/leanws.py (msgpack, no compression), all subscribed to
the workshop channel:
  participants  one each; every one sends exactly one ``contribute`` with the round,
                at its own random moment within the same window (default 10 s)
  the lead      one more subscriber that only watches the board
The body carries the writer's index and its send time (this process's monotonic
clock, in letters only: no screening mistakes it for a phone number). Every
subscriber records when each ``workshop.contribution`` arrives; the latency of a
(contribution, subscriber) pair is that receive time minus the send time read back
from the body. A writer's ack latency is ack received minus sent.

Protocol with the orchestrator: one JSON config line on stdin; ``{"phase": "ready"}``
once every connection is subscribed; then it waits for ``go`` (the orchestrator
starts the round and samples CPU first); sends during the window; drains until every
contribution is answered and every acked one reached every subscriber, or
``drain_seconds`` after the window; prints ``{"phase": "done"}`` and one
``{"phase": "result", ...}`` line.
"""

from __future__ import annotations

import asyncio
import random
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import loadkit
import msgspec
from loadkit import KINDS, LeanConn, emit, spread_ms
from subscribers import from_letters, letters

BODY_HEAD = "werkbijdrage"
BOARD_EVENT = "workshop.contribution"


class Config(msgspec.Struct, frozen=True):
    """What the orchestrator tells the load generator."""

    url: str
    channel: str
    theme: int
    round: int
    participant_tokens: list[str]
    lead_token: str | None = None
    window_seconds: float = 10.0
    drain_seconds: float = 15.0
    connect_concurrency: int = 50
    seed: int = 1


def make_body(index: int, sent_ns: int) -> str:
    """A contribution body carrying its writer's index and send time."""
    return f"{BODY_HEAD} {letters(index)} {letters(sent_ns)}"


def parse_body(body: object) -> tuple[int, int] | None:
    """(index, send time) of a benchmark body, or None for anything else."""
    if not isinstance(body, str):
        return None
    parts = body.split(" ")
    if len(parts) != 3 or parts[0] != BODY_HEAD or not (parts[1] + parts[2]).isalpha():
        return None
    return from_letters(parts[1]), from_letters(parts[2])


@dataclass
class State:
    """Everything the connections record (one event loop: no locks)."""

    config: Config
    subscribers: int
    sent_ns: list[int] = field(default_factory=list)
    """Per writer: when its contribution left (0 = not yet)."""
    scheduled_ns: list[int] = field(default_factory=list)
    ack_ns: list[int] = field(default_factory=list)
    outcome: list[str] = field(default_factory=list)
    receipts: list[int] = field(default_factory=list)
    """Per contribution: how many subscribers received it."""
    last_receipt_ns: list[int] = field(default_factory=list)
    latencies_ns: array = field(default_factory=lambda: array("q"))
    latency_index: array = field(default_factory=lambda: array("l"))
    """Which contribution each entry of ``latencies_ns`` belongs to."""
    body_mismatch: int = 0
    """Deliveries whose body's send time differs from the one recorded at send (should be 0)."""
    duplicates: int = 0
    foreign: int = 0
    events: Counter[str] = field(default_factory=Counter)
    stray: Counter[str] = field(default_factory=Counter)
    closes: Counter[str] = field(default_factory=Counter)
    parsed: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    finished: bool = False
    unsent: int = 0
    all_sent: asyncio.Event = field(default_factory=asyncio.Event)
    open_items: int = 0
    """Answers still to come plus deliveries of acked contributions still to come."""
    settled: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        n = len(self.config.participant_tokens)
        self.sent_ns = [0] * n
        self.scheduled_ns = [0] * n
        self.ack_ns = [0] * n
        self.outcome = [""] * n
        self.receipts = [0] * n
        self.last_receipt_ns = [0] * n
        self.unsent = self.open_items = n

    def sent(self) -> None:
        """One more contribution left; the last one sets ``all_sent``."""
        self.unsent -= 1
        if self.unsent <= 0:
            self.all_sent.set()
        self.settle(0)

    def settle(self, change: int) -> None:
        """Count items in or out; once everything was sent and none is open, ``settled``."""
        self.open_items += change
        if self.unsent <= 0 and self.open_items <= 0:
            self.settled.set()

    def parse(self, body: object) -> tuple[int, int] | None:
        """parse_body, cached: every subscriber sees the same body."""
        if not isinstance(body, str):
            return None
        if body not in self.parsed:
            self.parsed[body] = parse_body(body)
        return self.parsed[body]


class Conn(LeanConn):
    """One subscriber (participant or lead): records deliveries, answers, the subscribe reply."""

    def __init__(self, state: State, index: int) -> None:
        super().__init__()
        self.state = state
        self.index = index
        self.seen = bytearray(len(state.config.participant_tokens))

    def on_unreadable(self) -> None:
        self.state.stray["unreadable_frame"] += 1

    def on_message(self, message: dict[str, Any], now: int) -> None:
        kind = message.get("type")
        if kind == "event":
            self.on_event(message, now)
        elif kind in ("ack", "error") and message.get("ref") == f"w{self.index}":
            self.on_answer(message, now)
        elif not self.answers_subscribe(message):
            self.state.stray[f"{kind}:{message.get('code', '')}"] += 1

    def on_event(self, message: dict[str, Any], now: int) -> None:
        state = self.state
        name = str(message.get("event"))
        state.events[name] += 1
        if name != BOARD_EVENT:
            return
        parsed = state.parse((message.get("data") or {}).get("body"))
        if parsed is None or not 0 <= parsed[0] < len(self.seen):
            state.foreign += 1
            return
        index, sent = parsed
        if self.seen[index]:
            state.duplicates += 1
            return
        self.seen[index] = 1
        if sent != state.sent_ns[index]:
            state.body_mismatch += 1
        state.latencies_ns.append(now - sent)
        state.latency_index.append(index)
        state.receipts[index] += 1
        state.last_receipt_ns[index] = max(state.last_receipt_ns[index], now)
        if state.outcome[index] == "acked":
            state.settle(-1)

    def on_answer(self, message: dict[str, Any], now: int) -> None:
        state = self.state
        if state.outcome[self.index]:
            state.stray["second_answer"] += 1
            return
        if message["type"] == "ack":
            state.ack_ns[self.index] = now
            state.outcome[self.index] = "acked"
            state.settle(state.subscribers - state.receipts[self.index])  # some may beat the ack
        else:
            state.outcome[self.index] = f"error:{message.get('code')}"
        state.settle(-1)

    def contribute(self, kind: str) -> None:
        """This participant's one contribution to the round, its send time in the body."""
        state, config = self.state, self.state.config
        sent = time.perf_counter_ns()
        state.sent_ns[self.index] = sent
        self.send(
            {
                "type": "contribute",
                "ref": f"w{self.index}",
                "theme": config.theme,
                "kind": kind,
                "body": make_body(self.index, sent),
                "round": config.round,
            }
        )
        state.sent()


async def open_conn(state: State, index: int, token: str) -> Conn:
    """Connect (bearer token, msgpack) and subscribe to the workshop channel."""
    role = "lead" if index >= len(state.config.participant_tokens) else "participant"
    url, channel = state.config.url, state.config.channel
    return await loadkit.open_lean(Conn(state, index), url, token, channel, role, state)


async def run(config: Config) -> dict[str, Any]:
    """Connect everybody, wait for go, burst, drain; the numbers of this run."""
    tokens = [*config.participant_tokens, *([config.lead_token] if config.lead_token else [])]
    state = State(config, subscribers=len(tokens))
    started = time.perf_counter()
    gate = asyncio.Semaphore(config.connect_concurrency)
    conns = await loadkit.gated(len(tokens), gate, lambda i: open_conn(state, i, tokens[i]))
    writers = conns[: len(config.participant_tokens)]
    connect_seconds = round(time.perf_counter() - started, 3)
    emit({"phase": "ready", "connections": len(conns)})
    await loadkit.wait_for_go()

    rng = random.Random(config.seed)
    offsets = [rng.uniform(0.0, config.window_seconds) for _ in writers]
    kinds = [rng.choice(KINDS) for _ in writers]
    lag = loadkit.LoopLag()
    cpu_before = loadkit.own_cpu_seconds()
    loop = asyncio.get_running_loop()
    window_start = loop.time()
    window_start_ns = time.perf_counter_ns()
    for conn, offset, kind in zip(writers, offsets, kinds, strict=True):
        state.scheduled_ns[conn.index] = window_start_ns + int(offset * 1e9)
        loop.call_at(window_start + offset, conn.contribute, kind)
    if writers:
        await state.all_sent.wait()
    window_seconds = (max(state.sent_ns) - min(state.sent_ns)) / 1e9 if writers else 0.0
    drain_started = time.perf_counter()
    await loadkit.wait_at_most(state.settled, config.drain_seconds)
    drain_seconds = time.perf_counter() - drain_started
    await lag.stop()
    cpu_seconds = loadkit.own_cpu_seconds() - cpu_before
    emit({"phase": "done"})
    state.finished = True
    loadkit.abort_all(conns)
    return {
        **summary(state, lag.samples),
        "connect_seconds": connect_seconds,
        "send_window_seconds": round(window_seconds, 3),
        "drain_seconds": round(drain_seconds, 3),
        "loadgen_cpu_seconds_self": round(cpu_seconds, 3),
    }


def summary(state: State, lag: array) -> dict[str, Any]:
    """Delivery and ack latencies, losses, outcomes, what else arrived, loop lag."""
    subscribers = state.subscribers
    outcomes = Counter(o or "unanswered" for o in state.outcome)
    acked = [i for i, o in enumerate(state.outcome) if o == "acked"]
    ack = [state.ack_ns[i] - state.sent_ns[i] for i in acked]
    everyone = [
        state.last_receipt_ns[i] - state.sent_ns[i]
        for i in acked
        if state.receipts[i] >= subscribers
    ]
    received_of_acked = sum(min(state.receipts[i], subscribers) for i in acked)
    after_ack = [
        state.sent_ns[i] + latency - state.ack_ns[i]
        for latency, i in zip(state.latencies_ns, state.latency_index, strict=True)
        if state.ack_ns[i]
    ]
    late = [max(0, s - p) for s, p in zip(state.sent_ns, state.scheduled_ns, strict=True) if s]
    return {
        "phase": "result",
        "participants": len(state.config.participant_tokens),
        "subscribers": subscribers,
        "contributions_sent": sum(1 for s in state.sent_ns if s),
        "contribution_outcomes": dict(outcomes),
        "contributions_acked": len(acked),
        "deliveries_planned": len(state.sent_ns) * subscribers,
        "deliveries_expected": len(acked) * subscribers,
        "deliveries": len(state.latencies_ns),
        "deliveries_missing": len(state.sent_ns) * subscribers - len(state.latencies_ns),
        "deliveries_lost": len(acked) * subscribers - received_of_acked,
        "contributions_reaching_nobody": sum(1 for i in acked if state.receipts[i] == 0),
        "contributions_reaching_only_some": sum(
            1 for i in acked if 0 < state.receipts[i] < subscribers
        ),
        "duplicate_deliveries": state.duplicates,
        "body_send_time_mismatches": state.body_mismatch,
        "foreign_board_events": state.foreign,
        "delivery_latency_ms": spread_ms(state.latencies_ns),
        "delivery_latency_all_subscribers_ms": spread_ms(everyone),
        "delivery_after_ack_ms": spread_ms(after_ack),
        "ack_latency_ms": spread_ms(ack),
        "send_lateness_ms": spread_ms(late),
        "events_received": dict(sorted(state.events.items())),
        "stray_messages": dict(state.stray),
        "closes_during_run": dict(state.closes),
        "loadgen_loop_lag_ms": loadkit.lag_ms(lag),
    }


def sockets(config: Config) -> int:
    """The connections this load opens, with room for the lead."""
    return len(config.participant_tokens) + 64


if __name__ == "__main__":
    loadkit.main(Config, run, sockets)
