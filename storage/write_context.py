"""The context of a participant's write, read in one statement instead of four or five.

Every statement is a round trip, and on SQLite one made while the process's write lock
is held, so the theme, its dialogue, the dialogue's steps, the author's running mute and
(for a reply) the parent's theme come back together: one row per step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.records import ReactionTarget, Step, Theme, WriteContext
from storage.tables import contributions, dialogues, mutes, steps, themes


def _columns(author: str, now: datetime, parent_id: int | None) -> list[sa.ColumnElement[Any]]:
    muted = (
        sa.select(sa.func.max(mutes.c.until))
        .where(
            mutes.c.dialogue_id == themes.c.dialogue_id,
            mutes.c.author == author,
            mutes.c.until > now,
        )
        .scalar_subquery()
    )
    parent = contributions.alias("parent")
    parent_theme = (
        sa.select(parent.c.theme_id).where(parent.c.id == parent_id).scalar_subquery()
        if parent_id is not None
        else sa.null()
    )
    return [
        themes.c.id.label("theme_id"),
        themes.c.dialogue_id,
        themes.c.title,
        themes.c.description,
        themes.c.state.label("theme_state"),
        themes.c.merged_into,
        dialogues.c.slug,
        dialogues.c.moderation_mode,
        muted.label("muted_until"),
        parent_theme.label("parent_theme_id"),
        steps.c.step,
        steps.c.state.label("step_state"),
        steps.c.opens_at,
        steps.c.closes_at,
        steps.c.call_to_action,
    ]


def _with_steps(source: sa.FromClause) -> sa.FromClause:
    return source.join(dialogues, dialogues.c.id == themes.c.dialogue_id).outerjoin(
        steps, steps.c.dialogue_id == themes.c.dialogue_id
    )


def _context(rows: list[sa.Row]) -> WriteContext:
    first = rows[0]
    return WriteContext(
        theme=Theme(
            first.theme_id,
            first.dialogue_id,
            first.title,
            first.description,
            first.theme_state,
            first.merged_into,
        ),
        dialogue_slug=first.slug,
        moderation_mode=first.moderation_mode,
        steps=tuple(
            Step(r.step, r.step_state, r.opens_at, r.closes_at, r.call_to_action)
            for r in rows
            if r.step is not None
        ),
        muted_until=first.muted_until,
        parent_theme_id=first.parent_theme_id,
    )


async def theme_context(
    conn: AsyncConnection,
    theme_id: int,
    author: str,
    now: datetime,
    parent_id: int | None = None,
) -> WriteContext | None:
    """The theme with this id and what a write into it is checked against, if it exists."""
    stmt = (
        sa.select(*_columns(author, now, parent_id))
        .select_from(_with_steps(themes))
        .where(themes.c.id == theme_id)
        .order_by(steps.c.step)
    )
    rows = list(await conn.execute(stmt))
    return _context(rows) if rows else None


async def reaction_target(
    conn: AsyncConnection, contribution_id: int, author: str, now: datetime
) -> ReactionTarget | None:
    """The contribution with this id and the context of its theme, if it exists."""
    stmt = (
        sa.select(
            contributions.c.dialogue_id.label("contribution_dialogue_id"),
            contributions.c.state.label("contribution_state"),
            *_columns(author, now, None),
        )
        .select_from(
            _with_steps(contributions.join(themes, themes.c.id == contributions.c.theme_id))
        )
        .where(contributions.c.id == contribution_id)
        .order_by(steps.c.step)
    )
    rows = list(await conn.execute(stmt))
    if not rows:
        return None
    return ReactionTarget(
        contribution_id=contribution_id,
        dialogue_id=rows[0].contribution_dialogue_id,
        state=rows[0].contribution_state,
        context=_context(rows),
    )
