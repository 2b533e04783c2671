"""Writes keyed by (author, ref): the first answer is stored with the write and given again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.clock import utcnow
from server.errors import ApiError
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
    A ref is nearly always new, so the first attempt does not look the key up: it
    does the work and stores the answer, whose insert fails on the key's uniqueness
    when the ref was seen (a retry, or a concurrent send of it). That transaction
    then rolls back whole and the next attempt reads the stored answer first. A
    retry the work refuses (the step closed since, say) still gets the stored answer.
    """
    for attempt in range(3):
        try:
            async with db.transaction() as conn:
                if attempt > 0:
                    stored = await idempotency.stored_response(conn, author, ref)
                    if stored is not None:
                        return stored, []
                now = utcnow()
                answer, records = await work(conn, now)
                await idempotency.store_response(conn, author, ref, answer, now)
            return answer, records
        except Conflict:
            continue
        except ApiError:
            if attempt == 0 and (stored := await _stored(db, author, ref)) is not None:
                return stored, []
            raise
    raise Conflict(f"idempotency key {ref} kept conflicting")


async def _stored(db: Database, author: str, ref: str) -> dict[str, Any] | None:
    """The answer stored for (author, ref), read outside any write transaction."""
    async with db.read() as conn:
        return await idempotency.stored_response(conn, author, ref)
