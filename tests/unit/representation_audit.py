"""An independent attacker for the representation monitor's answers (used by the tests).

Given a protected ``System`` (every cell with its true value, what the answer printed,
and the sums that tie the cells), it plays a reader who knows ``knows`` beforehand plus
what the answer prints: ``"<k"`` lies in ``0 … k-1``, ``null`` is ``k`` or more, a cell
never printed is ``≥ 0``. It asks scipy's LP solver (HiGHS) for the least and greatest
value of each protected cell, with the answer and without it. A cell the answer pins to
one integer, where the reader's own knowledge did not, is recovered.

Unknown cells not tied to the target by any line of unknowns cannot change its range, so
each LP holds only the target's component (built once per component).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from server.representation.protect import System

Box = tuple[float, float | None]


def protected(system: System, cell: int) -> bool:
    state = system.status[cell]
    return state in ("small", "hidden") or (state == "internal" and system.values[cell] < system.k)


@dataclass
class _Component:
    column: dict[int, int]
    matrix: sparse.csr_matrix
    rhs: np.ndarray
    bounds: list[Box]

    def range(self, cell: int) -> tuple[float, float]:
        goal = np.zeros(len(self.column))
        goal[self.column[cell]] = 1.0
        eq = {"A_eq": self.matrix, "b_eq": self.rhs} if self.matrix.shape[0] else {}
        low = linprog(goal, bounds=self.bounds, method="highs", **eq)
        high = linprog(-goal, bounds=self.bounds, method="highs", **eq)
        assert low.status == 0, f"the true values must be feasible: {low.message}"
        return low.fun, math.inf if high.status == 3 else -high.fun


def _components(system: System, unknown: dict[int, Box]) -> dict[int, _Component]:
    """Each unknown cell's component of unknowns tied by lines, as an LP."""
    parent = {c: c for c in unknown}

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for line in system.lines:
        members = [c for c, _ in line if c in unknown]
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    cells: dict[int, list[int]] = defaultdict(list)
    for c in unknown:
        cells[root(c)].append(c)
    lines: dict[int, list[int]] = defaultdict(list)
    for i, line in enumerate(system.lines):
        members = [c for c, _ in line if c in unknown]
        if members:
            lines[root(members[0])].append(i)
    found = {}
    for r, group in cells.items():
        column = {c: j for j, c in enumerate(group)}
        rows, cols, values = [], [], []
        rhs = np.zeros(len(lines[r]))
        for row, i in enumerate(lines[r]):
            for c, sign in system.lines[i]:
                if c in column:
                    rows.append(row)
                    cols.append(column[c])
                    values.append(float(sign))
                else:
                    rhs[row] -= sign * system.values[c]
        matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(lines[r]), len(group)))
        component = _Component(column, matrix, rhs, [unknown[c] for c in group])
        for c in group:
            found[c] = component
    return found


def _pinned(lo: float, hi: float) -> bool:
    if math.isinf(hi):
        return False
    return math.floor(hi + 1e-6) <= math.ceil(lo - 1e-6)


def recovered(system: System, knows: Iterable[int] = ()) -> list[tuple[object, float, float]]:
    """The protected cells the answer lets this reader pin, with their range."""
    knows = set(knows) | {c for c, s in enumerate(system.status) if s == "empty"}
    k = system.k
    prior: dict[str, Box] = {"small": (0, k - 1), "hidden": (k, None), "internal": (0, None)}
    targets = [c for c in range(len(system.keys)) if protected(system, c) and c not in knows]
    if not targets:
        return []
    after = _components(
        system, {c: prior[s] for c, s in enumerate(system.status) if s in prior and c not in knows}
    )
    before: dict[int, _Component] | None = None
    found = []
    for cell in targets:
        lo, hi = after[cell].range(cell)
        if not _pinned(lo, hi):
            continue
        if before is None:
            before = _components(
                system, {c: (0, None) for c in range(len(system.keys)) if c not in knows}
            )
        if not _pinned(*before[cell].range(cell)):
            found.append((system.keys[cell], lo, hi))
    return found
