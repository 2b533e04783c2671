"""The join funnel: per group, how many were invited, joined and took part.

Each group's invitations are split into three cells that add up to the invited count:
not joined, joined but not active, active. That crosstab goes through ``suppress``
(k=5 on screen, k=10 with ``?export=1``), so no small cell shows and none can be worked
out from the others; ``joined`` is shown only where it follows from cells that are
shown. Self-declared participants (open links) were never invited: they are counted
apart, in a table of their own (joined but not active, active).

Groups are those of the representation monitor. In the network dimension a person
counts once in each network of their organisation, so the totals there count
memberships, not people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, require
from server.dialogues import load_dialogue
from server.errors import ApiError
from server.invitations.profiles import StakeholderMap, load_map, member_of
from server.services import Services
from server.stakeholders.population import (
    DIMENSIONS,
    SIZE_CLASSES,
    Dimension,
    groups_of,
)
from server.stakeholders.reference import PROVINCES
from server.suppression import EXPORT_K, SCREEN_K, TOTAL, Cell, suppress
from storage import invitations as invitation_store
from storage.records import FunnelEntry

INVITED_COLUMNS: Final = ("not_joined", "joined_inactive", "active")
DECLARED_COLUMNS: Final = ("joined_inactive", "active")

Counts = dict[str, dict[str, int]]


def standard_groups(dimension: Dimension, smap: StakeholderMap) -> tuple[str, ...]:
    """The groups always listed, even with nobody in them."""
    match dimension:
        case "office":
            return smap.offices
        case "network":
            return smap.networks
        case "province":
            return PROVINCES
        case "size":
            return tuple(c.label for c in SIZE_CLASSES)
    raise ValueError(f"unknown dimension {dimension!r}")


def _stage(entry: FunnelEntry) -> str:
    return "active" if entry.active else "joined_inactive" if entry.joined else "not_joined"


def count(
    entries: Iterable[FunnelEntry], smap: StakeholderMap, dimension: Dimension
) -> tuple[Counts, Counts]:
    """The invited crosstab and the self-declared one, with the same groups as rows."""
    groups = list(standard_groups(dimension, smap))
    invited: Counts = {}
    declared: Counts = {}
    for entry in entries:
        member = member_of(
            smap,
            entry.office,
            organisation=entry.organisation,
            municipality=entry.municipality,
            province=entry.province,
            network=entry.network,
        )
        table = invited if entry.invited else declared
        for group in groups_of(member, dimension):
            if group not in groups:
                groups.append(group)
            row = table.setdefault(group, {})
            row[_stage(entry)] = row.get(_stage(entry), 0) + 1
    return _filled(invited, groups, INVITED_COLUMNS), _filled(declared, groups, DECLARED_COLUMNS)


def _filled(table: Counts, groups: list[str], columns: tuple[str, ...]) -> Counts:
    return {g: {c: table.get(g, {}).get(c, 0) for c in columns} for g in groups}


def _joined(cells: Mapping[str, Cell], k: int) -> Cell:
    """Joined = not active + active, when it follows from what is shown; else hidden."""
    inactive, active = cells["joined_inactive"], cells["active"]
    invited, not_joined = cells[TOTAL], cells.get("not_joined")
    if isinstance(inactive, int) and isinstance(active, int):
        value = inactive + active
    elif isinstance(invited, int) and isinstance(not_joined, int):
        value = invited - not_joined
    else:
        return None
    return value if value >= k else f"<{k}"


def _row(invited: Mapping[str, Cell], declared: Mapping[str, Cell], k: int) -> dict[str, Any]:
    return {
        "invited": invited[TOTAL],
        "joined": _joined(invited, k),
        "active": invited["active"],
        "not_joined": invited["not_joined"],
        "joined_inactive": invited["joined_inactive"],
        "self_declared": {
            "joined": declared[TOTAL],
            "active": declared["active"],
            "joined_inactive": declared["joined_inactive"],
        },
    }


def funnel_view(invited: Counts, declared: Counts, dimension: Dimension, k: int) -> dict[str, Any]:
    """Both tables suppressed and put side by side, group by group."""
    shown_invited: dict[str, dict[str, Cell]] = suppress(invited, k=k)  # type: ignore[assignment]
    shown_declared: dict[str, dict[str, Cell]] = suppress(declared, k=k)  # type: ignore[assignment]
    return {
        "dimension": dimension,
        "k": k,
        "groups": [
            {"group": group, **_row(shown_invited[group], shown_declared[group], k)}
            for group in invited
        ],
        "total": _row(shown_invited[TOTAL], shown_declared[TOTAL], k),
    }


async def funnel(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/funnel?dimension=office|network|province|size[&export=1]."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    asked = request.query_params.get("dimension", "office")
    if asked not in DIMENSIONS:
        raise ApiError(400, "invalid", f"Kies een dimensie uit: {', '.join(DIMENSIONS)}.")
    dimension = cast(Dimension, asked)
    k = EXPORT_K if request.query_params.get("export") in ("1", "true") else SCREEN_K
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        smap = await load_map(conn)
        entries = await invitation_store.funnel_entries(conn, dialogue.id)
    invited, declared = count(entries, smap, dimension)
    return JSONResponse(funnel_view(invited, declared, dimension, k))


routes = [Route("/api/dialogues/{slug}/funnel", funnel, methods=["GET"])]
