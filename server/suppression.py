"""Small-cell suppression: the one function every published aggregate goes through.

A count under ``k`` (0 included) identifies too few people to publish: it becomes the
string ``"<k"`` (primary suppression). ``k`` is 5 on screen and 10 in exports. Hiding
those cells alone is not enough when totals are published: with a row total of 20 and
every other cell shown, the hidden one is 20 minus the rest. So further cells are
hidden as ``None`` (complementary suppression) until no hidden cell can be worked out.

The model. A table is a set of *lines* (a 1-D table is one line; a crosstab has one
per row and per column, margins included) whose cells add up to the line's total.
Totals left out of the input are computed and returned: they usually leak anyway
(the same count per office and per province shares its grand total), so they are
treated as published. An attacker knows every shown number, that ``"<k"`` lies in
``0 … k-1`` and that ``None`` (hidden though not small) is at least ``k``.

Two checks, repeated until both pass, each fixing what it finds by hiding more:

1. *Linear recovery.* Take the lines as nodes and each hidden cell as an edge between
   its row and column (a 1-D table's cells hang between its line and one free node).
   A hidden cell follows from sums and differences of published totals exactly when
   it is a bridge of that graph (it lies on no cycle). A bridge is fixed by hiding the
   cheapest path of published cells that closes a cycle through it: inner cells before
   totals, smaller counts before larger (Dijkstra). This covers the single line with
   one hidden cell as well as chains across rows and columns.
2. *Bounds.* Line by line, the published numbers and the bounds above narrow each
   hidden cell (``[0, 5]`` with total 5: the ``"<5"`` is 0, the ``None`` is 5). This
   is iterated to a fixed point; a cell narrowed to one value gets its cheapest
   published neighbour in a shared line hidden too.

The result never over-states: every cell shown is the true count. It may hide more
than a perfect (NP-hard) optimiser would; it never shows a cell under ``k``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, TypeAlias, cast

SCREEN_K: Final = 5
"""Minimum group size for anything shown in the application."""
EXPORT_K: Final = 10
"""Minimum group size for exports and reports, which travel beyond our control."""
TOTAL: Final = "totaal"
"""The key of a total: a 1-D table's total, a crosstab's margin row and column."""

Cell: TypeAlias = int | str | None
Table1D: TypeAlias = Mapping[str, int]
Table2D: TypeAlias = Mapping[str, Mapping[str, int]]

_MAX_PASSES: Final = 100
"""Bound propagation usually settles in a few passes; the bound keeps it linear."""


@dataclass(frozen=True)
class _Grid:
    """A table flattened to cells (values), lines of (cell, sign) adding up to 0."""

    values: tuple[int, ...]
    is_total: tuple[bool, ...]
    lines: tuple[tuple[tuple[int, int], ...], ...]

    def ends(self, cell: int) -> tuple[int, int]:
        """The two graph nodes a cell joins; ``len(lines)`` is the free node."""
        found = [i for i, line in enumerate(self.lines) if any(c == cell for c, _ in line)]
        return (found[0], found[1]) if len(found) == 2 else (found[0], len(self.lines))


def suppress(table: Table1D | Table2D, *, k: int) -> dict[str, Cell] | dict[str, dict[str, Cell]]:
    """Protect a 1-D table (group → count) or a crosstab (row → column → count).

    Totals under the key ``TOTAL`` are optional in the input and always in the output
    (last). Each cell under ``k`` becomes ``"<k"``, each complementary one ``None``.
    Use ``k=SCREEN_K`` on screen and ``k=EXPORT_K`` in exports.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError("k must be a positive integer")
    if not table:
        raise ValueError("a table needs at least one group")
    first = next(iter(table.values()))
    if isinstance(first, Mapping):
        rows, columns, grid = _crosstab_grid(cast(Table2D, table))
        shown = _render(grid, k)
        width = len(columns) + 1
        return {
            row: dict(zip([*columns, TOTAL], shown[i * width : (i + 1) * width], strict=True))
            for i, row in enumerate([*rows, TOTAL])
        }
    groups, grid = _line_grid(cast(Table1D, table))
    return dict(zip([*groups, TOTAL], _render(grid, k), strict=True))


# --- building the grid ----------------------------------------------------------------------


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a count must be a non-negative integer, not {value!r}")
    return value


def _line_grid(table: Table1D) -> tuple[list[str], _Grid]:
    groups = [g for g in table if g != TOTAL]
    if not groups:
        raise ValueError("a table needs at least one group")
    values = [_count(table[g]) for g in groups]
    total = _checked_total(table.get(TOTAL), sum(values), TOTAL)
    line = (*((i, 1) for i in range(len(values))), (len(values), -1))
    grid = _Grid(tuple([*values, total]), (False,) * len(values) + (True,), (line,))
    return groups, grid


def _crosstab_grid(table: Table2D) -> tuple[list[str], list[str], _Grid]:
    rows = [r for r in table if r != TOTAL]
    columns = [c for c in next(iter(table.values())) if c != TOTAL]
    if not rows or not columns:
        raise ValueError("a crosstab needs at least one row and one column")
    for cells in table.values():
        if not isinstance(cells, Mapping) or set(cells) - {TOTAL} != set(columns):
            raise ValueError("every row of a crosstab needs the same columns")
    inner = [[_count(table[r][c]) for c in columns] for r in rows]
    for i, row in enumerate(rows):
        inner[i].append(_checked_total(table[row].get(TOTAL), sum(inner[i]), row))
    margin_row = table.get(TOTAL, {})
    inner.append(
        [
            _checked_total(margin_row.get(c), sum(line[j] for line in inner), c)
            for j, c in enumerate([*columns, TOTAL])
        ]
    )
    return rows, columns, _full_grid(inner)


def _checked_total(given: object, computed: int, where: str) -> int:
    if given is not None and _count(given) != computed:
        raise ValueError(f"total of {where!r} is {given}, but its cells add up to {computed}")
    return computed


def _full_grid(matrix: list[list[int]]) -> _Grid:
    """Lines of an (R+1)×(C+1) table whose last row and column are the margins."""
    height, width = len(matrix), len(matrix[0])
    ident = [[r * width + c for c in range(width)] for r in range(height)]
    lines = [
        tuple((ident[r][c], -1 if c == width - 1 else 1) for c in range(width))
        for r in range(height)
    ] + [
        tuple((ident[r][c], -1 if r == height - 1 else 1) for r in range(height))
        for c in range(width)
    ]
    values = tuple(v for line in matrix for v in line)
    is_total = tuple(r == height - 1 or c == width - 1 for r in range(height) for c in range(width))
    return _Grid(values, is_total, tuple(lines))


# --- protecting -----------------------------------------------------------------------------


def _render(grid: _Grid, k: int) -> list[Cell]:
    primary = {c for c, value in enumerate(grid.values) if value < k}
    hidden = _protect(grid, primary, k)
    return [
        f"<{k}" if c in primary else None if c in hidden else value
        for c, value in enumerate(grid.values)
    ]


def _protect(grid: _Grid, primary: set[int], k: int) -> set[int]:
    """The hidden cells: ``primary`` plus whatever complementary cells protect them."""
    ends = [grid.ends(c) for c in range(len(grid.values))]
    hidden = set(primary)
    settled: set[int] = set()
    while True:
        bridge = _first_bridge(len(grid.lines) + 1, ends, hidden)
        if bridge is not None:
            hidden |= _cycle_through(grid, ends, hidden, bridge)
            continue
        pinned = _first_pinned(grid, hidden, primary, k, settled)
        if pinned is None:
            return hidden
        neighbour = _cheapest_neighbour(grid, hidden, pinned)
        if neighbour is None:
            settled.add(pinned)  # its lines are hidden whole: nothing left to hide
        else:
            hidden.add(neighbour)


def _cost(grid: _Grid, cell: int) -> tuple[int, int, int]:
    """What hiding a cell costs: totals last, then the count, then position."""
    return (int(grid.is_total[cell]), grid.values[cell], cell)


def _first_bridge(nodes: int, ends: list[tuple[int, int]], hidden: set[int]) -> int | None:
    """The lowest hidden cell that lies on no cycle of hidden cells (Tarjan, iterative)."""
    adjacent: list[list[tuple[int, int]]] = [[] for _ in range(nodes)]
    for cell in sorted(hidden):
        a, b = ends[cell]
        adjacent[a].append((b, cell))
        adjacent[b].append((a, cell))
    order = [-1] * nodes
    low = [0] * nodes
    bridges: list[int] = []
    clock = 0
    for root in range(nodes):
        if order[root] != -1:
            continue
        order[root] = low[root] = clock
        clock += 1
        stack = [(root, -1, iter(adjacent[root]))]
        while stack:
            node, via, edges = stack[-1]
            for other, cell in edges:
                if cell == via:
                    continue
                if order[other] == -1:
                    order[other] = low[other] = clock
                    clock += 1
                    stack.append((other, cell, iter(adjacent[other])))
                    break
                low[node] = min(low[node], order[other])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridges.append(via)
    return min(bridges, default=None)


def _cycle_through(
    grid: _Grid, ends: list[tuple[int, int]], hidden: set[int], bridge: int
) -> set[int]:
    """The published cells of the cheapest path that closes a cycle through ``bridge``."""
    adjacent: dict[int, list[tuple[int, int]]] = {}
    for cell, (a, b) in enumerate(ends):
        if cell != bridge:
            adjacent.setdefault(a, []).append((b, cell))
            adjacent.setdefault(b, []).append((a, cell))
    start, goal = ends[bridge]
    best: dict[int, tuple[int, ...]] = {start: (0, 0)}
    came: dict[int, tuple[int, int]] = {}
    queue: list[tuple[tuple[int, ...], int]] = [((0, 0), start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            break
        if cost > best[node]:
            continue
        for other, cell in adjacent.get(node, []):
            step = (0, 0) if cell in hidden else _cost(grid, cell)[:2]
            total = (cost[0] + step[0], cost[1] + step[1])
            if other not in best or total < best[other]:
                best[other], came[other] = total, (node, cell)
                heapq.heappush(queue, (total, other))
    if goal not in came:
        raise RuntimeError("no cycle can protect this cell; the table is malformed")
    path: set[int] = set()
    node = goal
    while node != start:
        node, cell = came[node]
        path.add(cell)
    return path - hidden


def _bounds(
    grid: _Grid, hidden: set[int], primary: set[int], k: int
) -> dict[int, tuple[float, float]]:
    """What an attacker can narrow each hidden cell to, line by line, to a fixed point."""
    bounds = {c: (0.0, k - 1.0) if c in primary else (float(k), math.inf) for c in hidden}
    for _ in range(_MAX_PASSES):
        changed = False
        for line in grid.lines:
            shown = -sum(sign * grid.values[c] for c, sign in line if c not in hidden)
            terms = [(c, sign) for c, sign in line if c in hidden]
            for cell, sign in terms:
                narrowed = _narrow(bounds, terms, cell, sign, shown)
                if narrowed != bounds[cell]:
                    bounds[cell], changed = narrowed, True
        if not changed:
            break
    return bounds


def _narrow(
    bounds: dict[int, tuple[float, float]],
    terms: list[tuple[int, int]],
    cell: int,
    sign: int,
    shown: float,
) -> tuple[float, float]:
    """Tighten one cell from ``sum(sign * x) == shown`` over the line's hidden cells."""
    others = [(bounds[c], s) for c, s in terms if c != cell]
    least = sum(lo if s > 0 else -hi for (lo, hi), s in others)
    most = sum(hi if s > 0 else -lo for (lo, hi), s in others)
    low, high = shown - most, shown - least
    if sign < 0:
        low, high = -high, -low
    lo, hi = bounds[cell]
    return (max(lo, low), min(hi, high))


def _first_pinned(
    grid: _Grid, hidden: set[int], primary: set[int], k: int, settled: set[int]
) -> int | None:
    bounds = _bounds(grid, hidden, primary, k)
    pinned = [c for c, (lo, hi) in bounds.items() if lo >= hi and c not in settled]
    return min(pinned, default=None)


def _cheapest_neighbour(grid: _Grid, hidden: set[int], cell: int) -> int | None:
    """The cheapest published cell that shares a line with ``cell``."""
    candidates = {
        other
        for line in grid.lines
        if any(c == cell for c, _ in line)
        for other, _ in line
        if other not in hidden
    }
    return min(candidates, key=lambda c: _cost(grid, c), default=None)
