"""Live workshops (Verdiepen): rounds, pins, quick-poll votes and presence counts.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.tables

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=8), server_default="planned", nullable=False),
        sa.Column("current_round", sa.Integer(), nullable=True),
        sa.Column("deadline", UTC_TIME, nullable=True),
        sa.Column("remaining_seconds", sa.Float(), nullable=True),
        sa.Column("present", sa.Integer(), server_default="0", nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            ondelete="CASCADE",
            name="fk_workshops_dialogue_id_dialogues",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], ondelete="SET NULL", name="fk_workshops_theme_id_themes"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_workshops"),
    )
    op.create_table(
        "workshop_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            ondelete="CASCADE",
            name="fk_workshop_rounds_workshop_id_workshops",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            ondelete="SET NULL",
            name="fk_workshop_rounds_theme_id_themes",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_workshop_rounds"),
        sa.UniqueConstraint("workshop_id", "position", name="uq_workshop_rounds_position"),
    )
    op.create_table(
        "workshop_pins",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            ondelete="CASCADE",
            name="fk_workshop_pins_workshop_id_workshops",
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            ondelete="CASCADE",
            name="fk_workshop_pins_contribution_id_contributions",
        ),
        sa.PrimaryKeyConstraint("workshop_id", "contribution_id", name="pk_workshop_pins"),
    )
    op.create_table(
        "poll_votes",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["workshop_rounds.id"],
            ondelete="CASCADE",
            name="fk_poll_votes_round_id_workshop_rounds",
        ),
        sa.PrimaryKeyConstraint("round_id", "author", name="pk_poll_votes"),
    )
    op.create_table(
        "presence",
        sa.Column("worker", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=120), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("worker", "channel", name="pk_presence"),
    )
    op.create_table(
        "workshop_contributions",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            ondelete="CASCADE",
            name="fk_workshop_contributions_contribution_id_contributions",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["workshop_rounds.id"],
            ondelete="CASCADE",
            name="fk_workshop_contributions_round_id_workshop_rounds",
        ),
        sa.PrimaryKeyConstraint("contribution_id", name="pk_workshop_contributions"),
    )


def downgrade() -> None:
    for table in (
        "workshop_contributions",
        "presence",
        "poll_votes",
        "workshop_pins",
        "workshop_rounds",
        "workshops",
    ):
        op.drop_table(table)
