"""The mail sender: a background task per worker that delivers the queued mail.

Requests only queue mail (``storage.mail_outbox``) in their own transaction, so an
invitation and its mail are stored together or not at all, and a slow or failing
relay never slows a request. The sender claims one mail at a time (a claim is a
conditional UPDATE, so two workers never send one mail), hands it to the configured
``Mailer`` and records the outcome: sent (content blanked), retry later with
exponential backoff (``MailDeliveryError``), or given up (a refused address, or too
many attempts). Logs name the mail's id and kind, never its recipient or link.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Final

import sqlalchemy as sa
import structlog

from server.clock import utcnow
from server.mail import (
    FolderMailer,
    MailDeliveryError,
    Mailer,
    OutgoingMail,
    SmtpMailer,
    render_invitation,
    render_reminder,
)
from server.settings import Settings
from storage import mail_outbox as outbox_store
from storage.database import Database
from storage.mail_outbox import NewMail
from storage.records import QueuedMail

log = structlog.get_logger(__name__)

CLOSE_TIMEOUT_SECONDS: Final = 5.0
"""On shutdown a send in progress may finish for this long; then it is cancelled (its
claim goes stale and another worker sends the mail again later)."""


def mailer_from_settings(settings: Settings) -> Mailer:
    """The configured backend: .eml files in a folder, or an SMTP relay."""
    if settings.mail_backend == "smtp":
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=password,
            starttls=settings.smtp_starttls,
            sender=settings.mail_sender,
        )
    folder = settings.mail_folder or settings.data_dir / "mail-outbox"
    return FolderMailer(folder, sender=settings.mail_sender)


def retry_delay_seconds(attempts: int, settings: Settings) -> float:
    """Exponential backoff: the base after the first attempt, doubling, capped."""
    delay = settings.mail_retry_base_seconds * 2 ** max(attempts - 1, 0)
    return float(min(delay, settings.mail_retry_max_seconds))


class MailSender:
    """Delivers queued mail in the background; ``wake`` after queueing to send at once."""

    def __init__(self, db: Database, mailer: Mailer, settings: Settings) -> None:
        self._db = db
        self._mailer = mailer
        self._settings = settings
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the background loop (in the lifespan)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="mail-sender")

    def wake(self) -> None:
        """Look for due mail now rather than at the next poll."""
        self._wake.set()

    async def close(self) -> None:
        """Stop after the mail in hand; cancel it when it takes too long."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        done, _ = await asyncio.wait({self._task}, timeout=CLOSE_TIMEOUT_SECONDS)
        if not done:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self.send_due()
            except (OSError, sa.exc.SQLAlchemyError) as exc:
                log.warning("mail_outbox_unavailable", error=type(exc).__name__)
            await self._idle()

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._settings.mail_poll_interval_seconds)
        self._wake.clear()

    async def send_due(self) -> int:
        """Send every mail that is due now; returns how many were handed over."""
        sent = 0
        while not self._stopping:
            mail = await self._claim()
            if mail is None:
                break
            sent += await self._deliver(mail)
        return sent

    async def _claim(self) -> QueuedMail | None:
        now = utcnow()
        stale = now - timedelta(seconds=self._settings.mail_claim_stale_seconds)
        async with self._db.transaction() as conn:
            return await outbox_store.claim_mail(conn, now, stale)

    async def _deliver(self, mail: QueuedMail) -> int:
        message = OutgoingMail(mail.to, mail.subject, mail.text, mail.html)
        try:
            await self._mailer.send(message)
        except MailDeliveryError as exc:
            await self._failed(mail, str(exc), permanent=False)
            return 0
        except ValueError:
            await self._failed(mail, "ongeldig adres of ongeldige inhoud", permanent=True)
            return 0
        except Exception as exc:  # our own bug: log it, keep the mail for a retry
            log.error("mail_send_bug", mail=mail.id, error=type(exc).__name__, exc_info=exc)
            await self._failed(mail, type(exc).__name__, permanent=False)
            return 0
        async with self._db.transaction() as conn:
            await outbox_store.mark_sent(conn, mail.id, utcnow())
        log.info("mail_sent", mail=mail.id, kind=mail.kind, attempts=mail.attempts)
        return 1

    async def _failed(self, mail: QueuedMail, error: str, *, permanent: bool) -> None:
        now = utcnow()
        give_up = permanent or mail.attempts >= self._settings.mail_max_attempts
        async with self._db.transaction() as conn:
            if give_up:
                await outbox_store.mark_given_up(conn, mail.id, error, now)
            else:
                delay = retry_delay_seconds(mail.attempts, self._settings)
                await outbox_store.mark_retry(conn, mail.id, error, _later(now, delay))
        event = "mail_given_up" if give_up else "mail_retry"
        log.warning(event, mail=mail.id, kind=mail.kind, attempts=mail.attempts, error=error)


def _later(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)


def invitation_mail(to: str, title: str, link: str, invitation_id: int) -> NewMail:
    """The invitation mail with a personal link, ready to queue."""
    mail = render_invitation(to=to, dialogue_title=title, link=link)
    return NewMail(mail.to, mail.subject, mail.text, mail.html, "invitation", invitation_id)


def reminder_mail(to: str, title: str, link: str, invitation_id: int | None) -> NewMail:
    """A reminder with a fresh personal link (or the dialogue's address), ready to queue."""
    mail = render_reminder(to=to, dialogue_title=title, link=link)
    return NewMail(mail.to, mail.subject, mail.text, mail.html, "reminder", invitation_id)
