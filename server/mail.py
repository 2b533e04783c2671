"""Outgoing mail: invitations and reminders, and the backends that deliver them.

``Mailer`` is the one interface the rest of the server sees. ``FolderMailer`` writes
each message as an ``.eml`` file (demo, development, tests: open it in any mail
program); ``SmtpMailer`` hands it to an SMTP relay, with blocking ``smtplib`` run in
a worker thread so the event loop never waits on the network.

Errors leave as ``MailDeliveryError`` whose text names no recipient: a failed
delivery is logged, and logs carry no personal data.
"""

from __future__ import annotations

import asyncio
import html
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Final, Protocol
from uuid import uuid4

DEFAULT_SENDER: Final = "Dialoog <noreply@dialoog.localhost>"
DEFAULT_ORGANISER: Final = "VNG"
SMTP_TIMEOUT_SECONDS: Final = 30.0
"""Long enough for a slow relay, short enough that a dead one frees its thread."""

_MONTHS: Final = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


@dataclass(frozen=True)
class OutgoingMail:
    """One message to one recipient; ``html`` is an optional alternative to ``text``."""

    to: str
    subject: str
    text: str
    html: str | None = None


class Mailer(Protocol):
    """Delivers outgoing mail; raises MailDeliveryError when it cannot."""

    async def send(self, message: OutgoingMail) -> None: ...


class MailDeliveryError(Exception):
    """A message could not be handed over; the text names no recipient."""


def build_message(message: OutgoingMail, *, sender: str) -> EmailMessage:
    """The MIME message: UTF-8, quoted-printable, text with an HTML alternative."""
    _check_address(message.to)
    _check_address(sender)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2])
    email["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to noreply
    email.set_content(message.text, charset="utf-8", cte="quoted-printable")
    if message.html is not None:
        email.add_alternative(message.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return email


def _check_address(value: str) -> None:
    _, address = parseaddr(value)
    if "@" not in address or any(c in value for c in "\r\n"):
        raise ValueError("not a single e-mail address")


@dataclass(frozen=True)
class FolderMailer:
    """Writes each message to ``path`` as ``<UTC time>-<random>.eml``."""

    path: Path
    sender: str = DEFAULT_SENDER

    async def send(self, message: OutgoingMail) -> None:
        """Write the message; the file appears whole (written aside, then renamed)."""
        email = build_message(message, sender=self.sender)
        await asyncio.to_thread(self._write, email.as_bytes())

    def _write(self, data: bytes) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.path / f"{stamp}-{uuid4().hex[:12]}.eml"
        partial = target.with_suffix(".eml.part")
        partial.write_bytes(data)
        os.replace(partial, target)
        return target


@dataclass(frozen=True)
class SmtpMailer:
    """Sends through an SMTP relay; ``starttls`` refuses a relay that cannot encrypt."""

    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)
    starttls: bool
    sender: str
    timeout_seconds: float = SMTP_TIMEOUT_SECONDS

    async def send(self, message: OutgoingMail) -> None:
        """Deliver one message in a worker thread (smtplib blocks)."""
        email = build_message(message, sender=self.sender)
        await asyncio.to_thread(self._deliver, email)

    def _deliver(self, email: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(email)
        except (smtplib.SMTPException, OSError) as exc:
            code = getattr(exc, "smtp_code", None)
            detail = f" (SMTP {code})" if code else ""
            failure = f"{type(exc).__name__}{detail}"
            raise MailDeliveryError(f"{self.host}:{self.port}: {failure}") from None


# --- rendering ------------------------------------------------------------------------------


def dutch_date(day: date) -> str:
    """``3 maart 2025``: written out, independent of the server's locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def render_invitation(
    *,
    to: str,
    dialogue_title: str,
    link: str,
    recipient_name: str | None = None,
    closes_on: date | None = None,
    organiser: str = DEFAULT_ORGANISER,
) -> OutgoingMail:
    """The invitation to a dialogue, with the invitee's personal link."""
    paragraphs = [
        f"U bent van harte uitgenodigd voor de online dialoog “{dialogue_title}”.",
        "In deze dialoog verzamelen we ideeën, knelpunten en oplossingen uit de hele "
        "vereniging, verkennen en verrijken we ze samen en bepalen we welke onderwerpen "
        "voorrang krijgen.",
        "Uw bijdragen zijn anoniem: andere deelnemers en de organisatie zien niet wie "
        "wat heeft geschreven.",
    ]
    if closes_on is not None:
        paragraphs.append(f"De dialoog staat open tot en met {dutch_date(closes_on)}.")
    text, body = _compose(recipient_name, paragraphs, link, "Doe mee aan de dialoog", organiser)
    return OutgoingMail(to, f"Uitnodiging: {dialogue_title}", text, body)


def render_reminder(
    *,
    to: str,
    dialogue_title: str,
    link: str,
    recipient_name: str | None = None,
    closes_on: date | None = None,
    organiser: str = DEFAULT_ORGANISER,
) -> OutgoingMail:
    """A reminder to take part, with the same personal link as the invitation."""
    paragraphs = [f"Graag herinneren wij u aan de online dialoog “{dialogue_title}”."]
    if closes_on is not None:
        paragraphs.append(f"U kunt nog meedoen tot en met {dutch_date(closes_on)}.")
    paragraphs.append(
        "Uw inbreng helpt om de agenda van de vereniging te bepalen. "
        "Heeft u al meegedaan? Dan kunt u dit bericht negeren."
    )
    text, body = _compose(recipient_name, paragraphs, link, "Ga naar de dialoog", organiser)
    return OutgoingMail(to, f"Herinnering: {dialogue_title}", text, body)


def _compose(
    name: str | None, paragraphs: list[str], link: str, action: str, organiser: str
) -> tuple[str, str]:
    """The plain text and the HTML of one mail; every value is escaped in the HTML."""
    _check_link(link)
    greeting = f"Beste {name}," if name else "Geachte heer, mevrouw,"
    notice = "Deze link is persoonlijk. Stuur deze e-mail daarom niet door."
    closing = ["Met vriendelijke groet,", organiser]
    text = "\n\n".join([greeting, *paragraphs, f"{action}:\n{link}", notice, "\n".join(closing)])
    e = html.escape
    body = "\n".join(
        [
            '<!DOCTYPE html>\n<html lang="nl">\n<head><meta charset="utf-8"></head>',
            '<body style="font-family: Arial, sans-serif; line-height: 1.5; color: #1a1a1a">',
            f"<p>{e(greeting)}</p>",
            *(f"<p>{e(p)}</p>" for p in paragraphs),
            f'<p><a href="{e(link)}" style="display: inline-block; padding: 10px 18px; '
            'background: #0b5394; color: #ffffff; text-decoration: none; border-radius: 4px">'
            f"{e(action)}</a></p>",
            f"<p>Werkt de knop niet? Kopieer dan deze link naar uw browser:<br>{e(link)}</p>",
            f"<p>{e(notice)}</p>",
            f"<p>{'<br>'.join(e(line) for line in closing)}</p>",
            "</body>\n</html>\n",
        ]
    )
    return text + "\n", body


def _check_link(link: str) -> None:
    """Only web links: a ``javascript:`` or broken link must never reach a mailbox."""
    if not link.startswith(("https://", "http://")) or any(c.isspace() for c in link):
        raise ValueError("the personal link must be an http(s) URL without spaces")
