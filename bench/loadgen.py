"""The load generator of the fan-out benchmark, run in its own process by bench/fanout.py.

It opens N subscriber websockets (no compression), subscribes each to one channel,
reports ``{"phase": "subscribed"}`` on stdout and waits for ``go`` on stdin, so the
orchestrator can start measuring the server's CPU. Then publishers send M
contributions at a fixed rate, each body carrying its index and send time; every
subscriber records the latency of each delivery. It ends with ``{"phase": "done"}``
and one ``{"phase": "result", ...}`` line.

Input: one JSON line on stdin (see ``Config``); the orchestrator gives each
publisher its own participant and at most 10 messages per second.
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
from typing import Any

import msgspec
from subscribers import Stats, close_all, make_body, open_all

from client import DialoogClient, DialoogError


class Config(msgspec.Struct, frozen=True):
    """What the orchestrator tells the load generator."""

    url: str
    channel: str
    theme: int
    subscribers: int
    subscriber_tokens: list[str]
    publisher_tokens: list[str]
    rate: float
    seconds: float
    drain_seconds: float = 10.0
    connect_concurrency: int = 100
    lean: bool = True
    """Subscribers over bench/leanws.py (cheap) instead of the websockets client."""


# --- publishers -----------------------------------------------------------------------------


async def publish(config: Config, stats: Stats, publishers: list[DialoogClient]) -> Counter[str]:
    """Send ``planned`` contributions at the target rate; returns outcomes by kind."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    stats.first_send_ns = time.time_ns()
    tasks = []
    for index in range(stats.planned):
        delay = start + index / config.rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        client = publishers[index % len(publishers)]
        body = make_body(index, time.time_ns())
        tasks.append(asyncio.create_task(client.contribute(config.theme, "idea", body)))
    outcomes: Counter[str] = Counter()
    for result in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(result, DialoogError):
            outcomes[f"error:{result.code}"] += 1
        elif isinstance(result, BaseException):
            outcomes[f"failed:{type(result).__name__}"] += 1
        else:
            outcomes["acked"] += 1
    return outcomes


async def loop_lag(samples: array, stop: asyncio.Event) -> None:
    """How late a 10 ms timer fires: a busy load generator shows up here, not as server lag."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(0.01)
        samples.append(int((loop.time() - before - 0.01) * 1e6))


# --- the run --------------------------------------------------------------------------------


def emit(document: dict[str, Any]) -> None:
    """One JSON line to the orchestrator."""
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


async def wait_for_go() -> None:
    """Block until the orchestrator writes ``go`` (it samples the server's CPU first)."""
    line = await asyncio.to_thread(sys.stdin.readline)
    if line.strip() != "go":
        raise SystemExit(f"expected 'go', got {line!r}")


async def drain(config: Config, stats: Stats, expected: int) -> None:
    """Wait until every expected delivery arrived, or the drain time is up."""
    stats.expected = expected
    if stats.deliveries >= expected:
        return
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(config.drain_seconds):
            await stats.complete.wait()


async def run(config: Config) -> dict[str, Any]:
    """Connect, subscribe, wait for go, publish, drain; the numbers of this run."""
    stats = Stats(planned=max(1, round(config.rate * config.seconds)))
    started = time.perf_counter()
    subscribers, failures = await open_all(
        config.url,
        config.channel,
        config.subscriber_tokens,
        config.subscribers,
        stats,
        lean=config.lean,
        at_once=config.connect_concurrency,
    )
    publishers = [DialoogClient(config.url, token) for token in config.publisher_tokens]
    await asyncio.gather(*(p.connect() for p in publishers))
    connect_seconds = round(time.perf_counter() - started, 3)
    emit(
        {"phase": "subscribed", "subscribed": len(subscribers), "connect_seconds": connect_seconds}
    )
    await wait_for_go()
    lag = array("q")
    stop_lag = asyncio.Event()
    lag_task = asyncio.create_task(loop_lag(lag, stop_lag))
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    outcomes = await publish(config, stats, publishers)
    await drain(config, stats, outcomes["acked"] * len(subscribers))
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    stop_lag.set()
    emit({"phase": "done"})
    await lag_task
    close_all(stats, subscribers)
    await asyncio.gather(*(p.close() for p in publishers))
    result = summary(config, stats, outcomes, len(subscribers), failures, lag)
    cpu = [c.ru_utime + c.ru_stime for c in (cpu_before, cpu_after)]
    return {
        **result,
        "connect_seconds": connect_seconds,
        "loadgen_cpu_seconds_self": round(cpu[1] - cpu[0], 3),
    }


def percentile(ordered: list[int], fraction: float) -> int:
    """Nearest-rank percentile of a sorted list (0 when empty)."""
    if not ordered:
        return 0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def summary(
    config: Config,
    stats: Stats,
    outcomes: Counter[str],
    subscribed: int,
    failures: Counter[str],
    lag: array,
) -> dict[str, Any]:
    """The load generator's numbers: throughput, latency, losses, its own CPU and loop lag."""
    expected = outcomes["acked"] * subscribed
    window_ns = max(1, stats.last_receive_ns - stats.first_send_ns)
    ordered = sorted(stats.latencies_ns)
    lags = sorted(lag)
    return {
        "phase": "result",
        "subscriber_client": "lean" if config.lean else "websockets",
        "subscribers": config.subscribers,
        "subscribed": subscribed,
        "subscribe_failures": dict(failures),
        "publishers": len(config.publisher_tokens),
        "messages_planned": stats.planned,
        "messages": dict(outcomes),
        "expected_deliveries": expected,
        "deliveries": stats.deliveries,
        "lost": max(0, expected - stats.deliveries),
        "duplicates": stats.duplicates,
        "window_seconds": round(window_ns / 1e9, 3),
        "deliveries_per_s": round(stats.deliveries / (window_ns / 1e9), 1),
        "latency_ms": {
            "p50": round(percentile(ordered, 0.50) / 1e6, 2),
            "p99": round(percentile(ordered, 0.99) / 1e6, 2),
            "max": round((ordered[-1] if ordered else 0) / 1e6, 2),
        },
        "closes_during_run": dict(stats.closes),
        "loadgen_loop_lag_ms": {
            "p50": round(percentile(lags, 0.50) / 1e3, 2),
            "p99": round(percentile(lags, 0.99) / 1e3, 2),
            "max": round((lags[-1] if lags else 0) / 1e3, 2),
        },
    }


def main() -> None:
    """Read the config line, run, print the result line."""
    config = msgspec.json.decode(sys.stdin.readline(), type=Config)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, config.subscribers + 1024)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    try:
        import uvloop
    except ImportError:
        emit(asyncio.run(run(config)))
    else:
        emit(uvloop.run(run(config)))


if __name__ == "__main__":
    main()
