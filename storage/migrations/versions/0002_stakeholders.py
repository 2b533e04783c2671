"""Vinden: the stakeholder map (organisations, networks, memberships, offices, contacts)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:38:58.979681
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.tables

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "networks",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_networks")),
    )
    op.create_table(
        "offices",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_offices")),
    )
    op.create_table(
        "organisations",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("province", sa.String(length=32), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("updated_at", storage.tables.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('reference', 'facilitator')", name=op.f("ck_organisations_source")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_organisations")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_code", sa.String(length=40), nullable=False),
        sa.Column("office", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", storage.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"],
            ["offices.name"],
            name=op.f("fk_contacts_office_offices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_code"],
            ["organisations.code"],
            name=op.f("fk_contacts_organisation_code_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint(
            "organisation_code", "office", "email", name="uq_contacts_organisation_office_email"
        ),
    )
    op.create_table(
        "memberships",
        sa.Column("organisation_code", sa.String(length=40), nullable=False),
        sa.Column("network", sa.String(length=32), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("updated_at", storage.tables.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('reference', 'facilitator')", name=op.f("ck_memberships_source")
        ),
        sa.ForeignKeyConstraint(
            ["network"],
            ["networks.name"],
            name=op.f("fk_memberships_network_networks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_code"],
            ["organisations.code"],
            name=op.f("fk_memberships_organisation_code_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_code", "network", name=op.f("pk_memberships")),
    )


def downgrade() -> None:
    op.drop_table("memberships")
    op.drop_table("contacts")
    op.drop_table("organisations")
    op.drop_table("offices")
    op.drop_table("networks")
