"""Moderation benchmark: how fast a participant's flag reaches every facilitator.

The issue's requirement: every flag reaches every connected facilitator on
``moderation:{slug}`` at once, p99 under 100 ms from the flag's ack, while 200
participants keep writing. Three peers, measured the same way in one run:
  raw          bench/raw_relay.py: bare ``websockets`` + ``broadcast()`` (the reference)
  ours-sqlite  ``dialoog serve``, 1 worker, SQLite + the in-process broker
  ours-redis   ``dialoog serve --workers 2``, Postgres + Redis
For each, a load generator in its own process (bench/moderation_load.py) connects
the writers (subscribed to the theme), the flaggers and the facilitators, then
writes at a steady rate and flags random contributions; this process samples the
server's CPU (workers summed) around that. Prints one JSON document and saves it
under bench/results/. Not part of the test suite: run it on demand,
``python bench/moderation_latency.py`` (smoke: ``--participants 50 --seconds 5``).
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
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import backing
import httpx
import peers
import scenario
from peers import BENCH_DIR, BenchError, CpuClock, Process

PEERS = ("raw", "ours-sqlite", "ours-redis")
TARGET_P99_MS = 100.0
"""The issue's bound on flag ack -> facilitator receive, p99."""
BENCH_DATABASE = "dialoog_bench_moderation"
"""Our own Postgres database (bench/fanout.py uses dialoog_bench; both may run at once)."""
REDIS_PREFIX = "bench-moderation:"
FACILITATOR_EMAIL = "moderator{}@dialoog.invalid"
DROP_FROM_ENV = ("DATABASE_URL", "REDIS_URL", "DIALOOG_SECRET", "DIALOOG_DATA_DIR")
PHASE_TIMEOUT_SECONDS = 240.0
LOG_TAIL_CHARS = 4000
"""How much of the server's log a result keeps when the server closed connections."""
STOP_GRACE_SECONDS = 3.0
SERVER_PATHS = ("server", "realtime", "storage", "pyproject.toml")
SATURATED = 0.9
"""A process using this share of a core or more is probably the bottleneck."""
BUSY_LOAD_PER_CPU = 0.5
"""A 1-minute load average above this share of the cores before the run: a busy machine."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; defaults are the documented full run."""
    parser = argparse.ArgumentParser(description="Dialoog flag -> facilitator latency (JSON out).")
    parser.add_argument("--participants", type=int, default=200, help="writing participants")
    parser.add_argument(
        "--write-interval",
        type=float,
        default=5.0,
        help="seconds between two contributions of one participant (total rate = N / this)",
    )
    parser.add_argument(
        "--reactions-per-contribution", type=float, default=1.0, help="reaction rate ÷ write rate"
    )
    parser.add_argument("--flag-rate", type=float, default=8.0, help="flags per second")
    parser.add_argument("--flaggers", type=int, default=0, help="0: one per flag per second")
    parser.add_argument("--facilitators", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0, help="flagging time per peer")
    parser.add_argument("--warmup-seconds", type=float, default=3.0, help="writing before flags")
    parser.add_argument("--drain-seconds", type=float, default=10.0)
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma list of {PEERS}")
    parser.add_argument("--workers", type=int, default=2, help="workers of ours-redis")
    parser.add_argument(
        "--no-theme-subscribe",
        action="store_true",
        help="writers do not subscribe to the theme (no fan-out in the background load)",
    )
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help=f"maintenance database URL; {BENCH_DATABASE} is created beside it",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, help="default bench/results/moderation-<date>.json")
    parser.add_argument("--no-save", action="store_true", help="print only")
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="JSON",
        help="measure nothing: print the results table of a saved document (for the docs)",
    )
    args = parser.parse_args(argv)
    unknown = set(args.peers.split(",")) - set(PEERS)
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")
    if args.participants < 1 or args.facilitators < 1 or args.flag_rate <= 0:
        parser.error("--participants, --facilitators and --flag-rate must be positive")
    return args


def flagger_count(args: argparse.Namespace) -> int:
    """Flagging participants: by default each flags about once a second."""
    return args.flaggers if args.flaggers > 0 else max(1, math.ceil(args.flag_rate))


def contribution_rate(args: argparse.Namespace) -> float:
    return args.participants / args.write_interval


# --- the load generator process ------------------------------------------------------------


class LoadGen:
    """bench/moderation_load.py as a child: JSON lines out, ``go`` in."""

    def __init__(self, config: dict[str, Any], workdir: Path) -> None:
        self.stderr_path = workdir / "loadgen.err"
        with self.stderr_path.open("wb") as err:
            self.popen = subprocess.Popen(
                [sys.executable, str(BENCH_DIR / "moderation_load.py")],
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
    """Run the load against a server; the load generator's numbers plus measured CPU."""
    loadgen = LoadGen(config, workdir)
    try:
        ready = loadgen.expect("ready")
        server_cpu, loadgen_cpu = CpuClock(server.popen.pid), CpuClock(loadgen.popen.pid)
        before = (server_cpu.read(), loadgen_cpu.read(), time.monotonic())
        loadgen.tell("go")
        budget = config["warmup_seconds"] + config["seconds"] + config["drain_seconds"] + 120
        loadgen.expect("done", budget)
        after = (server_cpu.read(), loadgen_cpu.read(), time.monotonic())
        result = loadgen.expect("result", 120)
    finally:
        loadgen.stop()
    wall = max(1e-9, after[2] - before[2])
    result.pop("phase", None)
    return {
        **result,
        "connections": ready["connections"],
        "measured_wall_seconds": round(wall, 3),
        "server_cpu_seconds": round(after[0] - before[0], 3),
        "server_cores_busy": round((after[0] - before[0]) / wall, 2),
        "loadgen_cpu_seconds": round(after[1] - before[1], 3),
        "loadgen_cores_busy": round((after[1] - before[1]) / wall, 2),
    }


# --- peers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """Where to connect and with which tokens."""

    theme: int
    theme_channel: str
    moderation_channel: str
    writer_tokens: list[str]
    flagger_tokens: list[str]
    facilitator_tokens: list[str]
    steps: dict[str, float] = field(default_factory=dict)
    """Seconds each setup step took."""


class Steps:
    """Seconds per setup step, for the report (a slow setup explains a long run)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = round(now - self._last, 1)
        self._last = now


def load_config(args: argparse.Namespace, url: str, setup: Setup) -> dict[str, Any]:
    """The load generator's input for one peer."""
    return {
        "url": url,
        "theme": setup.theme,
        "theme_channel": setup.theme_channel,
        "moderation_channel": setup.moderation_channel,
        "writer_tokens": setup.writer_tokens,
        "flagger_tokens": setup.flagger_tokens,
        "facilitator_tokens": setup.facilitator_tokens,
        "contribution_rate": contribution_rate(args),
        "reaction_rate": contribution_rate(args) * args.reactions_per_contribution,
        "flag_rate": args.flag_rate,
        "seconds": args.seconds,
        "warmup_seconds": args.warmup_seconds,
        "drain_seconds": args.drain_seconds,
        "writers_subscribe": not args.no_theme_subscribe,
        "seed": args.seed,
    }


@contextlib.contextmanager
def start_raw(args: argparse.Namespace, workdir: Path) -> Iterator[tuple[Process, Setup]]:
    """The reference relay; it checks no token, but tells reactors and flaggers apart by it."""
    port = peers.free_port()
    command = [sys.executable, str(BENCH_DIR / "raw_relay.py"), "--port", str(port)]
    process = peers.spawn(command, workdir, peers.child_env({}), f"http://127.0.0.1:{port}", 1)
    try:
        peers.wait_healthy(process)
        setup = Setup(
            theme=1,
            theme_channel="theme:1",
            moderation_channel=f"moderation:{scenario.SLUG}",
            writer_tokens=[f"raw-writer-{i}" for i in range(args.participants)],
            flagger_tokens=[f"raw-flagger-{i}" for i in range(flagger_count(args))],
            facilitator_tokens=[f"raw-facilitator-{i}" for i in range(args.facilitators)],
        )
        yield process, setup
    finally:
        peers.stop(process)


def add_admin(workdir: Path, env: dict[str, str]) -> str:
    """`dialoog user add … --role admin --password-stdin`; the password."""
    password = secrets.token_urlsafe(16)
    command = ["user", "add", scenario.ADMIN_EMAIL, "--role", "admin", "--password-stdin"]
    peers.run_cli(command, workdir, env, stdin=password + "\n")
    return password


async def facilitator_tokens(base_url: str, admin_password: str, count: int) -> list[str]:
    """The admin creates ``count`` facilitator accounts (POST /api/staff, the code path of
    `dialoog user add`, without a 2-10 s CLI start each); each logs in (POST /api/auth/login)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as http:
        admin = await _post(
            http, "/api/auth/login", {"email": scenario.ADMIN_EMAIL, "password": admin_password}
        )
        tokens = []
        for i in range(count):
            account = {
                "email": FACILITATOR_EMAIL.format(i),
                "role": "facilitator",
                "password": secrets.token_urlsafe(16),
            }
            await _post(http, "/api/staff", account, admin["token"])
            login = {"email": account["email"], "password": account["password"]}
            tokens.append(str((await _post(http, "/api/auth/login", login))["token"]))
    return tokens


async def _post(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], token: str = ""
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = await http.post(path, json=body, headers=headers)
    if answer.status_code >= 400:
        raise BenchError(f"POST {path} answered {answer.status_code}: {answer.text[:300]}")
    return dict(answer.json())


@contextlib.contextmanager
def start_ours(
    args: argparse.Namespace, workdir: Path, workers: int, settings: dict[str, str]
) -> Iterator[tuple[Process, Setup]]:
    """Migrate, add the admin, serve, and build the dialogue and the facilitators over HTTP."""
    env = peers.child_env(
        {
            "DIALOOG_SECRET": secrets.token_hex(32),
            "DIALOOG_DATA_DIR": str(workdir),
            "DIALOOG_LOG_LEVEL": "warning",
            **settings,
        },
        drop=DROP_FROM_ENV,
    )
    clock = Steps()
    if "DATABASE_URL" in settings:  # on the SQLite default `user add` migrates by itself
        peers.run_cli(["migrate"], workdir, env)
        clock.lap("migrate")
    password = add_admin(workdir, env)
    clock.lap("user_add")
    with peers.our_server(workdir, env, workers) as process:
        clock.lap("serve")
        built = asyncio.run(
            scenario.build(process.base_url, password, args.participants, flagger_count(args))
        )
        staff = asyncio.run(facilitator_tokens(process.base_url, password, args.facilitators))
        clock.lap("dialogue_and_logins")
        setup = Setup(
            theme=built.theme,
            theme_channel=built.channel,
            moderation_channel=f"moderation:{scenario.SLUG}",
            writer_tokens=built.subscriber_tokens,
            flagger_tokens=built.publisher_tokens,
            facilitator_tokens=staff,
            steps=clock.seconds,
        )
        yield process, setup


async def _postgres(admin_url: str, *statements: str) -> None:
    import asyncpg

    try:
        conn = await asyncpg.connect(admin_url, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise BenchError(f"Postgres not reachable at {admin_url}: {exc}") from exc
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """Create our own bench database (dropping a leftover one), yield its URL, drop it after."""
    drop = f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"
    asyncio.run(_postgres(admin_url, drop, f"CREATE DATABASE {BENCH_DATABASE}"))
    try:
        yield backing.database_url(admin_url, BENCH_DATABASE)
    finally:
        asyncio.run(_postgres(admin_url, drop))


@contextlib.contextmanager
def start_peer(
    name: str, args: argparse.Namespace, workdir: Path
) -> Iterator[tuple[Process, Setup]]:
    """Any peer by name, with its backing services made fresh and removed afterwards."""
    if name == "raw":
        with start_raw(args, workdir) as started:
            yield started
    elif name == "ours-sqlite":
        with start_ours(args, workdir, 1, {}) as started:
            yield started
    else:
        with fresh_database(args.postgres) as db, backing.fresh_redis(args.redis) as rd:
            # pub/sub ignores the database number: a prefix of our own avoids cross-talk
            settings = {"DATABASE_URL": db, "REDIS_URL": rd, "DIALOOG_REDIS_PREFIX": REDIS_PREFIX}
            with start_ours(args, workdir, args.workers, settings) as started:
                yield started


def stop_quickly(process: Process) -> None:
    """SIGTERM, then SIGKILL after a short grace: the numbers are in, and an overloaded server
    would otherwise spend peers.stop's 15 s finishing writes nobody waits for any more."""
    if process.popen.poll() is not None:
        return
    pgid = os.getpgid(process.popen.pid)
    os.killpg(pgid, signal.SIGTERM)
    try:
        process.popen.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(pgid, signal.SIGKILL)
        process.popen.wait(timeout=STOP_GRACE_SECONDS)


def measure(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """One peer, start to stop, in a temporary working folder; errors become the result."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"dialoog-bench-moderation-{name}-") as tmp:
        workdir = Path(tmp)
        try:
            with start_peer(name, args, workdir) as (process, setup):
                setup_seconds = time.monotonic() - started
                ws_url = process.base_url.replace("http://", "ws://") + "/ws"
                outcome = drive(process, load_config(args, ws_url, setup), workdir)
                if outcome["closes_during_run"] and process.log_tail().strip():
                    outcome["server_log_tail"] = process.log_tail(LOG_TAIL_CHARS)
                stop_quickly(process)
        except BenchError as exc:
            return {"error": str(exc)}
        except Exception as exc:  # one broken peer must not cost the others' numbers
            return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "workers": process.workers,
        "setup_seconds": round(setup_seconds, 1),
        "setup_steps_seconds": setup.steps,
        "total_seconds": round(time.monotonic() - started, 1),
        **outcome,
    }


# --- the report -------------------------------------------------------------------------------

RATIO_KEYS = ("latency_from_ack_ms", "latency_from_send_ms")


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Ours ÷ raw for p50 and p99 of both latencies; None where raw's value is not above 0."""
    raw = results.get("raw", {})
    if not raw or "error" in raw:
        return {}
    out: dict[str, dict[str, float | None]] = {}
    for name, ours in results.items():
        if name == "raw" or "error" in ours:
            continue
        out[name] = {}
        for key in RATIO_KEYS:
            for stat in ("p50", "p99"):
                base = raw[key][stat]
                out[name][f"{key.removesuffix('_ms')}_{stat}"] = (
                    round(ours[key][stat] / base, 2) if base > 0 else None
                )
    return out


def notes(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> list[str]:
    """Warnings and verdicts a reader of the numbers must see."""
    found = []
    for name, result in results.items():
        if "error" in result:
            found.append(f"{name}: not measured ({result['error'].splitlines()[0]})")
            continue
        p99 = result["latency_from_ack_ms"]["p99"]
        if name != "raw":
            verdict = "meets" if p99 < TARGET_P99_MS and not result["flags_lost"] else "MISSES"
            found.append(
                f"{name}: p99 flag ack -> facilitator {p99} ms, {verdict} the "
                f"{TARGET_P99_MS:.0f} ms bound ({result['flags_lost']} flags lost)"
            )
        if result["flags_acked"] < 200:
            found.append(f"{name}: only {result['flags_acked']} flags acked (under 200)")
        if result["loadgen_cores_busy"] >= SATURATED:
            found.append(f"{name}: the load generator used ~a full core; it may be the bottleneck")
        if result["server_cores_busy"] >= SATURATED * result["workers"]:
            found.append(f"{name}: the server was saturated ({result['server_cores_busy']} cores)")
        offered = contribution_rate(args)
        if result["background"]["contributions_per_s"] < 0.9 * offered:
            found.append(
                f"{name}: {result['background']['contributions_per_s']} contributions/s acked "
                f"of {offered:.0f}/s offered: the background load was not kept up"
            )
        if result["closes_during_run"]:
            found.append(f"{name}: connections closed during the run {result['closes_during_run']}")
        if result["flag_outcomes"].keys() - {"acked"}:
            found.append(f"{name}: flags not acked: {result['flag_outcomes']}")
    raw = results.get("raw", {})
    if raw and "error" not in raw and raw["latency_from_ack_ms"]["p50"] <= 0:
        found.append(
            "raw acks after its broadcast, so its ack -> receive latency is about 0 (or below): "
            "compare the send -> receive ratios"
        )
    return found


def machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    """Where the run happened and how busy the machine was before it started."""
    cpus = os.cpu_count() or 1
    return {
        "cpus": cpus,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "busy_before": load_before[0] > BUSY_LOAD_PER_CPU * cpus,
    }


def code_state() -> dict[str, Any]:
    """The commit measured, and which files of the server differed from it (others may be
    editing the working tree the editable install serves from)."""

    def git(*command: str) -> str:
        try:
            done = subprocess.run(
                ["git", *command], cwd=BENCH_DIR.parent, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout if done.returncode == 0 else ""

    changed = git("status", "--porcelain", "--", *SERVER_PATHS).splitlines()
    return {
        "commit": git("rev-parse", "HEAD").strip() or None,
        "uncommitted_server_files": sorted(line[3:] for line in changed),
    }


def report(
    args: argparse.Namespace,
    results: dict[str, dict[str, Any]],
    load_before: tuple[float, float, float],
    started: float,
) -> dict[str, Any]:
    """The JSON document of the run."""
    return {
        "benchmark": "moderation-latency",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_seconds": round(time.monotonic() - started, 1),
        "machine": machine(load_before),
        "code": code_state(),
        "parameters": {
            "participants": args.participants,
            "writers_subscribed_to_theme": not args.no_theme_subscribe,
            "contributions_per_s": contribution_rate(args),
            "reactions_per_s": contribution_rate(args) * args.reactions_per_contribution,
            "flag_rate_per_s": args.flag_rate,
            "flags_planned": max(1, round(args.flag_rate * args.seconds)),
            "flaggers": flagger_count(args),
            "facilitators": args.facilitators,
            "seconds": args.seconds,
            "warmup_seconds": args.warmup_seconds,
            "workers_ours_redis": args.workers,
            "target_p99_ms": TARGET_P99_MS,
        },
        "peers": results,
        "ratios_ours_to_raw": ratios(results),
        "notes": notes(results, args),
    }


def save(document: dict[str, Any], args: argparse.Namespace) -> Path | None:
    """Write the document under bench/results/ (or --output)."""
    if args.no_save:
        return None
    path = args.output or BENCH_DIR / "results" / f"moderation-{datetime.now(UTC):%Y-%m-%d}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def raise_fd_limit(needed: int) -> None:
    """Children inherit the limit: the server and the load generator each hold every socket."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    if min(hard, needed) < needed:
        raise BenchError(f"the fd limit {hard} is below the {needed} this run needs")


def markdown(document: dict[str, Any]) -> str:
    """The results table of docs/performance-moderation.md, from a saved document."""
    ratio = document["ratios_ours_to_raw"]
    lines = [
        "| peer | workers | flags acked | lost flags | lost deliveries "
        "| ack → facilitator p50 / p99 / max ms | send → facilitator p50 / p99 / max ms "
        "| flag ack p50 / p99 ms | contributions/s acked | server cores busy "
        "| ours ÷ raw p50 / p99 (send → facilitator) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, peer in document["peers"].items():
        if "error" in peer:
            lines.append(f"| {name} | not measured: {peer['error'].splitlines()[0]} |")
            continue
        a, s, k = (
            peer[key] for key in ("latency_from_ack_ms", "latency_from_send_ms", "flag_ack_ms")
        )
        r = ratio.get(name, {})
        shown = (
            f"{r.get('latency_from_send_p50')} / {r.get('latency_from_send_p99')}"
            if name != "raw"
            else "1 / 1"
        )
        lines.append(
            f"| {name} | {peer['workers']} | {peer['flags_acked']} of {peer['flags_sent']} "
            f"| {peer['flags_lost']} | {peer['deliveries_lost']} "
            f"| {a['p50']} / {a['p99']} / {a['max']} | {s['p50']} / {s['p99']} / {s['max']} "
            f"| {k['p50']} / {k['p99']} | {peer['background']['contributions_per_s']} "
            f"| {peer['server_cores_busy']} | {shown} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure every chosen peer; 0 when all were measured."""
    args = parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(args.markdown.read_text())))
        return 0
    load_before = os.getloadavg()
    started = time.monotonic()
    raise_fd_limit(2 * (args.participants + flagger_count(args) + args.facilitators) + 1024)
    results = {}
    for name in args.peers.split(","):
        print(f"[moderation] {name} ...", file=sys.stderr, flush=True)
        results[name] = measure(name, args)
    document = report(args, results, load_before, started)
    print(json.dumps(document, indent=2))
    if (path := save(document, args)) is not None:
        print(f"[moderation] saved {path}", file=sys.stderr)
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
