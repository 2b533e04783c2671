"""The server's clock: one place that reads wall time, so domain rules take `now` as input."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 with a Z suffix, as the wire carries times."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
