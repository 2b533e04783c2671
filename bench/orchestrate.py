"""What the benchmark orchestrators share, so each script keeps only its own load and report.

bench/fanout.py, bench/moderation_latency.py and bench/workshop_burst.py compare the
same three peers the same way: one after another, each in a temporary folder with
fresh backing services, a load generator in its own process, the server's CPU
(workers summed) sampled around the measured part, and an error per peer that could
not be measured instead of a lost run. Here: the shared flags, the load generator
child, setting up our server, the run of each peer, and printing and saving the JSON
document (whose common parts bench/report.py builds).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import backing
import peers
import scenario
from peers import BENCH_DIR, BenchError, CpuClock, Process

PEERS = ("raw", "ours-sqlite", "ours-redis")
PHASE_TIMEOUT_SECONDS = 240.0
DROP_FROM_ENV = ("DATABASE_URL", "REDIS_URL", "DIALOOG_SECRET", "DIALOOG_DATA_DIR")
LOG_TAIL_CHARS = 4000
"""How much of the server's log a result keeps when the server closed connections."""
STOP_GRACE_SECONDS = 3.0

Results = dict[str, dict[str, Any]]
"""Peer name -> its JSON (or an error)."""
Started = tuple[Process, Any]
"""A running peer and what its load needs to know (each benchmark's own Setup)."""


# --- the command line -------------------------------------------------------------------------


def add_shared_arguments(
    parser: argparse.ArgumentParser, label: str, database: str, redis: str, *, extras: bool
) -> None:
    """The flags every benchmark has; ``extras``: --seed and --markdown too."""
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma list of {PEERS}")
    parser.add_argument("--workers", type=int, default=2, help="workers of ours-redis")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help=f"maintenance database URL; {database} is created beside it",
    )
    parser.add_argument("--redis", default=redis)
    if extras:
        parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, help=f"default bench/results/{label}-<date>.json")
    parser.add_argument("--no-save", action="store_true", help="print only")
    if extras:
        parser.add_argument(
            "--markdown",
            type=Path,
            metavar="JSON",
            help="measure nothing: print the results table of a saved document (for the docs)",
        )


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse, and refuse peers nobody knows."""
    args = parser.parse_args(argv)
    unknown = set(args.peers.split(",")) - set(PEERS)
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")
    return args


@dataclass(frozen=True)
class RunClock:
    """When the run started and how busy the machine was then."""

    load_before: tuple[float, float, float] = field(default_factory=os.getloadavg)
    started: float = field(default_factory=time.monotonic)


def raise_fd_limit(needed: int) -> None:
    """Children inherit the limit: the server and the load generator each hold every socket."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    if min(hard, needed) < needed:
        raise BenchError(f"the fd limit {hard} is below the {needed} this run needs")


# --- the load generator process ---------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """The load generator's result and what the measured part cost (seconds)."""

    result: dict[str, Any]
    server_cpu: float
    loadgen_cpu: float
    wall: float

    def costs(self, deliveries: int | None = None) -> dict[str, Any]:
        """Wall time and each side's CPU and busy cores; with ``deliveries``, CPU µs per one."""
        wall = max(1e-9, self.wall)
        out: dict[str, Any] = {
            "measured_wall_seconds": round(wall, 3),
            "server_cpu_seconds": round(self.server_cpu, 3),
            "server_cores_busy": round(self.server_cpu / wall, 2),
        }
        if deliveries is not None:
            out["server_cpu_us_per_delivery"] = (
                round(self.server_cpu * 1e6 / deliveries, 1) if deliveries else None
            )
        out["loadgen_cpu_seconds"] = round(self.loadgen_cpu, 3)
        out["loadgen_cores_busy"] = round(self.loadgen_cpu / wall, 2)
        return out


class LoadGen:
    """A bench/*_load.py (or loadgen.py) child: the config line and ``go`` in, JSON lines out."""

    def __init__(self, script: str, config: dict[str, Any], workdir: Path) -> None:
        self.stderr_path = workdir / "loadgen.err"
        with self.stderr_path.open("wb") as err:
            self.popen = subprocess.Popen(
                [sys.executable, str(BENCH_DIR / script)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                env=peers.child_env({}),
                text=True,
            )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.tell(json.dumps(config))

    def __enter__(self) -> LoadGen:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

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

    def measure(self, server: Process, done_timeout: float) -> Sample:
        """Say ``go`` and wait for ``done``, with both processes' CPU sampled around it."""
        server_cpu, loadgen_cpu = CpuClock(server.popen.pid), CpuClock(self.popen.pid)
        before = (server_cpu.read(), loadgen_cpu.read(), time.monotonic())
        self.tell("go")
        self.expect("done", done_timeout)
        after = (server_cpu.read(), loadgen_cpu.read(), time.monotonic())
        result = self.expect("result", 120)
        return Sample(result, after[0] - before[0], after[1] - before[1], after[2] - before[2])

    def stop(self) -> None:
        """End the child if it is still running."""
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(timeout=30)


# --- our server --------------------------------------------------------------------------------


class Steps:
    """Seconds per setup step, for the report (a slow setup explains a long run)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = round(now - self._last, 1)
        self._last = now


@contextlib.contextmanager
def serve_ours(
    workdir: Path, workers: int, settings: dict[str, str], *, migrate_sqlite: bool = False
) -> Iterator[tuple[Process, str, Steps]]:
    """Migrate, add the admin (`dialoog user add --password-stdin`), serve; the server, the
    admin's password and the setup steps so far. On SQLite `user add` migrates by itself."""
    env = peers.child_env(
        {
            "DIALOOG_SECRET": secrets.token_hex(32),
            "DIALOOG_DATA_DIR": str(workdir),
            "DIALOOG_LOG_LEVEL": "warning",
            **settings,
        },
        drop=DROP_FROM_ENV,
    )
    steps = Steps()
    if migrate_sqlite or "DATABASE_URL" in settings:
        peers.run_cli(["migrate"], workdir, env)
        steps.lap("migrate")
    password = secrets.token_urlsafe(16)
    command = ["user", "add", scenario.ADMIN_EMAIL, "--role", "admin", "--password-stdin"]
    peers.run_cli(command, workdir, env, stdin=password + "\n")
    steps.lap("user_add")
    with peers.our_server(workdir, env, workers) as process:
        steps.lap("serve")
        yield process, password, steps


# --- one benchmark, peer by peer ---------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """One peer's run, for the script to turn into its JSON."""

    process: Process
    setup: Any
    outcome: dict[str, Any]
    setup_seconds: float
    total_seconds: float


def peer_result(run: Measured) -> dict[str, Any]:
    """The usual JSON of a peer: workers and setup times, then the measured outcome."""
    return {
        "workers": run.process.workers,
        "setup_seconds": round(run.setup_seconds, 1),
        "setup_steps_seconds": run.setup.steps,
        "total_seconds": round(run.total_seconds, 1),
        **run.outcome,
    }


@dataclass(frozen=True)
class Benchmark:
    """What tells one benchmark's orchestration from another's."""

    label: str
    """Names the log lines, the temporary folders and the results file."""
    database: str
    redis_prefix: str
    start_raw: Callable[[argparse.Namespace, Path], contextlib.AbstractContextManager[Started]]
    start_ours: Callable[
        [argparse.Namespace, Path, int, dict[str, str]], contextlib.AbstractContextManager[Started]
    ]
    drive: Callable[[argparse.Namespace, Process, Any, str, Path], dict[str, Any]]
    """(args, server, setup, WebSocket URL, folder) -> the measured outcome."""
    summarize: Callable[[Measured], dict[str, Any]] = peer_result
    stop_quickly: bool = True
    """Keep the log's tail when the server closed connections, and stop it after a short
    grace: the numbers are in, and an overloaded server would otherwise spend peers.stop's
    15 s finishing writes nobody waits for any more."""

    @contextlib.contextmanager
    def start_peer(self, name: str, args: argparse.Namespace, workdir: Path) -> Iterator[Started]:
        """Any peer by name, with its backing services made fresh and removed afterwards."""
        if name == "raw":
            with self.start_raw(args, workdir) as started:
                yield started
        elif name == "ours-sqlite":
            with self.start_ours(args, workdir, 1, {}) as started:
                yield started
        else:
            services = backing.services(args.postgres, args.redis, self.database, self.redis_prefix)
            with services as env, self.start_ours(args, workdir, args.workers, env) as started:
                yield started

    def measure(self, name: str, args: argparse.Namespace) -> dict[str, Any]:
        """One peer, start to stop, in a temporary working folder; errors become the result."""
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"dialoog-bench-{self.label}-{name}-") as tmp:
            workdir = Path(tmp)
            try:
                with self.start_peer(name, args, workdir) as (process, setup):
                    setup_seconds = time.monotonic() - started
                    ws_url = process.base_url.replace("http://", "ws://") + "/ws"
                    outcome = self.drive(args, process, setup, ws_url, workdir)
                    if self.stop_quickly:
                        if outcome["closes_during_run"] and process.log_tail().strip():
                            outcome["server_log_tail"] = process.log_tail(LOG_TAIL_CHARS)
                        peers.stop(process, STOP_GRACE_SECONDS)
            except BenchError as exc:
                return {"error": str(exc)}
            except Exception as exc:  # one broken peer must not cost the others' numbers
                return {"error": f"{type(exc).__name__}: {exc}"}
        total = time.monotonic() - started
        return self.summarize(Measured(process, setup, outcome, setup_seconds, total))

    def main(
        self,
        args: argparse.Namespace,
        sockets: int,
        report: Callable[[Results, RunClock], dict[str, Any]],
        markdown: Callable[[dict[str, Any]], str] | None = None,
    ) -> int:
        """With --markdown, print a saved document's table; else measure every chosen peer
        (the fd limit raised to ``sockets``), print and save the report; 0 when all were."""
        if markdown is not None and args.markdown:
            print(markdown(json.loads(args.markdown.read_text())))
            return 0
        clock = RunClock()
        raise_fd_limit(sockets)
        results = {}
        for name in args.peers.split(","):
            print(f"[{self.label}] {name} ...", file=sys.stderr, flush=True)
            results[name] = self.measure(name, args)
        document = report(results, clock)
        print(json.dumps(document, indent=2))
        if not args.no_save:
            day = datetime.now(UTC).strftime("%Y-%m-%d")
            path = args.output or BENCH_DIR / "results" / f"{self.label}-{day}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=2) + "\n")
            print(f"[{self.label}] saved {path}", file=sys.stderr)
        return 1 if any("error" in r for r in results.values()) else 0
