"""Fan-out benchmark: how our server delivers one theme's events to many subscribers.

Three peers, measured the same way in one run:
  raw          bench/raw_broadcast.py: bare ``websockets`` + ``broadcast()`` (the reference)
  ours-sqlite  ``dialoog serve``, 1 worker, SQLite + the in-process broker
  ours-redis   ``dialoog serve --workers 2``, Postgres + Redis
For each, a load generator in its own process (bench/loadgen.py) subscribes N clients,
then publishes at a fixed rate; this process samples the server's CPU (workers
summed) around the publishing. Prints one JSON document and saves it under
bench/results/. Not part of the test suite: run it on demand,
``python bench/fanout.py`` (or ``--subscribers 200 --seconds 5`` for a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import backing
import orchestrate
import peers
import report
import scenario
from orchestrate import Benchmark, LoadGen, Measured, Results, Started, serve_ours
from peers import Process

PUBLISHER_MAX_RATE = 10.0
"""Messages per second per publishing participant: half the contract's rate limit."""
KEPT_UP = 0.9
"""Delivering less than this share of the offered rate means a peer fell behind."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; defaults are the documented full run."""
    parser = argparse.ArgumentParser(description="Dialoog fan-out benchmark (JSON out).")
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=10.0, help="messages per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="publishing time per peer")
    parser.add_argument("--drain-seconds", type=float, default=10.0)
    parser.add_argument(
        "--participants",
        type=int,
        default=200,
        help="distinct participants among the subscribers (0: one each; joining costs time)",
    )
    parser.add_argument(
        "--subscriber-client",
        choices=("lean", "websockets"),
        default="lean",
        help="bench/leanws.py (cheap) or the websockets client (to cross-check)",
    )
    orchestrate.add_shared_arguments(
        parser, "fanout", backing.BENCH_DATABASE, "redis://127.0.0.1:6379/14", extras=False
    )
    return orchestrate.parse(parser, argv)


# --- peers ------------------------------------------------------------------------------------


def drive(
    args: argparse.Namespace, server: Process, setup: scenario.Scenario, url: str, workdir: Path
) -> dict[str, Any]:
    """Run one load against a server; the load generator's numbers plus measured CPU."""
    config = {
        "url": url,
        "channel": setup.channel,
        "theme": setup.theme,
        "subscribers": args.subscribers,
        "subscriber_tokens": setup.subscriber_tokens,
        "publisher_tokens": setup.publisher_tokens,
        "rate": args.rate,
        "seconds": args.seconds,
        "drain_seconds": args.drain_seconds,
        "lean": args.subscriber_client == "lean",
    }
    with LoadGen("loadgen.py", config, workdir) as loadgen:
        loadgen.expect("subscribed")
        sample = loadgen.measure(server, args.seconds + args.drain_seconds + 120)
    return {
        **sample.result,
        "measured": {
            "wall_seconds": round(sample.wall, 3),
            "server_cpu_seconds": round(sample.server_cpu, 3),
            "loadgen_cpu_seconds": round(sample.loadgen_cpu, 3),
        },
    }


def publisher_count(args: argparse.Namespace) -> int:
    """Enough publishing participants that none exceeds PUBLISHER_MAX_RATE."""
    return max(1, math.ceil(args.rate / PUBLISHER_MAX_RATE))


def subscriber_token_count(args: argparse.Namespace) -> int:
    """Distinct participants among the subscribers (they share them round robin)."""
    return args.participants if 0 < args.participants < args.subscribers else args.subscribers


@contextlib.contextmanager
def start_raw(args: argparse.Namespace, workdir: Path) -> Iterator[Started]:
    """The reference server; it ignores tokens, so any will do."""
    with peers.raw_server(workdir) as process:
        tokens = ["raw"] * publisher_count(args)
        yield process, scenario.Scenario(1, "theme:1", ["raw"], tokens)


@contextlib.contextmanager
def start_ours(
    args: argparse.Namespace, workdir: Path, workers: int, settings: dict[str, str]
) -> Iterator[Started]:
    """Migrate, add an admin, serve, and build the dialogue over HTTP."""
    with serve_ours(workdir, workers, settings, migrate_sqlite=True) as (process, password, _):
        setup = asyncio.run(
            scenario.build(
                process.base_url, password, subscriber_token_count(args), publisher_count(args)
            )
        )
        yield process, setup


def summarize(run: Measured) -> dict[str, Any]:
    """The peer's JSON, unless no subscriber got in."""
    if not run.outcome["subscribed"]:
        return {"error": f"no subscriber could subscribe: {run.outcome['subscribe_failures']}"}
    return derive(run.outcome, run.process.workers, run.setup_seconds)


def derive(outcome: dict[str, Any], workers: int, setup_seconds: float) -> dict[str, Any]:
    """Per-delivery and per-core numbers from what was measured."""
    measured = outcome.pop("measured")
    outcome.pop("phase", None)
    deliveries = max(1, outcome["deliveries"])
    wall = max(1e-9, measured["wall_seconds"])
    return {
        "workers": workers,
        "setup_seconds": round(setup_seconds, 1),
        **outcome,
        "deliveries_per_s_per_worker": round(outcome["deliveries_per_s"] / workers, 1),
        "server_cpu_seconds": measured["server_cpu_seconds"],
        "server_cpu_us_per_delivery": round(measured["server_cpu_seconds"] * 1e6 / deliveries, 2),
        "server_cores_busy": round(measured["server_cpu_seconds"] / wall, 2),
        "loadgen_cpu_seconds": measured["loadgen_cpu_seconds"],
        "loadgen_cores_busy": round(measured["loadgen_cpu_seconds"] / wall, 2),
        "measured_wall_seconds": measured["wall_seconds"],
    }


BENCHMARK = Benchmark(
    "fanout",
    backing.BENCH_DATABASE,
    "bench:",
    start_raw,
    start_ours,
    drive,
    summarize=summarize,
    stop_quickly=False,
)


# --- the report -------------------------------------------------------------------------------


def ratios(results: Results) -> dict[str, dict[str, float]]:
    """Ours / raw: deliveries per second per worker, and server CPU µs per delivery."""
    raw = results.get("raw", {})
    if "error" in raw or not raw:
        return {}
    out = {}
    for name, ours in results.items():
        if name == "raw" or "error" in ours:
            continue
        out[name] = {
            "deliveries_per_s_per_core": _ratio(ours, raw, "deliveries_per_s_per_worker"),
            "cpu_us_per_delivery": _ratio(ours, raw, "server_cpu_us_per_delivery"),
        }
    return out


def _ratio(ours: dict[str, Any], raw: dict[str, Any], key: str) -> float:
    return round(ours[key] / raw[key], 2) if raw[key] else math.inf


def notes(results: Results, target: float) -> list[str]:
    """Warnings a reader of the numbers must see."""
    found: list[str] = []
    for name, result in report.measured_peers(results, found):
        if result["loadgen_cores_busy"] >= report.SATURATED:
            found.append(f"{name}: the load generator used ~a full core; it may be the bottleneck")
        if result["subscribed"] < result["subscribers"]:
            missing = result["subscribers"] - result["subscribed"]
            found.append(f"{name}: {missing} subscribers could not subscribe")
        if result["deliveries_per_s"] < KEPT_UP * target:
            found.append(
                f"{name}: delivered {result['deliveries_per_s']:.0f}/s of {target:.0f}/s offered "
                f"(p50 latency {result['latency_ms']['p50']} ms): it did not keep up"
            )
        if result["lost"]:
            found.append(f"{name}: {result['lost']} deliveries lost")
    return found


def document(args: argparse.Namespace, results: Results) -> dict[str, Any]:
    """The JSON document of the run."""
    return {
        "benchmark": "fanout",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": report.machine(),
        "parameters": {
            "subscribers": args.subscribers,
            "rate_messages_per_s": args.rate,
            "target_deliveries_per_s": args.rate * args.subscribers,
            "seconds": args.seconds,
            "subscriber_tokens": subscriber_token_count(args),
            "publishers": publisher_count(args),
            "workers_ours_redis": args.workers,
        },
        "peers": results,
        "ratios_ours_to_raw": ratios(results),
        "notes": notes(results, args.rate * args.subscribers),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure every chosen peer; 0 when all were measured."""
    args = parse_args(argv)
    return BENCHMARK.main(
        args, 2 * args.subscribers + 1024, lambda results, _: document(args, results)
    )


if __name__ == "__main__":
    sys.exit(main())
