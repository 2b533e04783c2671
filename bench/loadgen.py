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
import time
from array import array
from collections import Counter
from typing import Any

import loadkit
import msgspec
from loadkit import emit, percentile
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
    stats.first_send_ns = time.time_ns()
    tasks = []

    def send(index: int) -> None:
        client = publishers[index % len(publishers)]
        body = make_body(index, time.time_ns())
        tasks.append(asyncio.create_task(client.contribute(config.theme, "idea", body)))

    await loadkit.paced(config.rate, stats.planned, send)
    outcomes: Counter[str] = Counter()
    for result in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(result, DialoogError):
            outcomes[f"error:{result.code}"] += 1
        elif isinstance(result, BaseException):
            outcomes[f"failed:{type(result).__name__}"] += 1
        else:
            outcomes["acked"] += 1
    return outcomes


# --- the run --------------------------------------------------------------------------------


async def drain(config: Config, stats: Stats, expected: int) -> None:
    """Wait until every expected delivery arrived, or the drain time is up."""
    stats.expected = expected
    if stats.deliveries >= expected:
        return
    await loadkit.wait_at_most(stats.complete, config.drain_seconds)


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
    await loadkit.wait_for_go()
    lag = loadkit.LoopLag()
    cpu_before = loadkit.own_cpu_seconds()
    outcomes = await publish(config, stats, publishers)
    await drain(config, stats, outcomes["acked"] * len(subscribers))
    cpu_seconds = loadkit.own_cpu_seconds() - cpu_before
    lag_stopped = lag.stop()
    emit({"phase": "done"})
    await lag_stopped
    close_all(stats, subscribers)
    await asyncio.gather(*(p.close() for p in publishers))
    result = summary(config, stats, outcomes, len(subscribers), failures, lag.samples)
    return {
        **result,
        "connect_seconds": connect_seconds,
        "loadgen_cpu_seconds_self": round(cpu_seconds, 3),
    }


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
        "loadgen_loop_lag_ms": loadkit.lag_ms(lag),
    }


if __name__ == "__main__":
    loadkit.main(Config, run, lambda config: config.subscribers)
