"""Verkennen: participants propose themes, facilitators merge them and take suggestions.

Proposals start as ``proposed`` and become theme channels of Verrijken only when a
facilitator opens them: the hand-off from step 3 to step 4 is explicit. A merge
moves the contributions along and tells every subscriber of the old channel where
they went; connections follow it to the new channel by themselves.
"""

from __future__ import annotations

import asyncio

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
from server.steps import THEME_PROPOSAL_STEP, open_steps
from server.themes.routes import NewTheme, check_title
from storage import contributions as contribution_store
from storage import dialogues as dialogue_store
from storage import events as event_store

MAX_SUGGESTION_TEXTS = 5000
"""Clustering runs in a request: beyond this many texts it takes too long to wait for."""


class MergeRequest(msgspec.Struct, forbid_unknown_fields=True):
    into: int


async def propose_theme(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/themes/proposals (participant, while Verkennen is open)."""
    principal = await require(request)
    dialogue = await load_dialogue(request)
    body = await read_json(request, NewTheme)
    title = check_title(body.title)
    if len(body.description) > 2000:
        raise ApiError(400, "invalid", "De toelichting mag hoogstens 2000 tekens zijn.")
    if principal.is_staff:
        raise ApiError(403, "forbidden", "Medewerkers maken thema's direct aan.")
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.transaction() as conn:
        steps = await dialogue_store.list_steps(conn, dialogue.id)
        if THEME_PROPOSAL_STEP not in open_steps(steps, now):
            raise ApiError(409, "closed", "Thema's voorstellen kan alleen in de stap Verkennen.")
        theme = await dialogue_store.create_theme(
            conn, dialogue.id, title, body.description, now, state="proposed"
        )
        record = await event_store.append_event(
            conn, f"dialogue:{dialogue.slug}", "theme.proposed", theme_view(theme), now
        )
    await publish(svc.hub, [record])
    return JSONResponse(theme_view(theme), status_code=201)


async def merge_theme(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/themes/{id}/merge {"into"}: contributions move along."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, MergeRequest)
    source_id = path_int(request, "theme_id")
    if body.into == source_id:
        raise ApiError(400, "invalid", "Een thema kan niet in zichzelf opgaan.")
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.transaction() as conn:
        source = await dialogue_store.get_theme(conn, source_id)
        target = await dialogue_store.get_theme(conn, body.into)
        for theme in (source, target):
            if theme is None or theme.dialogue_id != dialogue.id:
                raise ApiError(404, "not_found", "Dit thema bestaat niet.")
            if theme.state == "merged":
                raise ApiError(409, "conflict", "Dit thema is al samengevoegd.")
        assert source is not None and target is not None
        moved = await contribution_store.move_theme_contributions(conn, source.id, target.id)
        await dialogue_store.update_theme(conn, source.id, state="merged", merged_into=target.id)
        merged = {"theme": source.id, "into": target.id, "contributions": moved}
        records = [
            await event_store.append_event(conn, f"theme:{source.id}", "theme.merged", merged, now),
            await event_store.append_event(conn, f"theme:{target.id}", "theme.merged", merged, now),
            await event_store.append_event(
                conn, f"dialogue:{dialogue.slug}", "theme.merged", merged, now
            ),
        ]
    await publish(svc.hub, records)
    return JSONResponse(merged)


async def theme_suggestions(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/themes/suggestions: clusters of what participants wrote.

    Only suggestions: a facilitator accepts one by creating a theme (optionally moving
    the member contributions into it); nothing is applied silently.
    """
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        texts = await contribution_store.list_dialogue_texts(conn, dialogue.id)
        proposals = [
            t for t in await dialogue_store.list_themes(conn, dialogue.id) if t.state == "proposed"
        ]
    texts = texts[-MAX_SUGGESTION_TEXTS:]
    # Imported here: scikit-learn takes seconds to load, which every start would pay.
    from server.themes.clustering import suggest_themes

    found = await asyncio.to_thread(suggest_themes, [body for _, body in texts])
    return JSONResponse(
        {
            "suggestions": [
                {
                    "label": s.label,
                    "keywords": s.keywords,
                    "score": round(s.score, 3),
                    "contributions": [
                        {"id": texts[i][0], "body": texts[i][1][:200]} for i in s.members
                    ],
                }
                for s in found
            ],
            "proposals": [theme_view(t) for t in proposals],
        }
    )


routes = [
    Route("/api/dialogues/{slug}/themes/proposals", propose_theme, methods=["POST"]),
    Route("/api/dialogues/{slug}/themes/suggestions", theme_suggestions, methods=["GET"]),
    Route("/api/dialogues/{slug}/themes/{theme_id}/merge", merge_theme, methods=["POST"]),
]
