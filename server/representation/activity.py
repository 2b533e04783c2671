"""What participants did within an answer's filters, released in batches of k people.

**Steps.** A contribution or reaction belongs to the contribution steps (Verkennen,
Verrijken, Verdiepen) that were open when it was made, read from the dialogue's durable
``step.changed`` events; one written in a workshop round belongs to Verdiepen. When two of
those steps were open at once it counts in both.

**Release.** A live view that is fetched again after every write would tell, by its
difference, which groups the author of the newest contribution is in: one group per
dimension, and together those can single out a person even when every group is large.
So activity (active, contributions) is counted up to a *release point*: the activity is
cut, in time order, into batches that each hold at least k different people, and only
complete batches count. Two answers therefore differ by the activity of at least k people
(or not at all). Joins are not held back: who joined through a personal link is on the
invitation list anyway.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from server.steps import CONTRIBUTION_STEPS
from storage.representation import Act

VERDIEPEN = 6


class Timeline:
    """Which contribution steps were open at a moment, from the announced step changes."""

    def __init__(self, changes: Iterable[tuple[datetime, int, str]]) -> None:
        self._moments: dict[int, list[datetime]] = defaultdict(list)
        self._states: dict[int, list[str]] = defaultdict(list)
        for at, step, state in sorted(changes, key=lambda change: change[0]):
            self._moments[step].append(at)
            self._states[step].append(state)

    def open_at(self, at: datetime) -> frozenset[int]:
        """The contribution steps open at ``at`` (a step never changed is planned)."""
        found = set()
        for step in CONTRIBUTION_STEPS:
            i = bisect.bisect_right(self._moments[step], at)
            if i and self._states[step][i - 1] == "open":
                found.add(step)
        return frozenset(found)

    def steps_of(self, act: Act) -> frozenset[int]:
        """The steps an act counts in."""
        return frozenset({VERDIEPEN}) if act.in_workshop else self.open_at(act.at)


def in_step(acts: Iterable[Act], timeline: Timeline, step: int | None) -> list[Act]:
    """The acts of one step (all of them when ``step`` is None)."""
    if step is None:
        return list(acts)
    return [act for act in acts if step in timeline.steps_of(act)]


def release_point(acts: Sequence[Act], k: int) -> datetime | None:
    """The end of the last complete batch: cut in time order, each of ≥ k distinct authors.

    Acts at the same moment stay in one batch. None: not even one batch is complete.
    """
    point = None
    seen: set[str] = set()
    for at, same in groupby(sorted(acts, key=lambda act: act.at), key=lambda act: act.at):
        seen.update(act.author for act in same)
        if len(seen) >= k:
            point, seen = at, set()
    return point


@dataclass(frozen=True)
class Activity:
    """One author's released activity within the filters."""

    active: bool = False
    contributions: int = 0


def per_author(acts: Iterable[Act], until: datetime | None) -> dict[str, Activity]:
    """Released activity per author pseudonym (nothing when nothing is released)."""
    if until is None:
        return {}
    counts: dict[str, int] = defaultdict(int)
    for act in acts:
        if act.at <= until:
            counts[act.author] += int(act.contribution)
    return {author: Activity(True, n) for author, n in counts.items()}
