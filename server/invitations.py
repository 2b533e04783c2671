"""Verzamelen: personal invitations and joining the dialogue through them."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, require
from server.clock import utcnow
from server.dialogues import load_dialogue
from server.errors import ApiError
from server.pages import confirm_page, error_page
from server.payloads import read_json
from server.security import new_token, token_hash
from server.services import Services
from server.sessions import base_url, session_answer, set_session_cookie
from storage import dialogues as dialogue_store
from storage import invitations as invitation_store
from storage.invitations import NewInvitation

MAX_BATCH = 5000
"""One batch covers every office of all 342 municipalities (3 × 342) with room to spare."""
INVALID_LINK = "Deze uitnodiging is ongeldig, verlopen of al gebruikt."


class Invitee(msgspec.Struct, forbid_unknown_fields=True):
    role: str
    email: str | None = None
    municipality: str | None = None
    network: str | None = None
    province: str | None = None


class InvitationBatch(msgspec.Struct, forbid_unknown_fields=True):
    invitees: list[Invitee]
    batch: str | None = None


class JoinRequest(msgspec.Struct, forbid_unknown_fields=True):
    token: str


def _check(invitee: Invitee, index: int) -> NewInvitation:
    office = invitee.role.strip().lower()
    if not 1 <= len(office) <= 64:
        raise ApiError(400, "invalid", f"Uitgenodigde {index + 1}: geef een functie op.")
    email = invitee.email.strip() if invitee.email else None
    if email is not None and ("@" not in email or len(email) > 254):
        raise ApiError(400, "invalid", f"Uitgenodigde {index + 1}: ongeldig e-mailadres.")
    for name in ("municipality", "network", "province"):
        value = getattr(invitee, name)
        if value is not None and len(value) > 32:
            raise ApiError(400, "invalid", f"Uitgenodigde {index + 1}: {name} is te lang.")
    return NewInvitation(
        token_hash="",
        office=office,
        email=email,
        municipality=invitee.municipality,
        network=invitee.network,
        province=invitee.province,
    )


async def create_invitations(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/invitations: one token and link per invitee, in order."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, InvitationBatch)
    if not 1 <= len(body.invitees) <= MAX_BATCH:
        raise ApiError(400, "invalid", f"Geef 1 tot {MAX_BATCH} uitgenodigden op.")
    checked = [_check(invitee, i) for i, invitee in enumerate(body.invitees)]
    tokens = [new_token() for _ in checked]
    new = [
        dataclasses.replace(item, token_hash=token_hash(token))
        for item, token in zip(checked, tokens, strict=True)
    ]
    svc: Services = request.app.state.services
    now = utcnow()
    expires = now + timedelta(seconds=svc.settings.invitation_max_age_seconds)
    async with svc.db.transaction() as conn:
        await invitation_store.add_invitations(conn, dialogue.id, new, now, expires, body.batch)
    base = base_url(request)
    return JSONResponse(
        [{"token": token, "link": f"{base}/join/{token}"} for token in tokens], status_code=201
    )


async def _join(request: Request, token: str) -> tuple[dict[str, Any], str]:
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.transaction() as conn:
        invitation = await invitation_store.consume_invitation(conn, token_hash(token), now)
        if invitation is None:
            raise ApiError(410, "invalid_token", INVALID_LINK)
        participant = await invitation_store.add_participant(
            conn,
            invitation.dialogue_id,
            office=invitation.office,
            municipality=invitation.municipality,
            network=invitation.network,
            province=invitation.province,
            self_declared=False,
            invitation_id=invitation.id,
            now=now,
        )
        dialogue = await dialogue_store.get_dialogue_by_id(conn, invitation.dialogue_id)
    assert dialogue is not None
    session = svc.signer.session_token({"p": participant.id})
    return session_answer("participant", dialogue.slug, session), session


async def join(request: Request) -> JSONResponse:
    """POST /api/join {"token"}: use an invitation up and start a participant session."""
    body = await read_json(request, JoinRequest)
    answer, session = await _join(request, body.token)
    response = JSONResponse(answer)
    set_session_cookie(request, response, session)
    return response


async def join_page(request: Request) -> Response:
    """GET /join/{token}: a confirmation page; it never uses the token up."""
    token = request.path_params["token"]
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        invitation = await invitation_store.find_invitation(conn, token_hash(token))
        dialogue = (
            await dialogue_store.get_dialogue_by_id(conn, invitation.dialogue_id)
            if invitation
            else None
        )
    now = utcnow()
    if (
        invitation is None
        or dialogue is None
        or invitation.used_at
        or invitation.revoked_at
        or invitation.expires_at <= now
    ):
        return error_page("Uitnodiging", INVALID_LINK, 410)
    return confirm_page(
        dialogue.title,
        "U bent uitgenodigd voor deze dialoog. Uw bijdragen zijn zichtbaar voor andere "
        "deelnemers, maar niemand ziet wie ze schreef.",
        f"/join/{token}",
        token,
        "Deelnemen",
    )


async def join_form(request: Request) -> Response:
    """POST /join/{token} from the confirmation page: join, then go to the dialogue."""
    token = request.path_params["token"]
    try:
        answer, session = await _join(request, token)
    except ApiError as exc:
        return error_page("Uitnodiging", exc.message, exc.status)
    response = RedirectResponse(f"/#/d/{answer['dialogue']}", status_code=303)
    set_session_cookie(request, response, session)
    return response


routes = [
    Route("/api/dialogues/{slug}/invitations", create_invitations, methods=["POST"]),
    Route("/api/join", join, methods=["POST"]),
    Route("/join/{token}", join_page, methods=["GET"]),
    Route("/join/{token}", join_form, methods=["POST"]),
]
