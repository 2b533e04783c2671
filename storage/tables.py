"""SQLAlchemy Core tables: the durable model of Dialoog.

Identities (staff e-mail, invitation e-mail, participant profile) live in their
own tables. Everything a participant writes (contributions, reactions, flags,
idempotency keys) carries only ``author``: a keyed pseudonym computed by the
server, never an account id.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PSEUDONYM = sa.String(64)

dialogues = sa.Table(
    "dialogues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(64), nullable=False, unique=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("moderation_mode", sa.String(8), nullable=False, server_default="post"),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

steps = sa.Table(
    "steps",
    metadata,
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("step", sa.SmallInteger, primary_key=True),
    sa.Column("state", sa.String(8), nullable=False, server_default="planned"),
    sa.Column("opens_at", UtcDateTime),
    sa.Column("closes_at", UtcDateTime),
    sa.Column("call_to_action", sa.Text, nullable=False, server_default=""),
    sa.Column("announced_state", sa.String(8)),
)

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200)),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

login_tokens = sa.Table(
    "login_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("staff_id", sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("used_at", UtcDateTime),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("email", sa.String(254)),
    sa.Column("office", sa.String(64), nullable=False),
    sa.Column("municipality", sa.String(16)),
    sa.Column("network", sa.String(32)),
    sa.Column("province", sa.String(32)),
    sa.Column("batch", sa.String(64)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("used_at", UtcDateTime),
    sa.Column("revoked_at", UtcDateTime),
    sa.Column("reminded_at", UtcDateTime),
    sa.Column("organisation", sa.String(40)),
    sa.Index("ix_invitations_dialogue_organisation", "dialogue_id", "organisation", "office"),
)

invitation_tokens = sa.Table(
    "invitation_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("invitation_id", sa.ForeignKey("invitations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_invitation_tokens_invitation", "invitation_id"),
)
"""Further links of one invitation (a reminder mails a fresh one: only hashes are kept)."""

open_links = sa.Table(
    "open_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime),
    sa.Column("revoked_at", UtcDateTime),
)
"""Reusable join links (per dialogue or network); who joins declares a profile."""

participants = sa.Table(
    "participants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("invitation_id", sa.ForeignKey("invitations.id", ondelete="SET NULL"), unique=True),
    sa.Column("office", sa.String(64), nullable=False),
    sa.Column("municipality", sa.String(16)),
    sa.Column("network", sa.String(32)),
    sa.Column("province", sa.String(32)),
    sa.Column("self_declared", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("joined_at", UtcDateTime, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
)

themes = sa.Table(
    "themes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("state", sa.String(8), nullable=False, server_default="open"),
    sa.Column("merged_into", sa.ForeignKey("themes.id", ondelete="SET NULL")),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

channels = sa.Table(
    "channels",
    metadata,
    sa.Column("name", sa.String(120), primary_key=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(120), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("channel", "seq", name="uq_events_channel_seq"),
)

contributions = sa.Table(
    "contributions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("theme_id", sa.ForeignKey("themes.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("parent_id", sa.ForeignKey("contributions.id", ondelete="SET NULL")),
    sa.Column("author", PSEUDONYM, nullable=False),
    sa.Column("state", sa.String(8), nullable=False, server_default="visible"),
    sa.Column("hidden_reason", sa.String(200)),
    sa.Column("agree", sa.Integer, nullable=False, server_default="0"),
    sa.Column("disagree", sa.Integer, nullable=False, server_default="0"),
    sa.Column("pass_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("claimed_by", sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("claimed_at", UtcDateTime),
    sa.Index("ix_contributions_theme", "theme_id", "id"),
)

reactions = sa.Table(
    "reactions",
    metadata,
    sa.Column(
        "contribution_id",
        sa.ForeignKey("contributions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("author", PSEUDONYM, primary_key=True),
    sa.Column("reaction", sa.String(8), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

flags = sa.Table(
    "flags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contribution_id", sa.ForeignKey("contributions.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("author", PSEUDONYM),
    sa.Column("reason", sa.String(16), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("source", sa.String(12), nullable=False),
    sa.Column("detail", sa.Text),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("resolved_at", UtcDateTime),
    sa.UniqueConstraint("contribution_id", "author", name="uq_flags_contribution_author"),
)

idempotency = sa.Table(
    "idempotency",
    metadata,
    sa.Column("author", PSEUDONYM, primary_key=True),
    sa.Column("ref", sa.String(64), primary_key=True),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("to", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("html", sa.Text),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("invitation_id", sa.ForeignKey("invitations.id", ondelete="SET NULL")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("claimed_at", UtcDateTime),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("failed_at", UtcDateTime),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.String(300)),
    sa.Index("ix_mail_outbox_due", "sent_at", "failed_at", "next_attempt_at"),
)
"""Durable queue of outgoing mail; text and html are blanked once sent or given up."""

# --- Vinden: the stakeholder map ----------------------------------------------------------
# Organisations, networks and memberships are public reference data. ``source`` records
# who set a row last: a facilitator's correction is never overwritten by a reference
# re-import. A membership's ``member`` is NULL when unknown, which is never "no".

organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("code", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("province", sa.String(32)),
    sa.Column("population", sa.Integer),
    sa.Column("source", sa.String(12), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("source IN ('reference', 'facilitator')", name="source"),
)

networks = sa.Table(
    "networks",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column(
        "organisation_code",
        sa.ForeignKey("organisations.code", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("network", sa.ForeignKey("networks.name", ondelete="CASCADE"), primary_key=True),
    sa.Column("member", sa.Boolean),
    sa.Column("source", sa.String(12), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("source IN ('reference', 'facilitator')", name="source"),
)

offices = sa.Table(
    "offices",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("label", sa.String(100), nullable=False),
)

# Identity data: the e-mail addresses facilitators import to send invitations to. Kept
# apart from everything participants write; no API answer lists them.
contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "organisation_code",
        sa.ForeignKey("organisations.code", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("office", sa.ForeignKey("offices.name", ondelete="CASCADE"), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint(
        "organisation_code", "office", "email", name="uq_contacts_organisation_office_email"
    ),
)

mutes = sa.Table(
    "mutes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author", PSEUDONYM, nullable=False),
    sa.Column("until", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_mutes_author", "dialogue_id", "author"),
)

moderation_notes = sa.Table(
    "moderation_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "contribution_id", sa.ForeignKey("contributions.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("staff_id", sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE")),
    sa.Column("staff_id", sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("contribution_id", sa.Integer),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

workshops = sa.Table(
    "workshops",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("theme_id", sa.ForeignKey("themes.id", ondelete="SET NULL")),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("state", sa.String(8), nullable=False, server_default="planned"),
    sa.Column("current_round", sa.Integer),
    sa.Column("deadline", UtcDateTime),
    sa.Column("remaining_seconds", sa.Float),
    sa.Column("present", sa.Integer, nullable=False, server_default="0"),
    sa.Column("summary", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

workshop_rounds = sa.Table(
    "workshop_rounds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("theme_id", sa.ForeignKey("themes.id", ondelete="SET NULL")),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("duration_seconds", sa.Integer, nullable=False),
    sa.Column("options", sa.JSON, nullable=False),
    sa.UniqueConstraint("workshop_id", "position", name="uq_workshop_rounds_position"),
)

workshop_pins = sa.Table(
    "workshop_pins",
    metadata,
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "contribution_id", sa.ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

poll_votes = sa.Table(
    "poll_votes",
    metadata,
    sa.Column(
        "round_id", sa.ForeignKey("workshop_rounds.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("author", PSEUDONYM, primary_key=True),
    sa.Column("option", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

presence = sa.Table(
    "presence",
    metadata,
    sa.Column("worker", sa.String(40), primary_key=True),
    sa.Column("channel", sa.String(120), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

workshop_contributions = sa.Table(
    "workshop_contributions",
    metadata,
    sa.Column(
        "contribution_id", sa.ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("round_id", sa.ForeignKey("workshop_rounds.id", ondelete="CASCADE"), nullable=False),
)

# --- the representation monitor -----------------------------------------------------------
# Settings and alert state only: no figure about people is stored, they are computed (and
# suppressed) on every request.

representation_monitors = sa.Table(
    "representation_monitors",
    metadata,
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("index_below", sa.Float, nullable=False, server_default="0.5"),
    sa.Column("min_invited", sa.Integer, nullable=False, server_default="10"),
    sa.Column("updated_at", UtcDateTime),
    sa.Column("signalled_at", UtcDateTime),
)
"""A facilitator's alert threshold per dialogue, and when `representation.changed` last went
out (so every worker together sends at most one per interval)."""

representation_alerts = sa.Table(
    "representation_alerts",
    metadata,
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("dimension", sa.String(16), primary_key=True),
    sa.Column("group_name", sa.String(120), primary_key=True),
    sa.Column("raised_at", UtcDateTime, nullable=False),
    sa.Column("cleared_at", UtcDateTime),
    sa.Column("reminded_at", UtcDateTime),
)
"""Groups under the threshold; ``cleared_at`` set when one no longer is (raised again later:
a new alert)."""

# --- Voorkeuren (step 5) ------------------------------------------------------------------
# A ballot's items are frozen once step 5 opens. Votes carry the voter's pseudonym only; the
# server links them to profiles in memory, per request, and sends out only suppressed
# aggregates.

ballots = sa.Table(
    "ballots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dialogue_id", sa.ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("dots", sa.Integer, nullable=False, server_default="10"),
    sa.Column("max_per_item", sa.Integer),
    sa.Column("hidden_until_closed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_ballots_dialogue", "dialogue_id"),
)

ballot_items = sa.Table(
    "ballot_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ballot_id", sa.ForeignKey("ballots.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False, server_default=""),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("contributions", sa.JSON, nullable=False),
    sa.Column("agenda_position", sa.Integer),
    sa.Column("deepening_theme_id", sa.ForeignKey("themes.id", ondelete="SET NULL")),
    sa.Index("ix_ballot_items_ballot", "ballot_id", "position"),
)
"""Proposals to rank; ``themes`` / ``contributions`` are the ids they were drawn from.
``agenda_position`` is set for the Verdiepen agenda, ``deepening_theme_id`` once handed off."""

dot_ballots = sa.Table(
    "dot_ballots",
    metadata,
    sa.Column("ballot_id", sa.ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("author", PSEUDONYM, primary_key=True),
    sa.Column("dots", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
"""One dot ballot per participant per ballot (item id → dots); a new one replaces it."""

statement_votes = sa.Table(
    "statement_votes",
    metadata,
    sa.Column("ballot_id", sa.ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("author", PSEUDONYM, primary_key=True),
    sa.Column("item_id", sa.ForeignKey("ballot_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("stance", sa.SmallInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
"""Agree (1), disagree (-1) or pass (0), one per participant per statement."""

pair_votes = sa.Table(
    "pair_votes",
    metadata,
    sa.Column("ballot_id", sa.ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("author", PSEUDONYM, primary_key=True),
    sa.Column("low_item", sa.ForeignKey("ballot_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("high_item", sa.ForeignKey("ballot_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("winner", sa.Integer),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
"""One answer per participant per pair (low_item < high_item); ``winner`` NULL is "kan niet
kiezen". A later answer on the same pair replaces the earlier one."""
