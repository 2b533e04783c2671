"""Personal invitations: made by hand or drawn from the stakeholder map, listed, revoked.

A token is shown once, in the answer that made it (or only in the mail that carries
it); the database keeps its hash. Lists never carry tokens nor e-mail addresses: an
address shows masked (``b***@gemeente.nl``), enough to spot a wrong domain.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any, Final, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, require
from server.clock import iso, utcnow
from server.dialogues import load_dialogue
from server.errors import ApiError
from server.invitations.links import personal_link, wake_mail
from server.invitations.outbox import invitation_mail
from server.invitations.profiles import (
    GroupFilter,
    StakeholderMap,
    checked_filter,
    join_networks,
    load_map,
    matches,
    member_networks,
    member_of,
)
from server.payloads import path_int, read_json
from server.security import new_token, token_hash
from server.services import Services
from server.sessions import base_url
from server.stakeholders.reference import KIND_MUNICIPALITY, Organisation
from storage import invitations as invitation_store
from storage import mail_outbox as outbox_store
from storage import stakeholders as stakeholder_store
from storage.invitations import NewInvitation
from storage.records import Dialogue, Invitation

MAX_BATCH: Final = 5000
"""One batch covers every office of all 342 municipalities (3 × 342) with room to spare."""
LABEL_MAX_CHARS: Final = 64

State = Literal["open", "joined", "expired", "revoked"]


class Invitee(msgspec.Struct, forbid_unknown_fields=True):
    role: str
    email: str | None = None
    municipality: str | None = None
    network: str | None = None
    province: str | None = None


class InvitationBatch(msgspec.Struct, forbid_unknown_fields=True):
    invitees: list[Invitee]
    batch: str | None = None
    send: bool = False
    """Queue an invitation mail for every invitee with an e-mail address."""


class MapBatch(msgspec.Struct, forbid_unknown_fields=True):
    offices: list[str]
    filter: GroupFilter = msgspec.field(default_factory=GroupFilter)
    send: bool = False
    label: str | None = None
    again: bool = False
    """Invite (organisation, office) pairs that already have an invitation once more."""


# --- rules ----------------------------------------------------------------------------------


def invitation_state(invitation: Invitation, now: datetime) -> State:
    """Where an invitation stands: joined wins, then revoked, then expired."""
    if invitation.used_at is not None:
        return "joined"
    if invitation.revoked_at is not None:
        return "revoked"
    return "expired" if invitation.expires_at <= now else "open"


def mask_email(address: str | None) -> str | None:
    """``b***@gemeente.nl``: the first letter and the domain, never the whole address."""
    if not address or "@" not in address:
        return None
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"


def _checked_label(label: str | None) -> str | None:
    text = (label or "").strip() or None
    if text is not None and len(text) > LABEL_MAX_CHARS:
        raise ApiError(400, "invalid", f"Het label is langer dan {LABEL_MAX_CHARS} tekens.")
    return text


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


def _with_tokens(items: list[NewInvitation]) -> tuple[list[NewInvitation], list[str]]:
    tokens = [new_token() for _ in items]
    hashed = [
        dataclasses.replace(item, token_hash=token_hash(token))
        for item, token in zip(items, tokens, strict=True)
    ]
    return hashed, tokens


async def _store(
    svc: Services,
    dialogue: Dialogue,
    items: list[NewInvitation],
    tokens: list[str],
    *,
    base: str,
    batch: str | None,
    send: bool,
) -> tuple[list[int], set[int]]:
    """Store invitations and, when asked, queue their mails in the same transaction.

    Returns their ids in order and the ids of those mailed."""
    now = utcnow()
    expires = now + timedelta(seconds=svc.settings.invitation_max_age_seconds)
    async with svc.db.transaction() as conn:
        ids = await invitation_store.add_invitations(conn, dialogue.id, items, now, expires, batch)
        mails = [
            invitation_mail(item.email, dialogue.title, personal_link(base, token), id_)
            for id_, item, token in zip(ids, items, tokens, strict=True)
            if send and item.email
        ]
        await outbox_store.enqueue_mail(conn, mails, now)
    if mails:
        wake_mail(svc)
    return ids, {m.invitation_id for m in mails if m.invitation_id is not None}


# --- by hand --------------------------------------------------------------------------------


async def create_invitations(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/invitations: one token and link per invitee, in order."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, InvitationBatch)
    if not 1 <= len(body.invitees) <= MAX_BATCH:
        raise ApiError(400, "invalid", f"Geef 1 tot {MAX_BATCH} uitgenodigden op.")
    items, tokens = _with_tokens([_check(invitee, i) for i, invitee in enumerate(body.invitees)])
    base = base_url(request)
    svc: Services = request.app.state.services
    await _store(
        svc, dialogue, items, tokens, base=base, batch=_checked_label(body.batch), send=body.send
    )
    return JSONResponse(
        [{"token": token, "link": personal_link(base, token)} for token in tokens],
        status_code=201,
    )


# --- from the stakeholder map ---------------------------------------------------------------


def _from_map(
    org: Organisation, office: str, email: str | None, smap: StakeholderMap
) -> NewInvitation:
    """An invitation for one office at one organisation, carrying the map's profile."""
    return NewInvitation(
        token_hash="",
        office=office,
        email=email,
        municipality=org.code if org.kind == KIND_MUNICIPALITY else None,
        network=join_networks(member_networks(org, smap.networks)),
        province=org.province,
        organisation=org.code,
    )


def draw(
    smap: StakeholderMap,
    offices: list[str],
    group: GroupFilter,
    invited: set[tuple[str, str]],
    emails: dict[tuple[str, str], str],
    *,
    again: bool,
) -> tuple[list[tuple[Organisation, NewInvitation]], int]:
    """The invitations a map batch makes (organisation by code, then office) and how many
    pairs it skipped because they were invited before."""
    if group.kind is None:
        group = msgspec.structs.replace(group, kind=KIND_MUNICIPALITY)
    made: list[tuple[Organisation, NewInvitation]] = []
    skipped = 0
    for code in sorted(smap.organisations):
        org = smap.organisations[code]
        for office in offices:
            if not matches(group, member_of(smap, office, organisation=code)):
                continue
            if (code, office) in invited and not again:
                skipped += 1
                continue
            made.append((org, _from_map(org, office, emails.get((code, office)), smap)))
    return made, skipped


def _checked_offices(offices: list[str], smap: StakeholderMap) -> list[str]:
    wanted = list(dict.fromkeys(o.strip().lower() for o in offices))
    unknown = [o for o in wanted if o not in smap.offices]
    if not wanted or unknown:
        raise ApiError(
            400,
            "invalid",
            f"Kies een of meer functies uit: {', '.join(smap.offices)}"
            + (f" (onbekend: {', '.join(unknown)})." if unknown else "."),
        )
    return wanted


async def create_from_map(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/invitations/batch: invite offices of the map's organisations.

    One invitation per matching (organisation, office), with the contact's e-mail when
    the map has one (the first by address when it has several). Links of invitations
    that were not mailed are in this answer only, for distribution by hand.
    """
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, MapBatch)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        smap = await load_map(conn)
        offices = _checked_offices(body.offices, smap)
        group = checked_filter(body.filter, smap)
        invited = await invitation_store.invited_pairs(conn, dialogue.id)
        contacts = await stakeholder_store.list_contacts(conn, offices=offices)
    emails: dict[tuple[str, str], str] = {}
    for contact in contacts:
        emails.setdefault((contact.organisation_code, contact.office), contact.email)
    made, skipped = draw(smap, offices, group, invited, emails, again=body.again)
    if len(made) > MAX_BATCH:
        raise ApiError(400, "invalid", f"Meer dan {MAX_BATCH} uitnodigingen: verfijn het filter.")
    items, tokens = _with_tokens([item for _, item in made])
    base = base_url(request)
    label = _checked_label(body.label)
    ids, mailed = await _store(svc, dialogue, items, tokens, base=base, batch=label, send=body.send)
    links = [
        _link_entry(id_, org, item, personal_link(base, token))
        for id_, (org, item), token in zip(ids, made, tokens, strict=True)
        if id_ not in mailed
    ]
    answer = {
        "created": len(ids),
        "skipped": skipped,
        "queued": len(mailed),
        "without_email": sum(1 for item in items if not item.email),
        "batch": label,
        "links": links,
    }
    return JSONResponse(answer, status_code=201)


def _link_entry(id_: int, org: Organisation, item: NewInvitation, link: str) -> dict[str, Any]:
    return {
        "id": id_,
        "organisation": org.code,
        "name": org.name,
        "office": item.office,
        "has_email": item.email is not None,
        "link": link,
    }


# --- list and revoke ------------------------------------------------------------------------


def invitation_view(invitation: Invitation, now: datetime) -> dict[str, Any]:
    """One invitation as a facilitator sees it: no token, the address masked."""
    return {
        "id": invitation.id,
        "office": invitation.office,
        "organisation": invitation.organisation,
        "municipality": invitation.municipality,
        "province": invitation.province,
        "network": invitation.network,
        "batch": invitation.batch,
        "email": mask_email(invitation.email),
        "created_at": iso(invitation.created_at) if invitation.created_at else None,
        "expires_at": iso(invitation.expires_at),
        "state": invitation_state(invitation, now),
        "reminded_at": iso(invitation.reminded_at) if invitation.reminded_at else None,
    }


async def list_invitations(request: Request) -> JSONResponse:
    """GET /api/dialogues/{slug}/invitations (facilitator)."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    svc: Services = request.app.state.services
    async with svc.db.read() as conn:
        found = await invitation_store.list_invitations(conn, dialogue.id)
    now = utcnow()
    return JSONResponse({"invitations": [invitation_view(i, now) for i in found]})


async def revoke_invitation(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/invitations/{id}/revoke: every link of it stops working."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    invitation_id = path_int(request, "id")
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.transaction() as conn:
        found = await invitation_store.revoke_invitation(conn, dialogue.id, invitation_id, now)
    if found is None:
        raise ApiError(404, "not_found", "Deze uitnodiging bestaat niet.")
    if found.used_at is not None:
        raise ApiError(409, "conflict", "Deze uitnodiging is al gebruikt.")
    return JSONResponse(invitation_view(found, now))


routes = [
    Route("/api/dialogues/{slug}/invitations", create_invitations, methods=["POST"]),
    Route("/api/dialogues/{slug}/invitations", list_invitations, methods=["GET"]),
    Route("/api/dialogues/{slug}/invitations/batch", create_from_map, methods=["POST"]),
    Route("/api/dialogues/{slug}/invitations/{id}/revoke", revoke_invitation, methods=["POST"]),
]
