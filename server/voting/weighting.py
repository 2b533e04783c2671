"""Post-stratification: let each group of the population count for its share.

Respondents are rarely a fair sample: if griffiers are a third of the population but
a tenth of the respondents, a plain average under-weights them. Post-stratification
on one dimension (``poststratify``) gives every respondent of group g the weight

    eᵍ = (Nᵍ / N_C) · N / nᵍ            (persons represented by one respondent)

where Nᵍ is the population of g, nᵍ its respondents, C the groups with respondents and
N the population total, so the weights add up to N. Shown per group is the relative
weight wᵍ = (Nᵍ / N_C) / (nᵍ / n_C): 1 means the group answered in proportion, 2 that
each of its respondents counts double. A group with fewer than ``min_respondents``
respondents (none, by default) is *missing*: it gets no weight, is reported, and the
covered groups stand in for it in proportion to their size (that is why the shares are
taken within C). The groups must not overlap: network membership cannot be weighted
this way (a city can be in several networks); office, province and size class can.

Raking (``rake``) matches two dimensions at once (e.g. office and province) when their
crossing has too many empty cells for post-stratification on the cells: iterative
proportional fitting scales the weights to the first dimension's population margins,
then to the second's, and repeats until both margins agree within ``tol``.

Estimates (``estimate``, ``compare``): for 0/1 values (agreed, gave a dot) a Wilson
score interval on Kish's effective sample size n_eff = (Σw)² / Σw² (for equal weights
n_eff = n, the plain Wilson interval); for other values (dots given) the weighted mean
with a normal interval on the linearisation (sandwich) variance
n / (n − 1) · Σ wᵢ²(yᵢ − ȳ)² / (Σw)². Neither applies a finite-population correction
(the population has 1,026 members, so this errs on the wide side); both treat the
weights as fixed, which also makes them somewhat narrow when weights vary a lot.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from math import sqrt
from statistics import NormalDist
from typing import Final, Literal

import numpy as np

LEVEL: Final = 0.95
RAKING_TOL: Final = 1e-6
"""Relative error of every margin at which raking stops; far below what is shown."""
MAX_RAKING_ITER: Final = 1000
"""IPF converges linearly; when it has not after this many rounds the margins cannot
be met (a group is only reachable through empty cells) and ``converged`` says so."""


@dataclass(frozen=True)
class GroupWeight:
    """A group: population, respondents and relative weight (1 = fair; ``None`` when the
    group is not covered)."""

    group: str
    population: int
    respondents: int
    weight: float | None


@dataclass(frozen=True)
class Weights:
    """Post-stratification weights per group of the population (in its order) and per
    respondent; ``of`` adds up to ``population_total`` and links pseudonyms to groups:
    use it, never send it out. ``missing``: groups with a population but not covered."""

    groups: tuple[GroupWeight, ...]
    missing: tuple[str, ...]
    population_total: int
    of: Mapping[Hashable, float]


@dataclass(frozen=True)
class CellWeight:
    """The relative weight of the respondents in one crossing of two groups."""

    groups: tuple[str, str]
    respondents: int
    weight: float


@dataclass(frozen=True)
class RakedWeights:
    """Raking weights per cell and per respondent, and the missing groups per dimension."""

    cells: tuple[CellWeight, ...]
    missing: tuple[tuple[str, ...], tuple[str, ...]]
    population_total: int
    of: Mapping[Hashable, float]
    iterations: int
    converged: bool


@dataclass(frozen=True)
class Estimate:
    """A (weighted) mean with its interval; ``None`` where there is too little to say."""

    mean: float | None
    low: float | None
    high: float | None
    respondents: int
    effective_n: float
    method: Literal["wilson", "normal"]


@dataclass(frozen=True)
class ItemComparison:
    """One item's result unweighted (as answered) and weighted (as the population)."""

    item: Hashable
    unweighted: Estimate
    weighted: Estimate


def poststratify(
    group_of: Mapping[Hashable, str],
    population: Mapping[str, int],
    *,
    min_respondents: int = 1,
) -> Weights:
    """Weights on one dimension: group → population size, respondent → its group."""
    counts = _respondents(group_of, population)
    covered = [g for g, n in counts.items() if n >= max(min_respondents, 1)]
    missing = tuple(g for g, size in population.items() if size > 0 and g not in covered)
    total = sum(population.values())
    covered_population = sum(population[g] for g in covered)
    covered_respondents = sum(counts[g] for g in covered)
    expansion = {g: population[g] / covered_population * total / counts[g] for g in covered}
    groups = tuple(
        GroupWeight(
            g,
            population[g],
            counts[g],
            expansion[g] * covered_respondents / total if g in expansion else None,
        )
        for g in population
    )
    weights = {r: expansion.get(g, 0.0) for r, g in group_of.items()}
    return Weights(groups, missing, total, weights)


def rake(
    groups_of: Mapping[Hashable, tuple[str, str]],
    first: Mapping[str, int],
    second: Mapping[str, int],
    *,
    min_respondents: int = 1,
    tol: float = RAKING_TOL,
    max_iter: int = MAX_RAKING_ITER,
) -> RakedWeights:
    """Weights matching two population margins at once (iterative proportional fitting)."""
    total = sum(first.values())
    if sum(second.values()) != total:
        raise ValueError("both margins must describe the same population")
    for d, margin in enumerate((first, second)):
        _respondents({r: pair[d] for r, pair in groups_of.items()}, margin)
    kept, covered = _rakeable(groups_of, (first, second), max(min_respondents, 1))
    margins = (first, second)
    index = [{g: i for i, g in enumerate(covered[d])} for d in (0, 1)]
    members = [np.array([index[d][groups_of[r][d]] for r in kept], dtype=np.intp) for d in (0, 1)]
    targets = [_targets(margins[d], covered[d], total) for d in (0, 1)]
    weights = np.full(len(kept), total / len(kept)) if kept else np.zeros(0)
    iterations, converged = 0, not kept
    while not converged and iterations < max_iter:
        iterations += 1
        for d in (0, 1):
            sums = np.bincount(members[d], weights, minlength=len(targets[d]))
            weights *= (targets[d] / sums)[members[d]]
        sums = np.bincount(members[0], weights, minlength=len(targets[0]))
        converged = bool(np.all(np.abs(sums - targets[0]) <= tol * targets[0]))
    of = dict.fromkeys(groups_of, 0.0) | dict(zip(kept, weights.tolist(), strict=True))
    missing = tuple(
        tuple(g for g, size in margins[d].items() if size > 0 and g not in index[d]) for d in (0, 1)
    )
    cells = _cells(groups_of, kept, of, total)
    return RakedWeights(cells, (missing[0], missing[1]), total, of, iterations, converged)


def estimate(
    values: Mapping[Hashable, float],
    weights: Mapping[Hashable, float] | None = None,
    *,
    level: float = LEVEL,
) -> Estimate:
    """The (weighted) mean of ``values`` with a Wilson (0/1 values) or normal interval;
    respondents with weight 0 are left out; without ``weights`` every weight is 1."""
    if weights is not None and (absent := set(values) - set(weights)):
        raise ValueError(f"{len(absent)} respondent(s) have a value but no weight")
    pairs = [(float(y), 1.0 if weights is None else float(weights[r])) for r, y in values.items()]
    y = np.array([v for v, w in pairs if w > 0])
    w = np.array([w for _, w in pairs if w > 0])
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    method: Literal["wilson", "normal"] = "wilson" if binary else "normal"
    if len(y) == 0:
        return Estimate(None, None, None, 0, 0.0, method)
    mean = float(np.average(y, weights=w))
    n_eff = float(w.sum() ** 2 / (w**2).sum())
    z = NormalDist().inv_cdf(0.5 + level / 2)
    low: float | None
    high: float | None
    if binary:
        low, high = _wilson(mean, n_eff, z)
    elif len(y) < 2:
        low = high = None
    else:
        spread = z * sqrt(len(y) / (len(y) - 1) * float((w**2 * (y - mean) ** 2).sum())) / w.sum()
        low, high = mean - spread, mean + spread
    return Estimate(mean, low, high, len(y), n_eff, method)


def compare(
    values_by_item: Mapping[Hashable, Mapping[Hashable, float]],
    weights: Mapping[Hashable, float],
    *,
    level: float = LEVEL,
) -> tuple[ItemComparison, ...]:
    """Per item, the unweighted and the weighted estimate, in the order given."""
    return tuple(
        ItemComparison(
            item,
            estimate(values, level=level),
            estimate(values, weights, level=level),
        )
        for item, values in values_by_item.items()
    )


def _respondents(group_of: Mapping[Hashable, str], population: Mapping[str, int]) -> dict[str, int]:
    """Respondents per group of the population; a group outside it, or empty in it, is
    a classification bug (respondents and population must be grouped alike)."""
    counts = dict.fromkeys(population, 0)
    for group in group_of.values():
        if group not in counts:
            raise ValueError(f"respondents in {group!r}, which is not a group of the population")
        counts[group] += 1
    if empty := [g for g, n in counts.items() if n and population[g] <= 0]:
        raise ValueError(f"respondents in {empty[0]!r}, which has no population")
    return counts


def _rakeable(
    groups_of: Mapping[Hashable, tuple[str, str]],
    margins: tuple[Mapping[str, int], Mapping[str, int]],
    minimum: int,
) -> tuple[list[Hashable], tuple[list[str], list[str]]]:
    """Respondents whose two groups both have enough respondents, to a fixed point
    (leaving out a small group of one dimension can make one of the other small)."""
    kept = list(groups_of)
    while True:
        covered = tuple(
            [g for g in margins[d] if sum(groups_of[r][d] == g for r in kept) >= minimum]
            for d in (0, 1)
        )
        still = [r for r in kept if all(groups_of[r][d] in covered[d] for d in (0, 1))]
        if len(still) == len(kept):
            return kept, (covered[0], covered[1])
        kept = still


def _targets(margin: Mapping[str, int], covered: list[str], total: int) -> np.ndarray:
    """Population sizes of the covered groups, scaled up to stand in for the missing."""
    sizes = np.array([margin[g] for g in covered], dtype=float)
    return sizes / sizes.sum() * total if len(sizes) else sizes


def _cells(
    groups_of: Mapping[Hashable, tuple[str, str]],
    kept: list[Hashable],
    of: Mapping[Hashable, float],
    total: int,
) -> tuple[CellWeight, ...]:
    """Respondents and relative weight (mean 1 over those kept) per crossing."""
    cells: dict[tuple[str, str], list[Hashable]] = {}
    for r in kept:
        cells.setdefault(groups_of[r], []).append(r)
    return tuple(
        CellWeight(pair, len(members), of[members[0]] * len(kept) / total)
        for pair, members in cells.items()
    )


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson's score interval for a proportion p observed on n (effective) respondents."""
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    spread = z / denominator * sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return max(0.0, centre - spread), min(1.0, centre + spread)
