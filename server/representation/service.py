"""The monitor's answer for one dialogue and query, and keeping its alerts current.

Profiles and activity are read separately; activity is matched to participants by
recomputing each participant's keyed pseudonym here, in memory, and only the protected
aggregates leave this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from server.clock import iso, utcnow
from server.events import publish
from server.invitations.profiles import StakeholderMap, load_map, member_of
from server.representation.activity import Timeline, in_step, per_author, release_point
from server.representation.alerts import alert_views, event_data, threshold_view, under_threshold
from server.representation.figures import Layout, Person, protected_system, tally
from server.representation.groups import complete, partitions
from server.representation.view import crosstab, group_rows, r_scores, totals
from server.services import Services
from server.stakeholders.population import DEFAULT_OFFICES, DIMENSIONS, Dimension, Member, members
from server.suppression import SCREEN_K
from storage import events as event_store
from storage import representation as store
from storage.records import Dialogue
from storage.representation import Act, ProfileRow

POPULATION_OFFICES = DEFAULT_OFFICES
"""The population is these offices at every municipality (3 × 342 = 1,026 office holders)."""


@dataclass(frozen=True)
class Query:
    """What a facilitator asks for: dimensions (two make a crosstab), filters, and k."""

    dimensions: tuple[Dimension, ...] = DIMENSIONS
    step: int | None = None
    theme: int | None = None
    k: int = SCREEN_K

    def view(self) -> dict[str, Any]:
        """The query as the answer repeats it."""
        return {"dimensions": list(self.dimensions), "step": self.step, "theme": self.theme}


@dataclass(frozen=True)
class Inputs:
    """Everything one answer is computed from, read in one go."""

    smap: StakeholderMap
    profiles: list[ProfileRow]
    acts: list[Act] = field(default_factory=list)
    changes: list[Any] = field(default_factory=list)


async def load(svc: Services, dialogue: Dialogue, query: Query) -> Inputs:
    """Read the map, the profiles and the activity within the query's theme."""
    async with svc.db.read() as conn:
        smap = await load_map(conn)
        profiles = await store.profiles(conn, dialogue.id)
        acts = await store.acts(conn, dialogue.id, query.theme)
        changes = await store.step_changes(conn, dialogue.slug) if query.step else []
    return Inputs(smap, profiles, acts, changes)


def _member(smap: StakeholderMap, row: ProfileRow) -> Member:
    return member_of(
        smap,
        row.office,
        organisation=row.organisation,
        municipality=row.municipality,
        province=row.province,
        network=row.network,
    )


def people(
    inputs: Inputs, query: Query, pseudonym: Callable[[int], str]
) -> tuple[list[Person], Any]:
    """Each profile with its released activity within the filters, and the release point."""
    ids = {
        pseudonym(r.participant_id): r.participant_id
        for r in inputs.profiles
        if r.participant_id is not None
    }
    acts = [
        a for a in in_step(inputs.acts, Timeline(inputs.changes), query.step) if a.author in ids
    ]
    until = release_point(acts, query.k)
    done = {ids[author]: activity for author, activity in per_author(acts, until).items()}
    found = []
    for row in inputs.profiles:
        activity = done.get(row.participant_id) if row.participant_id is not None else None
        found.append(
            Person(
                _member(inputs.smap, row),
                row.invited,
                joined=row.participant_id is not None,
                active=activity is not None and activity.active,
                contributions=activity.contributions if activity else 0,
            )
        )
    return found, until


def layout(
    dimensions: Sequence[Dimension], smap: StakeholderMap, everyone: Sequence[Member]
) -> Layout:
    """The partitions of the dimensions (every standard group, and any the data adds)."""
    parts = {d: complete(partitions(d, smap), everyone) for d in dimensions}
    pairs = tuple(product(*parts.values())) if len(dimensions) == 2 else ()
    return Layout(tuple(p for d in dimensions for p in parts[d]), pairs)  # type: ignore[arg-type]


def compute(inputs: Inputs, query: Query, pseudonym: Callable[[int], str]) -> dict[str, Any]:
    """The protected answer (pure; CPU-bound, run it in a thread)."""
    population = list(members(inputs.smap.organisations.values(), POPULATION_OFFICES))
    found, until = people(inputs, query, pseudonym)
    shape = layout(query.dimensions, inputs.smap, [p.member for p in found] + population)
    system = protected_system(tally(found, population, shape), shape, query.k)
    rows = group_rows(system, shape.parts)
    overall, per_dimension = r_scores(rows, query.k)
    return {
        "k": query.k,
        "query": query.view(),
        "groups": rows,
        "totals": totals(system),
        "crosstab": crosstab(system, shape),
        "r_score": overall["value"],
        "r_score_range": overall["range"],
        "r_scores": per_dimension,
        "activity_until": iso(until) if until else None,
    }


async def representation(svc: Services, dialogue: Dialogue, query: Query) -> dict[str, Any]:
    """The protected answer for a dialogue and query."""
    inputs = await load(svc, dialogue, query)
    return await asyncio.to_thread(compute, inputs, query, svc.signer.pseudonym)


async def evaluate(
    svc: Services, dialogue: Dialogue, answer: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Bring the stored alerts in line with the published default answer; a new alert
    emits `representation.alert` on the moderation channel. Returns threshold and alerts."""
    if answer is None:
        answer = await representation(svc, dialogue, Query())
    now = utcnow()
    async with svc.db.transaction() as conn:
        monitor = await store.get_monitor(conn, dialogue.id)
        under = under_threshold(answer["groups"], answer["totals"], monitor, answer["k"])
        new = await store.sync_alerts(conn, dialogue.id, under, now)
        channel = f"moderation:{dialogue.slug}"
        records = [
            await event_store.append_event(
                conn, channel, "representation.alert", event_data(under[key], monitor, now), now
            )
            for key in new
        ]
        stored = await store.current_alerts(conn, dialogue.id)
    await publish(svc.hub, records)
    return {"threshold": threshold_view(monitor), "alerts": alert_views(stored, under)}


async def stored_alerts(svc: Services, dialogue: Dialogue) -> dict[str, Any]:
    """Threshold and current alerts as stored, without figures (for filtered answers)."""
    async with svc.db.read() as conn:
        monitor = await store.get_monitor(conn, dialogue.id)
        stored = await store.current_alerts(conn, dialogue.id)
    return {
        "threshold": threshold_view(monitor),
        "alerts": [
            {
                "dimension": a.dimension,
                "group": a.group,
                "raised_at": iso(a.raised_at),
                "reminded_at": iso(a.reminded_at) if a.reminded_at else None,
            }
            for a in stored
        ],
    }
