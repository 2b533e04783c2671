"""Voorkeuren (step 5): ballots, their items, the votes on them, and the Verdiepen agenda.

Votes are stored under the voter's pseudonym only: one dot ballot per voter and ballot,
one stance per voter and statement, one answer per voter and pair; a new vote replaces
the old one. ``voter_profiles`` reads the dialogue's participants' profiles apart from
the votes: the server links the two in memory and never stores the link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import (
    ballot_items,
    ballots,
    dot_ballots,
    invitations,
    pair_votes,
    participants,
    statement_votes,
)

VOTE_TABLES = (dot_ballots, statement_votes, pair_votes)


@dataclass(frozen=True, slots=True)
class Ballot:
    id: int
    dialogue_id: int
    title: str
    method: str
    dots: int
    max_per_item: int | None
    hidden_until_closed: bool


@dataclass(frozen=True, slots=True)
class BallotItem:
    id: int
    ballot_id: int
    position: int
    title: str
    body: str
    themes: tuple[int, ...]
    contributions: tuple[int, ...]
    agenda_position: int | None
    deepening_theme_id: int | None


@dataclass(frozen=True, slots=True)
class PairAnswer:
    """One voter's answer on a pair; ``winner`` None is "kan niet kiezen"."""

    author: str
    low: int
    high: int
    winner: int | None


@dataclass(frozen=True, slots=True)
class VoterProfile:
    """A participant's profile, to be classified like the population (no identity)."""

    participant_id: int
    office: str
    municipality: str | None
    network: str | None
    province: str | None
    organisation: str | None


def _ballot(row: sa.Row) -> Ballot:
    return Ballot(
        row.id,
        row.dialogue_id,
        row.title,
        row.method,
        row.dots,
        row.max_per_item,
        bool(row.hidden_until_closed),
    )


def _item(row: sa.Row) -> BallotItem:
    return BallotItem(
        row.id,
        row.ballot_id,
        row.position,
        row.title,
        row.body,
        tuple(int(t) for t in row.themes),
        tuple(int(c) for c in row.contributions),
        row.agenda_position,
        row.deepening_theme_id,
    )


def _insert(conn: AsyncConnection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


# --- ballots and items ------------------------------------------------------------------------


async def create_ballot(
    conn: AsyncConnection, dialogue_id: int, now: datetime, **values: Any
) -> Ballot:
    """A new ballot (title, method, dots, max_per_item, hidden_until_closed)."""
    result = await conn.execute(
        ballots.insert()
        .values(dialogue_id=dialogue_id, created_at=now, **values)
        .returning(*ballots.c)
    )
    return _ballot(result.one())


async def get_ballot(conn: AsyncConnection, ballot_id: int) -> Ballot | None:
    """The ballot with this id, if any."""
    row = (await conn.execute(sa.select(ballots).where(ballots.c.id == ballot_id))).first()
    return _ballot(row) if row else None


async def list_ballots(conn: AsyncConnection, dialogue_id: int) -> list[Ballot]:
    """A dialogue's ballots in creation order."""
    rows = await conn.execute(
        sa.select(ballots).where(ballots.c.dialogue_id == dialogue_id).order_by(ballots.c.id)
    )
    return [_ballot(row) for row in rows]


async def update_ballot(conn: AsyncConnection, ballot_id: int, **values: Any) -> None:
    """Change a ballot's title, method, budget or visibility."""
    if values:
        await conn.execute(ballots.update().where(ballots.c.id == ballot_id).values(**values))


async def add_item(
    conn: AsyncConnection,
    ballot_id: int,
    *,
    title: str,
    body: str,
    themes: list[int],
    contributions: list[int],
) -> BallotItem:
    """Append an item to the ballot's list."""
    last = await conn.execute(
        sa.select(sa.func.max(ballot_items.c.position)).where(ballot_items.c.ballot_id == ballot_id)
    )
    position = (last.scalar() or 0) + 1
    result = await conn.execute(
        ballot_items.insert()
        .values(
            ballot_id=ballot_id,
            position=position,
            title=title,
            body=body,
            themes=themes,
            contributions=contributions,
        )
        .returning(*ballot_items.c)
    )
    return _item(result.one())


async def list_items(conn: AsyncConnection, ballot_id: int) -> list[BallotItem]:
    """The ballot's items in list order."""
    rows = await conn.execute(
        sa.select(ballot_items)
        .where(ballot_items.c.ballot_id == ballot_id)
        .order_by(ballot_items.c.position, ballot_items.c.id)
    )
    return [_item(row) for row in rows]


async def update_item(conn: AsyncConnection, item_id: int, **values: Any) -> None:
    """Reword an item, or set its agenda position or deepening theme."""
    if values:
        await conn.execute(
            ballot_items.update().where(ballot_items.c.id == item_id).values(**values)
        )


async def delete_item(conn: AsyncConnection, item_id: int) -> None:
    """Take an item off its ballot."""
    await conn.execute(ballot_items.delete().where(ballot_items.c.id == item_id))


async def has_votes(conn: AsyncConnection, ballot_id: int) -> bool:
    """Whether anyone voted on the ballot (in any of the three ways)."""
    for table in VOTE_TABLES:
        found = await conn.execute(
            sa.select(table.c.ballot_id).where(table.c.ballot_id == ballot_id).limit(1)
        )
        if found.first() is not None:
            return True
    return False


# --- votes ------------------------------------------------------------------------------------


async def set_dots(
    conn: AsyncConnection, ballot_id: int, author: str, dots: dict[int, int], now: datetime
) -> None:
    """Store a voter's dot ballot, replacing its earlier one; no dots withdraws it."""
    if not dots:
        await conn.execute(
            dot_ballots.delete().where(
                dot_ballots.c.ballot_id == ballot_id, dot_ballots.c.author == author
            )
        )
        return
    stored = {str(item): count for item, count in dots.items()}
    stmt = _insert(conn)(dot_ballots).values(
        ballot_id=ballot_id, author=author, dots=stored, updated_at=now
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["ballot_id", "author"],
            set_={"dots": stmt.excluded.dots, "updated_at": stmt.excluded.updated_at},
        )
    )


async def set_stance(
    conn: AsyncConnection, ballot_id: int, author: str, item_id: int, stance: int, now: datetime
) -> None:
    """Store a voter's stance on a statement (1, -1 or 0), replacing its earlier one."""
    stmt = _insert(conn)(statement_votes).values(
        ballot_id=ballot_id, author=author, item_id=item_id, stance=stance, updated_at=now
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["ballot_id", "author", "item_id"],
            set_={"stance": stmt.excluded.stance, "updated_at": stmt.excluded.updated_at},
        )
    )


async def set_pair(
    conn: AsyncConnection, ballot_id: int, author: str, answer: PairAnswer, now: datetime
) -> None:
    """Store a voter's answer on a pair, replacing its earlier answer on the same pair."""
    stmt = _insert(conn)(pair_votes).values(
        ballot_id=ballot_id,
        author=author,
        low_item=answer.low,
        high_item=answer.high,
        winner=answer.winner,
        updated_at=now,
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["ballot_id", "author", "low_item", "high_item"],
            set_={"winner": stmt.excluded.winner, "updated_at": stmt.excluded.updated_at},
        )
    )


async def dot_votes(
    conn: AsyncConnection, ballot_id: int, author: str | None = None
) -> dict[str, dict[int, int]]:
    """Voter → (item → dots) for the ballot, or for one voter only."""
    stmt = sa.select(dot_ballots.c.author, dot_ballots.c.dots).where(
        dot_ballots.c.ballot_id == ballot_id
    )
    if author is not None:
        stmt = stmt.where(dot_ballots.c.author == author)
    rows = await conn.execute(stmt.order_by(dot_ballots.c.updated_at, dot_ballots.c.author))
    return {a: {int(i): int(n) for i, n in d.items()} for a, d in rows}


async def stances(
    conn: AsyncConnection, ballot_id: int, author: str | None = None
) -> list[tuple[str, int, int]]:
    """(voter, statement, stance) for the ballot, or for one voter only."""
    stmt = sa.select(
        statement_votes.c.author, statement_votes.c.item_id, statement_votes.c.stance
    ).where(statement_votes.c.ballot_id == ballot_id)
    if author is not None:
        stmt = stmt.where(statement_votes.c.author == author)
    rows = await conn.execute(stmt.order_by(statement_votes.c.updated_at))
    return [(str(a), int(i), int(s)) for a, i, s in rows]


async def pair_answers(
    conn: AsyncConnection, ballot_id: int, author: str | None = None
) -> list[PairAnswer]:
    """Every answer on the ballot's pairs, or one voter's."""
    stmt = sa.select(
        pair_votes.c.author, pair_votes.c.low_item, pair_votes.c.high_item, pair_votes.c.winner
    ).where(pair_votes.c.ballot_id == ballot_id)
    if author is not None:
        stmt = stmt.where(pair_votes.c.author == author)
    rows = await conn.execute(stmt.order_by(pair_votes.c.updated_at))
    return [PairAnswer(str(a), int(lo), int(hi), w) for a, lo, hi, w in rows]


# --- who the voters are -----------------------------------------------------------------------


async def voter_profiles(conn: AsyncConnection, dialogue_id: int) -> list[VoterProfile]:
    """Every participant's profile (an invitation's organisation code included)."""
    rows = await conn.execute(
        sa.select(
            participants.c.id,
            participants.c.office,
            participants.c.municipality,
            participants.c.network,
            participants.c.province,
            invitations.c.organisation,
        )
        .select_from(
            participants.outerjoin(invitations, invitations.c.id == participants.c.invitation_id)
        )
        .where(participants.c.dialogue_id == dialogue_id)
    )
    return [VoterProfile(*row) for row in rows]


# --- the Verdiepen agenda ---------------------------------------------------------------------


async def clear_agenda(conn: AsyncConnection, dialogue_id: int) -> None:
    """Take every item of the dialogue's ballots off the agenda."""
    ids = sa.select(ballots.c.id).where(ballots.c.dialogue_id == dialogue_id)
    await conn.execute(
        ballot_items.update()
        .where(ballot_items.c.ballot_id.in_(ids), ballot_items.c.agenda_position.is_not(None))
        .values(agenda_position=None)
    )


async def agenda(conn: AsyncConnection, dialogue_id: int) -> list[BallotItem]:
    """The items on the dialogue's agenda, in agenda order."""
    rows = await conn.execute(
        sa.select(ballot_items)
        .join(ballots, ballots.c.id == ballot_items.c.ballot_id)
        .where(ballots.c.dialogue_id == dialogue_id, ballot_items.c.agenda_position.is_not(None))
        .order_by(ballot_items.c.agenda_position)
    )
    return [_item(row) for row in rows]
