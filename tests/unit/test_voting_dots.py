"""Dot voting: ballots within the budget, Dutch rejections, tallies."""

from __future__ import annotations

import re

import pytest

from server.voting.dots import DEFAULT_DOTS, BallotError, DotRules, tally, validate_ballot

ITEMS = ("wonen", "jeugdzorg", "energie", "digitalisering")


def test_a_valid_ballot_comes_back_without_zeros() -> None:
    ballot = {"wonen": 6, "jeugdzorg": 0, "energie": 4}
    assert validate_ballot(ballot, ITEMS) == {"wonen": 6, "energie": 4}


def test_fewer_dots_than_the_budget_are_allowed_by_default() -> None:
    assert validate_ballot({"wonen": 1}, ITEMS) == {"wonen": 1}
    assert validate_ballot({}, ITEMS) == {}


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        ({"wonen": 11}, "U heeft 11 stippen verdeeld; u kunt er hoogstens 10 verdelen."),
        ({"wonen": 6, "energie": 5}, "hoogstens 10"),
        ({"klimaat": 1}, "alleen stippen geven aan onderwerpen op dit stembiljet"),
        ({"wonen": -1}, "heel getal van 0 of meer"),
        ({"wonen": 2.5}, "heel getal van 0 of meer"),
        ({"wonen": "3"}, "heel getal van 0 of meer"),
        ({"wonen": True}, "heel getal van 0 of meer"),
    ],
)
def test_an_invalid_ballot_is_rejected_in_dutch(ballot: dict, message: str) -> None:
    with pytest.raises(BallotError, match=re.escape(message)):
        validate_ballot(ballot, ITEMS)


def test_a_cap_per_item_is_enforced() -> None:
    rules = DotRules(dots=10, max_per_item=3)
    assert validate_ballot({"wonen": 3, "energie": 3}, ITEMS, rules) == {"wonen": 3, "energie": 3}
    with pytest.raises(BallotError, match="hoogstens 3 stippen aan één onderwerp"):
        validate_ballot({"wonen": 4}, ITEMS, rules)
    with pytest.raises(BallotError, match="hoogstens 1 stip aan"):
        validate_ballot({"wonen": 2}, ITEMS, DotRules(dots=3, max_per_item=1))


def test_use_all_asks_for_the_whole_budget() -> None:
    rules = DotRules(dots=5, use_all=True)
    assert validate_ballot({"wonen": 5}, ITEMS, rules) == {"wonen": 5}
    with pytest.raises(
        BallotError, match=re.escape("Verdeel al uw 5 stippen; u heeft er nu 4 verdeeld.")
    ):
        validate_ballot({"wonen": 4}, ITEMS, rules)


@pytest.mark.parametrize("rules", [{"dots": 0}, {"dots": 5, "max_per_item": 6}, {"dots": True}])
def test_rules_that_make_no_sense_are_a_programming_error(rules: dict) -> None:
    with pytest.raises(ValueError):
        DotRules(**rules)


def test_tally_counts_dots_and_voters_per_item_in_ballot_order() -> None:
    ballots = [{"wonen": 6, "energie": 4}, {"energie": 10}, {"wonen": 2, "jeugdzorg": 0}]
    result = tally(ballots, ITEMS)
    assert result.ballots == 3
    assert result.dots == 22
    assert [(c.item, c.dots, c.voters) for c in result.items] == [
        ("wonen", 8, 2),
        ("jeugdzorg", 0, 0),
        ("energie", 14, 2),
        ("digitalisering", 0, 0),
    ]
    assert [c.item for c in result.ranked()] == ["energie", "wonen", "jeugdzorg", "digitalisering"]
    assert result.items[2].share(result.dots) == pytest.approx(14 / 22)
    assert tally([], ITEMS).items[0].share(0) == 0.0
    assert DEFAULT_DOTS == 10


def test_tally_of_a_ballot_with_an_unknown_item_is_a_bug() -> None:
    with pytest.raises(ValueError, match="not on the list"):
        tally([{"klimaat": 1}], ITEMS)
