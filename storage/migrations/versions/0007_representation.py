"""Representation monitor: a facilitator's alert threshold per dialogue, and its alerts.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.tables

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "representation_monitors",
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("index_below", sa.Float(), server_default="0.5", nullable=False),
        sa.Column("min_invited", sa.Integer(), server_default="10", nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=True),
        sa.Column("signalled_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            ondelete="CASCADE",
            name="fk_representation_monitors_dialogue_id_dialogues",
        ),
        sa.PrimaryKeyConstraint("dialogue_id", name="pk_representation_monitors"),
    )
    op.create_table(
        "representation_alerts",
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.String(length=120), nullable=False),
        sa.Column("raised_at", UTC_TIME, nullable=False),
        sa.Column("cleared_at", UTC_TIME, nullable=True),
        sa.Column("reminded_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            ondelete="CASCADE",
            name="fk_representation_alerts_dialogue_id_dialogues",
        ),
        sa.PrimaryKeyConstraint(
            "dialogue_id", "dimension", "group_name", name="pk_representation_alerts"
        ),
    )


def downgrade() -> None:
    op.drop_table("representation_alerts")
    op.drop_table("representation_monitors")
