"""`representation.changed`: at most one per dialogue per interval, across all workers.

Joins, writes and reactions touch the coalescer with their dialogue. When it fires, the
worker first claims the dialogue's signal in the database (no other worker signalled
within the interval; else it tries again when the interval is over, so no change goes
unsignalled), brings the alerts up to date (a new one emits `representation.alert`), then
appends `representation.changed` to `moderation:{slug}`. The signal carries nothing about
people: a facilitator's screen fetches the answer again, which is suppressed as always.
"""

from __future__ import annotations

from server.clock import utcnow
from server.coalesce import Coalescer
from server.events import publish
from server.representation.service import evaluate
from server.services import Services
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage import representation as store


def representation_coalescer(svc: Services) -> Coalescer[int]:
    """A coalescer keyed by dialogue id, with the interval from the settings."""
    interval = svc.settings.representation_signal_seconds

    async def emit(dialogue_id: int) -> None:
        now = utcnow()
        async with svc.db.transaction() as conn:
            claimed = await store.claim_signal(conn, dialogue_id, now, interval)
            dialogue = await dialogue_store.get_dialogue_by_id(conn, dialogue_id)
        if dialogue is None:
            return
        if not claimed:
            coalescer.touch(dialogue_id)  # runs again once this interval is over
            return
        await evaluate(svc, dialogue)
        async with svc.db.transaction() as conn:
            record = await event_store.append_event(
                conn, f"moderation:{dialogue.slug}", "representation.changed", {}, now
            )  # stamped with the claim: signals are at least an interval apart
        await publish(svc.hub, [record])

    coalescer: Coalescer[int] = Coalescer(emit, interval)
    return coalescer
