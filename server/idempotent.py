"""Writes keyed by (author, ref): the first answer is stored with the write and given again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.clock import utcnow
from storage import idempotency
from storage.database import Database
from storage.errors import Conflict
from storage.records import EventRecord

WorkResult = tuple[dict[str, Any], list[EventRecord]]
"""The answer to store and give, and the events to publish after commit."""
Work = Callable[[AsyncConnection, datetime], Awaitable[WorkResult]]


async def run_once(
    db: Database, author: str, ref: str, work: Work
) -> tuple[dict[str, Any], list[EventRecord]]:
    """Do work once per (author, ref) in one transaction; a retry gets the stored answer.

    Returns the answer and the events to publish (none for a replayed answer).
    Two concurrent sends of one ref race on the key's uniqueness: the loser's
    transaction rolls back whole and it reads the winner's answer.
    """
    for _attempt in range(3):
        try:
            async with db.transaction() as conn:
                stored = await idempotency.stored_response(conn, author, ref)
                if stored is not None:
                    return stored, []
                now = utcnow()
                answer, records = await work(conn, now)
                await idempotency.store_response(conn, author, ref, answer, now)
            return answer, records
        except Conflict:
            continue
    raise Conflict(f"idempotency key {ref} kept conflicting")
