"""Joining a dialogue: through a personal invitation, or an open link with a profile.

A personal link's GET shows a confirmation page and only the POST uses it up (mail
scanners open every link). Any token of an invitation joins, once. An open link is
reusable: each join makes a new participant with a self-declared profile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server.clock import utcnow
from server.errors import ApiError
from server.invitations.profiles import Profile, checked_profile, load_map
from server.pages import confirm_page, error_page
from server.payloads import read_json
from server.security import token_hash
from server.services import Services
from server.sessions import session_answer, set_session_cookie
from storage import dialogues as dialogue_store
from storage import invitations as invitation_store
from storage import open_links as open_link_store
from storage.records import OpenLink, Participant

INVALID_LINK: Final = "Deze uitnodiging is ongeldig, verlopen of al gebruikt."
INVALID_OPEN_LINK: Final = "Deze link is ongeldig, verlopen of ingetrokken."


class JoinRequest(msgspec.Struct, forbid_unknown_fields=True):
    token: str
    profile: Profile | None = None
    """Needed with an open link; a personal invitation carries its own profile."""


def usable(link: OpenLink | None, now: datetime) -> bool:
    """Whether an open link still lets people join."""
    return (
        link is not None
        and link.revoked_at is None
        and (link.expires_at is None or link.expires_at > now)
    )


async def _session(svc: Services, participant: Participant) -> tuple[dict[str, Any], str]:
    async with svc.db.read() as conn:
        dialogue = await dialogue_store.get_dialogue_by_id(conn, participant.dialogue_id)
    if dialogue is None:
        raise ApiError(410, "invalid_token", INVALID_LINK)
    session = svc.signer.session_token({"p": participant.id})
    svc.representation_changed(participant.dialogue_id)
    return session_answer("participant", dialogue.slug, session), session


async def join_personal(svc: Services, token: str) -> tuple[dict[str, Any], str]:
    """Use a personal invitation up (through any of its tokens) and make its participant."""
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
    return await _session(svc, participant)


async def find_usable_open_link(svc: Services, token: str) -> OpenLink | None:
    """The open link with this token when it still lets people join."""
    async with svc.db.read() as conn:
        link = await open_link_store.find_open_link(conn, token_hash(token))
    return link if usable(link, utcnow()) else None


async def join_open(svc: Services, token: str, profile: Profile) -> tuple[dict[str, Any], str]:
    """Join through an open link with a profile checked against the stakeholder map."""
    async with svc.db.read() as conn:
        smap = await load_map(conn)
    checked = checked_profile(profile, smap)
    now = utcnow()
    async with svc.db.transaction() as conn:
        link = await open_link_store.find_open_link(conn, token_hash(token))
        if link is None or not usable(link, now):
            raise ApiError(410, "invalid_token", INVALID_OPEN_LINK)
        participant = await invitation_store.add_participant(
            conn,
            link.dialogue_id,
            office=checked.office,
            municipality=checked.municipality,
            network=checked.network,
            province=checked.province,
            self_declared=True,
            invitation_id=None,
            now=now,
        )
    return await _session(svc, participant)


async def join(request: Request) -> JSONResponse:
    """POST /api/join {"token", "profile"?}: a personal invitation, or an open link with a
    self-declared profile; starts a participant session."""
    body = await read_json(request, JoinRequest)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        open_link = await open_link_store.find_open_link(conn, token_hash(body.token))
    if open_link is None:
        answer, session = await join_personal(svc, body.token)
    elif body.profile is None:
        raise ApiError(
            400, "invalid", "Met deze link geeft u uw functie en uw gemeente of provincie op."
        )
    else:
        answer, session = await join_open(svc, body.token, body.profile)
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
    svc: Services = request.app.state.services
    try:
        answer, session = await join_personal(svc, token)
    except ApiError as exc:
        return error_page("Uitnodiging", exc.message, exc.status)
    response = RedirectResponse(f"/#/d/{answer['dialogue']}", status_code=303)
    set_session_cookie(request, response, session)
    return response


routes = [
    Route("/api/join", join, methods=["POST"]),
    Route("/join/{token}", join_page, methods=["GET"]),
    Route("/join/{token}", join_form, methods=["POST"]),
]
