"""Pairwise comparison: even pair serving, Bradley–Terry recovery, honest intervals."""

from __future__ import annotations

import math
import random
from collections.abc import Hashable

import numpy as np
import pytest
from scipy.stats import spearmanr

from server.voting.pairwise import Exposure, PairVote, exposure, fit_scores, next_pair

ITEMS = tuple(f"idee-{i}" for i in range(12))
STRENGTH = dict(zip(ITEMS, np.linspace(1.5, -1.5, len(ITEMS)), strict=True))
"""Known log-strengths: idee-0 is best, idee-11 worst."""


def true_score(item: Hashable) -> float:
    """The chance (0–100) that ``item`` beats a random other item under STRENGTH."""
    others = [o for o in ITEMS if o != item]
    return 100 * sum(1 / (1 + math.exp(STRENGTH[o] - STRENGTH[item])) for o in others) / len(others)


def simulate(
    votes: int, *, voters: int = 40, cant_choose: float = 0.1, seed: int = 7
) -> tuple[list[PairVote], Exposure]:
    """Voters answer pairs from ``next_pair``, choosing by STRENGTH (Bradley–Terry)."""
    rng = random.Random(seed)
    counts, cast, last = Exposure(), [], {}
    for n in range(votes):
        voter = n % voters
        left, right = next_pair(ITEMS, counts, rng, avoid=[last[voter]] if voter in last else [])
        last[voter] = (left, right)
        if rng.random() < cant_choose:
            vote = PairVote.cant_choose(left, right)
        elif rng.random() < 1 / (1 + math.exp(STRENGTH[right] - STRENGTH[left])):
            vote = PairVote(left, right)
        else:
            vote = PairVote(right, left)
        counts.record(vote)
        cast.append(vote)
    return cast, counts


@pytest.fixture(scope="module")
def simulated() -> tuple[list[PairVote], Exposure]:
    return simulate(1500)


def test_pairs_are_spread_evenly_over_items_and_pairs(simulated) -> None:
    _, counts = simulated
    per_item = [counts.items[item] for item in ITEMS]
    assert max(per_item) / min(per_item) <= 1.1
    assert len(counts.pairs) == len(ITEMS) * (len(ITEMS) - 1) // 2  # every pair was shown
    assert max(counts.pairs.values()) - min(counts.pairs.values()) <= 2


def test_a_known_strength_order_is_recovered(simulated) -> None:
    votes, _ = simulated
    result = fit_scores(ITEMS, votes)
    ranked = [s.item for s in result.scores]
    rho = spearmanr([STRENGTH[i] for i in ranked], range(len(ranked), 0, -1)).statistic
    assert rho >= 0.95
    assert ranked[0] == "idee-0"
    assert max(abs(s.score - true_score(s.item)) for s in result.scores) < 8


def test_intervals_cover_the_true_scores(simulated) -> None:
    votes, _ = simulated
    result = fit_scores(ITEMS, votes)
    covered = sum(s.low <= true_score(s.item) <= s.high for s in result.scores)
    assert covered >= 10  # of 12, at a nominal 95 %
    assert all(0 <= s.low < s.score < s.high <= 100 for s in result.scores)


def test_cant_choose_is_recorded_but_not_fitted(simulated) -> None:
    votes, _ = simulated
    result = fit_scores(ITEMS, votes)
    undecided = sum(not v.decided for v in votes)
    assert 100 < undecided < 200
    assert (result.decided, result.undecided) == (len(votes) - undecided, undecided)
    assert sum(s.undecided for s in result.scores) == 2 * undecided
    assert sum(s.wins for s in result.scores) == result.decided
    without = fit_scores(ITEMS, [v for v in votes if v.decided])
    assert [s.score for s in without.scores] == [s.score for s in result.scores]


def test_a_voter_never_gets_the_same_pair_twice_in_a_row() -> None:
    rng, counts = random.Random(1), Exposure()
    items = ("a", "b", "c")
    last = None
    for _ in range(200):
        pair = next_pair(items, counts, rng, avoid=[last] if last else [])
        assert last is None or set(pair) != set(last)
        counts.record(PairVote(*pair))
        last = pair


def test_the_only_pair_is_served_even_when_it_was_just_seen() -> None:
    pair = next_pair(("a", "b"), Exposure(), random.Random(0), avoid=[("b", "a")])
    assert set(pair) == {"a", "b"}


def test_a_new_item_catches_up_first() -> None:
    votes, _ = simulate(300)
    counts = exposure(votes)
    rng = random.Random(3)
    with_new = (*ITEMS, "nieuw")
    served = [next_pair(with_new, counts, rng) for _ in range(5)]
    assert all("nieuw" in pair for pair in served)


def test_serving_is_deterministic_for_a_seed() -> None:
    assert simulate(200, seed=5)[0] == simulate(200, seed=5)[0]
    assert simulate(200, seed=5)[0] != simulate(200, seed=6)[0]


def test_an_item_that_won_everything_gets_a_high_score_and_an_honest_interval() -> None:
    votes = [PairVote("a", "b")] * 20 + [PairVote("a", "c")] * 20
    votes += [PairVote("b", "c")] * 10 + [PairVote("c", "b")] * 10
    top, *rest = fit_scores(["a", "b", "c"], votes).scores
    assert top.item == "a" and top.score > 90
    assert top.low < top.score < top.high < 100  # not a degenerate [100, 100]
    assert rest[0].score == pytest.approx(rest[1].score)


def test_without_decided_votes_every_item_scores_fifty_with_a_wide_interval() -> None:
    result = fit_scores(["a", "b", "c"], [PairVote.cant_choose("a", "b")])
    assert [s.score for s in result.scores] == pytest.approx([50, 50, 50])
    assert all(s.low < 5 and s.high > 95 for s in result.scores)
    assert (result.decided, result.undecided) == (0, 1)


@pytest.mark.parametrize(
    ("items", "votes", "message"),
    [
        (["a"], [], "at least two items"),
        (["a", "a"], [], "distinct"),
        (["a", "b"], [PairVote("a", "z")], "not among the items"),
        (["a", "b"], [PairVote("a", "a")], "with itself"),
    ],
)
def test_bad_input_is_a_programming_error(items, votes, message) -> None:
    with pytest.raises(ValueError, match=message):
        fit_scores(items, votes)
