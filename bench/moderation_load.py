"""The load generator of the moderation benchmark, run in its own process by
bench/moderation_latency.py.

Three kinds of connection, all over bench/leanws.py (msgpack, no compression):
  writers       one per participant; subscribed to the theme; together they send
                contributions and reactions at fixed total rates (the background load)
  flaggers      other participants; they flag random contributions the writers had acked
  facilitators  staff connections subscribed to ``moderation:{slug}``
Each flag carries its index in its note (letters only), which comes back as the
``detail`` of its ``flag.created``. Per flag this records when it was sent, when its
``ack`` arrived at the flagger and when each facilitator received its event, all on
this process's monotonic clock.

Protocol with the orchestrator (bench/loadkit.py): ``ready`` once every connection is
up; after ``go`` it writes for ``warmup_seconds``, flags for ``seconds`` while writing
goes on, and drains (writing still going on) until every acked flag reached every
facilitator or ``drain_seconds`` passed; then ``done`` and the ``result`` line.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from array import array
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import loadkit
import msgspec
from loadkit import KINDS, LeanConn, emit, paced, spread_ms
from subscribers import from_letters, letters

FLAG_NOTE = "melding"
REASONS = ("offensive", "personal_data", "off_topic", "spam", "other")
REACTIONS = ("agree", "disagree", "pass")
TARGET_TRIES = 20
"""Random picks before a flagger gives up finding a contribution it has not flagged."""


class Config(msgspec.Struct, frozen=True):
    """What the orchestrator tells the load generator."""

    url: str
    theme: int
    theme_channel: str
    moderation_channel: str
    writer_tokens: list[str]
    flagger_tokens: list[str]
    facilitator_tokens: list[str]
    contribution_rate: float
    reaction_rate: float
    flag_rate: float
    seconds: float
    warmup_seconds: float = 3.0
    drain_seconds: float = 10.0
    writers_subscribe: bool = True
    connect_concurrency: int = 50
    seed: int = 1


@dataclass
class FlagRecord:
    """One flag: who sent it, about what, and when everything about it happened (ns)."""

    index: int
    contribution: int
    sent_ns: int
    receipts: list[int | None]
    ack_ns: int | None = None
    outcome: str | None = None


@dataclass
class State:
    """Everything the connections record (one event loop: no locks)."""

    config: Config
    flags: list[FlagRecord] = field(default_factory=list)
    contribution_ids: list[int] = field(default_factory=list)
    flagged_by: list[set[int]] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    contribute_ack_ns: array = field(default_factory=lambda: array("q"))
    react_ack_ns: array = field(default_factory=lambda: array("q"))
    theme_events: Counter[str] = field(default_factory=Counter)
    other_flag_events: int = 0
    duplicate_flag_events: int = 0
    closes: Counter[str] = field(default_factory=Counter)
    finished: bool = False
    open_items: int = 0
    """Flag answers still to come plus facilitator deliveries of acked flags still to come."""
    flagging_done: bool = False
    settled: asyncio.Event = field(default_factory=asyncio.Event)

    def settle(self, change: int) -> None:
        """Count items in or out; once flagging ended and none is open, ``settled`` is set."""
        self.open_items += change
        if self.flagging_done and self.open_items <= 0:
            self.settled.set()


# --- one connection -------------------------------------------------------------------------


class Conn(LeanConn):
    """A lean connection that matches answers to refs and hands events to a callback."""

    def __init__(self, state: State, role: str, index: int) -> None:
        super().__init__()
        self.state = state
        self.role = role
        self.index = index

    def on_unreadable(self) -> None:
        self.state.outcomes["unreadable_frame"] += 1

    def on_message(self, message: dict[str, Any], now: int) -> None:
        kind = message.get("type")
        if kind == "event":
            self.on_event(message, now)
        elif self.answers_ref(message, now) or self.answers_subscribe(message):
            return
        elif kind == "error":
            self.state.outcomes[f"stray_error:{message.get('code')}"] += 1

    def on_event(self, message: dict[str, Any], now: int) -> None:
        state = self.state
        name = message.get("event")
        if self.role != "facilitator":
            state.theme_events[str(name)] += 1
            return
        if name != "flag.created":
            return
        index = parse_note((message.get("data") or {}).get("detail"))
        if index is None or not 0 <= index < len(state.flags):
            state.other_flag_events += 1
            return
        record = state.flags[index]
        if record.receipts[self.index] is None:
            record.receipts[self.index] = now
            if record.outcome == "acked":
                state.settle(-1)
        else:
            state.duplicate_flag_events += 1


def note_for(index: int) -> str:
    """The note of flag ``index`` (letters only: no screening mistakes it for data)."""
    return f"{FLAG_NOTE} {letters(index)}"


def parse_note(detail: object) -> int | None:
    """The flag index a note carries, or None for anybody else's flag."""
    if not isinstance(detail, str):
        return None
    head, _, tail = detail.partition(" ")
    if head != FLAG_NOTE or not tail.isalpha():
        return None
    return from_letters(tail)


async def open_group(
    state: State, role: str, tokens: list[str], channel: str | None, gate: asyncio.Semaphore
) -> list[Conn]:
    """Every connection of one role, at most ``gate`` handshakes at a time; any failure raises."""
    url = state.config.url
    return await loadkit.gated(
        len(tokens),
        gate,
        lambda i: loadkit.open_lean(Conn(state, role, i), url, tokens[i], channel, role, state),
    )


# --- the traffic ----------------------------------------------------------------------------


class Traffic:
    """The messages writers and flaggers send, and what their answers record."""

    def __init__(self, state: State, writers: list[Conn], flaggers: list[Conn]) -> None:
        self.state = state
        self.writers = writers
        self.flaggers = flaggers
        self.random = random.Random(state.config.seed)
        state.flagged_by = [set() for _ in flaggers]

    def contribute(self, index: int) -> None:
        state, conn = self.state, self.writers[index % len(self.writers)]
        sent = time.perf_counter_ns()

        def answered(message: dict[str, Any], now: int) -> None:
            if message["type"] == "ack" and isinstance(message.get("id"), int):
                state.outcomes["contribute:acked"] += 1
                state.contribution_ids.append(message["id"])
                state.contribute_ack_ns.append(now - sent)
            else:
                state.outcomes[f"contribute:error:{message.get('code')}"] += 1

        body = f"bijdrage {letters(index)} voor de meting"
        message = {
            "type": "contribute",
            "ref": str(uuid.uuid4()),
            "theme": state.config.theme,
            "kind": KINDS[index % len(KINDS)],
            "body": body,
        }
        conn.send(message, answered)
        state.outcomes["contribute:sent"] += 1

    def react(self, index: int) -> None:
        state = self.state
        if not state.contribution_ids:
            state.outcomes["react:skipped"] += 1
            return
        conn = self.writers[self.random.randrange(len(self.writers))]
        sent = time.perf_counter_ns()

        def answered(message: dict[str, Any], now: int) -> None:
            if message["type"] == "ack":
                state.outcomes["react:acked"] += 1
                state.react_ack_ns.append(now - sent)
            else:
                state.outcomes[f"react:error:{message.get('code')}"] += 1

        message = {
            "type": "react",
            "ref": str(uuid.uuid4()),
            "contribution": self.random.choice(state.contribution_ids),
            "reaction": self.random.choice(REACTIONS),
        }
        conn.send(message, answered)
        state.outcomes["react:sent"] += 1

    def flag(self, index: int) -> None:
        state = self.state
        slot = index % len(self.flaggers)
        target = self._target(slot)
        if target is None:
            state.outcomes["flag:skipped_no_target"] += 1
            return
        record = FlagRecord(
            index=len(state.flags),
            contribution=target,
            sent_ns=0,
            receipts=[None] * len(state.config.facilitator_tokens),
        )
        state.flags.append(record)

        def answered(message: dict[str, Any], now: int) -> None:
            if message["type"] == "ack":
                record.ack_ns, record.outcome = now, "acked"
                state.settle(record.receipts.count(None))  # a receipt may beat the ack
            else:
                record.outcome = f"error:{message.get('code')}"
            state.settle(-1)

        message = {
            "type": "flag",
            "ref": str(uuid.uuid4()),
            "contribution": target,
            "reason": self.random.choice(REASONS),
            "note": note_for(record.index),
        }
        record.sent_ns = time.perf_counter_ns()
        state.settle(+1)
        self.flaggers[slot].send(message, answered)

    def _target(self, slot: int) -> int | None:
        """A random acked contribution this flagger has not flagged (a repeat makes no event)."""
        ids, mine = self.state.contribution_ids, self.state.flagged_by[slot]
        for _ in range(TARGET_TRIES if ids else 0):
            choice = self.random.choice(ids)
            if choice not in mine:
                mine.add(choice)
                return choice
        return None


# --- the run --------------------------------------------------------------------------------


async def run(config: Config) -> dict[str, Any]:
    """Connect everybody, wait for go, write, flag, drain; the numbers of this run."""
    state = State(config)
    started = time.perf_counter()
    gate = asyncio.Semaphore(config.connect_concurrency)
    theme = config.theme_channel if config.writers_subscribe else None
    writers, flaggers, facilitators = await asyncio.gather(
        open_group(state, "writer", config.writer_tokens, theme, gate),
        open_group(state, "flagger", config.flagger_tokens, None, gate),
        open_group(
            state, "facilitator", config.facilitator_tokens, config.moderation_channel, gate
        ),
    )
    connect_seconds = round(time.perf_counter() - started, 3)
    emit({"phase": "ready", "connections": len(writers) + len(flaggers) + len(facilitators)})
    await loadkit.wait_for_go()

    traffic = Traffic(state, writers, flaggers)
    stop_background = asyncio.Event()
    lag = loadkit.LoopLag()
    tasks: list[Awaitable[Any]] = [
        lag.task,
        asyncio.create_task(
            paced(config.contribution_rate, None, traffic.contribute, stop_background)
        ),
        asyncio.create_task(paced(config.reaction_rate, None, traffic.react, stop_background)),
    ]
    cpu_before = loadkit.own_cpu_seconds()
    background_started = time.perf_counter()
    await asyncio.sleep(config.warmup_seconds)
    planned = max(1, round(config.flag_rate * config.seconds))
    flag_started = time.perf_counter()
    await paced(config.flag_rate, planned, traffic.flag)
    flag_seconds = time.perf_counter() - flag_started
    drain_started = time.perf_counter()
    state.flagging_done = True
    state.settle(0)
    await loadkit.wait_at_most(state.settled, config.drain_seconds)
    drain_seconds = time.perf_counter() - drain_started
    stop_background.set()
    background_seconds = time.perf_counter() - background_started
    lag.stop()
    await asyncio.gather(*tasks)
    cpu_seconds = loadkit.own_cpu_seconds() - cpu_before
    emit({"phase": "done"})
    state.finished = True
    loadkit.abort_all((*writers, *flaggers, *facilitators))
    return {
        **summary(state, planned, lag.samples, background_seconds),
        "connect_seconds": connect_seconds,
        "flag_phase_seconds": round(flag_seconds, 3),
        "drain_seconds": round(drain_seconds, 3),
        "loadgen_cpu_seconds_self": round(cpu_seconds, 3),
    }


# --- numbers --------------------------------------------------------------------------------


def summary(state: State, planned: int, lag: array, background_seconds: float) -> dict[str, Any]:
    """The flags' latencies and losses, the background load actually offered, loop lag."""
    config = state.config
    facilitators = len(config.facilitator_tokens)
    from_ack: list[int] = []
    from_send: list[int] = []
    all_from_ack: list[int] = []
    ack: list[int] = []
    outcomes: Counter[str] = Counter()
    lost_flags = incomplete_flags = 0
    for record in state.flags:
        outcomes[record.outcome or "unanswered"] += 1
        got = [r for r in record.receipts if r is not None]
        from_send.extend(r - record.sent_ns for r in got)
        if record.ack_ns is None:
            continue
        ack.append(record.ack_ns - record.sent_ns)
        from_ack.extend(r - record.ack_ns for r in got)
        if not got:
            lost_flags += 1
        elif len(got) < facilitators:
            incomplete_flags += 1
        else:
            all_from_ack.append(max(got) - record.ack_ns)
    acked = outcomes["acked"]
    window = max(1e-9, background_seconds)
    return {
        "phase": "result",
        "facilitators": facilitators,
        "flaggers": len(config.flagger_tokens),
        "writers": len(config.writer_tokens),
        "flags_planned": planned,
        "flags_sent": len(state.flags),
        "flags_skipped_no_target": state.outcomes["flag:skipped_no_target"],
        "flag_outcomes": dict(outcomes),
        "flags_acked": acked,
        "flags_lost": lost_flags,
        "flags_reaching_only_some_facilitators": incomplete_flags,
        "deliveries_expected": acked * facilitators,
        "deliveries_lost": acked * facilitators - len(from_ack),
        "duplicate_flag_events": state.duplicate_flag_events,
        "other_flag_events": state.other_flag_events,
        "latency_from_ack_ms": spread_ms(from_ack),
        "latency_from_send_ms": spread_ms(from_send),
        "latency_all_facilitators_from_ack_ms": spread_ms(all_from_ack),
        "flag_ack_ms": spread_ms(ack),
        "background": {
            "seconds": round(background_seconds, 3),
            "outcomes": {k: v for k, v in sorted(state.outcomes.items()) if "flag:" not in k},
            "contributions_per_s": round(state.outcomes["contribute:acked"] / window, 1),
            "reactions_per_s": round(state.outcomes["react:acked"] / window, 1),
            "contribute_ack_ms": spread_ms(state.contribute_ack_ns),
            "react_ack_ms": spread_ms(state.react_ack_ns),
            "theme_events_received": dict(state.theme_events),
        },
        "closes_during_run": dict(state.closes),
        "loadgen_loop_lag_ms": loadkit.lag_ms(lag),
    }


def sockets(config: Config) -> int:
    """The connections this load opens, with room for the facilitators."""
    return len(config.writer_tokens) + len(config.flagger_tokens) + 64


if __name__ == "__main__":
    loadkit.main(Config, run, sockets)
