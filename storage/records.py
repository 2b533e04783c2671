"""Frozen records returned by the repository functions; no ORM object leaves storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Dialogue:
    id: int
    slug: str
    title: str
    description: str
    moderation_mode: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Step:
    step: int
    state: str
    opens_at: datetime | None
    closes_at: datetime | None
    call_to_action: str


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    email: str
    password_hash: str | None
    role: str


@dataclass(frozen=True, slots=True)
class Invitation:
    id: int
    dialogue_id: int
    email: str | None
    office: str
    municipality: str | None
    network: str | None
    province: str | None
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    organisation: str | None = None
    batch: str | None = None
    created_at: datetime | None = None
    reminded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FunnelEntry:
    """One invitation or self-declared participant as the join funnel counts it."""

    office: str
    municipality: str | None
    network: str | None
    province: str | None
    invited: bool
    joined: bool
    active: bool
    organisation: str | None = None


@dataclass(frozen=True, slots=True)
class OpenLink:
    id: int
    dialogue_id: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class QueuedMail:
    id: int
    to: str
    subject: str
    text: str
    html: str | None
    kind: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Participant:
    id: int
    dialogue_id: int
    office: str
    municipality: str | None
    network: str | None
    province: str | None
    self_declared: bool


@dataclass(frozen=True, slots=True)
class Theme:
    id: int
    dialogue_id: int
    title: str
    description: str
    state: str
    merged_into: int | None


@dataclass(frozen=True, slots=True)
class EventRecord:
    channel: str
    seq: int
    name: str
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Contribution:
    id: int
    dialogue_id: int
    theme_id: int
    kind: str
    body: str
    parent_id: int | None
    author: str
    state: str
    hidden_reason: str | None
    agree: int
    disagree: int
    pass_count: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReactionCounts:
    contribution_id: int
    agree: int
    disagree: int
    pass_count: int


@dataclass(frozen=True, slots=True)
class FlagResult:
    flag_id: int | None
    """None when this participant had flagged the contribution already."""
    distinct_flaggers: int


@dataclass(frozen=True, slots=True)
class WriteContext:
    """What a participant's write into a theme is checked against, read in one query."""

    theme: Theme
    dialogue_slug: str
    moderation_mode: str
    steps: tuple[Step, ...]
    muted_until: datetime | None
    """The end of the author's longest running mute in the dialogue, if any."""
    parent_theme_id: int | None
    """The theme of the contribution replied to, when one was asked about and exists."""


@dataclass(frozen=True, slots=True)
class ReactionTarget:
    """A contribution to react to, with the context of its (stored) theme."""

    contribution_id: int
    dialogue_id: int
    state: str
    context: WriteContext
