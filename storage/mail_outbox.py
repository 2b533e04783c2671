"""The durable queue of outgoing mail.

A request queues mail in its own transaction; background senders (one per worker)
claim one row at a time with a conditional UPDATE, so two workers never send the same
mail: the row is theirs only when their UPDATE changed it. A claim older than
``stale_before`` belongs to a worker that died mid-send and may be taken over (the
mail may then go out twice: delivery is at least once). Once a mail is sent, or given
up, its text and HTML are blanked: they hold a personal link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.records import QueuedMail
from storage.tables import mail_outbox

ERROR_MAX_CHARS = 300


@dataclass(frozen=True, slots=True)
class NewMail:
    to: str
    subject: str
    text: str
    html: str | None
    kind: str
    invitation_id: int | None = None


def _queued(row: sa.Row) -> QueuedMail:
    return QueuedMail(row.id, row.to, row.subject, row.text, row.html, row.kind, row.attempts)


async def enqueue_mail(conn: AsyncConnection, mails: list[NewMail], now: datetime) -> None:
    """Queue mails for the senders (in the caller's transaction)."""
    if not mails:
        return
    await conn.execute(
        mail_outbox.insert(),
        [
            {
                "to": mail.to,
                "subject": mail.subject,
                "text": mail.text,
                "html": mail.html,
                "kind": mail.kind,
                "invitation_id": mail.invitation_id,
                "created_at": now,
                "next_attempt_at": now,
            }
            for mail in mails
        ],
    )


def _claimable(stale_before: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        mail_outbox.c.sent_at.is_(None),
        mail_outbox.c.failed_at.is_(None),
        sa.or_(mail_outbox.c.claimed_at.is_(None), mail_outbox.c.claimed_at < stale_before),
    )


async def claim_mail(
    conn: AsyncConnection, now: datetime, stale_before: datetime
) -> QueuedMail | None:
    """Claim the oldest due mail, counting the attempt; None when none is due.

    One statement: the UPDATE claims only a row that is still claimable, so of two
    workers one wins. On Postgres the candidate is picked ``FOR UPDATE SKIP LOCKED``
    (a mail another worker is claiming is skipped, not waited for); on SQLite the
    statement starts as a write, so it waits for the lock instead of failing.
    """
    due = (
        sa.select(mail_outbox.c.id)
        .where(_claimable(stale_before), mail_outbox.c.next_attempt_at <= now)
        .order_by(mail_outbox.c.next_attempt_at, mail_outbox.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await conn.execute(
        mail_outbox.update()
        .where(mail_outbox.c.id == due, _claimable(stale_before))
        .values(claimed_at=now, attempts=mail_outbox.c.attempts + 1)
        .returning(*mail_outbox.c)
    )
    row = result.first()
    return _queued(row) if row is not None else None


async def mark_sent(conn: AsyncConnection, mail_id: int, now: datetime) -> None:
    """Record delivery and blank the content."""
    await conn.execute(
        mail_outbox.update()
        .where(mail_outbox.c.id == mail_id)
        .values(sent_at=now, text="", html=None, last_error=None)
    )


async def mark_retry(
    conn: AsyncConnection, mail_id: int, error: str, next_attempt_at: datetime
) -> None:
    """Release a failed claim for another attempt later."""
    await conn.execute(
        mail_outbox.update()
        .where(mail_outbox.c.id == mail_id)
        .values(
            claimed_at=None, next_attempt_at=next_attempt_at, last_error=error[:ERROR_MAX_CHARS]
        )
    )


async def mark_given_up(conn: AsyncConnection, mail_id: int, error: str, now: datetime) -> None:
    """Stop trying a mail and blank its content (a reminder sends a fresh link)."""
    await conn.execute(
        mail_outbox.update()
        .where(mail_outbox.c.id == mail_id)
        .values(failed_at=now, text="", html=None, last_error=error[:ERROR_MAX_CHARS])
    )


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    queued: int
    sent: int
    failed: int


async def outbox_counts(conn: AsyncConnection) -> OutboxCounts:
    """How many mails wait, went out and were given up (for readiness and tests)."""
    row = (
        await conn.execute(
            sa.select(
                sa.func.count().filter(
                    mail_outbox.c.sent_at.is_(None), mail_outbox.c.failed_at.is_(None)
                ),
                sa.func.count().filter(mail_outbox.c.sent_at.is_not(None)),
                sa.func.count().filter(mail_outbox.c.failed_at.is_not(None)),
            )
        )
    ).one()
    return OutboxCounts(int(row[0]), int(row[1]), int(row[2]))
