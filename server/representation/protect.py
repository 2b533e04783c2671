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

- ``shown``: printed, so known;
- ``small``: printed as ``"<k"``, known to lie in ``0 … k-1``;
- ``hidden``: printed as ``null``, known to be ``k`` or more;
- ``internal``: never printed (e.g. *joined but inactive*), only known to be ``≥ 0``;
- ``empty``: a zero every reader knows already (a group outside the public population, or
  one nobody was invited from). It prints ``"<k"`` like any small count.

**Readers.** What may be worked out depends on what the reader knew before. An answer is
checked against each ``Reader``: one who has the answer alone (an export passed on), and a
facilitator, who also sees every invitation with its profile and whether it was used,
and so knows *invited* and *joined* for every group and cell exactly. For each reader,
first what they can work out *without* the answer is added to what they know (nobody of
a group joined: then nobody of it was active either); then the answer must not let them
work out any other cell that is ``small``, ``hidden``, or ``internal`` and under ``k`` (a
group of fewer than k people, even one never printed).

**Attacks**, as in ``server.suppression``: *linear recovery* (numpy: a cell is fixed by
the known sums when it has no component in the null space of the unknown cells'
equations) and *bounds* (each line narrows its unknown cells from the known numbers and
the bounds above, in integers, to a fixed point). An exposed cell gets the cheapest shown
cell of the lines that expose it hidden too (crosstab cells before group figures before
totals, smaller counts first), and the checks run again for every reader until none finds
anything. Hiding only grows, so this ends.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]
from scipy.optimize import linprog  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

Status = Literal["shown", "small", "hidden", "internal", "empty"]
KNOWN: Final = frozenset({"shown", "empty"})

_TOLERANCE: Final = 1e-9
_MAX_UPDATES_PER_LINE: Final = 8
"""Line-by-line bounds settle in a few rounds; longer creeping chains are the LP's job."""


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
    _indexed: int = field(default=-1, repr=False)
    _cell_lines: dict[int, list[int]] = field(default_factory=dict, repr=False)
    _forced_cache: dict[tuple[object, ...], frozenset[int]] = field(
        default_factory=dict, repr=False
    )
    _null_cache: dict[tuple[int, ...], np.ndarray] = field(default_factory=dict, repr=False)
    """Null-space freedom per component of unknown cells (a component's cells fix its
    equations, so it is reused while hardening hides cells elsewhere)."""

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

    def lines_of(self, cell: int) -> list[int]:
        """The lines a cell is on (indexed once the lines are complete)."""
        if self._indexed != len(self.lines):
            self._cell_lines = defaultdict(list)
            for i, line in enumerate(self.lines):
                for c, _ in line:
                    self._cell_lines[c].append(i)
            self._indexed = len(self.lines)
        return self._cell_lines.get(cell, [])

    def cells(self, wanted: Callable[[Hashable], bool]) -> frozenset[int]:
        """The cells whose key satisfies ``wanted``."""
        return frozenset(c for c, key in enumerate(self.keys) if wanted(key))


@dataclass(frozen=True)
class Reader:
    """Someone the answer must not tell a protected cell: what they know beforehand."""

    name: str
    knows: frozenset[int] = frozenset()


def _prior(system: System, cell: int) -> tuple[float, float]:
    state = system.status[cell]
    if state == "small":
        return 0.0, system.k - 1.0
    if state == "hidden":
        return float(system.k), math.inf
    return 0.0, math.inf


def _protected(system: System, cell: int) -> bool:
    state = system.status[cell]
    return state in ("small", "hidden") or (state == "internal" and system.values[cell] < system.k)


def harden(system: System, readers: Iterable[Reader] = (Reader("answer"),)) -> System:
    """Hide more shown cells until no reader can work out a protected cell; returns it."""
    with threadpool_limits(1):  # small matrices: one core is faster, and a request must
        known = [known_beforehand(system, reader) for reader in readers]  # not take them all
        floors: list[frozenset[int] | None] = [None] * len(known)
        while True:
            changed = False
            for i, knows in enumerate(known):
                fixes = set()
                for cell, lines in exposed(system, knows):
                    fix = _cheapest(system, lines, cell, knows, near=False)
                    if fix is None:  # nothing printed on its own lines: maybe nothing helps
                        if floors[i] is None:
                            floors[i] = unavoidable(system, knows)
                        if cell not in floors[i]:  # type: ignore[operator]
                            fix = _cheapest(system, lines, cell, knows, near=True)
                    if fix is not None:
                        fixes.add(fix)
                for cell in fixes:
                    system._hide(cell)
                changed = changed or bool(fixes)
            if not changed:
                return system


def known_beforehand(system: System, reader: Reader) -> frozenset[int]:
    """What a reader knows without the answer: their own knowledge and what follows."""
    base = set(reader.knows) | {c for c, s in enumerate(system.status) if s == "empty"}
    while True:
        unknown = {c: (0.0, math.inf) for c in range(len(system.keys)) if c not in base}
        # No linear solve here: without the answer every unknown is only known to be ≥ 0,
        # and what the lines then fix, they fix by forcing cells to 0 (the LP finds it);
        # an eigen-decomposition over every cell would cost seconds for the same result.
        found = set(_forced(system, unknown)) | {
            c for c, _ in _pinned(system, unknown, lambda c: True)
        }
        if not found:
            return frozenset(base)
        base |= found


def unavoidable(system: System, knows: frozenset[int]) -> frozenset[int]:
    """Cells a reader works out even if every printed count were hidden.

    What remains is told by the printed forms themselves together with the reader's own
    knowledge: a facilitator who knows that exactly five invitees joined learns from a
    hidden ("5 or more") active count that all five took part. No further hiding can help
    there, so hardening does not try (docs/representation.md).
    """
    saved = list(system.status)
    for cell, state in enumerate(saved):
        if state == "shown" and cell not in knows:
            system._hide(cell)
    try:
        return frozenset(cell for cell, _ in exposed(system, knows))
    finally:
        system.status[:] = saved


def exposed(system: System, knows: frozenset[int] = frozenset()) -> list[tuple[int, list[int]]]:
    """Protected cells a reader who knows ``knows`` works out, with the lines that tell."""
    unknown = {
        c: _prior(system, c)
        for c, state in enumerate(system.status)
        if state not in KNOWN and c not in knows
    }
    return _attack(system, unknown, lambda c: c not in knows and _protected(system, c))


def _attack(
    system: System, unknown: dict[int, tuple[float, float]], guarded: Callable[[int], bool]
) -> list[tuple[int, list[int]]]:
    """Guarded unknown cells that the lines force to a bound (LP) or then fix (linear);
    when there are none, those that line-by-line bounds pin in integers."""
    forced = _forced(system, unknown)
    found = [(c, system.lines_of(c)) for c in sorted(forced) if guarded(c)]
    found += _linear(system, set(unknown) - set(forced), guarded)
    if found:  # fix these first; the line-by-line bounds run once nothing else is found
        return found
    return _pinned(system, unknown, guarded)


def _cheapest(
    system: System, lines: list[int], cell: int, knows: frozenset[int], *, near: bool
) -> int | None:
    """The cheapest shown cell on the given lines (or, with ``near``, on lines that share a
    cell with them) that the reader does not know anyway."""
    reach = _neighbour_lines(system, lines) if near else lines
    candidates = {c for line in reach for c, _ in system.lines[line]}
    shown = [c for c in candidates if system.status[c] == "shown" and c != cell and c not in knows]
    return min(shown, key=lambda c: (system.rank[c], system.values[c], c), default=None)


def _neighbour_lines(system: System, lines: list[int]) -> list[int]:
    cells = {c for line in lines for c, _ in system.lines[line]}
    return sorted({i for c in cells for i in system.lines_of(c)})


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


def _linear(
    system: System, unknown: set[int], guarded: Callable[[int], bool]
) -> list[tuple[int, list[int]]]:
    found: list[tuple[int, list[int]]] = []
    for cells, lines in _components(system, unknown):
        if not any(guarded(c) for c in cells):
            continue
        column = {c: j for j, c in enumerate(cells)}
        free = system._null_cache.get(tuple(cells))
        if free is None:
            matrix = np.zeros((len(lines), len(cells)))
            for i, line in enumerate(lines):
                for c, sign in system.lines[line]:
                    if c in column:
                        matrix[i, column[c]] = sign
            free = system._null_cache[tuple(cells)] = _freedom(matrix)
        for c in cells:
            if guarded(c) and free[column[c]] < 1e-6:
                found.append((c, system.lines_of(c)))
    return found


def _freedom(matrix: np.ndarray) -> np.ndarray:
    """Per column, how far the null space of ``matrix`` lets that unknown move (0: fixed).

    The null space of A is that of AᵀA (n × n, small), found with a symmetric eigensolver.
    """
    values, vectors = np.linalg.eigh(matrix.T @ matrix)
    scale = max(1.0, float(values.max(initial=0.0)))
    null = vectors[:, values < _TOLERANCE * scale]
    if null.shape[1] == 0:
        return np.zeros(matrix.shape[1])
    return np.sqrt((null**2).sum(axis=1))


# --- bounds the lines force (LP) ----------------------------------------------------------


def _forced(system: System, unknown: dict[int, tuple[float, float]]) -> set[int]:
    """Unknown cells that every solution of the lines puts on one of their bounds.

    Sums of non-negative counts can force cells to a bound without fixing any of them
    alone: a row of seven shown as 5 + "<5" + "<5" … whose other rows and columns leave
    the "<5"s exactly 2 in all, with 2 already elsewhere, makes them all 0. A bound that
    is tight in every solution is found by linear programming (HiGHS): maximise, each at
    most 1, the slack of every bound; a slack positive in some solution is positive at a
    maximum of their sum or of the sum of those not yet seen positive, so repeating until
    no new one appears leaves exactly the bounds that are always tight.
    """
    forced: set[int] = set()
    for cells, lines in _components(system, set(unknown)):
        key = tuple((c, unknown[c]) for c in cells)
        if key not in system._forced_cache:
            system._forced_cache[key] = _forced_in(system, cells, lines, unknown)
        forced |= system._forced_cache[key]
    return forced


def _forced_in(
    system: System, cells: list[int], lines: list[int], unknown: dict[int, tuple[float, float]]
) -> frozenset[int]:
    column = {c: j for j, c in enumerate(cells)}
    n = len(cells)
    slacks = [(c, "low") for c in cells] + [(c, "high") for c in cells if unknown[c][1] < math.inf]
    width = n + len(slacks)
    eq_rows, eq_cols, eq_vals = [], [], []
    rhs = np.zeros(len(lines))
    for row, i in enumerate(lines):
        for c, sign in system.lines[i]:
            if c in column:
                eq_rows.append(row)
                eq_cols.append(column[c])
                eq_vals.append(float(sign))
            else:
                rhs[row] -= sign * system.values[c]
    ub_rows, ub_cols, ub_vals, ub_rhs = [], [], [], []
    for j, (c, side) in enumerate(slacks):
        lo, hi = unknown[c]
        ub_rows += [j, j]
        ub_cols += [column[c], n + j]
        ub_vals += [-1.0 if side == "low" else 1.0, 1.0]
        ub_rhs.append(-lo if side == "low" else hi)
    a_eq = sparse.csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(len(lines), width))
    a_ub = sparse.csr_matrix((ub_vals, (ub_rows, ub_cols)), shape=(len(slacks), width))
    box = [(unknown[c][0], None if math.isinf(unknown[c][1]) else unknown[c][1]) for c in cells]
    box += [(0.0, 1.0)] * len(slacks)
    tight = set(range(len(slacks)))
    while tight:
        goal = np.zeros(width)
        goal[[n + j for j in tight]] = -1.0
        result = linprog(
            goal, A_ub=a_ub, b_ub=ub_rhs, A_eq=a_eq, b_eq=rhs, bounds=box, method="highs"
        )
        if result.status != 0:  # cannot happen with the true values feasible; stay safe
            break
        loose = {j for j in tight if result.x[n + j] > 1e-7}
        if not loose:
            break
        tight -= loose
    return frozenset(slacks[j][0] for j in tight)


# --- bounds ----------------------------------------------------------------------------------


def bounds(
    system: System, unknown: dict[int, tuple[float, float]]
) -> dict[int, tuple[float, float]]:
    """What the unknown cells narrow to, line by line, in integers, from their priors."""
    known = dict(unknown)
    queue = deque(sorted({i for c in known for i in system.lines_of(c)}))
    queued = set(queue)
    updates: dict[int, int] = defaultdict(int)
    while queue:
        i = queue.popleft()
        queued.discard(i)
        updates[i] += 1
        if updates[i] > _MAX_UPDATES_PER_LINE:
            continue
        for cell in _narrow_line(system, system.lines[i], known):
            for other in system.lines_of(cell):
                if other not in queued:
                    queue.append(other)
                    queued.add(other)
    return known


def _narrow_line(
    system: System, line: tuple[tuple[int, int], ...], known: dict[int, tuple[float, float]]
) -> list[int]:
    """Tighten every unknown cell of one line; returns the cells that changed."""
    rest = -sum(sign * system.values[c] for c, sign in line if c not in known)
    terms = [(c, sign) for c, sign in line if c in known]
    # Each term's least and greatest contribution; the others' sum is the whole minus its
    # own (infinite contributions counted apart, so inf - inf never happens).
    parts = []
    for c, s in terms:
        lo, hi = known[c]
        parts.append((lo, hi) if s > 0 else (-hi, -lo))
    least_sum = sum(p[0] for p in parts if math.isfinite(p[0]))
    least_inf = sum(1 for p in parts if not math.isfinite(p[0]))
    most_sum = sum(p[1] for p in parts if math.isfinite(p[1]))
    most_inf = sum(1 for p in parts if not math.isfinite(p[1]))
    changed = []
    for (cell, sign), (own_least, own_most) in zip(terms, parts, strict=True):
        finite_least, finite_most = math.isfinite(own_least), math.isfinite(own_most)
        if least_inf - (not finite_least) > 0:
            least = -math.inf
        else:
            least = least_sum - (own_least if finite_least else 0.0)
        if most_inf - (not finite_most) > 0:
            most = math.inf
        else:
            most = most_sum - (own_most if finite_most else 0.0)
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


def _pinned(
    system: System, unknown: dict[int, tuple[float, float]], guarded: Callable[[int], bool]
) -> list[tuple[int, list[int]]]:
    narrowed = bounds(system, unknown)
    return [
        (cell, system.lines_of(cell))
        for cell, (lo, hi) in narrowed.items()
        if lo >= hi and guarded(cell)
    ]
