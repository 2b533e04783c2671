"""Micro-benchmark of server.screening.screen on 2000-character contributions; prints JSON.

    python bench/screening.py [--iterations 2000]

The write path screens every contribution before the ack, so ``screen`` must stay
well under a millisecond for the longest body the protocol allows. The texts are
typical policy prose (digits, amounts, diacritics, the word "de" everywhere), one
with a finding of every kind, and one with nothing but letters. Each is timed call
by call; the JSON holds mean, median, p99 and max wall-clock microseconds, the mean
CPU time, the load average and a reference workload's time, since a busy or slow
machine inflates every number.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.screening import default_places, screen
from server.screening.offensive import default_word_list

MAX_BODY_CHARS = 2000

_POLICY = (
    "Wij hebben in de afgelopen jaren veel geïnvesteerd in de wijkaanpak. Het budget van "
    "€ 2.000.000 voor 2024-2030 is verdeeld over 1234 woningen; zie artikel 12 van de "
    "verordening. De samenwerking met zorgpartners, woningcorporaties en de politie verloopt "
    "goed, maar de financiële ruimte is beperkt: 12% minder dan in 2023. In Utrecht en "
    "Zwolle werkt het goed, zegt de VNG op 01-02-2024. "
)
_FINDINGS = (
    "Als burgemeester van Utrecht wil ik dit delen: mail jan.jansen@example.nl of bel "
    "06-12345678. Bij ons in Amersfoort is dat een kankerzooi, zeg maar. IBAN "
    "NL91ABNA0417164300, Dorpsstraat 12, 1234 AB. "
)
_PLAIN = "dit is een gewone zin zonder cijfers of namen en zonder bijzondere tekens "


def texts() -> dict[str, str]:
    """The benchmark's bodies, each cut to the protocol's maximum length."""

    def fill(unit: str) -> str:
        return (unit * (MAX_BODY_CHARS // len(unit) + 1))[:MAX_BODY_CHARS]

    return {
        "policy_prose": fill(_POLICY),
        "with_findings": fill(_POLICY + _FINDINGS),
        "plain_ascii": fill(_PLAIN),
    }


def measure(text: str, iterations: int) -> dict[str, float | int]:
    """Time ``iterations`` calls of ``screen`` on ``text``, in microseconds.

    Wall-clock time includes the time the process waited for a CPU on a busy machine;
    ``cpu_mean_us`` (this thread's CPU time) does not.
    """
    places = default_places()
    wall: list[float] = []
    cpu_ns = 0
    findings = 0
    for _ in range(iterations):
        started, cpu_started = time.perf_counter_ns(), time.thread_time_ns()
        findings = len(screen(text, places=places))
        cpu_ns += time.thread_time_ns() - cpu_started
        wall.append((time.perf_counter_ns() - started) / 1000)
    wall.sort()
    return {
        "chars": len(text),
        "findings": findings,
        "mean_us": round(statistics.fmean(wall), 1),
        "median_us": round(wall[len(wall) // 2], 1),
        "p99_us": round(wall[max(0, int(len(wall) * 0.99) - 1)], 1),
        "max_us": round(wall[-1], 1),
        "cpu_mean_us": round(cpu_ns / iterations / 1000, 1),
    }


def reference_us() -> float:
    """A fixed pure-Python workload (``sum(range(1000))``), best of 5, in microseconds.

    It takes roughly 5-10 µs on an idle current core with CPython 3.11; dividing by it
    compares runs on busy or slower machines (this benchmark's numbers scale with it).
    """
    timer = timeit.Timer("sum(range(1000))")
    return round(min(timer.repeat(repeat=5, number=2000)) / 2000 * 1e6, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    args = parser.parse_args()
    started = time.perf_counter()
    default_places()
    default_word_list()
    setup_ms = (time.perf_counter() - started) * 1000
    report = {
        "benchmark": "screening.screen",
        "python": platform.python_version(),
        "iterations": args.iterations,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "reference_us": reference_us(),
        "setup_ms": round(setup_ms, 1),
        "texts": {name: measure(text, args.iterations) for name, text in texts().items()},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
