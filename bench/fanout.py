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
import json
import math
import os
import platform
import queue
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import backing
import peers
import scenario
from peers import BENCH_DIR, BenchError, CpuClock, Process

PEERS = ("raw", "ours-sqlite", "ours-redis")
PUBLISHER_MAX_RATE = 10.0
"""Messages per second per publishing participant: half the contract's rate limit."""
PHASE_TIMEOUT_SECONDS = 240.0
SATURATED = 0.9
"""A process using this share of a core or more is probably the bottleneck."""
Started = tuple[Process, scenario.Scenario]
KEPT_UP = 0.9
"""Delivering less than this share of the offered rate means a peer fell behind."""
DROP_FROM_ENV = ("DATABASE_URL", "REDIS_URL", "DIALOOG_SECRET", "DIALOOG_DATA_DIR")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; defaults are the documented full run."""
    parser = argparse.ArgumentParser(description="Dialoog fan-out benchmark (JSON out).")
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=10.0, help="messages per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="publishing time per peer")
    parser.add_argument("--drain-seconds", type=float, default=10.0)
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma list of {PEERS}")
    parser.add_argument("--workers", type=int, default=2, help="workers of ours-redis")
    parser.add_argument(
        "--participants",
        type=int,
        default=200,
        help="distinct participants among the subscribers (0: one each; joining costs time)",
    )
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="maintenance database URL; dialoog_bench is created beside it",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--subscriber-client",
        choices=("lean", "websockets"),
        default="lean",
        help="bench/leanws.py (cheap) or the websockets client (to cross-check)",
    )
    parser.add_argument("--output", type=Path, help="default bench/results/fanout-<date>.json")
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args(argv)
    unknown = set(args.peers.split(",")) - set(PEERS)
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")
    return args


def raise_fd_limit(needed: int) -> None:
    """Children inherit the limit: servers and the load generator each hold ~N sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    if min(hard, needed) < needed:
        raise BenchError(f"the fd limit {hard} is below the {needed} this run needs")


# --- the load generator process ------------------------------------------------------------


class LoadGen:
    """bench/loadgen.py as a child: JSON lines out, ``go`` in."""

    def __init__(self, config: dict[str, Any], workdir: Path) -> None:
        self.stderr_path = workdir / "loadgen.err"
        with self.stderr_path.open("wb") as err:
            self.popen = subprocess.Popen(
                [sys.executable, str(BENCH_DIR / "loadgen.py")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                env=peers.child_env({}),
                text=True,
            )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.tell(json.dumps(config))

    def _pump(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def tell(self, line: str) -> None:
        """One line to the load generator."""
        assert self.popen.stdin is not None
        self.popen.stdin.write(line + "\n")
        self.popen.stdin.flush()

    def expect(self, phase: str, timeout: float = PHASE_TIMEOUT_SECONDS) -> dict[str, Any]:
        """The next JSON line of the given phase, or a BenchError with the child's stderr."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise BenchError(f"load generator: no '{phase}' within {timeout:.0f} s") from None
            if line is None:
                tail = self.stderr_path.read_text(errors="replace")[-2000:]
                raise BenchError(f"load generator ended before '{phase}':\n{tail}")
            document = json.loads(line)
            if document.get("phase") == phase:
                return dict(document)

    def stop(self) -> None:
        """End the child if it is still running."""
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(timeout=30)


def drive(server: Process, config: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run one load against a server; the load generator's numbers plus measured CPU."""
    loadgen = LoadGen(config, workdir)
    try:
        loadgen.expect("subscribed")
        server_cpu, loadgen_cpu = CpuClock(server.popen.pid), CpuClock(loadgen.popen.pid)
        before = (server_cpu.read(), loadgen_cpu.read(), time.monotonic())
        loadgen.tell("go")
        loadgen.expect("done", config["seconds"] + config["drain_seconds"] + 120)
        after = (server_cpu.read(), loadgen_cpu.read(), time.monotonic())
        result = loadgen.expect("result", 120)
    finally:
        loadgen.stop()
    wall = after[2] - before[2]
    return {
        **result,
        "measured": {
            "wall_seconds": round(wall, 3),
            "server_cpu_seconds": round(after[0] - before[0], 3),
            "loadgen_cpu_seconds": round(after[1] - before[1], 3),
        },
    }


# --- peers ------------------------------------------------------------------------------------


def load_config(args: argparse.Namespace, url: str, setup: scenario.Scenario) -> dict[str, Any]:
    """The load generator's input for one peer."""
    return {
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
    password = secrets.token_urlsafe(16)
    env = peers.child_env(
        {
            "DIALOOG_SECRET": secrets.token_hex(32),
            "DIALOOG_DATA_DIR": str(workdir),
            "DIALOOG_LOG_LEVEL": "warning",
            **settings,
        },
        drop=DROP_FROM_ENV,
    )
    peers.run_cli(["migrate"], workdir, env)
    user = ["user", "add", scenario.ADMIN_EMAIL, "--role", "admin", "--password-stdin"]
    peers.run_cli(user, workdir, env, stdin=password + "\n")
    with peers.our_server(workdir, env, workers) as process:
        setup = asyncio.run(
            scenario.build(
                process.base_url, password, subscriber_token_count(args), publisher_count(args)
            )
        )
        yield process, setup


@contextlib.contextmanager
def start_peer(name: str, args: argparse.Namespace, workdir: Path) -> Iterator[Started]:
    """Any peer by name, with its backing services made fresh and removed afterwards."""
    if name == "raw":
        with start_raw(args, workdir) as started:
            yield started
    elif name == "ours-sqlite":
        with start_ours(args, workdir, 1, {}) as started:
            yield started
    else:
        with backing.fresh_database(args.postgres) as db, backing.fresh_redis(args.redis) as rd:
            # pub/sub ignores the database number: a prefix of our own avoids cross-talk
            settings = {"DATABASE_URL": db, "REDIS_URL": rd, "DIALOOG_REDIS_PREFIX": "bench:"}
            with start_ours(args, workdir, args.workers, settings) as started:
                yield started


def measure(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """One peer, start to stop, in a temporary working folder; errors become the result."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"dialoog-bench-{name}-") as tmp:
        workdir = Path(tmp)
        try:
            with start_peer(name, args, workdir) as (process, setup):
                setup_seconds = time.monotonic() - started
                ws_url = process.base_url.replace("http://", "ws://") + "/ws"
                outcome = drive(process, load_config(args, ws_url, setup), workdir)
        except BenchError as exc:
            return {"error": str(exc)}
        except Exception as exc:  # one broken peer must not cost the others' numbers
            return {"error": f"{type(exc).__name__}: {exc}"}
    if not outcome["subscribed"]:
        return {"error": f"no subscriber could subscribe: {outcome['subscribe_failures']}"}
    return derive(outcome, process.workers, setup_seconds)


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


# --- the report -------------------------------------------------------------------------------


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
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


def notes(results: dict[str, dict[str, Any]], target: float) -> list[str]:
    """Warnings a reader of the numbers must see."""
    found = []
    for name, result in results.items():
        if "error" in result:
            found.append(f"{name}: not measured ({result['error'].splitlines()[0]})")
            continue
        if result["loadgen_cores_busy"] >= SATURATED:
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


def report(args: argparse.Namespace, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The JSON document of the run."""
    return {
        "benchmark": "fanout",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
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


def save(document: dict[str, Any], args: argparse.Namespace) -> Path | None:
    """Write the document under bench/results/ (or --output)."""
    if args.no_save:
        return None
    path = args.output or BENCH_DIR / "results" / f"fanout-{datetime.now(UTC):%Y-%m-%d}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Measure every chosen peer; 0 when all were measured."""
    args = parse_args(argv)
    raise_fd_limit(2 * args.subscribers + 1024)
    results = {}
    for name in args.peers.split(","):
        print(f"[fanout] {name} ...", file=sys.stderr, flush=True)
        results[name] = measure(name, args)
    document = report(args, results)
    print(json.dumps(document, indent=2))
    if (path := save(document, args)) is not None:
        print(f"[fanout] saved {path}", file=sys.stderr)
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
