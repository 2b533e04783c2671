"""The stakeholder map's catalogue over HTTP: the offices and the networks."""

from __future__ import annotations

import re
from typing import Final

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, STAFF_ROLES, require
from server.errors import ApiError
from server.payloads import read_json
from server.services import Services
from server.stakeholders import service
from server.stakeholders.reference import RESERVED_COLUMNS
from storage import stakeholders as store
from storage.errors import Conflict

OFFICE_NAME: Final = re.compile(r"[a-z][a-z0-9_-]{1,63}")
NETWORK_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
DESCRIPTION_MAX_CHARS: Final = 2000


class NewOffice(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    label: str | None = None


class NewNetwork(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    description: str = ""


def _services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid", message)


async def list_offices(request: Request) -> JSONResponse:
    """GET /api/offices (staff)."""
    await require(request, *STAFF_ROLES)
    async with _services(request).db.read() as conn:
        found = service.ordered_offices(await store.list_offices(conn))
    return JSONResponse({"offices": [{"name": o.name, "label": o.label} for o in found]})


async def add_office(request: Request) -> JSONResponse:
    """POST /api/offices (facilitator): an office whose holders a dialogue may address."""
    await require(request, *MODERATOR_ROLES)
    body = await read_json(request, NewOffice)
    name = body.name.strip().lower()
    if OFFICE_NAME.fullmatch(name) is None:
        raise _invalid("Een functienaam is 2 tot 64 kleine letters, cijfers, '-' of '_'.")
    label = (body.label or name.capitalize()).strip()
    if not 1 <= len(label) <= 100:
        raise _invalid("Een omschrijving is 1 tot 100 tekens lang.")
    try:
        async with _services(request).db.transaction() as conn:
            office = await store.add_office(conn, name, label)
    except Conflict:
        raise ApiError(409, "conflict", f"De functie '{name}' bestaat al.") from None
    return JSONResponse({"name": office.name, "label": office.label}, status_code=201)


async def list_networks(request: Request) -> JSONResponse:
    """GET /api/networks (staff)."""
    await require(request, *STAFF_ROLES)
    async with _services(request).db.read() as conn:
        found = service.ordered_networks(await store.list_networks(conn))
    return JSONResponse(
        {"networks": [{"name": n.name, "description": n.description} for n in found]}
    )


async def add_network(request: Request) -> JSONResponse:
    """POST /api/networks (facilitator): every membership of it starts unknown."""
    await require(request, *MODERATOR_ROLES)
    body = await read_json(request, NewNetwork)
    name = body.name.strip()
    if NETWORK_NAME.fullmatch(name) is None or name.casefold() in RESERVED_COLUMNS:
        raise _invalid(
            "Een netwerknaam is 1 tot 32 letters, cijfers, '-' of '_' en geen kolomnaam"
            " van de import (code, name, kind, province, population)."
        )
    if len(body.description) > DESCRIPTION_MAX_CHARS:
        raise _invalid(f"Een beschrijving is hoogstens {DESCRIPTION_MAX_CHARS} tekens lang.")
    try:
        async with _services(request).db.transaction() as conn:
            network = await store.add_network(conn, name, body.description.strip())
    except Conflict:
        raise ApiError(409, "conflict", f"Het netwerk '{name}' bestaat al.") from None
    return JSONResponse({"name": network.name, "description": network.description}, status_code=201)


routes = [
    Route("/api/offices", list_offices, methods=["GET"]),
    Route("/api/offices", add_office, methods=["POST"]),
    Route("/api/networks", list_networks, methods=["GET"]),
    Route("/api/networks", add_network, methods=["POST"]),
]
