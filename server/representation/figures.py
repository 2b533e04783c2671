"""Counting people per group, and protecting every count of one answer together.

Per group (and per crosstab cell) the counts are:

- ``population``: office holders of the population (public reference data, still
  suppressed: every number shown passes ``suppress``);
- invitees: ``invited = not_joined + joined`` and ``joined = joined_inactive + active``;
- self-declared participants (open links, never invited): ``declared_joined =
  declared_inactive + declared_active``;
- ``contributions`` written by the group's invitees, ``declared_contributions`` by its
  self-declared participants; ``all_contributions`` is their sum over everybody.

``not_joined``, ``joined_inactive`` and ``declared_inactive`` are never published but
are protected like any cell: ten joined and nine active tells that one person joined and
never took part. Each table goes through ``suppress`` first; a contributions count from
fewer than k different writers is hidden too (a count describes its writers: four people
writing twelve contributions are still four people); then ``protect.harden`` hides more
until nothing hidden can be worked out from the whole answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, TypeAlias, cast

from server.representation.groups import Partition
from server.representation.protect import Reader, System, harden
from server.stakeholders.population import Member
from server.suppression import TOTAL, suppress

Scope: TypeAlias = tuple[str, ...]
"""``("total",)``, ``("group", partition, group)`` or ``("cell", p1, g1, p2, g2)``."""
Key: TypeAlias = tuple[str, Scope]

TOTAL_SCOPE: Final[Scope] = ("total",)
PUBLISHED: Final = (
    "population",
    "invited",
    "joined",
    "active",
    "declared_joined",
    "declared_active",
    "contributions",
    "declared_contributions",
)
INTERNAL: Final = ("not_joined", "joined_inactive", "declared_inactive")
STATS: Final = PUBLISHED + INTERNAL
WRITERS: Final = {"contributions": "writers", "declared_contributions": "declared_writers"}
ALL_CONTRIBUTIONS: Final[Key] = ("all_contributions", TOTAL_SCOPE)
INVITED_FAMILY: Final = (
    "invited",
    "not_joined",
    "joined",
    "joined_inactive",
    "active",
    "contributions",
)
"""Figures that are 0 wherever nobody was invited (facilitators see their invitations)."""
KNOWN_TO_FACILITATORS: Final = ("population", "invited", "not_joined", "joined")
"""The public map, and the invitation list (profile and whether it was used, per invitation)."""
BASE: Final = {"population": "population"} | dict.fromkeys(INVITED_FAMILY, "invited")
"""The count whose zero makes a figure a known zero (self-declared figures have none)."""
RELATIONS: Final = (
    ("invited", ("not_joined", "joined")),
    ("joined", ("joined_inactive", "active")),
    ("declared_joined", ("declared_inactive", "declared_active")),
)


@dataclass(frozen=True)
class Person:
    """One invitation (``invited``) or one self-declared participant, with what they did
    within the answer's filters. Nothing here links to what they wrote."""

    member: Member
    invited: bool
    joined: bool
    active: bool
    contributions: int = 0

    def stats(self) -> dict[str, int]:
        """What this person adds to the counts of each group they are in."""
        wrote = int(self.contributions > 0)
        if not self.invited:
            stage = "declared_active" if self.active else "declared_inactive"
            return {
                "declared_joined": 1,
                stage: 1,
                "declared_contributions": self.contributions,
                "declared_writers": wrote,
            }
        if not self.joined:
            return {"invited": 1, "not_joined": 1}
        stage = "active" if self.active else "joined_inactive"
        return {
            "invited": 1,
            "joined": 1,
            stage: 1,
            "contributions": self.contributions,
            "writers": wrote,
        }


@dataclass(frozen=True)
class Layout:
    """What one answer counts: the partitions of its dimensions, and a crosstab's pairs."""

    parts: tuple[Partition, ...]
    pairs: tuple[tuple[Partition, Partition], ...] = ()

    def scopes(self) -> Iterator[tuple[Scope, int, bool]]:
        """Every scope with its hiding cost class and whether it is never published."""
        yield TOTAL_SCOPE, 2, False
        for p in self.parts:
            for g in p.every:
                yield ("group", p.name, g), 1, g in p.internal
        for p1, p2 in self.pairs:
            for g1 in p1.every:
                for g2 in p2.every:
                    internal = g1 in p1.internal or g2 in p2.internal
                    yield ("cell", p1.name, g1, p2.name, g2), 0, internal


def tally(people: Iterable[Person], population: Iterable[Member], layout: Layout) -> Counter[Key]:
    """Every count of the layout (a missing key is 0)."""
    counts: Counter[Key] = Counter()
    for person in people:
        _add(counts, layout, person.member, person.stats())
    for member in population:
        _add(counts, layout, member, {"population": 1})
    return counts


def _add(counts: Counter[Key], layout: Layout, member: Member, stats: Mapping[str, int]) -> None:
    groups = {p.name: p.classify(member) for p in layout.parts}
    scopes: list[Scope] = [TOTAL_SCOPE, *(("group", n, g) for n, g in groups.items())]
    scopes += [("cell", a.name, groups[a.name], b.name, groups[b.name]) for a, b in layout.pairs]
    for scope in scopes:
        for stat, value in stats.items():
            counts[(stat, scope)] += value


def protected_system(counts: Mapping[Key, int], layout: Layout, k: int) -> System:
    """Every published count of the layout, suppressed table by table, then as a whole.

    The result depends on the counts alone, so it is cached: the facilitators watching one
    dialogue refetch the same view after each signal, and it is computed once. Treat the
    returned system as read-only.
    """
    return _protected(frozenset(counts.items()), layout, k)


@lru_cache(maxsize=32)
def _protected(items: frozenset[tuple[Key, int]], layout: Layout, k: int) -> System:
    counts = dict(items)
    system = System(k)
    for scope, rank, internal in layout.scopes():
        for stat in STATS:
            system.add(
                (stat, scope),
                counts.get((stat, scope), 0),
                rank=rank,
                internal=internal or stat in INTERNAL,
            )
    total = sum(counts.get((s, TOTAL_SCOPE), 0) for s in WRITERS)
    system.add(ALL_CONTRIBUTIONS, total, rank=2)
    _mark_empty(system, counts, layout)
    _relate(system, layout)
    _suppress_tables(system, counts, layout, k)
    _writer_threshold(system, counts, layout, k)
    return harden(system, readers(system))


def readers(system: System) -> tuple[Reader, ...]:
    """Whom the answer is protected against: a reader of the answer alone (an export passed
    on), and a facilitator, who sees every invitation and whether it was used."""
    known = system.cells(lambda key: cast(Key, key)[0] in KNOWN_TO_FACILITATORS)
    return Reader("answer"), Reader("facilitator", known)


def _mark_empty(system: System, counts: Mapping[Key, int], layout: Layout) -> None:
    """Zeros every reader knows: outside the public population, or where nobody was invited.

    They print "<k" but need no protection, and tables leave them out, so a province
    nobody was invited from costs no other province its figures.
    """
    for scope, _, _ in layout.scopes():
        if counts.get(("population", scope), 0) == 0:
            system.mark_empty(("population", scope))
        if counts.get(("invited", scope), 0) == 0:
            for stat in INVITED_FAMILY:
                system.mark_empty((stat, scope))


def _present(counts: Mapping[Key, int], p: Partition, base: str | None) -> list[str]:
    """The groups of a partition whose figures for ``base`` are not known zeros."""
    if base is None:
        return list(p.every)
    return [g for g in p.every if counts.get((base, ("group", p.name, g)), 0) > 0]


# --- the lines ------------------------------------------------------------------------------


def _relate(system: System, layout: Layout) -> None:
    for scope, _, _ in layout.scopes():
        for whole, (first, second) in RELATIONS:
            system.line([((whole, scope), -1), ((first, scope), 1), ((second, scope), 1)])
    system.line(
        [
            (("contributions", TOTAL_SCOPE), 1),
            (("declared_contributions", TOTAL_SCOPE), 1),
            (ALL_CONTRIBUTIONS, -1),
        ]
    )
    for p in layout.parts:
        for stat in STATS:
            terms = [((stat, ("group", p.name, g)), 1) for g in p.every]
            system.line([*terms, ((stat, TOTAL_SCOPE), -1)])
    for p1, p2 in layout.pairs:
        for stat in STATS:
            for g1 in p1.every:
                cells = [((stat, ("cell", p1.name, g1, p2.name, g2)), 1) for g2 in p2.every]
                system.line([*cells, ((stat, ("group", p1.name, g1)), -1)])
            for g2 in p2.every:
                cells = [((stat, ("cell", p1.name, g1, p2.name, g2)), 1) for g1 in p1.every]
                system.line([*cells, ((stat, ("group", p2.name, g2)), -1)])


# --- table by table through suppress ---------------------------------------------------------


class _Verdicts:
    """Applies what ``suppress`` hid, table by table.

    A cell hidden in any table stays hidden, except the grand totals: every table of every
    partition ends in them, and one lopsided table (everybody in one group: that group
    equals the total, so the empty groups follow from the two) would blank every share and
    index of the answer. A grand total is shown when at least one table showed it; if that
    exposes a cell, ``harden`` hides the cheaper inner cells instead (the lopsided group).
    """

    def __init__(self, system: System) -> None:
        self.system = system
        self.totals: dict[Key, bool] = {}

    def apply(self, shown: Mapping[str, object], key_of: Mapping[str, Key]) -> None:
        for name, value in shown.items():
            key = key_of[name]
            if key not in self.system:
                continue
            if key[1] == TOTAL_SCOPE:
                self.totals[key] = self.totals.get(key, False) or isinstance(value, int)
            elif not isinstance(value, int):
                self.system.hide(key)

    def finish(self) -> None:
        for key, shown_somewhere in self.totals.items():
            if not shown_somewhere:
                self.system.hide(key)


def _group(p: Partition, group: str) -> Scope:
    return TOTAL_SCOPE if group == TOTAL else ("group", p.name, group)


def _one(
    verdicts: _Verdicts,
    counts: Mapping[Key, int],
    p: Partition,
    stat: str,
    base: str | None,
    k: int,
) -> None:
    groups = _present(counts, p, base)
    if not groups:
        return
    table = {g: counts.get((stat, ("group", p.name, g)), 0) for g in groups}
    keys = {g: (stat, _group(p, g)) for g in [*groups, TOTAL]}
    verdicts.apply(suppress(table, k=k), keys)


def _funnel(
    verdicts: _Verdicts,
    counts: Mapping[Key, int],
    p: Partition,
    whole: str,
    parts: tuple[str, str],
    base: str | None,
    k: int,
) -> None:
    """A crosstab of groups × two stages whose row totals are ``whole``."""
    groups = _present(counts, p, base)
    if not groups:
        return
    table = {g: {s: counts.get((s, ("group", p.name, g)), 0) for s in parts} for g in groups}
    for g, row in suppress(table, k=k).items():
        assert isinstance(row, dict)
        keys = {s: (s, _group(p, g)) for s in parts} | {TOTAL: (whole, _group(p, g))}
        verdicts.apply(row, keys)


def _crosstab(
    verdicts: _Verdicts,
    counts: Mapping[Key, int],
    pair: tuple[Partition, Partition],
    stat: str,
    k: int,
) -> None:
    """Each row and each column of a crosstab as its own table, known zeros left out (a
    rectangle must keep them, and ``suppress`` would guard them as if secret); ``harden``
    then checks the rows and columns together."""
    p1, p2 = pair
    base = BASE.get(stat)

    def cell(g1: str, g2: str) -> Key:
        return (stat, ("cell", p1.name, g1, p2.name, g2))

    def present(key: Key) -> bool:
        return base is None or counts.get((base, key[1]), 0) > 0

    lines = [((stat, _group(p1, g1)), [cell(g1, g2) for g2 in p2.every]) for g1 in p1.every]
    lines += [((stat, _group(p2, g2)), [cell(g1, g2) for g1 in p1.every]) for g2 in p2.every]
    for margin, cells in lines:
        kept = [c for c in cells if present(c)]
        if not kept:
            continue
        table = {str(i): counts.get(c, 0) for i, c in enumerate(kept)}
        keys = {str(i): c for i, c in enumerate(kept)} | {TOTAL: margin}
        verdicts.apply(suppress(table, k=k), keys)


def _suppress_tables(system: System, counts: Mapping[Key, int], layout: Layout, k: int) -> None:
    verdicts = _Verdicts(system)
    for p in layout.parts:
        _one(verdicts, counts, p, "population", "population", k)
        _one(verdicts, counts, p, "contributions", "invited", k)
        _one(verdicts, counts, p, "declared_contributions", None, k)
        _funnel(verdicts, counts, p, "invited", ("not_joined", "joined"), "invited", k)
        _funnel(verdicts, counts, p, "joined", ("joined_inactive", "active"), "invited", k)
        declared = ("declared_inactive", "declared_active")
        _funnel(verdicts, counts, p, "declared_joined", declared, None, k)
    both = {s: counts.get((s, TOTAL_SCOPE), 0) for s in WRITERS}
    if counts.get(("invited", TOTAL_SCOPE), 0) == 0:
        both.pop("contributions")
    keys = {s: (s, TOTAL_SCOPE) for s in WRITERS} | {TOTAL: ALL_CONTRIBUTIONS}
    verdicts.apply(suppress(both, k=k), keys)
    for pair in layout.pairs:
        for stat in PUBLISHED:
            _crosstab(verdicts, counts, pair, stat, k)
    verdicts.finish()


def _writer_threshold(system: System, counts: Mapping[Key, int], layout: Layout, k: int) -> None:
    """A contributions count from fewer than k writers describes fewer than k people."""
    for scope, _, _ in layout.scopes():
        for stat, writers in WRITERS.items():
            if counts.get((writers, scope), 0) < k:
                system.hide((stat, scope))
    if sum(counts.get((w, TOTAL_SCOPE), 0) for w in WRITERS.values()) < k:
        system.hide(ALL_CONTRIBUTIONS)
