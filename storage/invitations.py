"""Invitations (identity and profile of invitees) and the participants they become.

An invitation has its first token's hash in ``invitations.token_hash`` and may have
more in ``invitation_tokens`` (a reminder mails a fresh link, since only hashes are
kept). Any of them joins, once: using one uses the invitation up, and all its tokens
with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.records import FunnelEntry, Invitation, Participant
from storage.tables import invitation_tokens, invitations, participants


@dataclass(frozen=True, slots=True)
class NewInvitation:
    token_hash: str
    office: str
    email: str | None = None
    municipality: str | None = None
    network: str | None = None
    province: str | None = None
    organisation: str | None = None
    """The stakeholder map's code of the invitee's organisation, when drawn from it."""


def _invitation(row: sa.Row) -> Invitation:
    return Invitation(
        row.id,
        row.dialogue_id,
        row.email,
        row.office,
        row.municipality,
        row.network,
        row.province,
        row.expires_at,
        row.used_at,
        row.revoked_at,
        row.organisation,
        row.batch,
        row.created_at,
        row.reminded_at,
    )


def _participant(row: sa.Row) -> Participant:
    return Participant(
        row.id,
        row.dialogue_id,
        row.office,
        row.municipality,
        row.network,
        row.province,
        row.self_declared,
    )


async def add_invitations(
    conn: AsyncConnection,
    dialogue_id: int,
    new: list[NewInvitation],
    now: datetime,
    expires_at: datetime,
    batch: str | None = None,
) -> list[int]:
    """Store a batch of invitations; returns their ids in the given order."""
    ids: list[int] = []
    for item in new:
        result = await conn.execute(
            invitations.insert()
            .values(
                dialogue_id=dialogue_id,
                token_hash=item.token_hash,
                email=item.email,
                office=item.office,
                municipality=item.municipality,
                network=item.network,
                province=item.province,
                organisation=item.organisation,
                batch=batch,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(invitations.c.id)
        )
        ids.append(int(result.scalar_one()))
    return ids


def _id_by_token(token_hash: str) -> sa.ScalarSelect[int]:
    """The id of the invitation holding this token hash, first or further token."""
    first = sa.select(invitations.c.id).where(invitations.c.token_hash == token_hash)
    further = sa.select(invitation_tokens.c.invitation_id).where(
        invitation_tokens.c.token_hash == token_hash
    )
    return sa.union_all(first, further).limit(1).scalar_subquery()


async def find_invitation(conn: AsyncConnection, token_hash: str) -> Invitation | None:
    """The invitation holding a token with this hash, if any (used or not)."""
    row = await conn.execute(
        sa.select(invitations).where(invitations.c.id == _id_by_token(token_hash))
    )
    found = row.first()
    return _invitation(found) if found else None


async def consume_invitation(
    conn: AsyncConnection, token_hash: str, now: datetime
) -> Invitation | None:
    """Use an invitation up through any of its tokens; None when it is unknown, used,
    revoked or expired. The conditional UPDATE lets one of two racing joins win."""
    result = await conn.execute(
        invitations.update()
        .where(
            invitations.c.id == _id_by_token(token_hash),
            invitations.c.used_at.is_(None),
            invitations.c.revoked_at.is_(None),
            invitations.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(*invitations.c)
    )
    found = result.first()
    return _invitation(found) if found else None


async def add_invitation_token(
    conn: AsyncConnection, invitation_id: int, token_hash: str, now: datetime
) -> None:
    """Give an invitation one more token (its earlier ones keep working until it is used)."""
    await conn.execute(
        invitation_tokens.insert().values(
            token_hash=token_hash, invitation_id=invitation_id, created_at=now
        )
    )


async def revoke_invitation(
    conn: AsyncConnection, dialogue_id: int, invitation_id: int, now: datetime
) -> Invitation | None:
    """Revoke an unused invitation of a dialogue; returns it as it is now (None: unknown).

    A used or already revoked invitation is returned unchanged."""
    await conn.execute(
        invitations.update()
        .where(
            invitations.c.id == invitation_id,
            invitations.c.dialogue_id == dialogue_id,
            invitations.c.used_at.is_(None),
            invitations.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    row = await conn.execute(
        sa.select(invitations).where(
            invitations.c.id == invitation_id, invitations.c.dialogue_id == dialogue_id
        )
    )
    found = row.first()
    return _invitation(found) if found else None


async def list_invitations(conn: AsyncConnection, dialogue_id: int) -> list[Invitation]:
    """Every invitation of a dialogue, oldest first."""
    rows = await conn.execute(
        sa.select(invitations)
        .where(invitations.c.dialogue_id == dialogue_id)
        .order_by(invitations.c.id)
    )
    return [_invitation(row) for row in rows]


async def invited_pairs(conn: AsyncConnection, dialogue_id: int) -> set[tuple[str, str]]:
    """The (organisation code, office) pairs that have an invitation in a dialogue."""
    rows = await conn.execute(
        sa.select(invitations.c.organisation, invitations.c.office).where(
            invitations.c.dialogue_id == dialogue_id, invitations.c.organisation.is_not(None)
        )
    )
    return {(row.organisation, row.office) for row in rows}


async def mark_reminded(conn: AsyncConnection, invitation_ids: list[int], now: datetime) -> None:
    """Record when these invitations were last reminded."""
    if invitation_ids:
        await conn.execute(
            invitations.update().where(invitations.c.id.in_(invitation_ids)).values(reminded_at=now)
        )


async def joined_inactive(conn: AsyncConnection, dialogue_id: int) -> list[Invitation]:
    """The invitations whose participant joined but has not written or reacted yet."""
    rows = await conn.execute(
        sa.select(invitations)
        .join(participants, participants.c.invitation_id == invitations.c.id)
        .where(invitations.c.dialogue_id == dialogue_id, participants.c.active.is_(False))
        .order_by(invitations.c.id)
    )
    return [_invitation(row) for row in rows]


async def funnel_entries(conn: AsyncConnection, dialogue_id: int) -> list[FunnelEntry]:
    """Every invitation not revoked (with whether its invitee joined and took part) and
    every self-declared participant, with profiles only."""
    invited = await conn.execute(
        sa.select(
            invitations.c.office,
            invitations.c.municipality,
            invitations.c.network,
            invitations.c.province,
            invitations.c.organisation,
            participants.c.id.is_not(None).label("joined"),
            sa.func.coalesce(participants.c.active, sa.false()).label("active"),
        )
        .select_from(
            invitations.outerjoin(participants, participants.c.invitation_id == invitations.c.id)
        )
        .where(invitations.c.dialogue_id == dialogue_id, invitations.c.revoked_at.is_(None))
    )
    entries = [
        FunnelEntry(
            r.office,
            r.municipality,
            r.network,
            r.province,
            True,
            bool(r.joined),
            bool(r.active),
            r.organisation,
        )
        for r in invited
    ]
    declared = await conn.execute(
        sa.select(participants).where(
            participants.c.dialogue_id == dialogue_id, participants.c.self_declared.is_(True)
        )
    )
    entries += [
        FunnelEntry(r.office, r.municipality, r.network, r.province, False, True, r.active)
        for r in declared
    ]
    return entries


async def add_participant(
    conn: AsyncConnection,
    dialogue_id: int,
    *,
    office: str,
    municipality: str | None,
    network: str | None,
    province: str | None,
    self_declared: bool,
    invitation_id: int | None,
    now: datetime,
) -> Participant:
    """Create a participant with its profile (kept apart from what it writes)."""
    result = await conn.execute(
        participants.insert()
        .values(
            dialogue_id=dialogue_id,
            office=office,
            municipality=municipality,
            network=network,
            province=province,
            self_declared=self_declared,
            invitation_id=invitation_id,
            joined_at=now,
        )
        .returning(*participants.c)
    )
    return _participant(result.one())


async def get_participant(conn: AsyncConnection, participant_id: int) -> Participant | None:
    """The participant with this id, if any."""
    row = await conn.execute(sa.select(participants).where(participants.c.id == participant_id))
    found = row.first()
    return _participant(found) if found else None


async def mark_active(conn: AsyncConnection, participant_id: int) -> None:
    """Record that a participant wrote or reacted (for the join funnel, not for linking)."""
    await conn.execute(
        participants.update()
        .where(participants.c.id == participant_id, participants.c.active.is_(False))
        .values(active=True)
    )
