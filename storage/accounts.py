"""Staff accounts and their one-time login links (only hashes of tokens are kept)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.errors import Conflict
from storage.records import Staff
from storage.tables import login_tokens, staff


def _staff(row: sa.Row) -> Staff:
    return Staff(row.id, row.email, row.password_hash, row.role)


async def create_staff(
    conn: AsyncConnection, email: str, role: str, password_hash: str | None, now: datetime
) -> Staff:
    """Create a staff account; the e-mail address is unique (case-insensitive)."""
    email = email.strip().lower()
    if await get_staff_by_email(conn, email) is not None:
        raise Conflict(f"staff {email} exists")
    result = await conn.execute(
        staff.insert()
        .values(email=email, role=role, password_hash=password_hash, created_at=now)
        .returning(*staff.c)
    )
    return _staff(result.one())


async def get_staff_by_email(conn: AsyncConnection, email: str) -> Staff | None:
    """The account with this e-mail address, if any."""
    row = await conn.execute(sa.select(staff).where(staff.c.email == email.strip().lower()))
    found = row.first()
    return _staff(found) if found else None


async def get_staff(conn: AsyncConnection, staff_id: int) -> Staff | None:
    """The account with this id, if any."""
    found = (await conn.execute(sa.select(staff).where(staff.c.id == staff_id))).first()
    return _staff(found) if found else None


async def list_staff(conn: AsyncConnection) -> list[Staff]:
    """Every staff account."""
    rows = await conn.execute(sa.select(staff).order_by(staff.c.id))
    return [_staff(row) for row in rows]


async def set_password(conn: AsyncConnection, staff_id: int, password_hash: str) -> None:
    """Store a new password hash (after a rehash or a change)."""
    await conn.execute(
        staff.update().where(staff.c.id == staff_id).values(password_hash=password_hash)
    )


async def add_login_token(
    conn: AsyncConnection, staff_id: int, token_hash: str, expires_at: datetime
) -> None:
    """Keep the hash of a one-time login token."""
    await conn.execute(
        login_tokens.insert().values(
            token_hash=token_hash, staff_id=staff_id, expires_at=expires_at
        )
    )


async def peek_login_token(conn: AsyncConnection, token_hash: str, now: datetime) -> bool:
    """True when the token is valid (unused, unexpired) without using it up."""
    row = await conn.execute(
        sa.select(login_tokens.c.staff_id).where(
            login_tokens.c.token_hash == token_hash,
            login_tokens.c.used_at.is_(None),
            login_tokens.c.expires_at > now,
        )
    )
    return row.first() is not None


async def consume_login_token(
    conn: AsyncConnection, token_hash: str, now: datetime
) -> Staff | None:
    """Use a one-time token up; None when it is unknown, used or expired."""
    result = await conn.execute(
        login_tokens.update()
        .where(
            login_tokens.c.token_hash == token_hash,
            login_tokens.c.used_at.is_(None),
            login_tokens.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(login_tokens.c.staff_id)
    )
    staff_id = result.scalar()
    return None if staff_id is None else await get_staff(conn, int(staff_id))
