"""Coalesced `reaction.counts` events: at most one per contribution per interval.

The counts are durable before the ack; only their broadcast is coalesced, and it
carries the counts read at emission time. Each worker coalesces its own reactions.
"""

from __future__ import annotations

from realtime.hub import Hub
from server.clock import utcnow
from server.coalesce import Coalescer
from server.events import publish
from storage import contributions as contribution_store
from storage import events as event_store
from storage.database import Database


def reaction_coalescer(
    db: Database, hub: Hub, interval_seconds: float
) -> Coalescer[tuple[int, str]]:
    """A coalescer keyed by (contribution id, theme channel)."""

    async def emit(key: tuple[int, str]) -> None:
        contribution_id, channel = key
        async with db.transaction() as conn:
            counts = await contribution_store.reaction_counts(conn, contribution_id)
            record = await event_store.append_event(
                conn,
                channel,
                "reaction.counts",
                {
                    "contribution": contribution_id,
                    "agree": counts.agree,
                    "disagree": counts.disagree,
                    "pass": counts.pass_count,
                },
                utcnow(),
            )
        await publish(hub, [record])

    return Coalescer(emit, interval_seconds)
