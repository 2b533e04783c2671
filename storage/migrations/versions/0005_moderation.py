"""Moderation: claims, mutes on pseudonyms, notes and the append-only audit log.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.tables

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("contributions") as batch:
        batch.add_column(sa.Column("claimed_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claimed_at", UTC_TIME, nullable=True))
        batch.create_foreign_key(
            "fk_contributions_claimed_by_staff",
            "staff",
            ["claimed_by"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("until", UTC_TIME, nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            ondelete="CASCADE",
            name="fk_mutes_dialogue_id_dialogues",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff.id"], ondelete="SET NULL", name="fk_mutes_created_by_staff"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mutes"),
    )
    op.create_index("ix_mutes_author", "mutes", ["dialogue_id", "author"])
    op.create_table(
        "moderation_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            ondelete="CASCADE",
            name="fk_moderation_notes_contribution_id_contributions",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            ondelete="SET NULL",
            name="fk_moderation_notes_staff_id_staff",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_notes"),
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("dialogue_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            ondelete="CASCADE",
            name="fk_audit_log_dialogue_id_dialogues",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], ondelete="SET NULL", name="fk_audit_log_staff_id_staff"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("moderation_notes")
    op.drop_index("ix_mutes_author", table_name="mutes")
    op.drop_table("mutes")
    with op.batch_alter_table("contributions") as batch:
        batch.drop_constraint("fk_contributions_claimed_by_staff", type_="foreignkey")
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
