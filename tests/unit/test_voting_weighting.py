"""Post-stratification and raking: weights that add up, missing groups, fair estimates."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from server.voting.weighting import compare, estimate, poststratify, rake

POPULATION = {"burgemeester": 342, "gemeentesecretaris": 342, "griffier": 342}


def sample(sizes: dict[str, int]) -> dict[str, str]:
    """Respondent → office, ``sizes[office]`` respondents per office."""
    return {f"{office}-{i}": office for office, n in sizes.items() for i in range(n)}


def test_weights_add_up_to_the_population_total() -> None:
    group_of = sample({"burgemeester": 60, "gemeentesecretaris": 25, "griffier": 15})
    weights = poststratify(group_of, POPULATION)
    assert sum(weights.of.values()) == pytest.approx(1026)
    assert weights.population_total == 1026
    assert weights.missing == ()
    shown = {w.group: w.weight for w in weights.groups}
    # population share (1/3 each) divided by sample share
    assert shown == pytest.approx(
        {"burgemeester": 1 / 1.8, "gemeentesecretaris": 4 / 3, "griffier": 20 / 9}
    )
    assert weights.of["griffier-0"] == pytest.approx(342 / 15)


def test_a_group_without_respondents_is_missing_and_the_others_stand_in() -> None:
    group_of = sample({"burgemeester": 30, "gemeentesecretaris": 10})
    weights = poststratify(group_of, POPULATION)
    assert weights.missing == ("griffier",)
    griffier = next(w for w in weights.groups if w.group == "griffier")
    assert (griffier.respondents, griffier.weight) == (0, None)
    assert sum(weights.of.values()) == pytest.approx(1026)
    # within the covered groups the shares are 1/2 each
    assert [w.weight for w in weights.groups[:2]] == pytest.approx([0.5 / 0.75, 0.5 / 0.25])


def test_a_group_under_the_minimum_gets_no_weight_at_all() -> None:
    group_of = sample({"burgemeester": 30, "gemeentesecretaris": 10, "griffier": 2})
    weights = poststratify(group_of, POPULATION, min_respondents=5)
    assert weights.missing == ("griffier",)
    assert weights.of["griffier-0"] == 0.0
    assert sum(weights.of.values()) == pytest.approx(1026)


@pytest.mark.parametrize(
    ("group_of", "message"),
    [({"r": "wethouder"}, "not a group of the population"), ({"r": "leeg"}, "no population")],
)
def test_respondents_grouped_unlike_the_population_are_a_bug(group_of, message) -> None:
    with pytest.raises(ValueError, match=message):
        poststratify(group_of, {**POPULATION, "leeg": 0})


def test_weighting_corrects_an_over_represented_group() -> None:
    # Burgemeesters answered most and agree most: 48 of 60, against 4 of 20 elsewhere.
    group_of = sample({"burgemeester": 60, "gemeentesecretaris": 20, "griffier": 20})
    agrees = {
        r: float(g == "burgemeester" and int(r.split("-")[1]) < 48) for r, g in group_of.items()
    }
    agrees |= {f"{g}-{i}": 1.0 for g in ("gemeentesecretaris", "griffier") for i in range(4)}
    weights = poststratify(group_of, POPULATION)
    (result,) = compare({"stelling": agrees}, weights.of)
    assert result.unweighted.mean == pytest.approx(56 / 100)
    assert result.weighted.mean == pytest.approx((0.8 + 0.2 + 0.2) / 3)
    assert result.weighted.method == "wilson"
    assert result.weighted.effective_n < result.unweighted.effective_n == 100
    assert (
        result.weighted.high - result.weighted.low > result.unweighted.high - result.unweighted.low
    )


def test_with_equal_weights_the_intervals_are_the_textbook_ones() -> None:
    z = NormalDist().inv_cdf(0.975)
    half = {f"r{i}": float(i < 50) for i in range(100)}
    wilson = estimate(half)
    assert (wilson.low, wilson.high) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    dots = {f"r{i}": float(i % 5) for i in range(50)}
    normal = estimate(dots, dict.fromkeys(dots, 3.0))
    values = np.array(list(dots.values()))
    spread = z * values.std(ddof=1) / math.sqrt(len(values))
    assert normal.method == "normal"
    assert (normal.low, normal.high) == pytest.approx((2 - spread, 2 + spread))


def test_estimates_say_when_there_is_too_little() -> None:
    assert estimate({}).mean is None
    one = estimate({"r": 3.0})
    assert (one.mean, one.low, one.high) == (3.0, None, None)
    with pytest.raises(ValueError, match="no weight"):
        estimate({"r": 1.0}, {})
    left_out = estimate({"a": 1.0, "b": 0.0}, {"a": 2.0, "b": 0.0})
    assert (left_out.mean, left_out.respondents) == (1.0, 1)


PROVINCES = {"Groningen": 180, "Utrecht": 390, "Limburg": 456}


def office_and_province() -> dict[str, tuple[str, str]]:
    cells = {
        ("burgemeester", "Groningen"): 10,
        ("burgemeester", "Utrecht"): 20,
        ("burgemeester", "Limburg"): 5,
        ("gemeentesecretaris", "Groningen"): 2,
        ("gemeentesecretaris", "Utrecht"): 8,
        ("gemeentesecretaris", "Limburg"): 10,
        ("griffier", "Utrecht"): 6,
        ("griffier", "Limburg"): 3,
    }
    return {f"{a}/{b}/{i}": (a, b) for (a, b), n in cells.items() for i in range(n)}


def test_raking_matches_both_margins_and_the_total() -> None:
    groups_of = office_and_province()
    raked = rake(groups_of, POPULATION, PROVINCES)
    assert raked.converged and raked.iterations < 100
    assert sum(raked.of.values()) == pytest.approx(1026)
    for d, margin in enumerate((POPULATION, PROVINCES)):
        for group, size in margin.items():
            got = sum(w for r, w in raked.of.items() if groups_of[r][d] == group)
            assert got == pytest.approx(size, rel=1e-5)
    assert raked.missing == ((), ())
    assert len(raked.cells) == 8
    kept = len(groups_of)
    assert sum(c.weight * c.respondents for c in raked.cells) == pytest.approx(kept)


def test_raking_reports_a_missing_group_and_still_adds_up() -> None:
    groups_of = {r: g for r, g in office_and_province().items() if g[0] != "griffier"}
    raked = rake(groups_of, POPULATION, PROVINCES, min_respondents=3)
    assert raked.missing == (("griffier",), ())
    assert sum(raked.of.values()) == pytest.approx(1026)
    assert raked.converged
    # Three respondents from Groningen: under a minimum of 5 it is missing, they weigh 0
    groups_of = {
        r: g
        for r, g in office_and_province().items()
        if g[1] != "Groningen" or r in {"burgemeester/Groningen/0", "burgemeester/Groningen/1"}
    } | {"griffier/Groningen/0": ("griffier", "Groningen")}
    assert sum(g[1] == "Groningen" for g in groups_of.values()) == 3
    raked = rake(groups_of, POPULATION, PROVINCES, min_respondents=5)
    assert raked.missing == ((), ("Groningen",))
    assert all(raked.of[r] == 0 for r, g in groups_of.items() if g[1] == "Groningen")
    assert sum(raked.of.values()) == pytest.approx(1026)


def test_raking_two_different_populations_is_a_bug() -> None:
    with pytest.raises(ValueError, match="same population"):
        rake({}, POPULATION, {"Utrecht": 1})
