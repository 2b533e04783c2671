"""The parts of a benchmark's JSON document and markdown table that every benchmark shares.

Each benchmark reports its own numbers; how a run is described (when, on what
machine, how busy it was, which code), how ours compares to raw at p50 and p99,
which peers were not measured or saturated, and how a saved document becomes the
table in docs/ are the same, so a reader compares the documents field by field.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from orchestrate import Results, RunClock
from peers import REPO_ROOT

SATURATED = 0.9
"""A process using this share of a core or more is probably the bottleneck."""
BUSY_LOAD_PER_CPU = 0.5
"""A 1-minute load average above this share of the cores before the run: a busy machine."""
SERVER_PATHS = ("server", "realtime", "storage", "pyproject.toml")


def machine(load_before: tuple[float, float, float] | None = None) -> dict[str, Any]:
    """Where the run happened; with the load before it, how busy the machine was."""
    cpus = os.cpu_count() or 1
    found: dict[str, Any] = {
        "cpus": cpus,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    if load_before is not None:
        found["load_average_before"] = [round(x, 2) for x in load_before]
        found["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        found["busy_before"] = load_before[0] > BUSY_LOAD_PER_CPU * cpus
    return found


def code_state() -> dict[str, Any]:
    """The commit measured, and which files of the server differed from it (others may be
    editing the working tree the editable install serves from)."""

    def git(*command: str) -> str:
        try:
            done = subprocess.run(
                ["git", *command], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout if done.returncode == 0 else ""

    changed = git("status", "--porcelain", "--", *SERVER_PATHS).splitlines()
    return {
        "commit": git("rev-parse", "HEAD").strip() or None,
        "uncommitted_server_files": sorted(line[3:] for line in changed),
    }


def document(
    benchmark: str,
    clock: RunClock,
    parameters: dict[str, Any],
    results: Results,
    ratio_keys: Iterable[str],
    notes: list[str],
) -> dict[str, Any]:
    """The JSON document of a run: what ran where, then parameters, peers, ours ÷ raw at
    p50 and p99 of the ``ratio_keys`` latencies, and notes."""
    return {
        "benchmark": benchmark,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_seconds": round(time.monotonic() - clock.started, 1),
        "machine": machine(clock.load_before),
        "code": code_state(),
        "parameters": parameters,
        "peers": results,
        "ratios_ours_to_raw": percentile_ratios(results, ratio_keys),
        "notes": notes,
    }


def percentile_ratios(results: Results, keys: Iterable[str]) -> dict[str, dict[str, float | None]]:
    """Ours ÷ raw for p50 and p99 of each latency; None where raw's value is not above 0."""
    raw = results.get("raw", {})
    if not raw or "error" in raw:
        return {}
    out: dict[str, dict[str, float | None]] = {}
    for name, ours in results.items():
        if name == "raw" or "error" in ours:
            continue
        out[name] = {}
        for key in keys:
            for stat in ("p50", "p99"):
                base = raw[key][stat]
                out[name][f"{key.removesuffix('_ms')}_{stat}"] = (
                    round(ours[key][stat] / base, 2) if base > 0 else None
                )
    return out


def measured_peers(results: Results, found: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The peers that were measured; a note for each one that was not."""
    for name, result in results.items():
        if "error" in result:
            found.append(f"{name}: not measured ({result['error'].splitlines()[0]})")
        else:
            yield name, result


def saturation_notes(name: str, result: dict[str, Any]) -> list[str]:
    """A note for a load generator or a server that used about all its cores."""
    found = []
    if result["loadgen_cores_busy"] >= SATURATED:
        found.append(f"{name}: the load generator used ~a full core; it may be the bottleneck")
    if result["server_cores_busy"] >= SATURATED * result["workers"]:
        found.append(f"{name}: the server was saturated ({result['server_cores_busy']} cores)")
    return found


Row = Callable[[str, dict[str, Any], dict[str, Any]], list[object]]
"""(peer name, its results, its ratios) -> the cells after the name."""


def markdown_table(document: dict[str, Any], columns: list[str], row: Row) -> str:
    """A results table for docs/: one row a peer, a short one for a peer not measured."""
    lines = ["| " + " | ".join(["peer", *columns]) + " |", "|" + " --- |" * (len(columns) + 1)]
    for name, peer in document["peers"].items():
        if "error" in peer:
            lines.append(f"| {name} | not measured: {peer['error'].splitlines()[0]} |")
            continue
        cells = row(name, peer, document["ratios_ours_to_raw"].get(name, {}))
        lines.append("| " + " | ".join(str(cell) for cell in [name, *cells]) + " |")
    return "\n".join(lines)


def spread(values: dict[str, Any], *stats: str) -> str:
    """Some of a latency's numbers, as ``p50 / p99 / max``."""
    return " / ".join(str(values[stat]) for stat in stats or ("p50", "p99", "max"))


def ratio_cell(name: str, ratio: dict[str, Any], key: str) -> str:
    """Ours ÷ raw at p50 / p99 for one latency (raw itself: 1 / 1)."""
    return "1 / 1" if name == "raw" else f"{ratio.get(key + '_p50')} / {ratio.get(key + '_p99')}"
