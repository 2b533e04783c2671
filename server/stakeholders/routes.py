"""Vinden over HTTP: the stakeholder map, its imports and the population to represent.

The offices and networks routes live in ``catalogue`` and are part of ``routes``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, require
from server.clock import utcnow
from server.errors import ApiError
from server.payloads import MAX_BODY_BYTES, read_json
from server.services import Services
from server.stakeholders import catalogue, service
from server.stakeholders.contacts import parse_contacts
from server.stakeholders.population import DEFAULT_OFFICES, SIZE_CLASSES, UNKNOWN, size_class
from server.stakeholders.reference import (
    KIND_MUNICIPALITY,
    KIND_NETWORK,
    KIND_OTHER,
    KIND_PROVINCE,
    KIND_VNG_BRANCH,
    KINDS,
    KINDS_WITH_PROVINCE,
    Organisation,
    check_code,
    parse_name,
    parse_province,
)
from storage import stakeholders as store
from storage.errors import Conflict
from storage.stakeholders import OrganisationFilter, StoredOrganisation

FILTERS: Final = ("province", "network", "kind", "size", "q")
QUERY_MAX_CHARS: Final = 100
POPULATION_MAX: Final = 100_000_000
"""More inhabitants than the Netherlands has, many times over: a typing error."""
ERRORS_SHOWN: Final = 100
"""Row errors listed in a refused import; a file that is wrong throughout needs no more."""
CODE_PREFIXES: Final = {
    KIND_VNG_BRANCH: "VNG",
    KIND_NETWORK: "NW",
    KIND_PROVINCE: "PROV",
    KIND_OTHER: "ORG",
}
"""Generated codes of added organisations: ``ORG-0001``; municipalities bring their own."""


class NewOrganisation(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    kind: str
    code: str | None = None
    province: str | None = None
    population: int | None = None
    networks: dict[str, bool | None] = msgspec.field(default_factory=dict)


class OrganisationChange(msgspec.Struct, forbid_unknown_fields=True):
    name: str | msgspec.UnsetType = msgspec.UNSET
    province: str | msgspec.UnsetType | None = msgspec.UNSET
    population: int | msgspec.UnsetType | None = msgspec.UNSET
    networks: dict[str, bool | None] | msgspec.UnsetType = msgspec.UNSET


class CsvUpload(msgspec.Struct, forbid_unknown_fields=True):
    csv: str


def _services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid", message)


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + "."


# --- views ---------------------------------------------------------------------------------


def organisation_view(org: StoredOrganisation, order: list[str]) -> dict[str, Any]:
    """One organisation as the API shows it: every network a key, None for unknown."""
    municipal = org.kind == KIND_MUNICIPALITY
    return {
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "province": org.province,
        "population": org.population,
        "size_class": size_class(org.population) if municipal else None,
        "networks": {name: org.networks.get(name) for name in order},
        "source": org.source,
    }


# --- filters -------------------------------------------------------------------------------


def _size_filter(value: str) -> dict[str, Any]:
    folded = value.strip().casefold()
    if folded == UNKNOWN:
        return {"population_unknown": True}
    for size in SIZE_CLASSES:
        if size.label.casefold() == folded:
            return {"population_at_least": size.minimum, "population_below": size.maximum}
    labels = ", ".join([s.label for s in SIZE_CLASSES] + [UNKNOWN])
    raise _invalid(f"Onbekende grootteklasse '{value}' (kies uit: {labels}).")


def _network_named(value: str, order: list[str]) -> str:
    for name in order:
        if name.casefold() == value.strip().casefold():
            return name
    raise _invalid(f"Onbekend netwerk '{value}' (kies uit: {', '.join(order)}).")


def _filter(request: Request, order: list[str]) -> OrganisationFilter:
    """The query's filters, each checked; anything unknown or repeated is a 400."""
    items = request.query_params.multi_items()
    names = [name for name, _ in items]
    for name in names:
        if name not in FILTERS:
            raise _invalid(f"Onbekend filter '{name}' (kies uit: {', '.join(FILTERS)}).")
        if names.count(name) > 1:
            raise _invalid(f"Geef het filter '{name}' één keer op.")
    query = dict(items)
    values: dict[str, Any] = {}
    if "province" in query:
        try:
            values["province"] = parse_province(query["province"]) or ""
        except ValueError as exc:
            raise _invalid(_sentence(exc)) from None
        if not values["province"]:
            raise _invalid("Geef een provincie op.")
    if "network" in query:
        values["network"] = _network_named(query["network"], order)
    if "kind" in query:
        values["kind"] = query["kind"].strip().lower()
        if values["kind"] not in KINDS:
            raise _invalid(f"Onbekende soort '{query['kind']}' (kies uit: {', '.join(KINDS)}).")
    if "size" in query:
        if values.setdefault("kind", KIND_MUNICIPALITY) != KIND_MUNICIPALITY:
            raise _invalid("Een grootteklasse hebben alleen gemeenten (soort 'gemeente').")
        values.update(_size_filter(query["size"]))
    if "q" in query:
        text = query["q"].strip()
        if not 1 <= len(text) <= QUERY_MAX_CHARS:
            raise _invalid(f"Zoek op 1 tot {QUERY_MAX_CHARS} tekens.")
        values["name_contains"] = text
    return OrganisationFilter(**values)


# --- organisations -------------------------------------------------------------------------


async def list_stakeholders(request: Request) -> JSONResponse:
    """GET /api/stakeholders (facilitator): every organisation that passes the filters."""
    await require(request, *MODERATOR_ROLES)
    async with _services(request).db.read() as conn:
        order = await service.network_names(conn)
        found = await store.list_organisations(conn, _filter(request, order))
    return JSONResponse({"organisations": [organisation_view(org, order) for org in found]})


def _population(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= POPULATION_MAX:
        raise _invalid(f"Het inwonertal moet tussen 0 en {POPULATION_MAX} liggen.")
    return value


def _province(value: str | None, kind: str) -> str | None:
    try:
        province = parse_province(value or "")
    except ValueError as exc:
        raise _invalid(_sentence(exc)) from None
    if province is None and kind in KINDS_WITH_PROVINCE:
        raise _invalid(f"Een organisatie van de soort '{kind}' ligt in een provincie: geef die op.")
    return province


def _name(value: str) -> str:
    try:
        name = parse_name(value)
    except ValueError as exc:
        raise _invalid(_sentence(exc)) from None
    if name is None:
        raise _invalid("Geef een naam op.")
    return name


def _networks(given: dict[str, bool | None], order: list[str]) -> dict[str, bool | None]:
    return {_network_named(name, order): member for name, member in given.items()}


async def _new_code(conn: Any, kind: str, code: str | None) -> str:
    if code is not None:
        code = code.strip()
        code = code.upper() if code.upper().startswith("GM") else code
        try:
            check_code(code, kind)
        except ValueError as exc:
            raise _invalid(_sentence(exc)) from None
        return code
    if kind == KIND_MUNICIPALITY:
        raise _invalid("Een gemeente heeft haar CBS-code nodig (GM en 4 cijfers).")
    taken = {org.code for org in await store.list_organisations(conn)}
    number = 1
    while f"{CODE_PREFIXES[kind]}-{number:04d}" in taken:
        number += 1
    return f"{CODE_PREFIXES[kind]}-{number:04d}"


async def add_stakeholder(request: Request) -> JSONResponse:
    """POST /api/stakeholders (facilitator): add an organisation."""
    await require(request, *MODERATOR_ROLES)
    body = await read_json(request, NewOrganisation)
    kind = body.kind.strip().lower()
    if kind not in KINDS:
        raise _invalid(f"Onbekende soort '{body.kind}' (kies uit: {', '.join(KINDS)}).")
    name = _name(body.name)
    province = _province(body.province, kind)
    population = _population(body.population)
    try:
        async with _services(request).db.transaction() as conn:
            order = await service.network_names(conn)
            networks = {**dict.fromkeys(order), **_networks(body.networks, order)}
            code = await _new_code(conn, kind, body.code)
            if await store.get_organisation(conn, code) is not None:
                raise Conflict(code)
            org = Organisation(code, name, kind, province, population, networks)
            await service.save_correction(conn, None, org, utcnow())
            stored = await store.get_organisation(conn, code)
    except Conflict:
        raise ApiError(409, "conflict", "Er is al een organisatie met deze code.") from None
    assert stored is not None
    return JSONResponse(organisation_view(stored, order), status_code=201)


def _changed(org: Organisation, body: OrganisationChange, order: list[str]) -> Organisation:
    values: dict[str, Any] = {}
    if body.name is not msgspec.UNSET:
        values["name"] = _name(body.name)
    if body.province is not msgspec.UNSET:
        values["province"] = _province(body.province, org.kind)
    if body.population is not msgspec.UNSET:
        values["population"] = _population(body.population)
    if body.networks is not msgspec.UNSET:
        values["networks"] = {**org.networks, **_networks(body.networks, order)}
    if not values:
        raise _invalid("Er is niets te wijzigen: geef name, province, population of networks.")
    return replace(org, **values)


async def get_stakeholder(request: Request) -> JSONResponse:
    """GET /api/stakeholders/{code} (facilitator): one organisation."""
    await require(request, *MODERATOR_ROLES)
    code = request.path_params["code"]
    async with _services(request).db.read() as conn:
        order = await service.network_names(conn)
        found = await store.get_organisation(conn, code)
    if found is None:
        raise ApiError(404, "not_found", "Er is geen organisatie met deze code.")
    return JSONResponse(organisation_view(found, order))


async def change_stakeholder(request: Request) -> JSONResponse:
    """PATCH /api/stakeholders/{code} (facilitator): correct an organisation."""
    await require(request, *MODERATOR_ROLES)
    body = await read_json(request, OrganisationChange)
    code = request.path_params["code"]
    async with _services(request).db.transaction() as conn:
        order = await service.network_names(conn)
        found = await store.get_organisation(conn, code)
        if found is None:
            raise ApiError(404, "not_found", "Er is geen organisatie met deze code.")
        old = service.to_organisation(found, order)
        await service.save_correction(conn, old, _changed(old, body, order), utcnow())
        stored = await store.get_organisation(conn, code)
    assert stored is not None
    return JSONResponse(organisation_view(stored, order))


# --- imports -------------------------------------------------------------------------------


async def read_csv(request: Request) -> str:
    """A CSV body: ``text/csv`` as is, or JSON ``{"csv": "..."}``."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json":
        return (await read_json(request, CsvUpload)).csv
    if media not in ("text/csv", "text/plain"):
        raise _invalid('Stuur het bestand als text/csv of als JSON {"csv": "..."}.')
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", "Het bestand is te groot.")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid("Het bestand is geen UTF-8-tekst.") from None


def _busy() -> ApiError:
    return ApiError(409, "conflict", "Er liep tegelijk een andere wijziging; probeer het opnieuw.")


def rejected(errors: tuple[str, ...]) -> Response:
    """A refused import: the contract's error body plus the row errors, nothing applied."""
    shown = errors[:ERRORS_SHOWN]
    more = f" De eerste {ERRORS_SHOWN} staan hieronder." if len(errors) > ERRORS_SHOWN else ""
    message = (
        f"Het bestand is niet ingelezen: {len(errors)} "
        f"{'fout' if len(errors) == 1 else 'fouten'}. Er is niets gewijzigd.{more}"
    )
    return JSONResponse(
        {"error": {"code": "invalid", "message": message, "errors": list(shown)}},
        status_code=400,
    )


async def import_stakeholders(request: Request) -> Response:
    """POST /api/stakeholders/import (facilitator): corrections and additions, all or nothing."""
    await require(request, *MODERATOR_ROLES)
    text = await read_csv(request)
    try:
        async with _services(request).db.transaction() as conn:
            summary = await service.import_organisations(conn, text, utcnow())
    except service.ImportRejected as exc:
        return rejected(exc.errors)
    except Conflict:
        raise _busy() from None
    return JSONResponse(
        {"added": summary.added, "updated": summary.updated, "unchanged": summary.unchanged}
    )


async def import_contacts(request: Request) -> Response:
    """POST /api/stakeholders/contacts/import (facilitator): e-mail addresses to invite.

    All or nothing; the answer has counts only.
    """
    await require(request, *MODERATOR_ROLES)
    text = await read_csv(request)
    try:
        async with _services(request).db.transaction() as conn:
            codes = {org.code for org in await store.list_organisations(conn)}
            offices = {office.name for office in await store.list_offices(conn)}
            parsed = parse_contacts(text, codes, offices)
            if parsed.errors:
                return rejected(tuple(str(issue) for issue in parsed.errors))
            added = await store.add_contacts(conn, parsed.contacts, utcnow())
            per_office = await store.count_contacts(conn)
    except Conflict:
        # The driver's message would name the row, e-mail included: never log or echo it.
        raise _busy() from None
    return JSONResponse(
        {
            "added": added,
            "already_known": len(parsed.contacts) - added,
            "repeated_in_file": parsed.duplicates,
            "contacts_per_office": per_office,
        }
    )


# --- the population ------------------------------------------------------------------------


def _offices(request: Request) -> list[str]:
    raw = request.query_params.getlist("offices")
    if len(raw) > 1 or set(request.query_params) - {"offices"}:
        raise _invalid("Geef alleen 'offices' op, één keer, met komma's: offices=a,b.")
    if not raw:
        return list(DEFAULT_OFFICES)
    names = [name.strip().lower() for name in raw[0].split(",")]
    if not all(names) or len(set(names)) != len(names):
        raise _invalid("Geef verschillende functies op, gescheiden door komma's.")
    return names


async def population(request: Request) -> JSONResponse:
    """GET /api/stakeholders/population?offices=a,b (facilitator): the population a dialogue
    must represent, with its size per group of office, network, province and size."""
    await require(request, *MODERATOR_ROLES)
    offices = _offices(request)
    try:
        async with _services(request).db.read() as conn:
            groups = await service.population_groups(conn, offices)
    except service.UnknownOffices as exc:
        raise _invalid(f"Onbekende functie: {', '.join(exc.names)}.") from None
    total = sum(g.population for g in groups if g.dimension == "office")
    return JSONResponse(
        {
            "offices": offices,
            "total": total,
            "groups": [
                {"dimension": g.dimension, "group": g.group, "population": g.population}
                for g in groups
            ],
        }
    )


routes = [
    Route("/api/stakeholders", list_stakeholders, methods=["GET"]),
    Route("/api/stakeholders", add_stakeholder, methods=["POST"]),
    Route("/api/stakeholders/import", import_stakeholders, methods=["POST"]),
    Route("/api/stakeholders/contacts/import", import_contacts, methods=["POST"]),
    Route("/api/stakeholders/population", population, methods=["GET"]),
    Route("/api/stakeholders/{code}", get_stakeholder, methods=["GET"]),
    Route("/api/stakeholders/{code}", change_stakeholder, methods=["PATCH"]),
    *catalogue.routes,
]
