"""Idempotency keys: the first answer to (author, ref) is kept and given again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import idempotency


async def stored_response(conn: AsyncConnection, author: str, ref: str) -> dict[str, Any] | None:
    """The answer given the first time this author sent this ref, if any."""
    row = await conn.execute(
        sa.select(idempotency.c.response).where(
            idempotency.c.author == author, idempotency.c.ref == ref
        )
    )
    found = row.first()
    return dict(found[0]) if found else None


async def store_response(
    conn: AsyncConnection, author: str, ref: str, response: dict[str, Any], now: datetime
) -> None:
    """Keep the answer in the same transaction as the write it answers."""
    await conn.execute(
        idempotency.insert().values(author=author, ref=ref, response=response, created_at=now)
    )
