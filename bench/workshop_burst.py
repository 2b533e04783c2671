"""Workshop burst benchmark: a whole workshop writing within the same 10 seconds.

The issue's requirement: a workshop of 300 participants writing within the same
10 seconds keeps p99 delivery under 2 s. Three peers, measured the same way in one run:
  raw          bench/raw_board.py: bare ``websockets`` + ``broadcast()`` (the reference)
  ours-sqlite  ``dialoog serve``, 1 worker, SQLite + the in-process broker
  ours-redis   ``dialoog serve --workers 2``, Postgres + Redis
For each, a load generator in its own process (bench/workshop_load.py) connects the
participants and the lead, all subscribed to ``workshop:{id}``; the round is started
(POST /api/workshops/{id}/control); every participant sends one contribution at a
random moment within the window; every subscriber records every
``workshop.contribution``. This process samples the server's CPU (workers summed)
around the burst. Prints one JSON document and saves it under bench/results/. Not
part of the test suite: run it on demand, ``python bench/workshop_burst.py``
(smoke: ``--participants 30``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import queue
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
import httpx
import moderation_latency as common
import peers
import scenario
from peers import BENCH_DIR, BenchError, CpuClock, Process

PEERS = ("raw", "ours-sqlite", "ours-redis")
TARGET_P99_MS = 2000.0
"""The issue's bound on contribution send -> every subscriber's receive, p99."""
BENCH_DATABASE = "dialoog_bench_workshop"
"""Our own Postgres database (the other benchmarks use other names; they may run at once)."""
REDIS_PREFIX = "bench-workshop:"
LEAD_EMAIL = "sessieleider@dialoog.invalid"
RAW_WORKSHOP = 1
"""The raw board keeps no workshops: the load uses workshop 1, round 1, theme 1."""
ROUND_PROMPT = "Wat houdt u tegen?"
BUSY_LOAD_PER_CPU = common.BUSY_LOAD_PER_CPU
SATURATED = common.SATURATED


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; defaults are the documented full run."""
    parser = argparse.ArgumentParser(description="Dialoog workshop burst (JSON out).")
    parser.add_argument("--participants", type=int, default=300, help="writers, one socket each")
    parser.add_argument(
        "--window-seconds", type=float, default=10.0, help="everybody writes once within this"
    )
    parser.add_argument(
        "--drain-seconds", type=float, default=10.0, help="after the last send, at most"
    )
    parser.add_argument(
        "--round-seconds", type=int, default=600, help="the round's length (must outlast the run)"
    )
    parser.add_argument("--no-lead", action="store_true", help="the lead does not subscribe")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma list of {PEERS}")
    parser.add_argument("--workers", type=int, default=2, help="workers of ours-redis")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help=f"maintenance database URL; {BENCH_DATABASE} is created beside it",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, help="default bench/results/workshop-<date>.json")
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
    if args.participants < 1 or args.window_seconds <= 0 or args.drain_seconds < 0:
        parser.error("--participants and --window-seconds must be positive")
    if args.round_seconds < max(10, args.window_seconds + args.drain_seconds + 30):
        parser.error("--round-seconds must be at least 10 and outlast window + drain + 30 s")
    return args


# --- the load generator process ------------------------------------------------------------


class BurstLoad(common.LoadGen):
    """bench/workshop_load.py as a child: JSON lines out, ``go`` in (the moderation
    benchmark's plumbing, another script)."""

    def __init__(self, config: dict[str, Any], workdir: Path) -> None:
        self.stderr_path = workdir / "loadgen.err"
        with self.stderr_path.open("wb") as err:
            self.popen = subprocess.Popen(
                [sys.executable, str(BENCH_DIR / "workshop_load.py")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                env=peers.child_env({}),
                text=True,
            )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.tell(json.dumps(config))


@dataclass(frozen=True)
class Setup:
    """Where to connect, with which tokens, and how to start the round."""

    channel: str
    theme: int
    round: int
    participant_tokens: list[str]
    lead_token: str | None
    start_round: Callable[[], float]
    """Starts the round; the seconds it took."""
    steps: dict[str, float] = field(default_factory=dict)


def drive(server: Process, args: argparse.Namespace, url: str, setup: Setup, workdir: Path) -> dict:
    """Connect, start the round, burst, drain; the load generator's numbers plus measured CPU."""
    config = {
        "url": url,
        "channel": setup.channel,
        "theme": setup.theme,
        "round": setup.round,
        "participant_tokens": setup.participant_tokens,
        "lead_token": None if args.no_lead else setup.lead_token,
        "window_seconds": args.window_seconds,
        "drain_seconds": args.drain_seconds,
        "seed": args.seed,
    }
    loadgen = BurstLoad(config, workdir)
    try:
        ready = loadgen.expect("ready")
        start_seconds = setup.start_round()
        server_cpu, loadgen_cpu = CpuClock(server.popen.pid), CpuClock(loadgen.popen.pid)
        before = (server_cpu.read(), loadgen_cpu.read(), time.monotonic())
        loadgen.tell("go")
        loadgen.expect("done", args.window_seconds + args.drain_seconds + 120)
        after = (server_cpu.read(), loadgen_cpu.read(), time.monotonic())
        result = loadgen.expect("result", 120)
    finally:
        loadgen.stop()
    wall = max(1e-9, after[2] - before[2])
    result.pop("phase", None)
    cpu = after[0] - before[0]
    return {
        **result,
        "connections": ready["connections"],
        "round_start_seconds": round(start_seconds, 3),
        "measured_wall_seconds": round(wall, 3),
        "server_cpu_seconds": round(cpu, 3),
        "server_cores_busy": round(cpu / wall, 2),
        "server_cpu_us_per_delivery": (
            round(cpu * 1e6 / result["deliveries"], 1) if result["deliveries"] else None
        ),
        "loadgen_cpu_seconds": round(after[1] - before[1], 3),
        "loadgen_cores_busy": round((after[1] - before[1]) / wall, 2),
    }


# --- peers ------------------------------------------------------------------------------------


@contextlib.contextmanager
def start_raw(args: argparse.Namespace, workdir: Path) -> Iterator[tuple[Process, Setup]]:
    """The reference board; it checks no token and keeps no workshop."""
    port = peers.free_port()
    command = [sys.executable, str(BENCH_DIR / "raw_board.py"), "--port", str(port)]
    process = peers.spawn(command, workdir, peers.child_env({}), f"http://127.0.0.1:{port}", 1)
    try:
        peers.wait_healthy(process)
        yield (
            process,
            Setup(
                channel=f"workshop:{RAW_WORKSHOP}",
                theme=1,
                round=1,
                participant_tokens=[f"raw-participant-{i}" for i in range(args.participants)],
                lead_token="raw-lead",
                start_round=lambda: 0.0,
            ),
        )
    finally:
        peers.stop(process)


@dataclass(frozen=True)
class Workshop:
    id: int
    channel: str
    round: int
    lead_token: str


async def plan_workshop(
    base_url: str, admin_password: str, theme: int, round_seconds: int
) -> Workshop:
    """Step 6 (Verdiepen) open, a lead account (POST /api/staff, as `dialoog user add` does),
    the lead's login, and the lead's workshop with one write round on the theme."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as http:
        login = {"email": scenario.ADMIN_EMAIL, "password": admin_password}
        admin = (await common._post(http, "/api/auth/login", login))["token"]
        await common._post(
            http, f"/api/dialogues/{scenario.SLUG}/steps/6", {"state": "open"}, admin
        )
        password = secrets.token_urlsafe(16)
        account = {"email": LEAD_EMAIL, "role": "lead", "password": password}
        await common._post(http, "/api/staff", account, admin)
        login = {"email": LEAD_EMAIL, "password": password}
        lead = str((await common._post(http, "/api/auth/login", login))["token"])
        plan = {
            "title": "Werksessie onder belasting",
            "theme": theme,
            "rounds": [
                {"prompt": ROUND_PROMPT, "kind": "write", "duration_seconds": round_seconds}
            ],
        }
        created = await common._post(http, f"/api/dialogues/{scenario.SLUG}/workshops", plan, lead)
        answer = await http.get(
            f"/api/workshops/{created['id']}", headers={"Authorization": f"Bearer {lead}"}
        )
        if answer.status_code != 200:
            raise BenchError(f"GET /api/workshops answered {answer.status_code}: {answer.text}")
        view = answer.json()
    return Workshop(int(view["id"]), str(view["channel"]), int(view["rounds"][0]["id"]), lead)


def round_starter(base_url: str, workshop: Workshop) -> Callable[[], float]:
    """The lead's start of the round, over HTTP, as a callable for the moment the load is ready."""

    def start() -> float:
        began = time.monotonic()
        answer = httpx.post(
            f"{base_url}/api/workshops/{workshop.id}/control",
            json={"action": "start"},
            headers={"Authorization": f"Bearer {workshop.lead_token}"},
            timeout=60.0,
        )
        if answer.status_code >= 400:
            raise BenchError(f"starting the round answered {answer.status_code}: {answer.text}")
        return time.monotonic() - began

    return start


@contextlib.contextmanager
def start_ours(
    args: argparse.Namespace, workdir: Path, workers: int, settings: dict[str, str]
) -> Iterator[tuple[Process, Setup]]:
    """Migrate, add the admin, serve, and build dialogue, participants and workshop over HTTP."""
    env = peers.child_env(
        {
            "DIALOOG_SECRET": secrets.token_hex(32),
            "DIALOOG_DATA_DIR": str(workdir),
            "DIALOOG_LOG_LEVEL": "warning",
            **settings,
        },
        drop=common.DROP_FROM_ENV,
    )
    clock = common.Steps()
    if "DATABASE_URL" in settings:  # on the SQLite default `user add` migrates by itself
        peers.run_cli(["migrate"], workdir, env)
        clock.lap("migrate")
    password = common.add_admin(workdir, env)
    clock.lap("user_add")
    with peers.our_server(workdir, env, workers) as process:
        clock.lap("serve")
        built = asyncio.run(scenario.build(process.base_url, password, args.participants, 0))
        clock.lap("dialogue_and_participants")
        workshop = asyncio.run(
            plan_workshop(process.base_url, password, built.theme, args.round_seconds)
        )
        clock.lap("lead_and_workshop")
        yield (
            process,
            Setup(
                channel=workshop.channel,
                theme=built.theme,
                round=workshop.round,
                participant_tokens=built.subscriber_tokens,
                lead_token=workshop.lead_token,
                start_round=round_starter(process.base_url, workshop),
                steps=clock.seconds,
            ),
        )


@contextlib.contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """Create our own bench database (dropping a leftover one), yield its URL, drop it after."""
    drop = f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"
    asyncio.run(backing._execute(admin_url, drop, f"CREATE DATABASE {BENCH_DATABASE}"))
    try:
        yield backing.database_url(admin_url, BENCH_DATABASE)
    finally:
        asyncio.run(backing._execute(admin_url, drop))


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


def measure(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """One peer, start to stop, in a temporary working folder; errors become the result."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"dialoog-bench-workshop-{name}-") as tmp:
        workdir = Path(tmp)
        try:
            with start_peer(name, args, workdir) as (process, setup):
                setup_seconds = time.monotonic() - started
                ws_url = process.base_url.replace("http://", "ws://") + "/ws"
                outcome = drive(process, args, ws_url, setup, workdir)
                if outcome["closes_during_run"] and process.log_tail().strip():
                    outcome["server_log_tail"] = process.log_tail(common.LOG_TAIL_CHARS)
                common.stop_quickly(process)
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

RATIO_KEYS = ("delivery_latency_ms", "ack_latency_ms")


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Ours ÷ raw for p50 and p99 of delivery and ack latency; None where raw's is not above 0."""
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
    """Verdicts and warnings a reader of the numbers must see."""
    found = []
    for name, result in results.items():
        if "error" in result:
            found.append(f"{name}: not measured ({result['error'].splitlines()[0]})")
            continue
        p99 = result["delivery_latency_ms"]["p99"]
        missing = result["deliveries_missing"]
        all_acked = result["contributions_acked"] == args.participants
        verdict = "meets" if p99 < TARGET_P99_MS and not missing and all_acked else "MISSES"
        found.append(
            f"{name}: p99 delivery {p99} ms over {result['deliveries']} of "
            f"{result['deliveries_planned']} deliveries, {verdict} the {TARGET_P99_MS:.0f} ms "
            f"bound ({missing} missing, of which {result['deliveries_lost']} of acked "
            f"contributions; {result['contributions_acked']} of {args.participants} "
            "contributions acked)"
        )
        if not all_acked:
            found.append(
                f"{name}: contribution outcomes {result['contribution_outcomes']} after a "
                f"{args.drain_seconds:g} s drain; the latencies cover only what arrived, so the "
                "true p99 is higher still"
            )
        after_ack = result["delivery_after_ack_ms"]["p99"]
        if p99 >= TARGET_P99_MS and after_ack < TARGET_P99_MS / 4:
            found.append(
                f"{name}: ack -> delivery p99 is only {after_ack} ms: the time goes in the queue "
                f"in front of the write (ack p50 {result['ack_latency_ms']['p50']} ms), not in "
                "the fan-out"
            )
        if result["loadgen_cores_busy"] >= SATURATED:
            found.append(f"{name}: the load generator used ~a full core; it may be the bottleneck")
        if result["server_cores_busy"] >= SATURATED * result["workers"]:
            found.append(f"{name}: the server was saturated ({result['server_cores_busy']} cores)")
        if result["send_window_seconds"] > args.window_seconds + 1:
            found.append(
                f"{name}: the sends took {result['send_window_seconds']} s, not "
                f"{args.window_seconds:g} s: the load generator fell behind"
            )
        if result["closes_during_run"]:
            found.append(f"{name}: connections closed during the run {result['closes_during_run']}")
        if result["duplicate_deliveries"] or result["body_send_time_mismatches"]:
            found.append(
                f"{name}: {result['duplicate_deliveries']} duplicate deliveries, "
                f"{result['body_send_time_mismatches']} bodies with a wrong send time"
            )
    return found


def report(
    args: argparse.Namespace,
    results: dict[str, dict[str, Any]],
    load_before: tuple[float, float, float],
    started: float,
) -> dict[str, Any]:
    """The JSON document of the run."""
    subscribers = args.participants + (0 if args.no_lead else 1)
    return {
        "benchmark": "workshop-burst",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_seconds": round(time.monotonic() - started, 1),
        "machine": common.machine(load_before),
        "code": common.code_state(),
        "parameters": {
            "participants": args.participants,
            "lead_subscribed": not args.no_lead,
            "subscribers": subscribers,
            "contributions_planned": args.participants,
            "deliveries_planned": args.participants * subscribers,
            "window_seconds": args.window_seconds,
            "drain_seconds": args.drain_seconds,
            "round_seconds": args.round_seconds,
            "workers_ours_redis": args.workers,
            "seed": args.seed,
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
    path = args.output or BENCH_DIR / "results" / f"workshop-{datetime.now(UTC):%Y-%m-%d}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def markdown(document: dict[str, Any]) -> str:
    """The results table of docs/performance-workshop.md, from a saved document."""
    ratio = document["ratios_ours_to_raw"]
    lines = [
        "| peer | workers | contributions acked | deliveries received | missing "
        "| delivery p50 / p99 / max ms | to all subscribers p99 ms | ack p50 / p99 ms "
        "| ack → delivery p50 / p99 ms "
        "| server CPU s | server cores busy | ours ÷ raw delivery p50 / p99 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, peer in document["peers"].items():
        if "error" in peer:
            lines.append(f"| {name} | not measured: {peer['error'].splitlines()[0]} |")
            continue
        d, a, f = (
            peer[k] for k in ("delivery_latency_ms", "ack_latency_ms", "delivery_after_ack_ms")
        )
        r = ratio.get(name, {})
        shown = (
            f"{r.get('delivery_latency_p50')} / {r.get('delivery_latency_p99')}"
            if name != "raw"
            else "1 / 1"
        )
        lines.append(
            f"| {name} | {peer['workers']} "
            f"| {peer['contributions_acked']} of {peer['contributions_sent']} "
            f"| {peer['deliveries']} of {peer['deliveries_planned']} "
            f"| {peer['deliveries_missing']} "
            f"| {d['p50']} / {d['p99']} / {d['max']} "
            f"| {peer['delivery_latency_all_subscribers_ms']['p99']} | {a['p50']} / {a['p99']} "
            f"| {f['p50']} / {f['p99']} "
            f"| {peer['server_cpu_seconds']} | {peer['server_cores_busy']} | {shown} |"
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
    common.raise_fd_limit(2 * (args.participants + 1) + 1024)
    results = {}
    for name in args.peers.split(","):
        print(f"[workshop] {name} ...", file=sys.stderr, flush=True)
        results[name] = measure(name, args)
    document = report(args, results, load_before, started)
    print(json.dumps(document, indent=2))
    if (path := save(document, args)) is not None:
        print(f"[workshop] saved {path}", file=sys.stderr)
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
