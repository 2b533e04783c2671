"""The answer: protected counts per group, and what is derived from them.

Every ratio is computed only from counts that are shown. A share, rate or index whose
count is ``"<k"`` or ``null`` would give that count back (share × total = count), so it is
``null`` too. The R-score is exact only when every rate it compares is shown; otherwise
the answer gives the range the shown figures allow (computed from them alone, so it tells
nothing they do not).

Definitions (docs/representation.md):

- share of a group = its count ÷ the total count (of population, invited, joined, …);
- rate = joined ÷ population (the share of the group's office holders who joined);
- index = joined share ÷ population share = rate ÷ overall rate (1 = represented in
  proportion, under 1 under-represented); ``index_active`` the same with active;
- R-score = lowest rate ÷ highest rate over the groups (population ≥ k, known groups).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from server.representation.figures import TOTAL_SCOPE, Layout, Scope
from server.representation.groups import Partition, is_unknown
from server.representation.protect import System

Shown = int | str | None
SHARED = ("population", "invited", "joined", "active", "contributions")
DIGITS = 4


def _ratio(part: Shown, whole: Shown) -> float | None:
    if isinstance(part, int) and isinstance(whole, int) and whole > 0:
        return round(part / whole, DIGITS)
    return None


def _index(count: Shown, total: Shown, population: Shown, everyone: Shown) -> float | None:
    parts = (count, total, population, everyone)
    if not all(isinstance(x, int) for x in parts) or not all(parts[1:]):
        return None
    share = count / total  # type: ignore[operator]
    return round(share / (population / everyone), 3)  # type: ignore[operator]


def figures(system: System, scope: Scope) -> dict[str, Any]:
    """The shown figures of one group or cell, with their shares, rate and indices."""
    fig = {s: system.shown((s, scope)) for s in (*SHARED, "declared_joined", "declared_active")}
    fig["declared_contributions"] = system.shown(("declared_contributions", scope))
    total = {s: system.shown((s, TOTAL_SCOPE)) for s in SHARED}
    return {
        "population": fig["population"],
        "invited": fig["invited"],
        "joined": fig["joined"],
        "active": fig["active"],
        "contributions": fig["contributions"],
        "index": _index(fig["joined"], total["joined"], fig["population"], total["population"]),
        "index_active": _index(
            fig["active"], total["active"], fig["population"], total["population"]
        ),
        "rate": _ratio(fig["joined"], fig["population"]),
        "shares": {s: _ratio(fig[s], total[s]) for s in SHARED},
        "self_declared": {
            "joined": fig["declared_joined"],
            "active": fig["declared_active"],
            "contributions": fig["declared_contributions"],
        },
    }


def group_rows(system: System, parts: Iterable[Partition]) -> list[dict[str, Any]]:
    """One row per published group, in the order of the dimensions asked for."""
    return [
        {"dimension": p.dimension, "group": g, **figures(system, ("group", p.name, g))}
        for p in parts
        for g in p.groups
    ]


def crosstab(system: System, layout: Layout) -> dict[str, Any] | None:
    """The cells of a two-dimension answer (None for one dimension or four)."""
    if not layout.pairs:
        return None
    first, second = layout.pairs[0]
    seen: set[tuple[str, str]] = set()
    cells = []
    for p1, p2 in layout.pairs:
        for g1 in p1.groups:
            for g2 in p2.groups:
                if (g1, g2) not in seen:
                    seen.add((g1, g2))
                    scope = ("cell", p1.name, g1, p2.name, g2)
                    cells.append({"row": g1, "column": g2, **figures(system, scope)})
    return {"rows": first.dimension, "columns": second.dimension, "cells": cells}


def totals(system: System) -> dict[str, Any]:
    """The figures of everybody, with contributions of invitees and self-declared together."""
    found = figures(system, TOTAL_SCOPE)
    for derived in ("index", "index_active", "shares"):
        found.pop(derived)
    found["all_contributions"] = system.shown(("all_contributions", TOTAL_SCOPE))
    return found


# --- the R-score ------------------------------------------------------------------------------


def _rate_range(row: dict[str, Any], k: int) -> tuple[float, float] | None:
    """What the shown figures allow for a group's rate; None: the group is left out."""
    population, joined, invited = row["population"], row["joined"], row["invited"]
    if is_unknown(row["group"]) or not isinstance(population, int) or population < k:
        return None
    if isinstance(joined, int):
        return joined / population, joined / population
    if joined is not None:  # "<k"
        return 0.0, (k - 1) / population
    most = invited / population if isinstance(invited, int) else math.inf
    return k / population, most


def r_score(rows: Iterable[dict[str, Any]], k: int) -> dict[str, Any]:
    """Lowest rate ÷ highest: exact when every rate is shown, else the range allowed."""
    ranges = [r for r in (_rate_range(row, k) for row in rows) if r is not None]
    if len(ranges) < 2:
        return {"value": None, "range": None}
    lows, highs = [lo for lo, _ in ranges], [hi for _, hi in ranges]
    if max(highs) == 0:
        return {"value": None, "range": None}  # nobody joined anywhere: nothing to compare
    least = min(lows) / max(highs) if math.isfinite(max(highs)) else 0.0
    most = min(1.0, min(highs) / max(lows)) if max(lows) > 0 else 1.0
    exact = all(lo == hi for lo, hi in ranges)
    value = round(least, 3) if exact else None
    return {"value": value, "range": [round(least, 3), round(most, 3)]}


def r_scores(rows: list[dict[str, Any]], k: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The dialogue's R-score over all groups shown, and one per dimension."""
    per = {}
    for dimension in dict.fromkeys(row["dimension"] for row in rows):
        per[dimension] = r_score((r for r in rows if r["dimension"] == dimension), k)
    return r_score(rows, k), per
