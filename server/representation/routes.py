"""The representation monitor over HTTP (facilitators and admins only).

- ``GET /api/dialogues/{slug}/representation[?dimensions=a[,b]][&step=n][&theme=id][&export=1]``
- ``PUT /api/dialogues/{slug}/representation/threshold {"index_below", "min_invited"}``
- ``POST /api/dialogues/{slug}/representation/alerts/{dimension}/{group}/remind``
"""

from __future__ import annotations

from typing import Any, cast

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, require
from server.clock import utcnow
from server.dialogues import load_dialogue
from server.errors import ApiError
from server.invitations.profiles import GroupFilter
from server.invitations.reminders import outcome_view, send_reminders
from server.payloads import read_json
from server.representation.groups import parse_dimensions
from server.representation.service import Query, evaluate, representation, stored_alerts
from server.services import Services
from server.sessions import base_url
from server.stakeholders.population import DIMENSIONS, Dimension
from server.steps import CONTRIBUTION_STEPS, STEP_NAMES
from server.suppression import EXPORT_K, SCREEN_K
from storage import dialogues as dialogue_store
from storage import representation as store
from storage.records import Dialogue

PARAMETERS = frozenset({"dimensions", "step", "theme", "export"})


class Threshold(msgspec.Struct, forbid_unknown_fields=True):
    index_below: float = store.DEFAULT_INDEX_BELOW
    min_invited: int = store.DEFAULT_MIN_INVITED


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid", message)


def _number(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise _invalid(f"'{name}' is een positief geheel getal.")
    return int(raw)


async def parse_query(request: Request, dialogue: Dialogue) -> Query:
    """The query parameters, checked: unknown ones, a step that takes no contributions and
    a theme of another dialogue are refused."""
    params = request.query_params
    if set(params) - PARAMETERS or any(len(params.getlist(n)) > 1 for n in params):
        raise _invalid(f"Geef alleen, elk één keer: {', '.join(sorted(PARAMETERS))}.")
    try:
        dimensions = parse_dimensions(params.get("dimensions"))
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    step = _number(request, "step")
    if step is not None and step not in CONTRIBUTION_STEPS:
        names = ", ".join(f"{n} ({STEP_NAMES[n - 1]})" for n in CONTRIBUTION_STEPS)
        raise _invalid(f"Kies een stap waarin wordt bijgedragen: {names}.")
    theme = _number(request, "theme")
    if theme is not None:
        svc: Services = request.app.state.services
        async with svc.db.read() as conn:
            found = await dialogue_store.get_theme(conn, theme)
        if found is None or found.dialogue_id != dialogue.id:
            raise ApiError(404, "not_found", "Dit thema bestaat niet.")
    export = params.get("export") in ("1", "true")
    return Query(dimensions, step, theme, EXPORT_K if export else SCREEN_K)


async def _moderated_dialogue(request: Request) -> Dialogue:
    await require(request, *MODERATOR_ROLES)
    return await load_dialogue(request)


async def get_representation(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/representation: every group of the population with its
    population, invited, joined, active, contributions, shares and index, all suppressed;
    the R-score; the threshold and current alerts (none in an export)."""
    dialogue = await _moderated_dialogue(request)
    query = await parse_query(request, dialogue)
    svc: Services = request.app.state.services
    answer = await representation(svc, dialogue, query)
    extra: dict[str, Any]
    if query.k != SCREEN_K:
        extra = {"threshold": None, "alerts": []}  # exports travel; alerts are for the screen
    elif query == Query():
        extra = await evaluate(svc, dialogue, answer)
    else:
        extra = await stored_alerts(svc, dialogue)
    return JSONResponse({**answer, **extra})


async def set_threshold(request: Request) -> JSONResponse:
    """PUT /api/dialogues/{slug}/representation/threshold: when a group alerts."""
    dialogue = await _moderated_dialogue(request)
    body = await read_json(request, Threshold)
    if not 0 < body.index_below <= 1:
        raise _invalid("'index_below' ligt tussen 0 en 1 (1 = evenredig vertegenwoordigd).")
    if not 1 <= body.min_invited <= 100_000:
        raise _invalid("'min_invited' is een geheel getal van 1 tot 100.000.")
    svc: Services = request.app.state.services
    async with svc.db.transaction() as conn:
        await store.set_threshold(conn, dialogue.id, body.index_below, body.min_invited, utcnow())
    return JSONResponse(await evaluate(svc, dialogue))


async def remind_group(request: Request) -> JSONResponse:
    """POST …/representation/alerts/{dimension}/{group}/remind: a reminder batch to the
    group's invitees who have not joined and its invited participants who have not taken
    part, through the invitation machinery (``send_reminders``). Only for a current alert."""
    dialogue = await _moderated_dialogue(request)
    dimension, group = request.path_params["dimension"], request.path_params["group"]
    if dimension not in DIMENSIONS:
        raise ApiError(404, "not_found", "Deze dimensie bestaat niet.")
    svc: Services = request.app.state.services
    current = await evaluate(svc, dialogue)
    alert = next(
        (a for a in current["alerts"] if (a["dimension"], a["group"]) == (dimension, group)), None
    )
    if alert is None:
        raise ApiError(404, "not_found", "Er is geen signaal voor deze groep.")
    group_filter = GroupFilter(**{cast(Dimension, dimension): group})
    outcome = await send_reminders(
        svc, dialogue, group_filter, base=base_url(request), not_active=True
    )
    now = utcnow()
    async with svc.db.transaction() as conn:
        await store.mark_reminded(conn, dialogue.id, dimension, group, now)
    return JSONResponse({"alert": alert, **outcome_view(outcome, not_active=True)})


routes = [
    Route("/api/dialogues/{slug}/representation", get_representation, methods=["GET"]),
    Route("/api/dialogues/{slug}/representation/threshold", set_threshold, methods=["PUT"]),
    Route(
        "/api/dialogues/{slug}/representation/alerts/{dimension}/{group}/remind",
        remind_group,
        methods=["POST"],
    ),
]
