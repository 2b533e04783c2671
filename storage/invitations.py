"""Invitations (identity and profile of invitees) and the participants they become."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.records import Invitation, Participant
from storage.tables import invitations, participants


@dataclass(frozen=True, slots=True)
class NewInvitation:
    token_hash: str
    office: str
    email: str | None = None
    municipality: str | None = None
    network: str | None = None
    province: str | None = None


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
                batch=batch,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(invitations.c.id)
        )
        ids.append(int(result.scalar_one()))
    return ids


async def find_invitation(conn: AsyncConnection, token_hash: str) -> Invitation | None:
    """The invitation whose token has this hash, if any (used or not)."""
    row = await conn.execute(sa.select(invitations).where(invitations.c.token_hash == token_hash))
    found = row.first()
    return _invitation(found) if found else None


async def consume_invitation(
    conn: AsyncConnection, token_hash: str, now: datetime
) -> Invitation | None:
    """Use an invitation up; None when it is unknown, used, revoked or expired."""
    result = await conn.execute(
        invitations.update()
        .where(
            invitations.c.token_hash == token_hash,
            invitations.c.used_at.is_(None),
            invitations.c.revoked_at.is_(None),
            invitations.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(*invitations.c)
    )
    found = result.first()
    return _invitation(found) if found else None


async def revoke_invitation(conn: AsyncConnection, invitation_id: int, now: datetime) -> bool:
    """Revoke an unused invitation; False when there was none to revoke."""
    result = await conn.execute(
        invitations.update()
        .where(invitations.c.id == invitation_id, invitations.c.used_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1


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
