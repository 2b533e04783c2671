"""Staff accounts: password login, one-time login links, creation by an admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server.auth import COOKIE_NAME, STAFF_ROLES, principal_of, require
from server.clock import utcnow
from server.errors import ApiError
from server.pages import confirm_page, error_page
from server.payloads import read_json
from server.security import hash_password, new_token, token_hash, verify_password
from server.services import Services
from server.sessions import base_url, session_answer, set_session_cookie
from storage import accounts as account_store
from storage.database import Database
from storage.errors import Conflict
from storage.records import Staff

INVALID_LOGIN_LINK = "Deze inloglink is ongeldig, verlopen of al gebruikt."


class Login(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    password: str


class LinkLogin(msgspec.Struct, forbid_unknown_fields=True):
    token: str


class NewStaff(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    role: Literal["admin", "facilitator", "lead"]
    password: str | None = None


async def add_staff(
    db: Database, email: str, role: str, password: str | None, link_max_age_seconds: int
) -> tuple[Staff, str]:
    """Create a staff account and a one-time login token (CLI and admin API share this)."""
    if role not in STAFF_ROLES:
        raise ApiError(400, "invalid", f"Onbekende rol: {role}")
    if "@" not in email or len(email) > 254:
        raise ApiError(400, "invalid", "Ongeldig e-mailadres.")
    if password is not None and len(password) < 12:
        raise ApiError(400, "invalid", "Een wachtwoord heeft minstens 12 tekens.")
    now = utcnow()
    token = new_token()
    try:
        async with db.transaction() as conn:
            account = await account_store.create_staff(
                conn, email, role, hash_password(password) if password else None, now
            )
            await account_store.add_login_token(
                conn, account.id, token_hash(token), now + timedelta(seconds=link_max_age_seconds)
            )
    except Conflict:
        raise ApiError(409, "conflict", "Er bestaat al een account met dit e-mailadres.") from None
    return account, token


def _session_response(request: Request, account: Staff) -> JSONResponse:
    svc: Services = request.app.state.services
    token = svc.signer.session_token({"s": account.id})
    response = JSONResponse(session_answer(account.role, None, token))
    set_session_cookie(request, response, token)
    return response


async def login(request: Request) -> JSONResponse:
    """POST /api/auth/login {"email", "password"}."""
    body = await read_json(request, Login)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        account = await account_store.get_staff_by_email(conn, body.email)
    if not verify_password(account.password_hash if account else None, body.password):
        raise ApiError(401, "unauthenticated", "E-mailadres of wachtwoord klopt niet.")
    assert account is not None
    return _session_response(request, account)


async def _use_link(request: Request, token: str) -> Staff:
    svc: Services = request.app.state.services
    async with svc.db.transaction() as conn:
        account = await account_store.consume_login_token(conn, token_hash(token), utcnow())
    if account is None:
        raise ApiError(410, "invalid_token", INVALID_LOGIN_LINK)
    return account


async def login_with_link(request: Request) -> JSONResponse:
    """POST /api/auth/link {"token"}: use a one-time login link."""
    body = await read_json(request, LinkLogin)
    return _session_response(request, await _use_link(request, body.token))


async def login_page(request: Request) -> Response:
    """GET /login/{token}: a confirmation page that does not use the link up."""
    token = request.path_params["token"]
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        valid = await account_store.peek_login_token(conn, token_hash(token), utcnow())
    if not valid:
        return error_page("Inloggen", INVALID_LOGIN_LINK, 410)
    return confirm_page(
        "Inloggen bij Dialoog",
        "Klik op de knop om in te loggen.",
        f"/login/{token}",
        token,
        "Inloggen",
    )


async def login_form(request: Request) -> Response:
    """POST /login/{token} from the confirmation page."""
    try:
        account = await _use_link(request, request.path_params["token"])
    except ApiError as exc:
        return error_page("Inloggen", exc.message, exc.status)
    svc: Services = request.app.state.services
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, svc.signer.session_token({"s": account.id}))
    return response


async def logout(request: Request) -> JSONResponse:
    """POST /api/auth/logout: forget the session cookie."""
    response = JSONResponse({"ok": True})
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


async def me(request: Request) -> JSONResponse:
    """GET /api/me: the role and dialogue of the session (no identity)."""
    principal = await principal_of(request)
    if principal is None:
        raise ApiError(401, "unauthenticated", "Log eerst in.")
    return JSONResponse(
        {"kind": principal.kind, "role": principal.role, "dialogue": principal.dialogue_slug}
    )


async def create_staff(request: Request) -> JSONResponse:
    """POST /api/staff (admin): a new account and its one-time login link."""
    await require(request, "admin")
    body = await read_json(request, NewStaff)
    svc: Services = request.app.state.services
    account, token = await add_staff(
        svc.db, body.email, body.role, body.password, svc.settings.login_link_max_age_seconds
    )
    return JSONResponse(
        {
            "id": account.id,
            "email": account.email,
            "role": account.role,
            "link": f"{base_url(request)}/login/{token}",
        },
        status_code=201,
    )


async def list_staff(request: Request) -> JSONResponse:
    """GET /api/staff (admin)."""
    await require(request, "admin")
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        found = await account_store.list_staff(conn)
    return JSONResponse({"staff": [{"id": a.id, "email": a.email, "role": a.role} for a in found]})


routes = [
    Route("/api/auth/login", login, methods=["POST"]),
    Route("/api/auth/link", login_with_link, methods=["POST"]),
    Route("/api/auth/logout", logout, methods=["POST"]),
    Route("/api/me", me, methods=["GET"]),
    Route("/api/staff", create_staff, methods=["POST"]),
    Route("/api/staff", list_staff, methods=["GET"]),
    Route("/login/{token}", login_page, methods=["GET"]),
    Route("/login/{token}", login_form, methods=["POST"]),
]
