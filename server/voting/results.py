"""Results per group (office, network, province, size class, opinion group), suppressed.

Every count of people shown per group goes through ``server.suppression.suppress``
with the caller's ``k`` (``SCREEN_K`` = 5 on screen, ``EXPORT_K`` = 10 in exports):
a count under k becomes ``"<k"``, a complementary hidden one ``None``.

- People per group: a 1-D table per grouping (its total is the number of voters).
- Statements: per statement and grouping a crosstab group × agree/disagree/pass, row
  totals = who saw it in the group, margin row = the overall tally.
- Dots: per grouping a crosstab group × item of *voters who gave the item a dot*; the
  dots themselves (a magnitude, not people) are shown only where that count is, so they
  inherit its protection: the hidden pattern has no cell that sums can single out, and
  the dots table has the same sums. Row totals (voters summed over items) mean nothing
  and are not shown.
- Pairwise: scores per group only for groups whose number of voters is shown.
- Weights: respondents per group suppressed; a weight is shown only beside a shown count
  (weight and population give the count away).

Tables that share a total must show it alike, or one reveals what another hides: the
margin row of every *partition* grouping (office, province, size) is the overall
tally, so a total hidden in one table is hidden in all and in ``overall``. Hiding more
never reveals more. Networks overlap and opinion groups leave people out, so their
tables' margin rows are not overall figures and are not shown at all.

``hidden_until_closed`` is a per-round flag the caller keeps: while it is set and the
round is open, participants see no results (no bandwagon), facilitators do. The math
here is the same either way; ``results_visible`` is the one rule.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from string import ascii_uppercase
from typing import Final

from server.suppression import SCREEN_K, TOTAL, Cell, suppress
from server.voting.pairwise import PairVote, PairwiseResult, fit_scores
from server.voting.statements import OpinionGroups, Stance, StatementVote, latest
from server.voting.weighting import Weights

OVERLAPPING: Final = frozenset({"network"})
"""Dimensions in which one person can be in several groups (or in none)."""
STANCE_COLUMNS: Final = {"agree": Stance.AGREE, "disagree": Stance.DISAGREE, "pass": Stance.PASS}

Row = dict[str, Cell]
Table = dict[str, Row]


@dataclass(frozen=True)
class Grouping:
    """One way to split voters: person → its groups (one, unless not a ``partition``),
    and the groups always listed, in order, even when empty."""

    name: str
    groups_of: Mapping[Hashable, tuple[str, ...]]
    order: tuple[str, ...] = ()
    partition: bool = True


@dataclass(frozen=True)
class StatementResults:
    """Per statement: the overall tally and, per grouping, the group × stance table."""

    k: int
    participants: Cell
    overall: dict[Hashable, Row]
    group_sizes: dict[str, Row]
    by_group: dict[str, dict[Hashable, Table]]


@dataclass(frozen=True)
class DotResults:
    """Per item: voters and dots overall and, per grouping and group, the same."""

    k: int
    voters: Cell
    overall: dict[Hashable, Row]
    group_sizes: dict[str, Row]
    by_group: dict[str, dict[str, dict[Hashable, Row]]]


@dataclass(frozen=True)
class PairwiseGroupResults:
    """Voters per group, and scores for the groups whose count is shown (else ``None``)."""

    k: int
    voters: Cell
    group_sizes: dict[str, Row]
    by_group: dict[str, dict[str, PairwiseResult | None]]


def grouping(
    name: str, groups_of: Mapping[Hashable, Sequence[str]], order: Sequence[str] = ()
) -> Grouping:
    """A grouping of a population dimension; networks are the one that overlaps."""
    frozen = {person: tuple(groups) for person, groups in groups_of.items()}
    return Grouping(name, frozen, tuple(order), partition=name not in OVERLAPPING)


def opinion_grouping(groups: OpinionGroups) -> Grouping:
    """Opinion groups as a grouping "A", "B", … (largest first); not a partition, as
    participants with few votes are in none."""
    labels = tuple(ascii_uppercase[i] for i in range(groups.k))
    groups_of = {p: (labels[label],) for p, label in groups.labels.items()}
    return Grouping("opinion", groups_of, labels, partition=False)


def results_visible(*, hidden_until_closed: bool, closed: bool, moderator: bool) -> bool:
    """Whether a viewer may see a round's results now."""
    return moderator or closed or not hidden_until_closed


def group_sizes(grouping: Grouping, people: Collection[Hashable], *, k: int = SCREEN_K) -> Row:
    """People per group, suppressed; the total only for a partition."""
    members = _members(grouping, people)
    if not members:
        return {}  # no group listed and nobody in one (no network memberships known)
    table: Row = suppress({g: len(m) for g, m in members.items()}, k=k)  # type: ignore[assignment]
    if not grouping.partition:
        del table[TOTAL]
    return table


def statement_results(
    statements: Sequence[Hashable],
    votes: Sequence[StatementVote],
    groupings: Sequence[Grouping],
    *,
    k: int = SCREEN_K,
) -> StatementResults:
    """Agree/disagree/pass per statement, overall and per group of each grouping."""
    stances = latest(votes)
    people = tuple(dict.fromkeys(p for p, _ in stances))
    overall: dict[Hashable, Row] = {}
    for statement in statements:
        given = [stance for (_, s), stance in stances.items() if s == statement]
        counts = {col: given.count(stance) for col, stance in STANCE_COLUMNS.items()}
        overall[statement] = suppress(counts, k=k)  # type: ignore[assignment]
    sizes = {g.name: group_sizes(g, people, k=k) for g in groupings}
    by_group: dict[str, dict[Hashable, Table]] = {}
    for g in groupings:
        members = _members(g, people)
        by_group[g.name] = {
            s: _crosstab(
                g,
                {
                    group: {
                        col: sum(stances.get((p, s)) == stance for p in ids)
                        for col, stance in STANCE_COLUMNS.items()
                    }
                    for group, ids in members.items()
                },
                k,
            )
            for s in statements
        }
    for s in statements:
        _unify([overall[s], *(by_group[g.name][s][TOTAL] for g in groupings if g.partition)])
    return StatementResults(
        k, _shared_total(len(people), sizes, groupings, k), overall, sizes, by_group
    )


def dot_results(
    items: Sequence[Hashable],
    ballots: Mapping[Hashable, Mapping[Hashable, int]],
    groupings: Sequence[Grouping],
    *,
    k: int = SCREEN_K,
) -> DotResults:
    """Voters (with a dot on the item) and dots per item, overall and per group."""
    if not items:
        raise ValueError("a dot vote needs at least one item")
    people = tuple(ballots)
    column = {item: str(i) for i, item in enumerate(items)}  # no item can clash with TOTAL
    overall = {item: _overall_dots(item, ballots, k) for item in items}
    sizes = {g.name: group_sizes(g, people, k=k) for g in groupings}
    by_group: dict[str, dict[str, dict[Hashable, Row]]] = {}
    for g in groupings:
        members = _members(g, people)
        voters = {
            group: {column[item]: sum(bool(ballots[p].get(item)) for p in ids) for item in items}
            for group, ids in members.items()
        }
        shown = _crosstab(g, voters, k)
        by_group[g.name] = {
            group: {
                item: _dots_cell(
                    shown[group][column[item]], sum(ballots[p].get(item, 0) for p in ids)
                )
                for item in items
            }
            for group, ids in members.items()
        }
        if g.partition:
            for item in items:
                _unify([overall[item], {"voters": shown[TOTAL][column[item]]}])
    for row in overall.values():
        row["dots"] = row["dots"] if isinstance(row["voters"], int) else None
    return DotResults(k, _shared_total(len(people), sizes, groupings, k), overall, sizes, by_group)


def pairwise_results(
    items: Sequence[Hashable],
    votes_by_voter: Mapping[Hashable, Sequence[PairVote]],
    groupings: Sequence[Grouping],
    *,
    k: int = SCREEN_K,
) -> PairwiseGroupResults:
    """Bradley–Terry scores per group, for the groups whose number of voters is shown."""
    people = tuple(votes_by_voter)
    sizes = {g.name: group_sizes(g, people, k=k) for g in groupings}
    by_group: dict[str, dict[str, PairwiseResult | None]] = {}
    for g in groupings:
        by_group[g.name] = {
            group: fit_scores(items, [v for p in ids for v in votes_by_voter[p]])
            if isinstance(sizes[g.name][group], int)
            else None
            for group, ids in _members(g, people).items()
        }
    return PairwiseGroupResults(k, _shared_total(len(people), sizes, groupings, k), sizes, by_group)


def weights_view(weights: Weights, *, k: int = SCREEN_K) -> dict[str, dict[str, Cell | float]]:
    """Per group: population (public), respondents (suppressed) and weight, shown only
    beside a shown count; a missing group has none."""
    shown: Row = suppress({w.group: w.respondents for w in weights.groups}, k=k)  # type: ignore[assignment]
    return {
        w.group: {
            "population": w.population,
            "respondents": shown[w.group],
            "weight": w.weight if isinstance(shown[w.group], int) else None,
        }
        for w in weights.groups
    }


def _members(grouping: Grouping, people: Collection[Hashable]) -> dict[str, list[Hashable]]:
    """Group → its people: the listed groups first (empty ones too), then others met."""
    members: dict[str, list[Hashable]] = {group: [] for group in grouping.order}
    for person in people:
        groups = grouping.groups_of.get(person, ())
        if grouping.partition and len(groups) != 1:
            raise ValueError(f"in {grouping.name!r} everyone needs exactly one group")
        for group in groups:
            members.setdefault(group, []).append(person)
    return members


def _crosstab(grouping: Grouping, counts: Mapping[str, Mapping[str, int]], k: int) -> Table:
    """A suppressed group × column table; its margin row only for a partition."""
    if not counts:
        return {}
    table: Table = suppress(counts, k=k)  # type: ignore[assignment]
    if not grouping.partition:
        del table[TOTAL]
    return table


def _unify(rows: Sequence[Row], keys: Collection[str] | None = None) -> None:
    """Show each shared cell alike in every row: hidden if any row hides it."""
    if not rows:
        return
    for key in rows[0] if keys is None else keys:
        cells = [row[key] for row in rows if key in row]
        value: Cell = cells[0]
        if any(c is None for c in cells):
            value = None
        elif any(isinstance(c, str) for c in cells):
            value = next(c for c in cells if isinstance(c, str))
        for row in rows:
            if key in row:
                row[key] = value


def _shared_total(
    count: int, sizes: Mapping[str, Row], groupings: Sequence[Grouping], k: int
) -> Cell:
    """The number of voters, shown alike overall and as every partition's total."""
    overall: Row = {TOTAL: _alone(count, k)}
    _unify([overall, *(sizes[g.name] for g in groupings if g.partition)], keys=(TOTAL,))
    return overall[TOTAL]


def _alone(count: int, k: int) -> Cell:
    """A count no published sum ties to others: suppress leaves it or makes it ``"<k"``."""
    return suppress({"n": count}, k=k)["n"]  # type: ignore[return-value]


def _overall_dots(
    item: Hashable, ballots: Mapping[Hashable, Mapping[Hashable, int]], k: int
) -> Row:
    voters = sum(bool(ballot.get(item)) for ballot in ballots.values())
    return {"voters": _alone(voters, k), "dots": sum(b.get(item, 0) for b in ballots.values())}


def _dots_cell(voters: Cell, dots: int) -> Row:
    """A group's voters and dots on one item; the dots only where the voters are shown."""
    return {"voters": voters, "dots": dots if isinstance(voters, int) else None}
