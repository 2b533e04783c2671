"""One answer protected as a whole: every figure it publishes and every relation between them.

``suppress`` protects one table at a time. An answer of the representation monitor
publishes several tables that share cells and are tied by sums: per group ``invited =
not joined + joined`` and ``joined = joined but inactive + active``, four dimensions
whose lines share one total, a crosstab whose margins are the single-dimension groups,
and contributions of invitees and of self-declared participants adding up to one total.
A cell that ``suppress`` hid in one table can be worked out by combining it with another.

So, after the tables went through ``suppress`` (nothing is shown that it did not show),
this module takes all their cells as one system of *lines* (``Σ sign·cell = 0``) and
hides more until no protected cell can be worked out. A cell is

- ``shown``: the attacker knows it;
- ``small``: shown as ``"<k"``, known to lie in ``0 … k-1``;
- ``hidden``: shown as ``null``, known to be ``k`` or more;
- ``internal``: never published (e.g. *joined but inactive*), only known to be ``≥ 0``;
- ``empty``: a zero every reader of the answer knows already (a group outside the public
  population, or a group nobody was invited from: facilitators see their invitations).
  It prints ``"<k"`` like any small count, but it is a known number, not a secret.

Protected are every ``small`` and ``hidden`` cell, and every ``internal`` cell under
``k`` (a group of fewer than k people, even one never printed). Two attacks are checked,
as in ``server.suppression``: *linear recovery* (numpy: a cell is fixed by the published
sums when it has no component in the null space of the hidden cells' equations) and
*bounds* (each line narrows its hidden cells from the published numbers and the bounds
above, integers, to a fixed point). An exposed cell gets the cheapest shown cell of the
lines that expose it hidden too (crosstab cells before group figures before totals,
smaller counts first), and the check runs again. Hiding only grows, so this ends.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
from threadpoolctl import threadpool_limits

Status = Literal["shown", "small", "hidden", "internal", "empty"]
KNOWN: Final = frozenset({"shown", "empty"})

_TOLERANCE: Final = 1e-9
_MAX_UPDATES_PER_LINE: Final = 60
"""Bound propagation settles in a few rounds; the cap keeps a pathological system linear."""


@dataclass
class System:
    """Cells (by key) with their true values and statuses, and the lines that tie them."""

    k: int
    keys: list[Hashable] = field(default_factory=list)
    values: list[int] = field(default_factory=list)
    status: list[Status] = field(default_factory=list)
    rank: list[int] = field(default_factory=list)
    """Cost class of hiding a cell: 0 crosstab cell, 1 group figure, 2 total."""
    lines: list[tuple[tuple[int, int], ...]] = field(default_factory=list)
    _index: dict[Hashable, int] = field(default_factory=dict)

    def add(self, key: Hashable, value: int, *, rank: int = 1, internal: bool = False) -> int:
        """Register a cell (once); its status starts from its size alone."""
        if key in self._index:
            return self._index[key]
        if value < 0:
            raise ValueError(f"a count must be non-negative: {key!r}")
        self._index[key] = len(self.keys)
        self.keys.append(key)
        self.values.append(value)
        self.rank.append(rank)
        self.status.append("internal" if internal else "small" if value < self.k else "shown")
        return self._index[key]

    def __contains__(self, key: Hashable) -> bool:
        return key in self._index

    def line(self, terms: Iterable[tuple[Hashable, int]]) -> None:
        """Add a relation ``Σ sign·cell = 0`` between registered cells."""
        found = tuple((self._index[key], sign) for key, sign in terms)
        if sum(self.values[c] * s for c, s in found) != 0:
            raise ValueError(f"cells do not add up: {[self.keys[c] for c, _ in found]}")
        self.lines.append(found)

    def mark_empty(self, key: Hashable) -> None:
        """Declare a cell a zero the reader knows (see the module docstring)."""
        cell = self._index[key]
        if self.values[cell] != 0:
            raise ValueError(f"{key!r} is not empty")
        self.status[cell] = "empty"

    def hide(self, key: Hashable) -> None:
        """Hide a published cell (whatever the reason: another table, a rule)."""
        self._hide(self._index[key])

    def _hide(self, cell: int) -> None:
        if self.status[cell] == "shown":
            self.status[cell] = "small" if self.values[cell] < self.k else "hidden"

    def shown(self, key: Hashable) -> int | str | None:
        """What the answer prints for a cell: the count, ``"<k"`` or ``None``."""
        cell = self._index[key]
        match self.status[cell]:
            case "shown":
                return self.values[cell]
            case "small" | "empty":
                return f"<{self.k}"
            case "internal":
                raise ValueError(f"{key!r} is never published")
        return None

    def protected(self, cell: int) -> bool:
        """Whether an attacker must not be able to work this cell out."""
        state = self.status[cell]
        return state in ("small", "hidden") or (state == "internal" and self.values[cell] < self.k)


def harden(system: System) -> System:
    """Hide more shown cells until no protected cell can be worked out; returns ``system``."""
    while True:
        fixes = {
            fix
            for cell, lines in exposed(system)
            if (fix := _cheapest(system, lines, cell)) is not None
        }
        if not fixes:
            return system
        for cell in fixes:
            system._hide(cell)


def exposed(system: System) -> list[tuple[int, list[int]]]:
    """Protected cells an attacker can work out, each with the lines that give it away."""
    found = _linear(system)
    if found:
        return found
    return _pinned(system)


def _cheapest(system: System, lines: list[int], cell: int) -> int | None:
    """The cheapest shown cell on the given lines; failing that, near them."""
    for reach in (lines, _neighbour_lines(system, lines)):
        candidates = {c for line in reach for c, _ in system.lines[line]}
        shown = [c for c in candidates if system.status[c] == "shown" and c != cell]
        if shown:
            return min(shown, key=lambda c: (system.rank[c], system.values[c], c))
    return None


def _neighbour_lines(system: System, lines: list[int]) -> list[int]:
    cells = {c for line in lines for c, _ in system.lines[line]}
    return [i for i, line in enumerate(system.lines) if any(c in cells for c, _ in line)]


# --- linear recovery -------------------------------------------------------------------------


def _components(system: System, unknown: set[int]) -> list[tuple[list[int], list[int]]]:
    """Groups of unknown cells tied by lines, each with its lines (union-find)."""
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
    for c in sorted(unknown):
        cells[root(c)].append(c)
    lines: dict[int, list[int]] = defaultdict(list)
    for i, line in enumerate(system.lines):
        members = [c for c, _ in line if c in unknown]
        if members:
            lines[root(members[0])].append(i)
    return [(cells[r], lines[r]) for r in cells]


def _linear(system: System) -> list[tuple[int, list[int]]]:
    unknown = {c for c, state in enumerate(system.status) if state not in KNOWN}
    found: list[tuple[int, list[int]]] = []
    for cells, lines in _components(system, unknown):
        if not any(system.protected(c) for c in cells):
            continue
        column = {c: j for j, c in enumerate(cells)}
        matrix = np.zeros((len(lines), len(cells)))
        for i, line in enumerate(lines):
            for c, sign in system.lines[line]:
                if c in column:
                    matrix[i, column[c]] = sign
        free = _freedom(matrix)
        for c in cells:
            if system.protected(c) and free[column[c]] < 1e-6:
                found.append((c, [i for i in lines if any(x == c for x, _ in system.lines[i])]))
    return found


def _freedom(matrix: np.ndarray) -> np.ndarray:
    """Per column, how far the null space of ``matrix`` lets that unknown move (0: fixed).

    The null space of A is that of AᵀA (n × n, small), found with a symmetric eigensolver.
    """
    with threadpool_limits(1):
        values, vectors = np.linalg.eigh(matrix.T @ matrix)
    scale = max(1.0, float(values.max(initial=0.0)))
    null = vectors[:, values < _TOLERANCE * scale]
    if null.shape[1] == 0:
        return np.zeros(matrix.shape[1])
    return np.sqrt((null**2).sum(axis=1))


# --- bounds ----------------------------------------------------------------------------------


def bounds(system: System) -> dict[int, tuple[float, float]]:
    """What an attacker can narrow each unpublished cell to, line by line, in integers."""
    k = system.k
    prior = {"small": (0.0, k - 1.0), "hidden": (float(k), math.inf), "internal": (0.0, math.inf)}
    known: dict[int, tuple[float, float]] = {
        c: prior[state] for c, state in enumerate(system.status) if state not in KNOWN
    }
    on_lines: dict[int, list[int]] = defaultdict(list)
    for i, line in enumerate(system.lines):
        for c, _ in line:
            if c in known:
                on_lines[c].append(i)
    queue = deque(i for i, line in enumerate(system.lines) if any(c in known for c, _ in line))
    queued = set(queue)
    updates: dict[int, int] = defaultdict(int)
    while queue:
        i = queue.popleft()
        queued.discard(i)
        updates[i] += 1
        if updates[i] > _MAX_UPDATES_PER_LINE:
            continue
        for cell in _narrow_line(system, system.lines[i], known):
            for other in on_lines[cell]:
                if other not in queued:
                    queue.append(other)
                    queued.add(other)
    return known


def _narrow_line(
    system: System, line: tuple[tuple[int, int], ...], known: dict[int, tuple[float, float]]
) -> list[int]:
    """Tighten every unpublished cell of one line; returns the cells that changed."""
    rest = -sum(sign * system.values[c] for c, sign in line if c not in known)
    terms = [(c, sign) for c, sign in line if c in known]
    changed = []
    for cell, sign in terms:
        least = most = 0.0
        for other, s in terms:
            if other == cell:
                continue
            lo, hi = known[other]
            least += lo if s > 0 else -hi
            most += hi if s > 0 else -lo
        low, high = rest - most, rest - least
        if sign < 0:
            low, high = -high, -low
        lo, hi = known[cell]
        new = (max(lo, _whole(low, math.ceil)), min(hi, _whole(high, math.floor)))
        if new != (lo, hi):
            known[cell] = new
            changed.append(cell)
    return changed


def _whole(value: float, rounding: Callable[[float], int]) -> float:
    """Counts are integers: round a bound inwards (an infinite one stays)."""
    if math.isinf(value):
        return value
    return float(rounding(value - 1e-9 if rounding is math.ceil else value + 1e-9))


def _pinned(system: System) -> list[tuple[int, list[int]]]:
    known = bounds(system)
    found = []
    for cell, (lo, hi) in known.items():
        if lo >= hi and system.protected(cell):
            lines = [i for i, line in enumerate(system.lines) if any(c == cell for c, _ in line)]
            found.append((cell, lines))
    return found
