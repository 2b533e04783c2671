"""Pairwise comparison, All Our Ideas style: pick the better of two, again and again.

A participant sees two items and picks one, or says it can't choose. ``next_pair``
serves pairs so that every item gets about as many comparisons as every other: it
takes the least-compared item (ties at random) and pairs it with the partner it met
least often (then the least-compared partner). A new item, with no comparisons, is
served first until it has caught up. Pairs a voter just saw are avoided when another
pair is possible. Concurrent voters served from the same counts get random tie-breaks;
any unevenness this causes is corrected by the next calls.

``fit_scores`` fits a Bradley–Terry model, P(i beats j) = σ(θᵢ − θⱼ), to the decided
votes and reports All Our Ideas' score: the chance, 0–100, that an item beats a
randomly chosen other item, ``100 / (n − 1) · Σⱼ σ(θᵢ − θⱼ)``. The fit starts from
choix's iterative Luce spectral ranking (ILSR, small regularisation) and takes Newton
steps to the posterior mode under a weak N(0, PRIOR_SD²) prior on each θ; the interval
is the Laplace approximation around that mode (covariance = inverse of the Fisher
information plus the prior precision), carried to the score by the delta method on the
logit scale, so it stays inside 0–100 and is wide for items with few comparisons.
"Can't choose" votes count as exposure (for ``next_pair``) and are reported, but carry
no preference and are left out of the fit.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Final

import choix
import numpy as np
from numpy.typing import NDArray

ALPHA: Final = 0.01
"""choix's ILSR regularisation (a pseudo-rate between every two items): it keeps the
starting point finite for an item that won (or lost) everything and for a comparison
graph in pieces. The prior below then decides the estimate."""
PRIOR_SD: Final = 2.0
"""A weakly informative prior on log-strengths for the interval: a strength ratio of
e⁴ ≈ 55 lies within ±2 SD. It only matters for items with few comparisons."""
LEVEL: Final = 0.95
MAX_ITER: Final = 1000
NEWTON_STEPS: Final = 50
NEWTON_TOL: Final = 1e-9

Pair = tuple[Hashable, Hashable]


@dataclass(frozen=True)
class PairVote:
    """One answer: ``winner`` beat ``loser``; with ``decided=False`` it is "can't choose"
    between the two (their order then means nothing)."""

    winner: Hashable
    loser: Hashable
    decided: bool = True

    @classmethod
    def cant_choose(cls, left: Hashable, right: Hashable) -> PairVote:
        """A "can't choose" answer on the pair (left, right)."""
        return cls(left, right, decided=False)


@dataclass(frozen=True)
class Exposure:
    """How often each item, and each unordered pair, was answered (decided or not)."""

    items: Counter[Hashable] = field(default_factory=Counter)
    pairs: Counter[frozenset[Hashable]] = field(default_factory=Counter)

    def of_pair(self, a: Hashable, b: Hashable) -> int:
        """How often the pair {a, b} was answered."""
        return self.pairs[frozenset((a, b))]

    def record(self, vote: PairVote) -> None:
        """Count one more answer in place (the counters are running tallies)."""
        self.items[vote.winner] += 1
        self.items[vote.loser] += 1
        self.pairs[frozenset((vote.winner, vote.loser))] += 1


@dataclass(frozen=True)
class ItemScore:
    """One item's score (0–100) with its interval, and the votes behind it."""

    item: Hashable
    score: float
    low: float
    high: float
    wins: int
    losses: int
    undecided: int

    @property
    def comparisons(self) -> int:
        """Decided comparisons that involved this item."""
        return self.wins + self.losses


@dataclass(frozen=True)
class PairwiseResult:
    """Scores, highest first (ties in item order), and the votes used and set aside."""

    scores: tuple[ItemScore, ...]
    decided: int
    undecided: int
    level: float


def exposure(votes: Iterable[PairVote]) -> Exposure:
    """Count how often each item and each pair was answered."""
    counts = Exposure()
    for vote in votes:
        counts.record(vote)
    return counts


def next_pair(
    items: Sequence[Hashable],
    counts: Exposure,
    rng: random.Random,
    *,
    avoid: Iterable[Pair] = (),
) -> Pair:
    """The pair to show next, in random left/right order; ``avoid`` are pairs this voter
    saw last (or all pairs it saw), skipped unless nothing else is left."""
    _check_items(items)
    avoided = {frozenset(pair) for pair in avoid}
    order = sorted(items, key=lambda item: (counts.items[item], rng.random()))
    first, partners = order[0], [other for other in items if other != order[0]]
    for candidate in order:
        allowed = [o for o in items if o != candidate and frozenset((candidate, o)) not in avoided]
        if allowed:
            first, partners = candidate, allowed
            break
    second = min(partners, key=lambda o: (counts.of_pair(first, o), counts.items[o], rng.random()))
    return (first, second) if rng.random() < 0.5 else (second, first)


def fit_scores(
    items: Sequence[Hashable],
    votes: Iterable[PairVote],
    *,
    alpha: float = ALPHA,
    level: float = LEVEL,
) -> PairwiseResult:
    """Bradley–Terry scores (chance to beat a random other item, 0–100) with intervals."""
    _check_items(items)
    index = {item: i for i, item in enumerate(items)}
    n = len(items)
    wins = np.zeros((n, n))
    undecided = np.zeros(n, dtype=int)
    decided: list[tuple[int, int]] = []
    for vote in votes:
        w, lo = _index(index, vote.winner), _index(index, vote.loser)
        if w == lo:
            raise ValueError(f"a vote compares {vote.winner!r} with itself")
        if vote.decided:
            decided.append((w, lo))
            wins[w, lo] += 1
        else:
            undecided[[w, lo]] += 1
    params = _fit(n, decided, wins, alpha)
    score, low, high = _scores(params, wins + wins.T, NormalDist().inv_cdf(0.5 + level / 2))
    scores = [
        ItemScore(
            item=item,
            score=float(score[i]),
            low=float(low[i]),
            high=float(high[i]),
            wins=int(wins[i].sum()),
            losses=int(wins[:, i].sum()),
            undecided=int(undecided[i]),
        )
        for i, item in enumerate(items)
    ]
    ranked = tuple(sorted(scores, key=lambda s: -s.score))
    return PairwiseResult(ranked, len(decided), int(undecided.sum()) // 2, level)


def win_chances(params: NDArray[np.float64]) -> NDArray[np.float64]:
    """P(i beats j) = σ(θᵢ − θⱼ) for every i, j (0.5 on the diagonal)."""
    diff = params[:, None] - params[None, :]
    return 1.0 / (1.0 + np.exp(-diff))


def _check_items(items: Sequence[Hashable]) -> None:
    if len(items) < 2:
        raise ValueError("pairwise comparison needs at least two items")
    if len(set(items)) != len(items):
        raise ValueError("items must be distinct")


def _index(index: dict[Hashable, int], item: Hashable) -> int:
    try:
        return index[item]
    except KeyError:
        raise ValueError(f"a vote names {item!r}, which is not among the items") from None


def _fit(
    n: int, decided: list[tuple[int, int]], wins: NDArray[np.float64], alpha: float
) -> NDArray[np.float64]:
    """The posterior mode of the log-strengths: choix's ILSR estimate, polished by Newton
    steps on the likelihood with the N(0, PRIOR_SD²) prior the interval assumes."""
    if not decided:
        return np.zeros(n)
    try:
        params = np.asarray(choix.ilsr_pairwise(n, decided, alpha=alpha, max_iter=MAX_ITER))
        params = params - params.mean()
    except RuntimeError:  # ILSR did not converge: Newton from "no preference" gets there too
        params = np.zeros(n)
    met = wins + wins.T
    for _ in range(NEWTON_STEPS):
        p = win_chances(params)
        gradient = (wins - met * p).sum(axis=1) - params / PRIOR_SD**2
        step = np.linalg.solve(_information(p, met), gradient)
        current = _log_posterior(params, wins)
        while _log_posterior(params + step, wins) < current and np.abs(step).max() > NEWTON_TOL:
            step /= 2  # the posterior is concave, so a short enough step always climbs
        params = params + step
        if np.abs(step).max() < NEWTON_TOL:
            break
    return params


def _log_posterior(params: NDArray[np.float64], wins: NDArray[np.float64]) -> float:
    """Σ wᵢⱼ log σ(θᵢ − θⱼ) − |θ|² / (2 PRIOR_SD²), up to a constant."""
    diff = params[:, None] - params[None, :]
    return float(-(wins * np.logaddexp(0.0, -diff)).sum() - (params**2).sum() / (2 * PRIOR_SD**2))


def _information(p: NDArray[np.float64], met: NDArray[np.float64]) -> NDArray[np.float64]:
    """Posterior precision of θ: the Bradley–Terry Fisher information (a graph Laplacian
    weighted by mᵢⱼ pᵢⱼ(1 − pᵢⱼ)) plus the prior's 1 / PRIOR_SD²."""
    weighted = met * p * (1.0 - p)
    np.fill_diagonal(weighted, 0.0)
    return np.diag(weighted.sum(axis=1)) - weighted + np.eye(len(p)) / PRIOR_SD**2


def _scores(
    params: NDArray[np.float64], met: NDArray[np.float64], z: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Scores and interval ends: Laplace covariance, delta method on the logit scale."""
    n = len(params)
    p = win_chances(params)
    chance = (p.sum(axis=1) - 0.5) / (n - 1)
    covariance = np.linalg.inv(_information(p, met))
    slope = p * (1.0 - p)
    np.fill_diagonal(slope, 0.0)
    # ∂sᵢ/∂θᵢ = Σⱼ pᵢⱼ(1 − pᵢⱼ) / (n − 1), ∂sᵢ/∂θⱼ = −pᵢⱼ(1 − pᵢⱼ) / (n − 1); the logit
    # of sᵢ divides by sᵢ(1 − sᵢ), which keeps the interval inside 0–100 and lets it
    # widen towards the middle for an item that won (or lost) everything so far.
    gradient = (np.diag(slope.sum(axis=1)) - slope) / (n - 1)
    gradient /= (chance * (1.0 - chance))[:, None]
    spread = z * np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", gradient, covariance, gradient), 0))
    centre = np.log(chance / (1.0 - chance))
    return 100 * chance, 100 * _expit(centre - spread), 100 * _expit(centre + spread)


def _expit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-x))
