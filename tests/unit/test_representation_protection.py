"""Properties of the representation monitor's answers, over random stakeholder maps, random
invitations, joins and activity, and every query the API allows (one dimension, all four,
every ordered pair as a crosstab; k = 5 and the export's k = 10; every step filter).

For each answer: no count under k is printed; every printed count is the true one; a
share, rate or index appears only where its counts do (and then equals them); and no
hidden count can be recovered from the answer, by a reader with the answer alone or by a
facilitator who also knows the invitation list (an independent LP attacker, see
``representation_audit``).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import permutations
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.invitations.profiles import StakeholderMap
from server.representation.figures import Person, protected_system, readers, tally
from server.representation.groups import network_none
from server.representation.service import POPULATION_OFFICES, Inputs, Query, compute, layout
from server.representation.service import people as released_people
from server.representation.view import group_rows
from server.stakeholders.population import (
    DEFAULT_OFFICES,
    DIMENSIONS,
    Member,
    groups_of,
    members,
    network_unknown,
)
from server.stakeholders.reference import Organisation
from server.suppression import EXPORT_K, SCREEN_K
from storage.representation import Act, ProfileRow
from tests.unit.representation_audit import recovered

NETWORKS = ("G4", "P10")
PROVINCES = ("Utrecht", "Zeeland", "Flevoland")
QUERIES = [(d,) for d in DIMENSIONS] + [DIMENSIONS] + list(permutations(DIMENSIONS, 2))
START = datetime(2026, 3, 1, tzinfo=UTC)
COUNTS = ("population", "invited", "joined", "active", "contributions")


def pseudonym(participant_id: int) -> str:
    return f"p{participant_id}"


# --- random worlds --------------------------------------------------------------------------

membership = st.sampled_from([True, False, None])


@st.composite
def organisations(draw: st.DrawFn) -> list[Organisation]:
    count = draw(st.integers(1, 4))
    return [
        Organisation(
            code=f"GM{i:04d}",
            name=f"Gemeente {i}",
            province=draw(st.sampled_from(PROVINCES)),
            population=draw(st.sampled_from([8_000, 30_000, 70_000, 150_000, None])),
            networks={n: draw(membership) for n in NETWORKS},
        )
        for i in range(count)
    ]


@st.composite
def worlds(draw: st.DrawFn) -> tuple[StakeholderMap, Inputs, Query]:
    orgs = draw(organisations())
    smap = StakeholderMap({o.code: o for o in orgs}, DEFAULT_OFFICES, {}, NETWORKS)
    profiles = []
    for i in range(draw(st.integers(0, 22))):
        office = draw(st.sampled_from(DEFAULT_OFFICES))
        where = draw(st.sampled_from([*smap.organisations, "province-only"]))
        municipality = None if where == "province-only" else where
        province = draw(st.sampled_from(PROVINCES)) if municipality is None else None
        invited = draw(st.booleans())
        joined = not invited or draw(st.booleans())
        network = draw(st.sampled_from([None, "G4"])) if not invited else None
        profiles.append(
            ProfileRow(
                office, municipality, network, province, None, i if joined else None, invited
            )
        )
    joined_ids = [p.participant_id for p in profiles if p.participant_id is not None]
    acts = []
    if joined_ids:
        for _ in range(draw(st.integers(0, 40))):
            who = draw(st.sampled_from(joined_ids))
            minute = draw(st.integers(0, 30))
            acts.append(
                Act(
                    pseudonym(who),
                    START + timedelta(minutes=minute),
                    contribution=draw(st.booleans()),
                    in_workshop=draw(st.booleans()),
                )
            )
    changes = [
        (
            START + timedelta(minutes=draw(st.integers(0, 30))),
            draw(st.sampled_from([3, 4, 6])),
            draw(st.sampled_from(["open", "closed"])),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    query = Query(
        draw(st.sampled_from(QUERIES)),
        step=draw(st.sampled_from([None, 3, 4, 6])),
        k=draw(st.sampled_from([SCREEN_K, SCREEN_K, EXPORT_K])),
    )
    return smap, Inputs(smap, profiles, acts, changes), query


# --- the truth, counted here --------------------------------------------------------------


def group_of(member: Member, dimension: str, group: str) -> bool:
    found = groups_of(member, dimension)  # type: ignore[arg-type]
    if dimension == "network" and group.endswith(": geen lid"):
        name = group.split(":")[0]
        return name not in found and network_unknown(name) not in found
    return group in found


def truth(people: list[Person], population: list[Member], where: Any) -> dict[str, int]:
    """The true counts of the people (and population members) for which ``where`` holds."""
    counts: Counter[str] = Counter()
    counts["population"] = sum(1 for m in population if where(m))
    for p in people:
        if not where(p.member):
            continue
        if p.invited:
            counts["invited"] += 1
            counts["joined"] += p.joined
            counts["active"] += p.active
            counts["contributions"] += p.contributions
        else:
            counts["sd_joined"] += 1
            counts["sd_active"] += p.active
            counts["sd_contributions"] += p.contributions
    return counts


def check_count(shown: object, true: int, k: int) -> None:
    assert shown is None or shown == f"<{k}" or (isinstance(shown, int) and shown >= k), shown
    if isinstance(shown, int):
        assert shown == true
    elif shown == f"<{k}":
        assert true < k
    else:
        assert true >= k


def check_row(row: dict[str, Any], true: Counter[str], total: dict[str, Any], k: int) -> None:
    for name in COUNTS:
        check_count(row[name], true[name], k)
    declared = row["self_declared"]
    check_count(declared["joined"], true["sd_joined"], k)
    check_count(declared["active"], true["sd_active"], k)
    check_count(declared["contributions"], true["sd_contributions"], k)
    counts = [row["joined"], total["joined"], row["population"], total["population"]]
    if row["index"] is not None:
        assert all(isinstance(c, int) for c in counts)
        assert row["index"] == round((counts[0] / counts[1]) / (counts[2] / counts[3]), 3)
    if row["rate"] is not None:
        assert isinstance(row["joined"], int) and isinstance(row["population"], int)
    for name, share in row["shares"].items():
        if share is not None:
            assert isinstance(row[name], int) and isinstance(total[name], int)
            assert share == round(row[name] / total[name], 4)


# --- the properties -------------------------------------------------------------------------


@pytest.mark.timeout(900)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_no_answer_prints_a_small_count_or_lets_a_hidden_one_be_worked_out(
    world: tuple[StakeholderMap, Inputs, Query],
) -> None:
    smap, inputs, query = world
    k = query.k
    answer = compute(inputs, query, pseudonym)
    population = list(members(smap.organisations.values(), POPULATION_OFFICES))
    found, _ = released_people(inputs, query, pseudonym)

    assert answer["k"] == k
    total = answer["totals"]
    everyone = truth(found, population, lambda m: True)
    for name in COUNTS:
        check_count(total[name], everyone[name], k)
    for row in answer["groups"]:
        true = truth(found, population, lambda m, r=row: group_of(m, r["dimension"], r["group"]))
        check_row(row, true, total, k)
    if answer["crosstab"] is not None:
        first, second = query.dimensions
        for cell in answer["crosstab"]["cells"]:
            true = truth(
                found,
                population,
                lambda m, c=cell: group_of(m, first, c["row"]) and group_of(m, second, c["column"]),
            )
            check_row(cell, true, total, k)

    # No reader recovers a hidden count: the same system the answer was rendered from.
    shape = layout(query.dimensions, smap, [p.member for p in found] + population)
    system = protected_system(tally(found, population, shape), shape, k)
    assert group_rows(system, shape.parts) == answer["groups"]
    answer_alone, facilitator = readers(system)
    assert recovered(system, answer_alone.knows) == []
    # A facilitator knows who joined: from that and the printed forms alone ("<5": 0 … 4,
    # null: 5 or more) some counts follow whatever is printed (exactly five joined and the
    # active count is null: all five took part). No printed number may add to that.
    found = {key for key, _, _ in recovered(system, facilitator.knows)}
    if found:
        every = list(system.status)
        for cell, state in enumerate(every):
            if state == "shown" and cell not in facilitator.knows:
                system.hide(system.keys[cell])
        floor = {key for key, _, _ in recovered(system, facilitator.knows)}
        system.status[:] = every
        assert found <= floor, found - floor


def test_a_network_partition_counts_non_members_apart() -> None:
    assert network_none("G40") == "G40: geen lid"
