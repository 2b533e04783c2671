"""Steps with dates open and close on the server's clock, and every screen hears of it.

A background task in each worker looks for steps whose state on the clock differs
from the state last announced; one worker wins the compare-and-set per change and
appends the `step.changed` event, so a date passing is announced exactly once.
"""

from __future__ import annotations

import asyncio

import structlog

from realtime.hub import Hub
from server.clock import iso, utcnow
from server.events import publish
from server.steps import effective_state
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage.database import Database
from storage.records import EventRecord

log = structlog.get_logger(__name__)


async def announce_due_steps(db: Database, hub: Hub) -> int:
    """Announce every step whose state changed with the clock; returns how many."""
    now = utcnow()
    records: list[EventRecord] = []
    async with db.transaction() as conn:
        for slug, dialogue_id, step, announced in await dialogue_store.scheduled_steps(conn):
            state = effective_state(step, now)
            if state == announced:
                continue
            if not await dialogue_store.claim_announcement(
                conn, dialogue_id, step.step, announced, state
            ):
                continue
            data = {
                "step": step.step,
                "state": state,
                "opens_at": iso(step.opens_at) if step.opens_at else None,
                "closes_at": iso(step.closes_at) if step.closes_at else None,
            }
            records.append(
                await event_store.append_event(conn, f"dialogue:{slug}", "step.changed", data, now)
            )
    await publish(hub, records)
    return len(records)


async def run_step_schedule(db: Database, hub: Hub, interval_seconds: float) -> None:
    """Check the schedule forever (until cancelled)."""
    while True:
        try:
            await announce_due_steps(db, hub)
        except Exception as exc:  # a lost database must not end the schedule
            log.error("step_schedule_failed", error=repr(exc))
        await asyncio.sleep(interval_seconds)
