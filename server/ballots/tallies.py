"""A ballot's results as the API shows them, and the ranking behind the Verdiepen agenda.

``compute`` always takes every dimension (office, network, province, size) into the
suppression, even when the caller asks for one: tables that share a total must hide it
alike (``server.voting.results``), and a table computed alone could show what another
hides. Only the groups asked for are then sent. Items are listed best first; the order
uses the exact tallies, the numbers shown are the suppressed ones.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from string import ascii_uppercase
from typing import Any, cast

from server.ballots.inputs import Electorate, Votes
from server.stakeholders.population import Dimension, groups_of
from server.suppression import TOTAL, Cell
from server.voting import dots, statements
from server.voting.pairwise import ItemScore, PairVote, PairwiseResult, fit_scores
from server.voting.results import (
    Row,
    dot_results,
    opinion_grouping,
    pairwise_results,
    statement_results,
)
from server.voting.statements import OpinionGroups, consensus, opinion_groups


@dataclass(frozen=True)
class Query:
    """What to show: k (5 on screen, 10 in exports), which groups, weighted by what."""

    k: int
    groups: tuple[str, ...] = ()
    weighted: Dimension | None = None
    opinion: bool = True
    """Compute opinion groups (statements); live counts, which show none, skip it."""


def compute(votes: Votes, electorate: Electorate, query: Query) -> dict[str, Any]:
    """The results of one ballot: overall, per asked group, and the method's extras."""
    titles = {item.id: item.title for item in votes.items}
    view: dict[str, Any] = {"ballot": votes.ballot.id, "method": votes.ballot.method}
    view["k"] = query.k
    minimum = 2 if votes.ballot.method == "pairwise" else 1
    if len(votes.items) < minimum:
        return {**view, "voters": _empty_total(query.k), "items": [], "groups": []}
    match votes.ballot.method:
        case "dots":
            body = _dots(votes, electorate, query)
        case "pairwise":
            body = _pairwise(votes, electorate, query)
        case _:
            body = _statements(votes, electorate, query)
    for row in body["items"]:
        row["title"] = titles[row["id"]]
    return {**view, **body}


def ranking(votes: Votes) -> list[int]:
    """Item ids best first, on the exact (unsuppressed) tallies; ties keep ballot order."""
    ids = votes.ids
    if not ids:
        return []
    match votes.ballot.method:
        case "dots":
            cast_dots = cast(Mapping[Hashable, Mapping[Hashable, int]], votes.dots)
            ranked = dots.tally(cast_dots.values(), ids).ranked()
            return [int(c.item) for c in ranked]  # type: ignore[call-overload]
        case "pairwise":
            if len(ids) < 2:
                return ids
            pooled = [v for vs in votes.pair_votes().values() for v in vs]
            return [int(s.item) for s in fit_scores(ids, pooled).scores]  # type: ignore[call-overload]
    return _statement_order(votes, opinion_groups(ids, votes.statement_votes()))


# --- dots -------------------------------------------------------------------------------------


def _dots(votes: Votes, electorate: Electorate, query: Query) -> dict[str, Any]:
    ids = votes.ids
    ballots = cast(Mapping[Hashable, Mapping[Hashable, int]], votes.dots)
    shown = dot_results(ids, ballots, electorate.groupings(), k=query.k)
    items = [{"id": item, **shown.overall[item]} for item in ranking(votes)]
    groups = [
        _group_block(
            name,
            shown.group_sizes[name],
            {
                group: [{"id": item, **cells[item]} for item in ids]
                for group, cells in shown.by_group[name].items()
            },
        )
        for name in query.groups
        if name in shown.by_group
    ]
    return {"voters": shown.voters, "items": items, "groups": groups}


# --- pairwise ---------------------------------------------------------------------------------


def _score(score: ItemScore) -> dict[str, Any]:
    return {
        "id": score.item,
        "score": round(score.score, 2),
        "low": round(score.low, 2),
        "high": round(score.high, 2),
        "wins": score.wins,
        "losses": score.losses,
        "undecided": score.undecided,
    }


def _scores(result: PairwiseResult | None) -> list[dict[str, Any]] | None:
    return None if result is None else [_score(s) for s in result.scores]


def _pairwise(votes: Votes, electorate: Electorate, query: Query) -> dict[str, Any]:
    ids = votes.ids
    by_voter = cast(Mapping[Hashable, Sequence[PairVote]], votes.pair_votes())
    shown = pairwise_results(ids, by_voter, electorate.groupings(), k=query.k)
    overall = fit_scores(ids, [v for vs in by_voter.values() for v in vs])
    groups = [
        _group_block(
            name,
            shown.group_sizes[name],
            {group: _scores(result) for group, result in shown.by_group[name].items()},
        )
        for name in query.groups
        if name in shown.by_group
    ]
    return {
        "voters": shown.voters,
        "items": [_score(s) for s in overall.scores],
        "answers": {"decided": overall.decided, "undecided": overall.undecided},
        "groups": groups,
    }


# --- statements -------------------------------------------------------------------------------


def _stance_cells(row: Mapping[str, Cell]) -> dict[str, Cell]:
    return {
        "agree": row["agree"],
        "disagree": row["disagree"],
        "pass": row["pass"],
        "seen": row[TOTAL],
    }


def _statements(votes: Votes, electorate: Electorate, query: Query) -> dict[str, Any]:
    ids = votes.ids
    given = votes.statement_votes()
    found = opinion_groups(ids, given) if query.opinion else None
    groupings = electorate.groupings() + ([opinion_grouping(found)] if found else [])
    shown = statement_results(ids, given, groupings, k=query.k)
    order = _statement_order(votes, found) if query.opinion else ids
    items = [{"id": item, **_stance_cells(shown.overall[item])} for item in order]
    groups = []
    for name in query.groups:
        if name not in shown.by_group:
            continue
        per_group: dict[str, list[dict[str, Any]]] = {}
        for item in ids:
            for group, row in shown.by_group[name][item].items():
                if group != TOTAL:
                    per_group.setdefault(group, []).append({"id": item, **_stance_cells(row)})
        groups.append(_group_block(name, shown.group_sizes[name], per_group))
    view: dict[str, Any] = {"voters": shown.participants, "items": items, "groups": groups}
    if query.opinion:
        view["opinion_groups"] = _opinion_view(found, shown.group_sizes.get("opinion"))
        view["consensus"] = _consensus_view(votes, electorate, found, query)
    return view


def _opinion_view(found: OpinionGroups | None, sizes: Row | None) -> dict[str, Any] | None:
    """How the voters split (PCA + k-means); group sizes suppressed; None when too few."""
    if found is None:
        return None
    return {
        "k": found.k,
        "groups": list(ascii_uppercase[: found.k]),
        "silhouette": round(found.silhouette, 3),
        "explained_variance": [round(v, 3) for v in found.explained_variance],
        "sizes": sizes,
    }


def _consensus_view(
    votes: Votes, electorate: Electorate, found: OpinionGroups | None, query: Query
) -> dict[str, Any]:
    """Group-aware consensus per statement, over the opinion groups when there are any,
    else over the first asked partition (office by default); groups under k left out."""
    if found is not None:
        over = "opinion"
        group_of: dict[Hashable, Hashable] = {
            p: ascii_uppercase[label] for p, label in found.labels.items()
        }
    else:
        over = next((g for g in query.groups if g in ("office", "province", "size")), "office")
        dimension = cast(Dimension, over)
        group_of = {p: groups_of(electorate.members[p], dimension)[0] for p in votes.voters()}
    result = consensus(votes.ids, votes.statement_votes(), group_of, min_group_size=query.k)
    return {
        "over": over,
        "groups": [str(g) for g in result.groups],
        "scores": [
            {"id": item, "score": round(result.scores[item], 4)}
            for item in votes.ids
            if item in result.scores
        ],
    }


def _statement_order(votes: Votes, found: OpinionGroups | None) -> list[int]:
    """Statements best first on exact scores: group-aware consensus over the opinion
    groups, or Laplace-smoothed agreement (A + 1) / (S + 2) over everyone."""
    ids = votes.ids
    given = votes.statement_votes()
    scores: Mapping[Hashable, float] = {}
    if found is not None:
        scores = consensus(ids, given, dict(found.labels)).scores
    if not scores:
        scores = {t.statement: (t.agree + 1) / (t.seen + 2) for t in statements.tally(ids, given)}
    return sorted(ids, key=lambda item: -scores[item])


# --- shared -----------------------------------------------------------------------------------


def _group_block(name: str, sizes: Row, per_group: Mapping[str, Any]) -> dict[str, Any]:
    """One dimension: its group sizes (suppressed) and each group's results."""
    return {
        "dimension": name,
        "sizes": sizes,
        "groups": [
            {"group": group, "size": sizes.get(group), "items": rows}
            for group, rows in per_group.items()
        ],
    }


def _empty_total(k: int) -> Cell:
    return f"<{k}"
