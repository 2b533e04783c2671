"""Open join links: made and revoked by facilitators, and the profile form behind them.

``GET /open/{token}`` shows an accessible Dutch form (office, municipality or
province, network); it POSTs to the same path, which joins with that self-declared
profile. Someone who already joined this dialogue in this browser goes straight in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

import msgspec
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, principal_of, require
from server.clock import iso, utcnow
from server.dialogues import load_dialogue
from server.errors import ApiError
from server.invitations.joining import INVALID_OPEN_LINK, find_usable_open_link, join_open, usable
from server.invitations.links import dialogue_link, open_link
from server.invitations.personal import LABEL_MAX_CHARS
from server.invitations.profiles import Profile, StakeholderMap, load_map
from server.pages import error_page, page
from server.payloads import path_int, read_json
from server.security import new_token, token_hash
from server.services import Services
from server.sessions import base_url, set_session_cookie
from server.stakeholders.reference import PROVINCES
from storage import dialogues as dialogue_store
from storage import open_links as open_link_store
from storage.records import OpenLink


class NewOpenLink(msgspec.Struct, forbid_unknown_fields=True):
    label: str
    expires_at: datetime | None = None
    """Unset: ``open_link_max_age_seconds`` from now."""


def open_link_view(link: OpenLink, now: datetime) -> dict[str, Any]:
    """An open link as a facilitator sees it (without its token)."""
    state = "revoked" if link.revoked_at is not None else "open" if usable(link, now) else "expired"
    return {
        "id": link.id,
        "label": link.label,
        "created_at": iso(link.created_at),
        "expires_at": iso(link.expires_at) if link.expires_at else None,
        "state": state,
    }


async def create_open_link(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/open-links {"label", "expires_at"?} → the link, once."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, NewOpenLink)
    label = body.label.strip()
    if not 1 <= len(label) <= LABEL_MAX_CHARS:
        raise ApiError(400, "invalid", f"Geef een label van 1 tot {LABEL_MAX_CHARS} tekens.")
    svc: Services = request.app.state.services
    now = utcnow()
    expires = body.expires_at or now + timedelta(seconds=svc.settings.open_link_max_age_seconds)
    if expires.tzinfo is None or expires <= now:
        raise ApiError(400, "invalid", "Geef een einddatum in de toekomst, met tijdzone.")
    token = new_token()
    async with svc.db.transaction() as conn:
        link = await open_link_store.add_open_link(
            conn, dialogue.id, token_hash(token), label, now, expires
        )
    link_url = open_link(base_url(request), token)
    answer = {**open_link_view(link, now), "token": token, "link": link_url}
    return JSONResponse(answer, status_code=201)


async def list_open_links(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/open-links (facilitator): without tokens."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        found = await open_link_store.list_open_links(conn, dialogue.id)
    now = utcnow()
    return JSONResponse({"open_links": [open_link_view(link, now) for link in found]})


async def revoke_open_link(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/open-links/{id}/revoke: nobody joins through it anymore."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    link_id = path_int(request, "id")
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.transaction() as conn:
        link = await open_link_store.revoke_open_link(conn, dialogue.id, link_id, now)
    if link is None:
        raise ApiError(404, "not_found", "Deze link bestaat niet.")
    return JSONResponse(open_link_view(link, now))


# --- the form -------------------------------------------------------------------------------


def _options(choices: list[tuple[str, str]], chosen: str | None, empty: str) -> str:
    items = [f'<option value="">{escape(empty)}</option>']
    for value, text in choices:
        selected = " selected" if value == chosen else ""
        items.append(f'<option value="{escape(value)}"{selected}>{escape(text)}</option>')
    return "".join(items)


def _select(name: str, label: str, options: str, *, hint: str = "", required: bool = False) -> str:
    described = f' aria-describedby="{name}-hint"' if hint else ""
    hint_html = f'<p class="hint" id="{name}-hint">{escape(hint)}</p>' if hint else ""
    return (
        f'<label for="{name}">{escape(label)}</label>{hint_html}'
        f'<select id="{name}" name="{name}"{described}{" required" if required else ""}>'
        f"{options}</select>"
    )


def profile_form(
    title: str, token: str, smap: StakeholderMap, chosen: Profile | None, error: str | None
) -> Response:
    """The profile form of an open link (again with the choices made and what was wrong)."""
    chosen = chosen or Profile(office="")
    offices = [(o, smap.office_labels.get(o, o)) for o in smap.offices]
    municipalities = [(m.code, m.name) for m in smap.municipalities()]
    alert = f'<p class="fout" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f"{alert}<p>Doe mee aan deze dialoog. Vertel ons eerst in welke functie en waar u "
        "werkt. Dat gebruiken we alleen om te zien of alle groepen goed vertegenwoordigd "
        "zijn; niemand ziet wie welke bijdrage schreef.</p>"
        f'<form method="post" action="/open/{escape(token)}">'
        + _select(
            "office", "Functie", _options(offices, chosen.office, "Kies uw functie"), required=True
        )
        + "<fieldset><legend>Waar werkt u?</legend>"
        + _select(
            "municipality",
            "Gemeente",
            _options(municipalities, chosen.municipality, "Kies uw gemeente"),
            hint="Werkt u niet voor één gemeente? Kies dan hieronder uw provincie.",
        )
        + _select(
            "province",
            "Provincie",
            _options([(p, p) for p in PROVINCES], chosen.province, "Geen (ik koos een gemeente)"),
        )
        + "</fieldset>"
        + _select(
            "network",
            "Netwerk (niet verplicht)",
            _options([(n, n) for n in smap.networks], chosen.network, "Geen of weet ik niet"),
        )
        + '<p><button type="submit">Deelnemen</button></p></form>'
    )
    return page(title, body, 400 if error else 200)


async def _title(svc: Services, link: OpenLink) -> str:
    async with svc.db.read() as conn:
        dialogue = await dialogue_store.get_dialogue_by_id(conn, link.dialogue_id)
    return dialogue.title if dialogue else "Dialoog"


async def _already_in(request: Request, link: OpenLink) -> Response | None:
    """Someone with a session in this dialogue goes in instead of joining twice."""
    principal = await principal_of(request)
    if principal is None or principal.is_staff or principal.dialogue_id != link.dialogue_id:
        return None
    return RedirectResponse(f"/#/d/{principal.dialogue_slug}", status_code=303)


async def open_page(request: Request) -> Response:
    """GET /open/{token}: the profile form (never a join by itself)."""
    token = request.path_params["token"]
    svc: Services = request.app.state.services
    link = await find_usable_open_link(svc, token)
    if link is None:
        return error_page("Deelnemen", INVALID_OPEN_LINK, 410)
    if (inside := await _already_in(request, link)) is not None:
        return inside
    async with svc.db.read() as conn:
        smap = await load_map(conn)
    return profile_form(await _title(svc, link), token, smap, None, None)


def _profile_from(form: FormData) -> Profile:
    def field(name: str) -> str | None:
        value = form.get(name)
        return value.strip() or None if isinstance(value, str) else None

    return Profile(
        office=field("office") or "",
        municipality=field("municipality"),
        province=field("province"),
        network=field("network"),
    )


async def open_form(request: Request) -> Response:
    """POST /open/{token} from the form: join with the profile, then go to the dialogue."""
    token = request.path_params["token"]
    svc: Services = request.app.state.services
    link = await find_usable_open_link(svc, token)
    if link is None:
        return error_page("Deelnemen", INVALID_OPEN_LINK, 410)
    if (inside := await _already_in(request, link)) is not None:
        return inside
    profile = _profile_from(await request.form())
    try:
        answer, session = await join_open(svc, token, profile)
    except ApiError as exc:
        if exc.status != 400:
            return error_page("Deelnemen", exc.message, exc.status)
        async with svc.db.read() as conn:
            smap = await load_map(conn)
        return profile_form(await _title(svc, link), token, smap, profile, exc.message)
    response = RedirectResponse(dialogue_link("", str(answer["dialogue"])), status_code=303)
    set_session_cookie(request, response, session)
    return response


routes = [
    Route("/api/dialogues/{slug}/open-links", create_open_link, methods=["POST"]),
    Route("/api/dialogues/{slug}/open-links", list_open_links, methods=["GET"]),
    Route("/api/dialogues/{slug}/open-links/{id}/revoke", revoke_open_link, methods=["POST"]),
    Route("/open/{token}", open_page, methods=["GET"]),
    Route("/open/{token}", open_form, methods=["POST"]),
]
