"""Voorkeuren (step 5): ballots, their items, and dot, statement and pairwise votes.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.tables

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = storage.tables.UtcDateTime(timezone=True)
PSEUDONYM = sa.String(length=64)


def _ballot_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["ballot_id"], ["ballots.id"], ondelete="CASCADE", name=f"fk_{table}_ballot_id_ballots"
    )


def _item_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["ballot_items.id"],
        ondelete="CASCADE",
        name=f"fk_{table}_{column}_ballot_items",
    )


def upgrade() -> None:
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("dots", sa.Integer(), server_default="10", nullable=False),
        sa.Column("max_per_item", sa.Integer(), nullable=True),
        sa.Column("hidden_until_closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            ondelete="CASCADE",
            name="fk_ballots_dialogue_id_dialogues",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ballots"),
    )
    op.create_index("ix_ballots_dialogue", "ballots", ["dialogue_id"])
    op.create_table(
        "ballot_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("agenda_position", sa.Integer(), nullable=True),
        sa.Column("deepening_theme_id", sa.Integer(), nullable=True),
        _ballot_fk("ballot_items"),
        sa.ForeignKeyConstraint(
            ["deepening_theme_id"],
            ["themes.id"],
            ondelete="SET NULL",
            name="fk_ballot_items_deepening_theme_id_themes",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ballot_items"),
    )
    op.create_index("ix_ballot_items_ballot", "ballot_items", ["ballot_id", "position"])
    op.create_table(
        "dot_ballots",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("author", PSEUDONYM, nullable=False),
        sa.Column("dots", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        _ballot_fk("dot_ballots"),
        sa.PrimaryKeyConstraint("ballot_id", "author", name="pk_dot_ballots"),
    )
    op.create_table(
        "statement_votes",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("author", PSEUDONYM, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("stance", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        _ballot_fk("statement_votes"),
        _item_fk("statement_votes", "item_id"),
        sa.PrimaryKeyConstraint("ballot_id", "author", "item_id", name="pk_statement_votes"),
    )
    op.create_table(
        "pair_votes",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("author", PSEUDONYM, nullable=False),
        sa.Column("low_item", sa.Integer(), nullable=False),
        sa.Column("high_item", sa.Integer(), nullable=False),
        sa.Column("winner", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        _ballot_fk("pair_votes"),
        _item_fk("pair_votes", "low_item"),
        _item_fk("pair_votes", "high_item"),
        sa.PrimaryKeyConstraint(
            "ballot_id", "author", "low_item", "high_item", name="pk_pair_votes"
        ),
    )


def downgrade() -> None:
    for table in ("pair_votes", "statement_votes", "dot_ballots"):
        op.drop_table(table)
    op.drop_index("ix_ballot_items_ballot", table_name="ballot_items")
    op.drop_table("ballot_items")
    op.drop_index("ix_ballots_dialogue", table_name="ballots")
    op.drop_table("ballots")
