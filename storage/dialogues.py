"""Dialogues, their seven steps and their themes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.errors import Conflict
from storage.events import ensure_channel
from storage.records import Dialogue, Step, Theme
from storage.tables import dialogues, steps, themes

STEP_COUNT = 7


def _dialogue(row: sa.Row) -> Dialogue:
    return Dialogue(
        id=row.id,
        slug=row.slug,
        title=row.title,
        description=row.description,
        moderation_mode=row.moderation_mode,
        created_at=row.created_at,
    )


async def create_dialogue(
    conn: AsyncConnection, slug: str, title: str, description: str, now: datetime
) -> Dialogue:
    """Create a dialogue with its seven planned steps and its dialogue channel."""
    existing = await conn.execute(sa.select(dialogues.c.id).where(dialogues.c.slug == slug))
    if existing.first() is not None:
        raise Conflict(f"dialogue {slug} exists")
    result = await conn.execute(
        dialogues.insert()
        .values(slug=slug, title=title, description=description, created_at=now)
        .returning(*dialogues.c)
    )
    dialogue = _dialogue(result.one())
    await conn.execute(
        steps.insert(), [{"dialogue_id": dialogue.id, "step": n} for n in range(1, STEP_COUNT + 1)]
    )
    await ensure_channel(conn, f"dialogue:{slug}")
    await ensure_channel(conn, f"moderation:{slug}")
    return dialogue


async def get_dialogue(conn: AsyncConnection, slug: str) -> Dialogue | None:
    """The dialogue with this slug, if any."""
    row = (await conn.execute(sa.select(dialogues).where(dialogues.c.slug == slug))).first()
    return _dialogue(row) if row else None


async def get_dialogue_by_id(conn: AsyncConnection, dialogue_id: int) -> Dialogue | None:
    """The dialogue with this id, if any."""
    row = (await conn.execute(sa.select(dialogues).where(dialogues.c.id == dialogue_id))).first()
    return _dialogue(row) if row else None


async def list_dialogues(conn: AsyncConnection) -> list[Dialogue]:
    """Every dialogue, newest first."""
    rows = await conn.execute(sa.select(dialogues).order_by(dialogues.c.id.desc()))
    return [_dialogue(row) for row in rows]


async def list_steps(conn: AsyncConnection, dialogue_id: int) -> list[Step]:
    """The seven steps of a dialogue in order."""
    rows = await conn.execute(
        sa.select(steps).where(steps.c.dialogue_id == dialogue_id).order_by(steps.c.step)
    )
    return [Step(r.step, r.state, r.opens_at, r.closes_at, r.call_to_action) for r in rows]


async def set_step(
    conn: AsyncConnection,
    dialogue_id: int,
    step: int,
    *,
    state: str | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    call_to_action: str | None = None,
    clear_dates: bool = False,
) -> None:
    """Change one step's state, dates or call to action."""
    values: dict[str, object] = {}
    if state is not None:
        values["state"] = state
    if clear_dates:
        values.update(opens_at=None, closes_at=None)
    if opens_at is not None:
        values["opens_at"] = opens_at
    if closes_at is not None:
        values["closes_at"] = closes_at
    if call_to_action is not None:
        values["call_to_action"] = call_to_action
    if values:
        await conn.execute(
            steps.update()
            .where(steps.c.dialogue_id == dialogue_id, steps.c.step == step)
            .values(**values)
        )


def _theme(row: sa.Row) -> Theme:
    return Theme(row.id, row.dialogue_id, row.title, row.description, row.state, row.merged_into)


async def create_theme(
    conn: AsyncConnection,
    dialogue_id: int,
    title: str,
    description: str,
    now: datetime,
    state: str = "open",
) -> Theme:
    """Create a theme and its channel."""
    result = await conn.execute(
        themes.insert()
        .values(
            dialogue_id=dialogue_id,
            title=title,
            description=description,
            state=state,
            created_at=now,
        )
        .returning(*themes.c)
    )
    theme = _theme(result.one())
    await ensure_channel(conn, f"theme:{theme.id}")
    return theme


async def get_theme(conn: AsyncConnection, theme_id: int) -> Theme | None:
    """The theme with this id, if any."""
    row = (await conn.execute(sa.select(themes).where(themes.c.id == theme_id))).first()
    return _theme(row) if row else None


async def list_themes(conn: AsyncConnection, dialogue_id: int) -> list[Theme]:
    """The dialogue's themes in creation order."""
    rows = await conn.execute(
        sa.select(themes).where(themes.c.dialogue_id == dialogue_id).order_by(themes.c.id)
    )
    return [_theme(row) for row in rows]


async def update_theme(conn: AsyncConnection, theme_id: int, **values: object) -> None:
    """Change a theme's title, description, state or merge target."""
    await conn.execute(themes.update().where(themes.c.id == theme_id).values(**values))


async def scheduled_steps(conn: AsyncConnection) -> list[tuple[str, int, Step, str | None]]:
    """(dialogue slug, dialogue id, step, announced state) of every step with a date."""
    rows = await conn.execute(
        sa.select(dialogues.c.slug, steps)
        .join(dialogues, dialogues.c.id == steps.c.dialogue_id)
        .where(sa.or_(steps.c.opens_at.is_not(None), steps.c.closes_at.is_not(None)))
    )
    return [
        (
            r.slug,
            r.dialogue_id,
            Step(r.step, r.state, r.opens_at, r.closes_at, r.call_to_action),
            r.announced_state,
        )
        for r in rows
    ]


async def claim_announcement(
    conn: AsyncConnection, dialogue_id: int, step: int, seen: str | None, state: str
) -> bool:
    """Record that state is announced, unless another worker did so first."""
    seen_clause = (
        steps.c.announced_state.is_(None) if seen is None else steps.c.announced_state == seen
    )
    result = await conn.execute(
        steps.update()
        .where(steps.c.dialogue_id == dialogue_id, steps.c.step == step, seen_clause)
        .values(announced_state=state)
    )
    return result.rowcount == 1


async def mark_announced(conn: AsyncConnection, dialogue_id: int, step: int, state: str) -> None:
    """Record the state a manual change announced, so the schedule does not repeat it."""
    await conn.execute(
        steps.update()
        .where(steps.c.dialogue_id == dialogue_id, steps.c.step == step)
        .values(announced_state=state)
    )


async def set_moderation_mode(conn: AsyncConnection, dialogue_id: int, mode: str) -> None:
    """Switch a dialogue between post-moderation and pre-moderation."""
    await conn.execute(
        dialogues.update().where(dialogues.c.id == dialogue_id).values(moderation_mode=mode)
    )
