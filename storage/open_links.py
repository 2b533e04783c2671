"""Open join links: one reusable link per dialogue or network, kept as a token hash."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.records import OpenLink
from storage.tables import open_links


def _open_link(row: sa.Row) -> OpenLink:
    return OpenLink(
        row.id, row.dialogue_id, row.label, row.created_at, row.expires_at, row.revoked_at
    )


async def add_open_link(
    conn: AsyncConnection,
    dialogue_id: int,
    token_hash: str,
    label: str,
    now: datetime,
    expires_at: datetime | None,
) -> OpenLink:
    """Store a new open link of a dialogue."""
    result = await conn.execute(
        open_links.insert()
        .values(
            dialogue_id=dialogue_id,
            token_hash=token_hash,
            label=label,
            created_at=now,
            expires_at=expires_at,
        )
        .returning(*open_links.c)
    )
    return _open_link(result.one())


async def find_open_link(conn: AsyncConnection, token_hash: str) -> OpenLink | None:
    """The open link with this token hash, if any (revoked or expired ones too)."""
    row = await conn.execute(sa.select(open_links).where(open_links.c.token_hash == token_hash))
    found = row.first()
    return _open_link(found) if found else None


async def list_open_links(conn: AsyncConnection, dialogue_id: int) -> list[OpenLink]:
    """Every open link of a dialogue, oldest first."""
    rows = await conn.execute(
        sa.select(open_links)
        .where(open_links.c.dialogue_id == dialogue_id)
        .order_by(open_links.c.id)
    )
    return [_open_link(row) for row in rows]


async def revoke_open_link(
    conn: AsyncConnection, dialogue_id: int, link_id: int, now: datetime
) -> OpenLink | None:
    """Revoke an open link of a dialogue; returns it as it is now (None: unknown)."""
    await conn.execute(
        open_links.update()
        .where(
            open_links.c.id == link_id,
            open_links.c.dialogue_id == dialogue_id,
            open_links.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    row = await conn.execute(
        sa.select(open_links).where(
            open_links.c.id == link_id, open_links.c.dialogue_id == dialogue_id
        )
    )
    found = row.first()
    return _open_link(found) if found else None
