"""Statements: agree, disagree or pass; tallies, opinion groups and consensus, Polis-style.

Each participant votes on statements one by one; a later vote on the same statement
replaces the earlier one. The vote matrix has a row per participant and a column per
statement: agree = 1, disagree = −1, pass and not seen = 0.

Opinion groups (``opinion_groups``): the matrix is projected on its first two principal
components, each participant's position scaled by √(statements / statements seen) so
that someone who voted on few statements is not pulled to the centre (as Polis does),
and k-means (fixed seed) splits the positions into k = 2 … 5 groups; the k with the
highest silhouette wins, among the splits whose every group has at least
``min_group_size`` members (smaller groups would be suppressed when shown, and one or
two people would sway the consensus). Only participants with at least ``min_votes``
votes take part, and only when there are at least ``min_participants`` of them:
below that, two principal components and a silhouette describe noise.

Consensus (``consensus``): for each statement the product over groups g of
(agreeᵍ + 1) / (seenᵍ + 2), the Laplace-smoothed chance that a member of g agrees. A
statement scores high only when every group agrees, however large or small the group;
one group against pulls it down. The groups may be opinion groups or given ones
(office, province, …).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Final, TypeVar

import numpy as np
from numpy.typing import NDArray
from sklearn.cluster import KMeans  # type: ignore[import-untyped]
from sklearn.decomposition import PCA  # type: ignore[import-untyped]
from sklearn.metrics import silhouette_score  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from server.suppression import SCREEN_K

MIN_PARTICIPANTS: Final = 10
"""Fewer participants than this get no opinion groups: two groups of at least five
are the least that can be shown, and a silhouette over fewer points is noise."""
MIN_VOTES: Final = 7
"""Polis' threshold: a participant counts in the groups after 7 votes (or after voting
on every statement, when there are fewer)."""
MAX_GROUPS: Final = 5
"""More opinion groups are hard to tell apart and quickly fall under the group size."""
RANDOM_STATE: Final = 0
KMEANS_RUNS: Final = 10

_V = TypeVar("_V")


class Stance(IntEnum):
    """A vote on a statement, valued as in the vote matrix."""

    DISAGREE = -1
    PASS = 0
    AGREE = 1


@dataclass(frozen=True)
class StatementVote:
    """One participant's (pseudonym's) stance on one statement."""

    participant: Hashable
    statement: Hashable
    stance: Stance


@dataclass(frozen=True)
class StatementTally:
    """Agree, disagree and pass votes on one statement."""

    statement: Hashable
    agree: int
    disagree: int
    passed: int

    @property
    def seen(self) -> int:
        """Participants who voted on the statement, passes included."""
        return self.agree + self.disagree + self.passed


@dataclass(frozen=True)
class OpinionGroups:
    """Opinion groups, numbered from the largest (0). ``labels`` links pseudonyms to
    groups: use it to count, never send it out."""

    labels: Mapping[Hashable, int]
    k: int
    silhouette: float
    explained_variance: tuple[float, ...]
    sizes: tuple[int, ...]
    left_out: int


@dataclass(frozen=True)
class Consensus:
    """Group-aware consensus per statement and the groups it was taken over."""

    scores: Mapping[Hashable, float]
    groups: tuple[Hashable, ...]
    left_out: tuple[Hashable, ...]


def latest(votes: Iterable[StatementVote]) -> dict[tuple[Hashable, Hashable], Stance]:
    """The last stance of each participant on each statement."""
    return {(v.participant, v.statement): Stance(v.stance) for v in votes}


def tally(
    statements: Sequence[Hashable], votes: Iterable[StatementVote]
) -> tuple[StatementTally, ...]:
    """Agree, disagree and pass per statement, in the order given."""
    counts = {s: {stance: 0 for stance in Stance} for s in statements}
    for (_, statement), stance in latest(votes).items():
        _known(counts, statement)[stance] += 1
    return tuple(
        StatementTally(s, c[Stance.AGREE], c[Stance.DISAGREE], c[Stance.PASS])
        for s, c in counts.items()
    )


def vote_matrix(
    statements: Sequence[Hashable], votes: Iterable[StatementVote]
) -> tuple[tuple[Hashable, ...], NDArray[np.float64], NDArray[np.bool_]]:
    """Participants (first vote first), their stances (0 when unseen) and what they saw."""
    column = {s: j for j, s in enumerate(statements)}
    stances = latest(votes)
    participants = tuple(dict.fromkeys(p for p, _ in stances))
    row = {p: i for i, p in enumerate(participants)}
    matrix = np.zeros((len(participants), len(statements)))
    seen = np.zeros(matrix.shape, dtype=bool)
    for (participant, statement), stance in stances.items():
        i, j = row[participant], _known(column, statement)
        matrix[i, j], seen[i, j] = float(stance), True
    return participants, matrix, seen


def opinion_groups(
    statements: Sequence[Hashable],
    votes: Iterable[StatementVote],
    *,
    min_participants: int = MIN_PARTICIPANTS,
    min_votes: int = MIN_VOTES,
    min_group_size: int = SCREEN_K,
    max_groups: int = MAX_GROUPS,
    random_state: int = RANDOM_STATE,
) -> OpinionGroups | None:
    """Opinion groups by PCA (2 components) and k-means, k by silhouette; ``None`` when
    there are too few participants or no split leaves every group large enough."""
    participants, matrix, seen = vote_matrix(statements, votes)
    enough = seen.sum(axis=1) >= min(min_votes, len(statements))
    if enough.sum() < max(min_participants, 2 * min_group_size) or len(statements) < 2:
        return None
    with threadpool_limits(limits=1):  # a request must not take every core of the server
        positions, explained = _project(matrix[enough], seen[enough])
        best = _best_split(positions, min_group_size, max_groups, random_state)
    if best is None:
        return None
    labels, score = best
    kept = [p for p, keep in zip(participants, enough, strict=True) if keep]
    sizes = np.bincount(labels)
    return OpinionGroups(
        labels={p: int(label) for p, label in zip(kept, labels, strict=True)},
        k=len(sizes),
        silhouette=score,
        explained_variance=explained,
        sizes=tuple(int(s) for s in sizes),
        left_out=len(participants) - len(kept),
    )


def consensus(
    statements: Sequence[Hashable],
    votes: Iterable[StatementVote],
    group_of: Mapping[Hashable, Hashable],
    *,
    stance: Stance = Stance.AGREE,
    min_group_size: int = SCREEN_K,
) -> Consensus:
    """Π over groups of (stanceᵍ + 1) / (seenᵍ + 2) per statement (``stance`` = AGREE:
    consensus in favour; DISAGREE: against). Groups with fewer than ``min_group_size``
    members are left out; with no group left, ``scores`` is empty."""
    sizes: dict[Hashable, int] = {}
    for group in group_of.values():
        sizes[group] = sizes.get(group, 0) + 1
    used = tuple(g for g, size in sizes.items() if size >= min_group_size)
    left_out = tuple(g for g in sizes if g not in used)
    if not used:
        return Consensus({}, (), left_out)
    column = {s: j for j, s in enumerate(statements)}
    index = {g: i for i, g in enumerate(used)}
    hits = np.zeros((len(used), len(statements)))
    seen = np.zeros((len(used), len(statements)))
    for (participant, statement), given in latest(votes).items():
        group = group_of.get(participant)
        j = _known(column, statement)
        if group in index:
            seen[index[group], j] += 1
            hits[index[group], j] += given == stance
    product = np.prod((hits + 1) / (seen + 2), axis=0)
    return Consensus(dict(zip(statements, product.tolist(), strict=True)), used, left_out)


def _known(table: Mapping[Hashable, _V], statement: Hashable) -> _V:
    try:
        return table[statement]
    except KeyError:
        raise ValueError(f"a vote names {statement!r}, which is not among the statements") from None


def _project(
    matrix: NDArray[np.float64], seen: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], tuple[float, ...]]:
    """Positions on the first two principal components, scaled for sparse voters."""
    components = min(2, *matrix.shape)
    pca = PCA(n_components=components, svd_solver="full")
    positions = pca.fit_transform(matrix)
    positions *= np.sqrt(matrix.shape[1] / seen.sum(axis=1))[:, None]
    return positions, tuple(float(v) for v in pca.explained_variance_ratio_)


def _best_split(
    positions: NDArray[np.float64], min_group_size: int, max_groups: int, random_state: int
) -> tuple[NDArray[np.intp], float] | None:
    """The labels (largest group 0) and silhouette of the best admissible k, if any."""
    distinct = len(np.unique(positions.round(9), axis=0))
    best: tuple[NDArray[np.intp], float] | None = None
    for k in range(2, min(max_groups, distinct) + 1):
        model = KMeans(n_clusters=k, n_init=KMEANS_RUNS, random_state=random_state)
        labels = model.fit_predict(positions)
        if np.bincount(labels, minlength=k).min() < min_group_size:
            continue
        score = float(silhouette_score(positions, labels))
        if best is None or score > best[1]:
            best = (_by_size(labels), score)
    return best


def _by_size(labels: NDArray[np.intp]) -> NDArray[np.intp]:
    """Renumber groups from the largest; equal sizes by first appearance."""
    first = {label: i for i, label in reversed(list(enumerate(labels.tolist())))}
    sizes = np.bincount(labels)
    order = sorted(first, key=lambda label: (-sizes[label], first[label]))
    rank = {label: new for new, label in enumerate(order)}
    return np.array([rank[label] for label in labels.tolist()], dtype=np.intp)
