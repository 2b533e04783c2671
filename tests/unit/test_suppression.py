"""Small-cell suppression: examples, then properties checked by an independent audit.

The audit rebuilds the table's equations (every row and column adds up to its
total) from the *output*, then asks numpy whether any hidden cell is fixed by
them (linear recovery) and scipy's LP solver what range each hidden cell can
take given the published numbers and bounds ("<k" is 0..k-1, None is k or more).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from server.suppression import EXPORT_K, SCREEN_K, TOTAL, suppress

# --- an independent model of the published table -------------------------------------------


def _flatten(original: Mapping, shown: Mapping) -> tuple[list, list, list[list[tuple[int, int]]]]:
    """Cells (true value, shown value) and lines of (cell index, sign) summing to 0."""
    if isinstance(next(iter(shown.values())), Mapping):
        rows, columns = list(shown), list(next(iter(shown.values())))
        truth = _with_margins(original)
        values = [truth[r][c] for r in rows for c in columns]
        cells = [shown[r][c] for r in rows for c in columns]
        width = len(columns)
        lines = [
            [(i * width + j, -1 if c == TOTAL else 1) for j, c in enumerate(columns)]
            for i in range(len(rows))
        ] + [
            [(i * width + j, -1 if r == TOTAL else 1) for i, r in enumerate(rows)]
            for j in range(width)
        ]
        return values, cells, lines
    groups = list(shown)
    values = [*(original[g] for g in groups if g != TOTAL), sum(original.values())]
    cells = [shown[g] for g in groups]
    return values, cells, [[(i, -1 if g == TOTAL else 1) for i, g in enumerate(groups)]]


def _with_margins(table: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    full = {r: {**row, TOTAL: sum(row.values())} for r, row in table.items()}
    columns = list(next(iter(full.values())))
    full[TOTAL] = {c: sum(row[c] for row in full.values()) for c in columns}
    return full


def _equations(values, cells, lines) -> tuple[np.ndarray, np.ndarray, list[int]]:
    hidden = [i for i, cell in enumerate(cells) if not isinstance(cell, int)]
    matrix = np.zeros((len(lines), len(hidden)))
    rhs = np.zeros(len(lines))
    for row, line in enumerate(lines):
        for cell, sign in line:
            if cell in hidden:
                matrix[row, hidden.index(cell)] = sign
            else:
                rhs[row] -= sign * values[cell]
    return matrix, rhs, hidden


def linearly_recoverable(original: Mapping, shown: Mapping) -> list[int]:
    """Hidden cells that the published totals fix exactly (by any sums/differences)."""
    matrix, _, hidden = _equations(*_flatten(original, shown))
    if not hidden:
        return []
    rank = np.linalg.matrix_rank(matrix)
    return [
        cell
        for j, cell in enumerate(hidden)
        if np.linalg.matrix_rank(np.delete(matrix, j, axis=1)) < rank
    ]


def pinned_by_bounds(original: Mapping, shown: Mapping, k: int) -> list[int]:
    """Hidden cells whose LP range, given every published number and bound, is one value."""
    values, cells, lines = _flatten(original, shown)
    matrix, rhs, hidden = _equations(values, cells, lines)
    bounds = [(0, k - 1) if isinstance(cells[c], str) else (k, None) for c in hidden]
    pinned = []
    for j, cell in enumerate(hidden):
        objective = np.zeros(len(hidden))
        objective[j] = 1
        low = linprog(objective, A_eq=matrix, b_eq=rhs, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=matrix, b_eq=rhs, bounds=bounds, method="highs")
        assert low.status == 0, "the true table must be feasible"
        if high.status == 0 and round(-high.fun) - round(low.fun) < 1:
            pinned.append(cell)
    return pinned


def lines_of(shown: Mapping) -> list[list[object]]:
    """Every row and column of the output (or its single line), totals included."""
    if isinstance(next(iter(shown.values())), Mapping):
        rows = [list(row.values()) for row in shown.values()]
        return rows + [list(column) for column in zip(*rows, strict=True)]
    return [list(shown.values())]


# --- examples -------------------------------------------------------------------------------


def test_a_table_without_small_cells_is_shown_whole_with_its_total() -> None:
    assert suppress({"a": 60, "b": 80}, k=SCREEN_K) == {"a": 60, "b": 80, TOTAL: 140}


def test_a_small_cell_alone_in_its_line_takes_the_next_smallest_with_it() -> None:
    shown = suppress({"a": 40, "b": 3, "c": 12, "d": 30}, k=SCREEN_K)
    assert shown == {"a": 40, "b": "<5", "c": None, "d": 30, TOTAL: 85}


def test_zero_is_suppressed_like_any_small_count() -> None:
    shown = suppress({"a": 40, "b": 0, "c": 0, "d": 30}, k=SCREEN_K)
    assert shown["b"] == shown["c"] == "<5"


def test_export_threshold_is_ten() -> None:
    shown = suppress({"a": 40, "b": 9, "c": 12, "d": 30}, k=EXPORT_K)
    assert shown == {"a": 40, "b": "<10", "c": None, "d": 30, TOTAL: 91}


def test_hidden_cells_that_could_only_be_their_minimum_take_a_third_cell() -> None:
    # 0 and 5 hidden with the total 17: "<5" + None = 5 means exactly 0 and 5.
    shown = suppress({"a": 12, "b": 0, "c": 5}, k=SCREEN_K)
    assert shown == {"a": None, "b": "<5", "c": None, TOTAL: 17}


def test_two_small_cells_that_must_both_be_four_are_protected() -> None:
    shown = suppress({"a": 4, "b": 4, "c": 30}, k=SCREEN_K)
    assert shown["c"] is None


def test_a_given_total_is_checked_and_kept_last() -> None:
    assert list(suppress({TOTAL: 30, "a": 10, "b": 20}, k=5)) == ["a", "b", TOTAL]
    with pytest.raises(ValueError, match="add up"):
        suppress({"a": 10, "b": 20, TOTAL: 31}, k=5)


def test_crosstab_gets_margins_and_keeps_rows_and_columns_in_order() -> None:
    shown = suppress({"x": {"p": 10, "q": 20}, "y": {"p": 30, "q": 40}}, k=5)
    assert shown == {
        "x": {"p": 10, "q": 20, TOTAL: 30},
        "y": {"p": 30, "q": 40, TOTAL: 70},
        TOTAL: {"p": 40, "q": 60, TOTAL: 100},
    }


def test_crosstab_protects_a_small_cell_in_its_row_and_its_column() -> None:
    table = {r: {c: 10 + 3 * i + j for j, c in enumerate("pqr")} for i, r in enumerate("xyz")}
    table["y"]["q"] = 2
    shown = suppress(table, k=5)
    assert shown["y"]["q"] == "<5"
    assert sum(cell is None for cell in shown["y"].values()) >= 1
    assert sum(shown[r]["q"] is None for r in shown) >= 1
    assert not linearly_recoverable(table, shown)


def test_a_chain_across_rows_and_columns_is_not_recoverable() -> None:
    table = {"x": {"a": 2, "b": 4, "c": 10}, "y": {"a": 0, "b": 10, "c": 10}}
    shown = suppress(table, k=5)
    assert not linearly_recoverable(table, shown)
    assert not pinned_by_bounds(table, shown, 5)


@pytest.mark.parametrize(
    "table",
    [{}, {"a": -1}, {"a": 1.5}, {"a": True}, {"x": {"p": 1}, "y": {"q": 1}}, {TOTAL: 3}],
)
def test_malformed_tables_are_refused(table: dict) -> None:
    with pytest.raises(ValueError):
        suppress(table, k=5)


@pytest.mark.parametrize("k", [0, -5, True])
def test_k_must_be_a_positive_integer(k: int) -> None:
    with pytest.raises(ValueError):
        suppress({"a": 1}, k=k)


# --- properties -----------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=40)
thresholds = st.sampled_from([SCREEN_K, EXPORT_K])
one_dimensional = st.dictionaries(
    st.sampled_from([f"g{i}" for i in range(12)]), counts, min_size=1, max_size=12
)


@st.composite
def crosstabs(draw: st.DrawFn) -> dict[str, dict[str, int]]:
    rows = draw(st.integers(min_value=1, max_value=5))
    columns = draw(st.integers(min_value=1, max_value=5))
    return {f"r{i}": {f"c{j}": draw(counts) for j in range(columns)} for i in range(rows)}


tables = st.one_of(one_dimensional, crosstabs())
fast = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(tables, thresholds)
def test_no_published_count_is_under_k(table: dict, k: int) -> None:
    for line in lines_of(suppress(table, k=k)):
        assert all(cell is None or cell == f"<{k}" or cell >= k for cell in line)


@fast
@given(tables, thresholds)
def test_every_count_under_k_is_marked_and_every_shown_count_is_true(table: dict, k: int) -> None:
    shown = suppress(table, k=k)
    values, cells, _ = _flatten(table, shown)
    for value, cell in zip(values, cells, strict=True):
        if value < k:
            assert cell == f"<{k}"
        else:
            assert cell in (None, value)


@fast
@given(tables, thresholds)
def test_no_line_has_exactly_one_hidden_cell(table: dict, k: int) -> None:
    for line in lines_of(suppress(table, k=k)):
        assert sum(not isinstance(cell, int) for cell in line) != 1


@fast
@given(tables, thresholds)
def test_no_hidden_cell_follows_from_the_published_totals(table: dict, k: int) -> None:
    assert linearly_recoverable(table, suppress(table, k=k)) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, thresholds)
def test_no_hidden_cell_is_pinned_by_the_published_numbers_and_bounds(table: dict, k: int) -> None:
    assert pinned_by_bounds(table, suppress(table, k=k), k) == []


@fast
@given(tables, thresholds)
def test_nothing_is_hidden_when_nothing_is_small(table: dict, k: int) -> None:
    shown = suppress(table, k=k)
    values, cells, _ = _flatten(table, shown)
    if all(value >= k for value in values):
        assert cells == values


@fast
@given(tables, thresholds)
def test_complementary_cells_only_sit_in_lines_with_other_hidden_cells(table: dict, k: int) -> None:
    for line in lines_of(suppress(table, k=k)):
        hidden = sum(not isinstance(cell, int) for cell in line)
        assert None not in line or hidden >= 2


@fast
@given(one_dimensional, thresholds)
def test_one_small_cell_hides_at_most_what_its_bounds_require(table: dict, k: int) -> None:
    shown = suppress(table, k=k)
    small = [g for g, v in table.items() if v < k]
    large = sorted(v for v in table.values() if v >= k)
    if len(small) == 1 and len(large) >= 2 and large[0] > k:
        # the smallest large cell (strictly above k) suffices; everything else shows
        assert sum(cell is None for cell in shown.values()) == 1
