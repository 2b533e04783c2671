"""Contributions, reactions and flags: everything carries the author's pseudonym only."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.records import Contribution, FlagResult, ReactionCounts
from storage.tables import contributions, flags, reactions

_COUNTER = {"agree": "agree", "disagree": "disagree", "pass": "pass_count"}


def _contribution(row: sa.Row) -> Contribution:
    return Contribution(
        id=row.id,
        dialogue_id=row.dialogue_id,
        theme_id=row.theme_id,
        kind=row.kind,
        body=row.body,
        parent_id=row.parent_id,
        author=row.author,
        state=row.state,
        hidden_reason=row.hidden_reason,
        agree=row.agree,
        disagree=row.disagree,
        pass_count=row.pass_count,
        created_at=row.created_at,
    )


async def add_contribution(
    conn: AsyncConnection,
    *,
    dialogue_id: int,
    theme_id: int,
    kind: str,
    body: str,
    parent_id: int | None,
    author: str,
    state: str,
    now: datetime,
) -> Contribution:
    """Store a contribution as sent (no escaping, no normalisation)."""
    result = await conn.execute(
        contributions.insert()
        .values(
            dialogue_id=dialogue_id,
            theme_id=theme_id,
            kind=kind,
            body=body,
            parent_id=parent_id,
            author=author,
            state=state,
            created_at=now,
        )
        .returning(*contributions.c)
    )
    return _contribution(result.one())


async def get_contribution(
    conn: AsyncConnection, contribution_id: int, *, for_update: bool = False
) -> Contribution | None:
    """The contribution with this id, if any."""
    stmt = sa.select(contributions).where(contributions.c.id == contribution_id)
    if for_update and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    found = (await conn.execute(stmt)).first()
    return _contribution(found) if found else None


async def list_contributions(
    conn: AsyncConnection, theme_id: int, *, states: tuple[str, ...] = ("visible",)
) -> list[Contribution]:
    """A theme's contributions in the given states, oldest first."""
    rows = await conn.execute(
        sa.select(contributions)
        .where(contributions.c.theme_id == theme_id, contributions.c.state.in_(states))
        .order_by(contributions.c.id)
    )
    return [_contribution(row) for row in rows]


async def list_by_author(
    conn: AsyncConnection, dialogue_id: int, author: str
) -> list[Contribution]:
    """One author's own contributions (for the author's own view only)."""
    rows = await conn.execute(
        sa.select(contributions)
        .where(contributions.c.dialogue_id == dialogue_id, contributions.c.author == author)
        .order_by(contributions.c.id)
    )
    return [_contribution(row) for row in rows]


async def set_state(
    conn: AsyncConnection, contribution_id: int, state: str, reason: str | None
) -> None:
    """Hide, restore, hold or approve a contribution."""
    await conn.execute(
        contributions.update()
        .where(contributions.c.id == contribution_id)
        .values(state=state, hidden_reason=reason)
    )


async def set_reaction(
    conn: AsyncConnection, contribution_id: int, author: str, reaction: str, now: datetime
) -> ReactionCounts:
    """Record an author's reaction, replacing an earlier one, and keep the counters exact."""
    key = (reactions.c.contribution_id == contribution_id) & (reactions.c.author == author)
    select_previous = sa.select(reactions.c.reaction).where(key)
    if conn.dialect.name == "postgresql":
        select_previous = select_previous.with_for_update()
    previous = (await conn.execute(select_previous)).scalar()
    if previous == reaction:
        return await reaction_counts(conn, contribution_id)
    if previous is None:
        await conn.execute(
            reactions.insert().values(
                contribution_id=contribution_id, author=author, reaction=reaction, updated_at=now
            )
        )
    else:
        await conn.execute(reactions.update().where(key).values(reaction=reaction, updated_at=now))
    changes = {_COUNTER[reaction]: contributions.c[_COUNTER[reaction]] + 1}
    if previous is not None:
        changes[_COUNTER[previous]] = contributions.c[_COUNTER[previous]] - 1
    row = (
        await conn.execute(
            contributions.update()
            .where(contributions.c.id == contribution_id)
            .values(**changes)
            .returning(contributions.c.agree, contributions.c.disagree, contributions.c.pass_count)
        )
    ).one()  # the counts as this UPDATE left them: no second read
    return ReactionCounts(contribution_id, row.agree, row.disagree, row.pass_count)


async def reaction_counts(conn: AsyncConnection, contribution_id: int) -> ReactionCounts:
    """The current reaction counters of one contribution."""
    row = (
        await conn.execute(
            sa.select(
                contributions.c.agree, contributions.c.disagree, contributions.c.pass_count
            ).where(contributions.c.id == contribution_id)
        )
    ).one()
    return ReactionCounts(contribution_id, row.agree, row.disagree, row.pass_count)


async def add_flag(
    conn: AsyncConnection,
    *,
    contribution_id: int,
    author: str | None,
    reason: str,
    note: str | None,
    source: str,
    detail: str | None,
    now: datetime,
) -> FlagResult:
    """Record a flag; one per participant per contribution counts."""
    flag_id: int | None = None
    already = None
    if author is not None:
        already = (
            await conn.execute(
                sa.select(flags.c.id).where(
                    flags.c.contribution_id == contribution_id, flags.c.author == author
                )
            )
        ).first()
    if already is None:
        result = await conn.execute(
            flags.insert()
            .values(
                contribution_id=contribution_id,
                author=author,
                reason=reason,
                note=note,
                source=source,
                detail=detail,
                created_at=now,
            )
            .returning(flags.c.id)
        )
        flag_id = int(result.scalar_one())
    distinct = (
        await conn.execute(
            sa.select(sa.func.count(sa.distinct(flags.c.author))).where(
                flags.c.contribution_id == contribution_id,
                flags.c.author.is_not(None),
                flags.c.resolved_at.is_(None),
            )
        )
    ).scalar_one()
    return FlagResult(flag_id=flag_id, distinct_flaggers=int(distinct))


async def resolve_flags(conn: AsyncConnection, contribution_id: int, now: datetime) -> None:
    """Mark every open flag of a contribution as handled (after a review)."""
    await conn.execute(
        flags.update()
        .where(flags.c.contribution_id == contribution_id, flags.c.resolved_at.is_(None))
        .values(resolved_at=now)
    )


async def move_theme_contributions(
    conn: AsyncConnection, from_theme: int, to_theme: int
) -> list[int]:
    """Move every contribution of one theme to another (a merge); returns their ids."""
    rows = await conn.execute(
        contributions.update()
        .where(contributions.c.theme_id == from_theme)
        .values(theme_id=to_theme)
        .returning(contributions.c.id)
    )
    return sorted(int(row[0]) for row in rows)


async def move_contributions(
    conn: AsyncConnection, dialogue_id: int, ids: list[int], to_theme: int
) -> list[int]:
    """Move chosen contributions of a dialogue into a theme (accepting a suggestion)."""
    if not ids:
        return []
    rows = await conn.execute(
        contributions.update()
        .where(contributions.c.dialogue_id == dialogue_id, contributions.c.id.in_(ids))
        .values(theme_id=to_theme)
        .returning(contributions.c.id)
    )
    return sorted(int(row[0]) for row in rows)


async def list_dialogue_texts(conn: AsyncConnection, dialogue_id: int) -> list[tuple[int, str]]:
    """(id, body) of every visible contribution of a dialogue, for theme suggestions."""
    rows = await conn.execute(
        sa.select(contributions.c.id, contributions.c.body)
        .where(contributions.c.dialogue_id == dialogue_id, contributions.c.state == "visible")
        .order_by(contributions.c.id)
    )
    return [(int(i), str(b)) for i, b in rows]
