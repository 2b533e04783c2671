"""Theme routes: facilitators create, rename, open and close themes."""

from __future__ import annotations

from typing import Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, require
from server.clock import utcnow
from server.dialogues import load_dialogue, theme_view
from server.errors import ApiError
from server.events import publish
from server.payloads import path_int, read_json
from server.services import Services
from storage import contributions as contribution_store
from storage import dialogues as dialogue_store
from storage import events as event_store


class NewTheme(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    description: str = ""
    move: list[int] = msgspec.field(default_factory=list)
    """Contributions to move into the new theme (accepting a suggestion)."""


class ThemeChange(msgspec.Struct, forbid_unknown_fields=True):
    title: str | None = None
    description: str | None = None
    state: Literal["open", "closed"] | None = None


def check_title(title: str) -> str:
    title = title.strip()
    if not 1 <= len(title) <= 200:
        raise ApiError(400, "invalid", "De titel moet 1 tot 200 tekens lang zijn.")
    return title


async def create_theme(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/themes (facilitator): the theme starts open."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, NewTheme)
    title = check_title(body.title)
    svc: Services = request.app.state.services
    now = utcnow()
    if len(body.move) > 5000:
        raise ApiError(400, "invalid", "Te veel bijdragen om te verplaatsen.")
    async with svc.db.transaction() as conn:
        theme = await dialogue_store.create_theme(conn, dialogue.id, title, body.description, now)
        records = [
            await event_store.append_event(
                conn, f"dialogue:{dialogue.slug}", "theme.created", theme_view(theme), now
            )
        ]
        moved = await contribution_store.move_contributions(conn, dialogue.id, body.move, theme.id)
        if moved:
            records.append(
                await event_store.append_event(
                    conn,
                    f"theme:{theme.id}",
                    "contributions.moved",
                    {"theme": theme.id, "contributions": moved},
                    now,
                )
            )
    await publish(svc.hub, records)
    return JSONResponse(theme_view(theme), status_code=201)


async def change_theme(request: Request) -> JSONResponse:
    """PATCH /api/dialogues/{slug}/themes/{id} (facilitator): rename, open or close."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, ThemeChange)
    values: dict[str, object] = {}
    if body.title is not None:
        values["title"] = check_title(body.title)
    if body.description is not None:
        values["description"] = body.description
    if body.state is not None:
        values["state"] = body.state
    svc: Services = request.app.state.services
    theme_id = path_int(request, "theme_id")
    async with svc.db.transaction() as conn:
        theme = await dialogue_store.get_theme(conn, theme_id)
        if theme is None or theme.dialogue_id != dialogue.id:
            raise ApiError(404, "not_found", "Dit thema bestaat niet.")
        if values:
            await dialogue_store.update_theme(conn, theme_id, **values)
        theme = await dialogue_store.get_theme(conn, theme_id)
        assert theme is not None
        record = await event_store.append_event(
            conn, f"dialogue:{dialogue.slug}", "theme.changed", theme_view(theme), utcnow()
        )
    await publish(svc.hub, [record])
    return JSONResponse(theme_view(theme))


routes = [
    Route("/api/dialogues/{slug}/themes", create_theme, methods=["POST"]),
    Route("/api/dialogues/{slug}/themes/{theme_id}", change_theme, methods=["PATCH"]),
]
