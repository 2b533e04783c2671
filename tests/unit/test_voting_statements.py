"""Statements: tallies, opinion groups recovered from a known structure, consensus."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from server.voting.statements import (
    Stance,
    StatementVote,
    consensus,
    latest,
    opinion_groups,
    tally,
    vote_matrix,
)

GROUPS, PER_GROUP, BLOCK = 3, 20, 6
STATEMENTS = tuple(f"s{j}" for j in range(2 + GROUPS * BLOCK))
SHARED, DIVISIVE = "s0", "s1"


def synthetic(seed: int = 0) -> tuple[list[StatementVote], dict[str, int]]:
    """Three opinion groups: each agrees with its own block of six statements and
    rejects the others; everyone agrees with s0; only group 0 agrees with s1. Each
    participant skips a fifth of the statements and passes on a tenth of the rest."""
    rng = np.random.default_rng(seed)
    agree = np.full((GROUPS, len(STATEMENTS)), 0.1)
    for g in range(GROUPS):
        agree[g, 2 + g * BLOCK : 2 + (g + 1) * BLOCK] = 0.9
    agree[:, 0] = 0.9
    agree[:, 1] = [0.9, 0.1, 0.1]
    votes, truth = [], {}
    for g in range(GROUPS):
        for i in range(PER_GROUP):
            person = f"p{g}-{i}"
            truth[person] = g
            for j, statement in enumerate(STATEMENTS):
                if rng.random() < 0.2:
                    continue
                if rng.random() < 0.1:
                    stance = Stance.PASS
                else:
                    stance = Stance.AGREE if rng.random() < agree[g, j] else Stance.DISAGREE
                votes.append(StatementVote(person, statement, stance))
    return votes, truth


@pytest.fixture(scope="module")
def data() -> tuple[list[StatementVote], dict[str, int]]:
    return synthetic()


def test_a_later_vote_replaces_an_earlier_one() -> None:
    votes = [
        StatementVote("p", "s0", Stance.AGREE),
        StatementVote("q", "s0", Stance.PASS),
        StatementVote("p", "s0", Stance.DISAGREE),
    ]
    assert latest(votes) == {("p", "s0"): Stance.DISAGREE, ("q", "s0"): Stance.PASS}
    (s0, s1) = tally(["s0", "s1"], votes)
    assert (s0.agree, s0.disagree, s0.passed, s0.seen) == (0, 1, 1, 2)
    assert s1.seen == 0


def test_the_vote_matrix_is_agree_one_disagree_minus_one_else_zero() -> None:
    votes = [
        StatementVote("p", "s0", Stance.AGREE),
        StatementVote("p", "s1", Stance.PASS),
        StatementVote("q", "s1", Stance.DISAGREE),
    ]
    people, matrix, seen = vote_matrix(["s0", "s1", "s2"], votes)
    assert people == ("p", "q")
    assert matrix.tolist() == [[1, 0, 0], [0, -1, 0]]
    assert seen.tolist() == [[True, True, False], [False, True, False]]


def test_a_vote_on_an_unknown_statement_is_a_bug() -> None:
    with pytest.raises(ValueError, match="not among the statements"):
        tally(["s0"], [StatementVote("p", "s9", Stance.AGREE)])


def test_opinion_groups_recover_a_known_structure(data) -> None:
    votes, truth = data
    groups = opinion_groups(STATEMENTS, votes)
    assert groups is not None
    assert groups.k == GROUPS
    people = sorted(groups.labels)
    ari = adjusted_rand_score([truth[p] for p in people], [groups.labels[p] for p in people])
    assert ari >= 0.9
    assert sum(groups.sizes) == GROUPS * PER_GROUP and groups.left_out == 0
    assert list(groups.sizes) == sorted(groups.sizes, reverse=True)  # group 0 is the largest
    assert groups.silhouette > 0.3
    assert len(groups.explained_variance) == 2


def test_opinion_groups_are_deterministic(data) -> None:
    votes, _ = data
    first, again = opinion_groups(STATEMENTS, votes), opinion_groups(STATEMENTS, votes)
    assert first == again


def test_group_aware_consensus_puts_shared_agreement_first_and_division_low(data) -> None:
    votes, _ = data
    groups = opinion_groups(STATEMENTS, votes)
    assert groups is not None
    result = consensus(STATEMENTS, votes, groups.labels)
    ranked = sorted(result.scores, key=result.scores.get, reverse=True)
    assert ranked[0] == SHARED
    assert result.scores[SHARED] > 2 * result.scores[ranked[1]]
    assert result.scores[DIVISIVE] < np.median(list(result.scores.values()))
    # A plain agree share would rank the divisive statement above the blocks each group
    # rejects; consensus does not reward one group's enthusiasm.
    plain = {t.statement: t.agree / t.seen for t in tally(STATEMENTS, votes)}
    assert plain[DIVISIVE] > min(plain.values())


def test_consensus_against_finds_what_every_group_rejects() -> None:
    votes = [StatementVote(f"p{i}", "weg", Stance.DISAGREE) for i in range(10)]
    votes += [StatementVote(f"p{i}", "half", Stance.DISAGREE) for i in range(5)]
    votes += [StatementVote(f"p{i}", "half", Stance.AGREE) for i in range(5, 10)]
    group_of = {f"p{i}": i % 2 for i in range(10)}
    result = consensus(["weg", "half"], votes, group_of, stance=Stance.DISAGREE)
    assert result.scores["weg"] == pytest.approx((6 / 7) ** 2)
    assert result.scores["weg"] > result.scores["half"]


def test_consensus_over_given_groups_leaves_small_groups_out() -> None:
    votes = [StatementVote(f"p{i}", "s", Stance.AGREE) for i in range(12)]
    group_of = {f"p{i}": "burgemeester" if i < 6 else "griffier" for i in range(11)}
    group_of["p11"] = "gemeentesecretaris"
    result = consensus(["s"], votes, group_of)
    assert result.groups == ("burgemeester", "griffier")
    assert result.left_out == ("gemeentesecretaris",)
    assert result.scores["s"] == pytest.approx((7 / 8) * (6 / 7))
    nobody = consensus(["s"], votes, {"p0": "a"})
    assert nobody.scores == {} and nobody.left_out == ("a",)


def test_too_few_participants_get_no_opinion_groups(data) -> None:
    votes, _ = data
    few = [v for v in votes if v.participant in {f"p0-{i}" for i in range(5)} | {"p1-0"}]
    assert opinion_groups(STATEMENTS, few) is None


def test_participants_with_few_votes_are_left_out_of_the_groups(data) -> None:
    votes, _ = data
    extra = [StatementVote("nieuw", s, Stance.AGREE) for s in STATEMENTS[:3]]
    groups = opinion_groups(STATEMENTS, votes + extra)
    assert groups is not None
    assert "nieuw" not in groups.labels and groups.left_out == 1


def test_no_split_with_a_group_under_the_minimum_size_is_offered() -> None:
    votes, _ = synthetic()
    # Ten participants of group 0 and three of group 1: the only visible split has a
    # group of three, so there are no opinion groups to show.
    keep = {f"p0-{i}" for i in range(10)} | {f"p1-{i}" for i in range(3)}
    assert opinion_groups(STATEMENTS, [v for v in votes if v.participant in keep]) is None
    keep |= {f"p1-{i}" for i in range(3, 6)}
    groups = opinion_groups(STATEMENTS, [v for v in votes if v.participant in keep])
    assert groups is not None and groups.sizes == (10, 6)
    assert {groups.labels[f"p1-{i}"] for i in range(6)} == {1}
