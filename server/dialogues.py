"""Dialogues and their seven steps: creation, the overview, and step control."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, require
from server.clock import iso, utcnow
from server.errors import ApiError
from server.events import publish
from server.payloads import read_json
from server.services import Services
from server.steps import STEP_CALLS, STEP_NAMES, effective_state
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage.errors import Conflict
from storage.records import Dialogue, Step, Theme

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


class NewDialogue(msgspec.Struct, forbid_unknown_fields=True):
    slug: str
    title: str
    description: str = ""


class StepChange(msgspec.Struct, forbid_unknown_fields=True):
    state: Literal["open", "closed", "planned"] | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    call_to_action: str | None = None


def step_view(step: Step, now: datetime) -> dict[str, Any]:
    """One step as the API shows it, with its state on the server's clock."""
    return {
        "step": step.step,
        "name": STEP_NAMES[step.step - 1],
        "state": effective_state(step, now),
        "opens_at": iso(step.opens_at) if step.opens_at else None,
        "closes_at": iso(step.closes_at) if step.closes_at else None,
        "call_to_action": step.call_to_action or STEP_CALLS[step.step - 1],
    }


def theme_view(theme: Theme) -> dict[str, Any]:
    """One theme as the API shows it."""
    return {
        "id": theme.id,
        "title": theme.title,
        "description": theme.description,
        "state": theme.state,
        "merged_into": theme.merged_into,
        "channel": f"theme:{theme.id}",
    }


def dialogue_view(
    dialogue: Dialogue, steps: list[Step], themes: list[Theme], now: datetime
) -> dict[str, Any]:
    """The contract's dialogue overview."""
    return {
        "slug": dialogue.slug,
        "title": dialogue.title,
        "description": dialogue.description,
        "moderation_mode": dialogue.moderation_mode,
        "steps": [step_view(s, now) for s in steps],
        "themes": [theme_view(t) for t in themes],
    }


async def load_dialogue(request: Request) -> Dialogue:
    """The dialogue named in the path, visible to the requester, or a 404."""
    principal = await require(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        dialogue = await dialogue_store.get_dialogue(conn, request.path_params["slug"])
    if dialogue is None or not principal.in_dialogue(dialogue.id):
        raise ApiError(404, "not_found", "Deze dialoog bestaat niet.")
    return dialogue


async def create_dialogue(request: Request) -> JSONResponse:
    """POST /api/dialogues (admin)."""
    await require(request, "admin")
    body = await read_json(request, NewDialogue)
    if not SLUG.match(body.slug):
        raise ApiError(
            400, "invalid", "De korte naam mag alleen kleine letters, cijfers en - bevatten."
        )
    if not 1 <= len(body.title.strip()) <= 200:
        raise ApiError(400, "invalid", "De titel moet 1 tot 200 tekens lang zijn.")
    svc: Services = request.app.state.services
    now = utcnow()
    try:
        async with svc.db.transaction() as conn:
            dialogue = await dialogue_store.create_dialogue(
                conn, body.slug, body.title.strip(), body.description, now
            )
            steps = await dialogue_store.list_steps(conn, dialogue.id)
    except Conflict:
        raise ApiError(409, "conflict", "Er bestaat al een dialoog met deze korte naam.") from None
    return JSONResponse(dialogue_view(dialogue, steps, [], now), status_code=201)


async def list_dialogues(request: Request) -> JSONResponse:
    """GET /api/dialogues: staff see all, a participant its own."""
    principal = await require(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        found = await dialogue_store.list_dialogues(conn)
    visible = [d for d in found if principal.in_dialogue(d.id)]
    return JSONResponse({"dialogues": [{"slug": d.slug, "title": d.title} for d in visible]})


async def get_dialogue(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}."""
    dialogue = await load_dialogue(request)
    svc: Services = request.app.state.services
    channel = f"dialogue:{dialogue.slug}"
    async with svc.db.read() as conn:
        seq = (await event_store.last_seqs(conn, [channel]))[channel]  # before the reads
        steps = await dialogue_store.list_steps(conn, dialogue.id)
        themes = await dialogue_store.list_themes(conn, dialogue.id)
    view = dialogue_view(dialogue, steps, themes, utcnow())
    return JSONResponse({**view, "channel": channel, "seq": seq})


async def change_step(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/steps/{n}: set one step's state and/or dates."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    number = request.path_params["n"]
    if not 1 <= number <= len(STEP_NAMES):
        raise ApiError(404, "not_found", "Deze stap bestaat niet.")
    body = await read_json(request, StepChange)
    for moment in (body.opens_at, body.closes_at):
        if moment is not None and moment.tzinfo is None:
            raise ApiError(400, "invalid", "Geef datums met tijdzone (ISO 8601).")
    if body.opens_at and body.closes_at and body.opens_at >= body.closes_at:
        raise ApiError(400, "invalid", "De sluitdatum moet na de openingsdatum liggen.")
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.transaction() as conn:
        before = {s.step: s for s in await dialogue_store.list_steps(conn, dialogue.id)}[number]
        await dialogue_store.set_step(
            conn,
            dialogue.id,
            number,
            state=body.state,
            opens_at=body.opens_at,
            closes_at=body.closes_at,
            call_to_action=body.call_to_action,
            clear_dates=body.state is not None and body.opens_at is None and body.closes_at is None,
        )
        after = {s.step: s for s in await dialogue_store.list_steps(conn, dialogue.id)}[number]
        view = step_view(after, now)
        await dialogue_store.mark_announced(conn, dialogue.id, number, view["state"])
        records = []
        if effective_state(before, now) != view["state"] or before != after:
            records.append(
                await event_store.append_event(
                    conn,
                    f"dialogue:{dialogue.slug}",
                    "step.changed",
                    {
                        "step": number,
                        "state": view["state"],
                        "opens_at": view["opens_at"],
                        "closes_at": view["closes_at"],
                    },
                    now,
                )
            )
    await publish(svc.hub, records)
    return JSONResponse(view)


routes = [
    Route("/api/dialogues", create_dialogue, methods=["POST"]),
    Route("/api/dialogues", list_dialogues, methods=["GET"]),
    Route("/api/dialogues/{slug}", get_dialogue, methods=["GET"]),
    Route("/api/dialogues/{slug}/steps/{n:int}", change_step, methods=["POST"]),
]
