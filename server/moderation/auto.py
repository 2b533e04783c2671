"""Automatic flags from screening, recorded with the contribution before the ack."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from server.moderation.events import flag_event
from storage import contributions as contribution_store
from storage.records import Contribution, EventRecord

WARN_KINDS: Final = ("personal_data", "self_identification")
"""Findings the author is warned about first: posting them anyway makes an automatic flag."""
FLAG_REASON: Final = {
    "personal_data": "personal_data",
    "self_identification": "personal_data",
    "offensive": "offensive",
}


class Finding(Protocol):
    """What screening reports of a text."""

    @property
    def kind(self) -> str: ...

    @property
    def rule(self) -> str: ...

    @property
    def excerpt(self) -> str: ...


async def auto_flags(
    conn: AsyncConnection,
    slug: str,
    contribution: Contribution,
    findings: list[Finding],
    now: datetime,
) -> list[EventRecord]:
    """One automatic flag per kind of finding, each a `flag.created` with source `auto`."""
    records: list[EventRecord] = []
    for kind in sorted({f.kind for f in findings}):
        rules = sorted({f.rule for f in findings if f.kind == kind})
        detail = f"{kind}: {', '.join(rules)}"
        result = await contribution_store.add_flag(
            conn,
            contribution_id=contribution.id,
            author=None,
            reason=FLAG_REASON.get(kind, "other"),
            note=None,
            source="auto",
            detail=detail,
            now=now,
        )
        assert result.flag_id is not None
        records.append(
            await flag_event(
                conn,
                slug,
                contribution,
                flag_id=result.flag_id,
                reason=FLAG_REASON.get(kind, "other"),
                source="auto",
                detail=detail,
                flags=result.distinct_flaggers,
                now=now,
            )
        )
    return records
