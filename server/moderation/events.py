"""The events moderation writes: a flag on the moderation channel, a hide on the theme."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from storage import contributions as contribution_store
from storage import events as event_store
from storage.records import Contribution, EventRecord

AUTO_HIDE_REASON = "Tijdelijk verborgen na meldingen van deelnemers."


async def hide_event(
    conn: AsyncConnection, contribution: Contribution, reason: str, now: datetime
) -> EventRecord:
    """Hide a contribution and tell its theme channel (the author learns it there too)."""
    await contribution_store.set_state(conn, contribution.id, "hidden", reason)
    return await event_store.append_event(
        conn,
        f"theme:{contribution.theme_id}",
        "contribution.hidden",
        {"id": contribution.id, "reason": reason},
        now,
    )


async def flag_event(
    conn: AsyncConnection,
    slug: str,
    contribution: Contribution,
    *,
    flag_id: int,
    reason: str,
    source: str,
    detail: str | None,
    flags: int,
    now: datetime,
) -> EventRecord:
    """A `flag.created` on the moderation channel: the body, never the author."""
    return await event_store.append_event(
        conn,
        f"moderation:{slug}",
        "flag.created",
        {
            "flag": flag_id,
            "contribution": {"id": contribution.id, "body": contribution.body},
            "theme": contribution.theme_id,
            "reason": reason,
            "source": source,
            "detail": detail,
            "flags": flags,
        },
        now,
    )
