"""Per-group results: no count under k, no hidden cell recoverable, shared totals alike."""

from __future__ import annotations

import random
from collections.abc import Mapping

import numpy as np
import pytest

from server.suppression import EXPORT_K, SCREEN_K, TOTAL, Cell
from server.voting.pairwise import PairVote, PairwiseResult
from server.voting.results import (
    Grouping,
    dot_results,
    group_sizes,
    grouping,
    opinion_grouping,
    pairwise_results,
    results_visible,
    statement_results,
    weights_view,
)
from server.voting.statements import OpinionGroups, Stance, StatementVote
from server.voting.weighting import poststratify

OFFICES = ("burgemeester", "gemeentesecretaris", "griffier")
PROVINCES = ("Groningen", "Utrecht", "Limburg", "Zeeland")
OFFICE_SIZES = {"burgemeester": 30, "gemeentesecretaris": 7, "griffier": 3}
PEOPLE = [f"{office}-{i}" for office, n in OFFICE_SIZES.items() for i in range(n)]
STATEMENTS = tuple(f"s{j}" for j in range(8))
ITEMS = tuple(f"idee-{j}" for j in range(6))


def office_of(person: str) -> str:
    return person.rsplit("-", 1)[0]


def groupings(seed: int = 0) -> list[Grouping]:
    rng = random.Random(seed)
    province = {p: (rng.choice(PROVINCES[:3]),) for p in PEOPLE}  # nobody from Zeeland
    network = {p: tuple(n for n in ("G40", "M50") if rng.random() < 0.4) for p in PEOPLE}
    return [
        grouping("office", {p: (office_of(p),) for p in PEOPLE}, OFFICES),
        grouping("province", province, PROVINCES),
        grouping("network", network, ("G40", "M50")),
    ]


def statement_votes(seed: int = 0) -> list[StatementVote]:
    rng = random.Random(seed)
    return [
        StatementVote(p, s, rng.choice(list(Stance)))
        for p in PEOPLE
        for s in STATEMENTS
        if rng.random() < 0.8
    ]


def ballots(seed: int = 0) -> dict[str, dict[str, int]]:
    rng = random.Random(seed)
    return {p: {item: 2 for item in rng.sample(ITEMS, rng.randint(1, 5))} for p in PEOPLE}


def ints(value: object) -> list[int]:
    """Every int in a nested result (dicts, dataclass fields excluded)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, Mapping):
        return [i for v in value.values() for i in ints(v)]
    return []


def recoverable(cells: Mapping[tuple[str, str], Cell], rows: list[str], columns: list[str]) -> list:
    """Hidden cells that row and column sums pin down (an independent audit).

    ``cells`` has every published cell of a (rows + TOTAL) × (columns + TOTAL) grid;
    a cell that is absent is unpublished, and unknown like a hidden one."""
    grid = [(r, c) for r in [*rows, TOTAL] for c in [*columns, TOTAL]]
    unknown = [cell for cell in grid if not isinstance(cells.get(cell), int)]
    position = {cell: i for i, cell in enumerate(unknown)}
    lines = [[(r, c) for c in [*columns, TOTAL]] for r in [*rows, TOTAL]]
    lines += [[(r, c) for r in [*rows, TOTAL]] for c in [*columns, TOTAL]]
    equations = []
    for line in lines:
        row = np.zeros(len(unknown))
        for cell in line:
            if cell in position:
                row[position[cell]] = -1 if cell == line[-1] else 1
        equations.append(row)
    a = np.array(equations)
    rank = np.linalg.matrix_rank(a)
    found = []
    for cell in unknown:
        if cell not in cells:
            continue  # unpublished: nobody claims it is hidden
        unit = np.zeros(len(unknown))
        unit[position[cell]] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.append(cell)
    return found


def test_the_audit_finds_a_hidden_cell_that_sums_give_away() -> None:
    cells = {("a", "x"): "<5", ("a", "y"): 7, ("a", TOTAL): 10, ("b", "x"): 6, ("b", "y"): 6}
    assert recoverable(cells, ["a", "b"], ["x", "y"]) == [("a", "x")]
    cells[("a", TOTAL)] = None
    assert recoverable(cells, ["a", "b"], ["x", "y"]) == []


@pytest.fixture(scope="module")
def statements_shown():
    return statement_results(STATEMENTS, statement_votes(), groupings())


@pytest.fixture(scope="module")
def dots_shown():
    return dot_results(ITEMS, ballots(), groupings())


def test_no_count_under_k_is_shown(statements_shown, dots_shown) -> None:
    for result in (statements_shown, dots_shown):
        shown = ints(result.overall) + ints(result.group_sizes) + ints(result.by_group)
        assert shown and min(shown) >= SCREEN_K


def test_a_group_under_k_is_shown_as_under_k(statements_shown, dots_shown) -> None:
    assert statements_shown.group_sizes["office"]["griffier"] == "<5"
    assert statements_shown.group_sizes["province"]["Zeeland"] == "<5"
    for s in STATEMENTS:
        assert set(statements_shown.by_group["office"][s]["griffier"].values()) == {"<5"}
    assert all(
        row == {"voters": "<5", "dots": None}
        for row in dots_shown.by_group["office"]["griffier"].values()
    )


def test_hidden_statement_cells_cannot_be_worked_out_from_sums(statements_shown) -> None:
    checked = 0
    for name, groups in (("office", list(OFFICES)), ("province", list(PROVINCES))):
        for s in STATEMENTS:
            table = statements_shown.by_group[name][s]
            cells = {(r, c): v for r, row in table.items() for c, v in row.items()}
            assert recoverable(cells, groups, ["agree", "disagree", "pass"]) == []
            checked += sum(not isinstance(v, int) for v in cells.values())
    assert checked > 50


def test_hidden_dot_cells_cannot_be_worked_out_from_sums(dots_shown) -> None:
    for name, groups in (("office", list(OFFICES)), ("province", list(PROVINCES))):
        for field in ("voters", "dots"):
            cells = {
                (g, item): row[field]
                for g, per_item in dots_shown.by_group[name].items()
                for item, row in per_item.items()
            }
            cells |= {(TOTAL, item): dots_shown.overall[item][field] for item in ITEMS}
            assert recoverable(cells, groups, list(ITEMS)) == []


def test_dots_are_shown_only_beside_a_shown_count_of_voters(dots_shown) -> None:
    rows = [
        row
        for per_group in dots_shown.by_group.values()
        for g in per_group.values()
        for row in g.values()
    ]
    rows += list(dots_shown.overall.values())
    assert any(isinstance(row["dots"], int) for row in rows)
    for row in rows:
        assert isinstance(row["dots"], int) == isinstance(row["voters"], int)
    truth = sum(b.get("idee-0", 0) for b in ballots().values())
    assert dots_shown.overall["idee-0"]["dots"] in (truth, None)


def test_totals_shared_by_tables_are_shown_alike(statements_shown, dots_shown) -> None:
    for s in STATEMENTS:
        assert statements_shown.by_group["office"][s][TOTAL] == statements_shown.overall[s]
        assert statements_shown.by_group["province"][s][TOTAL] == statements_shown.overall[s]
    assert statements_shown.participants == len(PEOPLE)
    assert statements_shown.group_sizes["office"][TOTAL] == len(PEOPLE)
    assert dots_shown.voters == dots_shown.group_sizes["province"][TOTAL] == len(PEOPLE)


def test_a_total_hidden_in_one_table_is_hidden_in_all() -> None:
    # Nobody agrees, 17 disagree, 23 pass. The overall tally alone would show the 23;
    # the per-province table must hide its margin "pass" to protect its own cells, so
    # the overall tally and the per-office table hide it too.
    votes = [
        StatementVote(p, "s", Stance.DISAGREE if i < 17 else Stance.PASS)
        for i, p in enumerate(PEOPLE)
    ]
    shown = statement_results(["s"], votes, groupings())
    overall = shown.overall["s"]
    assert overall == {"agree": "<5", "disagree": None, "pass": None, TOTAL: len(PEOPLE)}
    assert shown.by_group["office"]["s"][TOTAL] == overall
    assert shown.by_group["province"]["s"][TOTAL] == overall
    for name, groups in (("office", list(OFFICES)), ("province", list(PROVINCES))):
        table = shown.by_group[name]["s"]
        cells = {(r, c): v for r, row in table.items() for c, v in row.items()}
        assert recoverable(cells, groups, ["agree", "disagree", "pass"]) == []


def test_overlapping_groups_publish_no_total(statements_shown) -> None:
    assert TOTAL not in statements_shown.group_sizes["network"]
    assert all(TOTAL not in table for table in statements_shown.by_group["network"].values())
    assert set(statements_shown.by_group["network"]["s0"]) == {"G40", "M50"}


def test_exports_hide_groups_under_ten() -> None:
    shown = statement_results(STATEMENTS, statement_votes(), groupings(), k=EXPORT_K)
    assert shown.group_sizes["office"]["gemeentesecretaris"] == "<10"
    assert min(ints(shown.by_group)) >= EXPORT_K


def test_pairwise_scores_only_for_groups_whose_size_is_shown() -> None:
    rng = random.Random(2)
    votes = {p: [PairVote(*rng.sample(ITEMS, 2)) for _ in range(8)] for p in PEOPLE}
    shown = pairwise_results(ITEMS, votes, groupings()[:1])
    assert shown.voters == len(PEOPLE)
    office = shown.by_group["office"]
    assert isinstance(office["burgemeester"], PairwiseResult)
    assert office["griffier"] is None
    sizes = shown.group_sizes["office"]
    assert all((office[g] is None) == (not isinstance(sizes[g], int)) for g in OFFICES)


def test_a_partition_needs_exactly_one_group_per_voter() -> None:
    office = grouping("office", {"a": ("burgemeester",)}, OFFICES)
    with pytest.raises(ValueError, match="exactly one group"):
        group_sizes(office, ["a", "b"])
    network = grouping("network", {"a": ("G40", "M50")})
    assert group_sizes(network, ["a", "b"]) == {"G40": "<5", "M50": "<5"}
    assert group_sizes(grouping("network", {}), ["a", "b"]) == {}


def test_opinion_groups_become_a_grouping_a_b() -> None:
    groups = OpinionGroups({"p": 0, "q": 1}, 2, 0.5, (0.4, 0.2), (1, 1), left_out=3)
    opinion = opinion_grouping(groups)
    assert (opinion.name, opinion.order, opinion.partition) == ("opinion", ("A", "B"), False)
    assert opinion.groups_of == {"p": ("A",), "q": ("B",)}


def test_a_weight_is_shown_only_beside_a_shown_count() -> None:
    group_of = {p: office_of(p) for p in PEOPLE}
    view = weights_view(poststratify(group_of, dict.fromkeys(OFFICES, 342)))
    assert view["burgemeester"]["respondents"] == 30
    assert view["burgemeester"]["weight"] == pytest.approx((1 / 3) / (30 / 40))
    assert view["griffier"] == {"population": 342, "respondents": "<5", "weight": None}
    assert view["gemeentesecretaris"]["respondents"] is None  # complementary
    assert view["gemeentesecretaris"]["weight"] is None


@pytest.mark.parametrize(
    ("hidden", "closed", "moderator", "visible"),
    [
        (False, False, False, True),
        (True, False, False, False),
        (True, True, False, True),
        (True, False, True, True),
    ],
)
def test_hidden_until_closed_hides_results_from_participants_only(
    hidden, closed, moderator, visible
) -> None:
    assert (
        results_visible(hidden_until_closed=hidden, closed=closed, moderator=moderator) is visible
    )
