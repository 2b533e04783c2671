"""Weighted next to unweighted: what the population would have answered.

Post-stratification (``server.voting.weighting.poststratify``) on one dimension whose
groups do not overlap (office, province or size class) to the population of the
stakeholder map: every default office at every municipality (3 × 342 = 1,026). Shown per
group: population, voters (suppressed), the relative weight and how many office holders
one voter stands for — the last two only beside a shown count. Per-person weights never
leave the server.

Estimates (``compare``) per item, with intervals:
- dots: ``support`` (share of voters who gave the item a dot; Wilson) and ``dots`` (mean
  dots per voter; normal);
- statements: ``agree`` (share agreeing among those who voted on it; Wilson);
- pairwise: ``wins`` (mean over voters of the share of their decided comparisons of the
  item that it won; normal).

Disclosure: a proportion next to its base gives its count away, so an item's estimates
are shown only where the overall counts they come from are shown. Voters whose group is
too small to be weighted (1 to k − 1 of them) or outside the population would count in
the unweighted result only, so the difference would speak about them: then no estimates
are shown at all (the weights table still is). See docs/voting.md.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Final

from server.ballots.inputs import Electorate, Votes
from server.stakeholders.population import DEFAULT_OFFICES, Dimension, groups_of, population_sizes
from server.voting.results import weights_view
from server.voting.weighting import Estimate, Weights, compare, poststratify

WEIGHTABLE: Final = ("office", "province", "size")
"""Dimensions whose groups do not overlap (a municipality can be in several networks)."""
POPULATION_OFFICES: Final = DEFAULT_OFFICES
WITHHELD: Final = (
    "De gewogen uitslag wordt niet getoond: een groep heeft te weinig stemmers om mee te "
    "wegen, en het verschil met de ongewogen uitslag zou iets over hen zeggen."
)

Values = dict[int, dict[Hashable, float]]


def weighted_view(
    votes: Votes, electorate: Electorate, overall: dict[str, Any], dimension: Dimension, k: int
) -> dict[str, Any]:
    """Weights per group and, where allowed, weighted and unweighted estimates per item."""
    population = {
        group: size
        for group, size in population_sizes(
            electorate.smap.organisations.values(), dimension, offices=POPULATION_OFFICES
        ).items()
        if size > 0
    }
    view: dict[str, Any] = {"dimension": dimension, "items": None}
    if not population:
        return {**view, "message": "Er is geen stakeholderkaart om naar te wegen."}
    voters = votes.voters()
    group_of: dict[Hashable, str] = {}
    for voter in voters:
        group = groups_of(electorate.members[voter], dimension)[0]
        if group in population:
            group_of[voter] = group
    weights = poststratify(group_of, population, min_respondents=k)
    view.update(
        population_total=weights.population_total,
        groups=_groups(weights, k),
        missing=list(weights.missing),
    )
    outside = len(voters) - len(group_of)
    small = [w for w in weights.groups if 0 < w.respondents < k]
    if small or 0 < outside < k or not isinstance(overall["voters"], int):
        return {**view, "message": WITHHELD}
    of: dict[Hashable, float] = {voter: weights.of.get(voter, 0.0) for voter in voters}
    view["items"] = _estimates(votes, overall, of)
    return view


def _groups(weights: Weights, k: int) -> list[dict[str, Any]]:
    """Per group: population, voters, relative weight and office holders per voter."""
    shown = weights_view(weights, k=k)
    covered = [w for w in weights.groups if w.weight is not None]
    covered_population = sum(w.population for w in covered)
    rows = []
    for w in weights.groups:
        cells = shown[w.group]
        represents = None
        if cells["weight"] is not None and w.respondents:
            share = w.population / covered_population
            represents = round(share * weights.population_total / w.respondents, 4)
        weight = cells["weight"]
        rows.append(
            {
                "group": w.group,
                "population": w.population,
                "voters": cells["respondents"],
                "weight": round(weight, 4) if isinstance(weight, float) else None,
                "represents": represents,
            }
        )
    return rows


def _estimates(
    votes: Votes, overall: dict[str, Any], of: Mapping[Hashable, float]
) -> list[dict[str, Any]]:
    shown = {row["id"]: row for row in overall["items"]}
    measures = _values(votes)
    rows = []
    for item in votes.ids:
        row: dict[str, Any] = {"id": item}
        for measure, values in measures.items():
            if not _shown(votes.ballot.method, shown[item]):
                row[measure] = None
                continue
            one: dict[Hashable, Mapping[Hashable, float]] = {item: values[item]}
            (comparison,) = compare(one, of)
            row[measure] = {
                "unweighted": _estimate(comparison.unweighted),
                "weighted": _estimate(comparison.weighted),
            }
        rows.append(row)
    return rows


def _shown(method: str, row: Mapping[str, Any]) -> bool:
    """Whether the overall counts an item's estimates come from are shown."""
    needed = {"dots": ("voters", "dots"), "statements": ("agree", "seen")}.get(method, ())
    return all(isinstance(row[key], int) for key in needed)


def _values(votes: Votes) -> dict[str, Values]:
    """Per measure, per item, each voter's value."""
    voters = votes.voters()
    ids = votes.ids
    if votes.ballot.method == "dots":
        given = {v: votes.dots.get(v, {}) for v in voters}
        return {
            "support": {i: {v: float(given[v].get(i, 0) > 0) for v in voters} for i in ids},
            "dots": {i: {v: float(given[v].get(i, 0)) for v in voters} for i in ids},
        }
    if votes.ballot.method == "statements":
        agree: Values = {i: {} for i in ids}
        for voter, item, stance in votes.stances:
            agree[item][voter] = float(stance == 1)
        return {"agree": agree}
    won: dict[int, dict[str, list[int]]] = {i: {} for i in ids}
    for voter, cast in votes.pair_votes().items():
        for vote in cast:
            if vote.decided:
                for side, result in ((vote.winner, 1), (vote.loser, 0)):
                    won[int(side)].setdefault(voter, []).append(result)  # type: ignore[call-overload]
    return {"wins": {i: {v: sum(r) / len(r) for v, r in won[i].items()} for i in ids}}


def _estimate(found: Estimate) -> dict[str, Any]:
    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 4)

    return {"mean": r(found.mean), "low": r(found.low), "high": r(found.high)}
