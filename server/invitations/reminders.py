"""Reminders: a fresh personal link to invitees who have not joined yet.

``send_reminders`` is a plain function so the representation alerts can call it too.
Only open invitations (not joined, revoked or expired) are reminded; each gets a new
token (only hashes are kept, so the old link cannot be mailed again) while its earlier
links keep working until one of them is used. Invitees without an address get their
fresh link in the answer, for distribution by hand.

With ``not_active`` it also reminds participants who joined through an invitation but
never wrote or reacted. Their invitation is used up, so their mail links to the
dialogue itself. Whether someone took part is activity data: their invitation's
``reminded_at`` is not touched, and the counts go through suppression.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import MODERATOR_ROLES, require
from server.clock import utcnow
from server.dialogues import load_dialogue
from server.invitations.links import dialogue_link, personal_link, wake_mail
from server.invitations.outbox import reminder_mail
from server.invitations.personal import invitation_state
from server.invitations.profiles import (
    GroupFilter,
    StakeholderMap,
    checked_filter,
    load_map,
    matches,
    member_of,
)
from server.payloads import read_json
from server.security import new_token, token_hash
from server.services import Services
from server.sessions import base_url
from server.suppression import SCREEN_K, Cell, suppress
from storage import invitations as invitation_store
from storage import mail_outbox as outbox_store
from storage.mail_outbox import NewMail
from storage.records import Dialogue, Invitation


class ReminderRequest(msgspec.Struct, forbid_unknown_fields=True):
    filter: GroupFilter = msgspec.field(default_factory=GroupFilter)
    not_active: bool = False


@dataclass(frozen=True)
class ReminderOutcome:
    """What one reminder round did."""

    mailed: int = 0
    """Open invitations mailed a fresh link."""
    links: list[tuple[int, str]] = field(default_factory=list)
    """(invitation id, fresh link) of open invitations without an address."""
    inactive_mailed: int = 0
    inactive_without_email: int = 0


def _selected(
    found: list[Invitation], group: GroupFilter, smap: StakeholderMap
) -> list[Invitation]:
    return [
        i
        for i in found
        if matches(
            group,
            member_of(
                smap,
                i.office,
                organisation=i.organisation,
                municipality=i.municipality,
                province=i.province,
                network=i.network,
            ),
        )
    ]


async def send_reminders(
    svc: Services,
    dialogue: Dialogue,
    group: GroupFilter,
    *,
    base: str | None = None,
    not_active: bool = False,
    now: datetime | None = None,
) -> ReminderOutcome:
    """Remind the invitees of ``group`` who have not joined (and, with ``not_active``,
    the invited participants who have not taken part). Raises ApiError for a bad filter.

    ``base`` is the start of the links; a caller without a request (an alert) leaves it
    out and ``DIALOOG_PUBLIC_URL`` is used, which must then be set.
    """
    base = (base or svc.settings.public_url).rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ValueError("reminders need a base URL: set DIALOOG_PUBLIC_URL")
    now = now or utcnow()
    async with svc.db.read() as conn:
        smap = await load_map(conn)
        group = checked_filter(group, smap)
        every = await invitation_store.list_invitations(conn, dialogue.id)
        inactive = await invitation_store.joined_inactive(conn, dialogue.id) if not_active else []
    pending = _selected([i for i in every if invitation_state(i, now) == "open"], group, smap)
    idle = _selected(inactive, group, smap)
    mails: list[NewMail] = []
    links: list[tuple[int, str]] = []
    async with svc.db.transaction() as conn:
        for invitation in pending:
            token = new_token()
            await invitation_store.add_invitation_token(conn, invitation.id, token_hash(token), now)
            link = personal_link(base, token)
            if invitation.email:
                mails.append(reminder_mail(invitation.email, dialogue.title, link, invitation.id))
            else:
                links.append((invitation.id, link))
        await invitation_store.mark_reminded(conn, [i.id for i in pending], now)
        root = dialogue_link(base, dialogue.slug)
        idle_mails = [reminder_mail(i.email, dialogue.title, root, None) for i in idle if i.email]
        await outbox_store.enqueue_mail(conn, mails + idle_mails, now)
    if mails or idle_mails:
        wake_mail(svc)
    return ReminderOutcome(
        mailed=len(mails),
        links=links,
        inactive_mailed=len(idle_mails),
        inactive_without_email=len(idle) - len(idle_mails),
    )


def outcome_view(outcome: ReminderOutcome, *, not_active: bool) -> dict[str, Any]:
    """The answer: counts, fresh links for those without an address, and the reminders to
    joined participants as a suppressed table (it tells who took part)."""
    answer: dict[str, Any] = {
        "reminded": outcome.mailed + len(outcome.links),
        "queued": outcome.mailed,
        "without_email": len(outcome.links),
        "links": [{"id": id_, "link": link} for id_, link in outcome.links],
    }
    if not_active:
        table: dict[str, Cell] = suppress(  # type: ignore[assignment]
            {"mailed": outcome.inactive_mailed, "without_email": outcome.inactive_without_email},
            k=SCREEN_K,
        )
        answer["not_active"] = table
    return answer


async def remind(request: Request) -> JSONResponse:
    """POST /api/dialogues/{slug}/reminders {"filter"?, "not_active"?} (facilitator)."""
    await require(request, *MODERATOR_ROLES)
    dialogue = await load_dialogue(request)
    body = await read_json(request, ReminderRequest)
    svc: Services = request.app.state.services
    outcome = await send_reminders(
        svc, dialogue, body.filter, base=base_url(request), not_active=body.not_active
    )
    return JSONResponse(outcome_view(outcome, not_active=body.not_active))


routes = [Route("/api/dialogues/{slug}/reminders", remind, methods=["POST"])]
