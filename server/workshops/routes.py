"""Workshop routes: a session lead plans, runs and closes; everyone in the dialogue follows."""

from __future__ import annotations

from typing import Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import require
from server.clock import utcnow
from server.dialogues import load_dialogue
from server.errors import ApiError
from server.payloads import path_int, read_json
from server.services import Services
from server.workshops import service
from storage import dialogues as dialogue_store
from storage import workshops as workshop_store
from storage.workshops import Workshop

LEAD_ROLES = ("admin", "facilitator", "lead")
MAX_ROUNDS = 30


class RoundPlan(msgspec.Struct, forbid_unknown_fields=True):
    prompt: str
    kind: Literal["write", "react", "poll"]
    duration_seconds: int
    theme: int | None = None
    options: list[str] = msgspec.field(default_factory=list)


class WorkshopPlan(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    rounds: list[RoundPlan]
    theme: int | None = None


class ControlAction(msgspec.Struct, forbid_unknown_fields=True):
    action: Literal["start", "pause", "resume", "extend", "next", "close"]
    seconds: int = 0
    summary: str | None = None


class PinRequest(msgspec.Struct, forbid_unknown_fields=True):
    contribution: int


def _check_round(index: int, plan: RoundPlan) -> dict[str, object]:
    where = f"Ronde {index + 1}"
    if not 1 <= len(plan.prompt.strip()) <= 1000:
        raise ApiError(400, "invalid", f"{where}: de vraag moet 1 tot 1000 tekens lang zijn.")
    if not 10 <= plan.duration_seconds <= 4 * 3600:
        raise ApiError(400, "invalid", f"{where}: de duur ligt tussen 10 seconden en 4 uur.")
    if plan.kind == "poll" and not 2 <= len(plan.options) <= 10:
        raise ApiError(400, "invalid", f"{where}: een peiling heeft 2 tot 10 keuzes.")
    if any(not 1 <= len(o.strip()) <= 200 for o in plan.options):
        raise ApiError(400, "invalid", f"{where}: een keuze heeft 1 tot 200 tekens.")
    return {
        "prompt": plan.prompt.strip(),
        "kind": plan.kind,
        "duration_seconds": plan.duration_seconds,
        "theme_id": plan.theme,
        "options": [o.strip() for o in plan.options] if plan.kind == "poll" else [],
    }


async def create_workshop(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/workshops: a planned workshop with its agenda of rounds."""
    await require(request, *LEAD_ROLES)
    dialogue = await load_dialogue(request)
    plan = await read_json(request, WorkshopPlan)
    if not 1 <= len(plan.title.strip()) <= 200:
        raise ApiError(400, "invalid", "De titel moet 1 tot 200 tekens lang zijn.")
    if not 1 <= len(plan.rounds) <= MAX_ROUNDS:
        raise ApiError(400, "invalid", f"Een werksessie heeft 1 tot {MAX_ROUNDS} rondes.")
    rounds = [_check_round(i, r) for i, r in enumerate(plan.rounds)]
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.transaction() as conn:
        for theme in {plan.theme, *(r.theme for r in plan.rounds)} - {None}:
            found = await dialogue_store.get_theme(conn, theme)
            if found is None or found.dialogue_id != dialogue.id:
                raise ApiError(400, "invalid", f"Thema {theme} hoort niet bij deze dialoog.")
        w = await workshop_store.create_workshop(
            conn, dialogue.id, plan.title.strip(), plan.theme, rounds, now
        )
        view = await service.snapshot(conn, w, now)
    return JSONResponse(view, status_code=201)


async def list_workshops(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/workshops."""
    dialogue = await load_dialogue(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        found = await workshop_store.list_workshops(conn, dialogue.id)
    return JSONResponse(
        {"workshops": [{"id": w.id, "title": w.title, "state": w.state} for w in found]}
    )


async def _workshop(request: Request) -> Workshop:
    principal = await require(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        w = await workshop_store.get_workshop(conn, path_int(request, "workshop_id"))
    if w is None or not principal.in_dialogue(w.dialogue_id):
        raise ApiError(404, "not_found", "Deze werksessie bestaat niet.")
    return w


async def get_workshop(request: Request) -> JSONResponse:
    """GET /api/workshops/{id}: the current state at once (then subscribe with `since`)."""
    w = await _workshop(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        return JSONResponse(await service.snapshot(conn, w, utcnow()))


async def control_workshop(request: Request) -> JSONResponse:
    """POST /api/workshops/{id}/control: start, pause, resume, extend, next, close."""
    await require(request, *LEAD_ROLES)
    w = await _workshop(request)
    body = await read_json(request, ControlAction)
    if body.summary is not None and len(body.summary) > 20_000:
        raise ApiError(400, "invalid", "De samenvatting mag hoogstens 20.000 tekens zijn.")
    svc: Services = request.app.state.services
    return JSONResponse(await service.control(svc, w.id, body.action, body.seconds, body.summary))


async def pin_contribution(request: Request) -> JSONResponse:
    """POST /api/workshops/{id}/pins {"contribution"}: pin an insight."""
    await require(request, *LEAD_ROLES)
    w = await _workshop(request)
    body = await read_json(request, PinRequest)
    svc: Services = request.app.state.services
    return JSONResponse(await service.pin(svc, w.id, body.contribution), status_code=201)


routes = [
    Route("/api/dialogues/{slug}/workshops", create_workshop, methods=["POST"]),
    Route("/api/dialogues/{slug}/workshops", list_workshops, methods=["GET"]),
    Route("/api/workshops/{workshop_id}", get_workshop, methods=["GET"]),
    Route("/api/workshops/{workshop_id}/control", control_workshop, methods=["POST"]),
    Route("/api/workshops/{workshop_id}/pins", pin_contribution, methods=["POST"]),
]
