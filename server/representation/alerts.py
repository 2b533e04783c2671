"""Alerts: groups whose representation index is under a facilitator's threshold.

An alert is derived from the *published* answer (k = 5, no filters) and nothing else, so
it can never tell more than the figures beside it. A group alerts when its invited count
is shown and at least ``min_invited``, and the highest index its shown figures allow is
under ``index_below``: the index itself when it is shown, else the index it would have at
the most joined its figures allow (``"<5"``: 4; hidden: its invited count). So a group of
many invitees of whom fewer than five joined does alert, without its count being shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from server.clock import iso
from server.representation.groups import is_unknown
from storage.representation import Alert, Monitor


def index_at_most(row: dict[str, Any], total: dict[str, Any], k: int) -> float | None:
    """The highest index the shown figures allow, or None when they allow any."""
    population, everyone, joined_all = row["population"], total["population"], total["joined"]
    if not all(isinstance(x, int) and x > 0 for x in (population, everyone, joined_all)):
        return None
    joined, invited = row["joined"], row["invited"]
    if isinstance(joined, int):
        most = joined
    elif joined is not None:  # "<k"
        most = k - 1
    elif isinstance(invited, int):
        most = invited
    else:
        return None
    return (most / joined_all) / (population / everyone)


def under_threshold(
    rows: Iterable[dict[str, Any]], total: dict[str, Any], monitor: Monitor, k: int
) -> dict[tuple[str, str], dict[str, Any]]:
    """The groups that alert, keyed by (dimension, group), with the figures that show it."""
    found = {}
    for row in rows:
        invited = row["invited"]
        if is_unknown(row["group"]) or not isinstance(invited, int):
            continue
        bound = index_at_most(row, total, k)
        if invited >= monitor.min_invited and bound is not None and bound < monitor.index_below:
            found[(row["dimension"], row["group"])] = {
                "dimension": row["dimension"],
                "group": row["group"],
                "invited": invited,
                "joined": row["joined"],
                "index": row["index"],
                "index_at_most": round(bound, 3),
            }
    return found


def threshold_view(monitor: Monitor) -> dict[str, Any]:
    """The threshold as the API shows it."""
    return {"index_below": monitor.index_below, "min_invited": monitor.min_invited}


def alert_views(
    stored: Iterable[Alert], figures: dict[tuple[str, str], dict[str, Any]]
) -> list[dict[str, Any]]:
    """The stored alerts that still hold, with their current figures."""
    return [
        {
            **figures[(a.dimension, a.group)],
            "raised_at": iso(a.raised_at),
            "reminded_at": iso(a.reminded_at) if a.reminded_at else None,
        }
        for a in stored
        if (a.dimension, a.group) in figures
    ]


def event_data(alert: dict[str, Any], monitor: Monitor, now: datetime) -> dict[str, Any]:
    """What `representation.alert` carries: the alert's shown figures and the threshold."""
    return {**alert, "threshold": threshold_view(monitor), "raised_at": iso(now)}
