"""What the benchmarks' load generator processes share, so each keeps only its own traffic.

Every load generator (bench/loadgen.py, bench/moderation_load.py,
bench/workshop_load.py) runs in its own process: it reads one JSON config line,
reports its phases as JSON lines on stdout, waits for ``go`` on stdin while the
orchestrator samples CPU, and ends with a ``result`` line. Here: that line protocol,
the process's start (fd limit, uvloop), the event-loop lag probe, percentiles, and
the lean connection that the moderation and workshop loads decode to plain dicts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import resource
import sys
import time
from array import array
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, Protocol, TypeVar

import msgspec
from leanws import LeanClient, connect_lean

from realtime.protocol import SUBPROTOCOL_MSGPACK

SUBSCRIBE_RETRIES = 10
KINDS = ("idea", "obstacle", "solution", "question", "concern")
"""Contribution kinds the loads cycle through."""

Config = TypeVar("Config")
Opened = TypeVar("Opened")
ConnT = TypeVar("ConnT", bound="LeanConn")
OnAnswer = Callable[[dict[str, Any], int], None]
"""Gets the ack or error of a sent message and when it arrived (ns)."""


# --- the line protocol with the orchestrator ------------------------------------------------


def emit(document: dict[str, Any]) -> None:
    """One JSON line to the orchestrator."""
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


async def wait_for_go() -> None:
    """Block until the orchestrator writes ``go`` (it samples the server's CPU first)."""
    line = await asyncio.to_thread(sys.stdin.readline)
    if line.strip() != "go":
        raise SystemExit(f"expected 'go', got {line!r}")


def main(
    config_type: type[Config],
    run: Callable[[Config], Coroutine[Any, Any, dict[str, Any]]],
    sockets: Callable[[Config], int],
) -> None:
    """Read the config line, raise the fd limit for ``sockets(config)``, run, print the result."""
    config = msgspec.json.decode(sys.stdin.readline(), type=config_type)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, sockets(config) + 1024)), hard))
    try:
        import uvloop
    except ImportError:
        emit(asyncio.run(run(config)))
    else:
        emit(uvloop.run(run(config)))


# --- pacing ----------------------------------------------------------------------------------


async def paced(
    rate: float, count: int | None, act: Callable[[int], None], stop: asyncio.Event | None = None
) -> None:
    """Call ``act(i)`` at ``rate`` per second, ``count`` times or until ``stop`` is set."""
    if rate <= 0:
        return
    loop = asyncio.get_running_loop()
    start = loop.time()
    index = 0
    while not (stop and stop.is_set()) and (count is None or index < count):
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        act(index)
        index += 1


async def wait_at_most(event: asyncio.Event, seconds: float) -> None:
    """Until the event is set or the seconds are up (a drain that must end)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


# --- the process's own cost ------------------------------------------------------------------


def own_cpu_seconds() -> float:
    """User + system CPU of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class LoopLag:
    """How late a 10 ms timer fires: a busy load generator shows up here, not as server lag."""

    def __init__(self) -> None:
        self.samples = array("q")
        self._stop = asyncio.Event()
        self.task = asyncio.create_task(self._probe())

    async def _probe(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            before = loop.time()
            await asyncio.sleep(0.01)
            self.samples.append(int((loop.time() - before - 0.01) * 1e6))

    def stop(self) -> asyncio.Task[None]:
        """Stop probing; the task ends within one more tick."""
        self._stop.set()
        return self.task


# --- numbers ---------------------------------------------------------------------------------


def percentile(ordered: list[int], fraction: float) -> int:
    """Nearest-rank percentile of a sorted list (0 when empty)."""
    if not ordered:
        return 0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def spread_ms(values_ns: list[int] | array) -> dict[str, float | int]:
    """count, min, p50, p99 and max in milliseconds."""
    ordered = sorted(values_ns)
    if not ordered:
        return {"count": 0, "min": 0.0, "p50": 0.0, "p99": 0.0, "max": 0.0}
    return {
        "count": len(ordered),
        "min": round(ordered[0] / 1e6, 3),
        "p50": round(percentile(ordered, 0.50) / 1e6, 3),
        "p99": round(percentile(ordered, 0.99) / 1e6, 3),
        "max": round(ordered[-1] / 1e6, 3),
    }


def lag_ms(samples: array) -> dict[str, float]:
    """p50, p99 and max of the loop lag (µs samples) in milliseconds."""
    lags = sorted(samples)
    return {
        "p50": round(percentile(lags, 0.50) / 1e3, 2),
        "p99": round(percentile(lags, 0.99) / 1e3, 2),
        "max": round((lags[-1] if lags else 0) / 1e3, 2),
    }


# --- lean connections that speak in dicts ----------------------------------------------------


class Tracked(Protocol):
    """A load's state as far as connections care: closes count until the run has finished."""

    finished: bool
    closes: Counter[str]


class LeanConn:
    """A bench/leanws.py connection: msgpack out, every frame decoded to dicts for the subclass."""

    def __init__(self) -> None:
        self.client: LeanClient | None = None
        self.subscribe_answer: asyncio.Future[dict[str, Any]] | None = None
        self.pending: dict[str, OnAnswer] = {}

    def on_frame(self, frame: bytes | str) -> None:
        """Every frame from the server; the receive time is taken first."""
        now = time.perf_counter_ns()
        try:
            raw = (
                msgspec.msgpack.decode(frame)
                if isinstance(frame, bytes)
                else msgspec.json.decode(frame.encode())
            )
        except msgspec.DecodeError:
            self.on_unreadable()
            return
        for message in raw if isinstance(raw, list) else [raw]:
            if isinstance(message, dict):
                self.on_message(message, now)

    def on_message(self, message: dict[str, Any], now: int) -> None:
        """One decoded message and when its frame arrived (ns)."""
        raise NotImplementedError

    def on_unreadable(self) -> None:
        """A frame that did not decode."""

    def answers_ref(self, message: dict[str, Any], now: int) -> bool:
        """Hand an ``ack`` or ``error`` to the callback its ref was sent with; True if one was."""
        if message.get("type") not in ("ack", "error") or message.get("ref") not in self.pending:
            return False
        self.pending.pop(message["ref"])(message, now)
        return True

    def answers_subscribe(self, message: dict[str, Any]) -> bool:
        """Hand a ``subscribed`` or ``error`` to a waiting subscribe; True when one waits."""
        if message.get("type") not in ("subscribed", "error") or self.subscribe_answer is None:
            return False
        if not self.subscribe_answer.done():
            self.subscribe_answer.set_result(message)
        return True

    def send(self, message: dict[str, Any], on_answer: OnAnswer | None = None) -> None:
        """One message, msgpack-encoded; ``on_answer`` gets its ack or error (by its ref)."""
        if on_answer is not None:
            self.pending[message["ref"]] = on_answer
        assert self.client is not None
        self.client.send(msgspec.msgpack.encode(message))

    async def subscribe(self, channel: str) -> None:
        """Subscribe; a rate_limited answer is retried after a second, other errors raise."""
        for attempt in range(SUBSCRIBE_RETRIES):
            self.subscribe_answer = asyncio.get_running_loop().create_future()
            self.send({"type": "subscribe", "channel": channel})
            async with asyncio.timeout(60):
                answer = await self.subscribe_answer
            self.subscribe_answer = None
            if answer.get("type") == "subscribed":
                return
            if answer.get("code") != "rate_limited" or attempt == SUBSCRIBE_RETRIES - 1:
                raise RuntimeError(f"subscribe {channel}: {answer.get('code')}")
            await asyncio.sleep(1.0)


async def open_lean(
    conn: ConnT, url: str, token: str, channel: str | None, role: str, state: Tracked
) -> ConnT:
    """Connect (bearer token, msgpack), count closes by role, subscribe to ``channel`` if any;
    the connection."""
    headers = {"Authorization": f"Bearer {token}"}
    conn.client = await connect_lean(url, headers, SUBPROTOCOL_MSGPACK, conn.on_frame, timeout=60)

    def closed(done: asyncio.Future[int | None]) -> None:
        if not state.finished:
            state.closes[f"{role}:{done.result() or 'lost'}"] += 1

    conn.client.closed.add_done_callback(closed)
    if channel is not None:
        try:
            await conn.subscribe(channel)
        except BaseException:
            conn.client.abort()
            raise
    return conn


async def gated(
    count: int, gate: asyncio.Semaphore, open_one: Callable[[int], Awaitable[Opened]]
) -> list[Opened]:
    """``open_one(i)`` for every i below count, at most ``gate`` at a time; any failure raises."""

    async def one(i: int) -> Opened:
        async with gate:
            return await open_one(i)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


def abort_all(conns: Iterable[LeanConn]) -> None:
    """Drop every connection: a benchmark needs no polite close handshakes."""
    for conn in conns:
        if conn.client is not None:
            conn.client.abort()
