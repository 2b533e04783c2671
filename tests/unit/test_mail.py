"""Outgoing mail: rendering, the folder backend and SMTP against a tiny local server."""

from __future__ import annotations

import asyncio
import base64
import email
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest

from server.mail import (
    FolderMailer,
    MailDeliveryError,
    Mailer,
    OutgoingMail,
    SmtpMailer,
    build_message,
    dutch_date,
    render_invitation,
    render_reminder,
)

LINK = "https://dialoog.example.nl/uitnodiging/abc123?x=1&y=2"
TITLE = "Samen één overheid – <de> “agenda” & jij"


def parse(data: bytes) -> EmailMessage:
    """A stored message, with the wire's CRLF line ends turned local as an MTA does."""
    local = data.replace(b"\r\n", b"\n")
    return email.message_from_bytes(local, policy=default_policy)  # type: ignore[return-value]


def stored(folder: Path, pattern: str = "*.eml") -> list[bytes]:
    return [path.read_bytes() for path in sorted(folder.glob(pattern))]


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    markup = message.get_body(preferencelist=("html",))
    assert text is not None and markup is not None
    return text.get_content(), markup.get_content()


# --- rendering ------------------------------------------------------------------------------


def test_invitation_is_dutch_with_the_personal_link_in_text_and_html() -> None:
    mail = render_invitation(
        to="griffier@gemeente.nl",
        dialogue_title="Verenigingsdialoog 2025",
        link=LINK,
        recipient_name="mevrouw De Vries",
        closes_on=date(2025, 3, 14),
    )
    assert mail.subject == "Uitnodiging: Verenigingsdialoog 2025"
    assert mail.text.startswith("Beste mevrouw De Vries,")
    assert LINK in mail.text
    assert "tot en met 14 maart 2025" in mail.text
    assert "anoniem" in mail.text
    assert mail.html is not None
    assert 'href="https://dialoog.example.nl/uitnodiging/abc123?x=1&amp;y=2"' in mail.html
    assert '<html lang="nl">' in mail.html


def test_html_escapes_every_value_and_the_text_keeps_them_as_written() -> None:
    mail = render_invitation(
        to="a@b.nl", dialogue_title=TITLE, link=LINK, recipient_name="<b>Jan</b>"
    )
    assert mail.html is not None
    assert "<de>" not in mail.html and "<b>Jan" not in mail.html
    assert "&lt;de&gt; “agenda” &amp; jij" in mail.html
    assert "&lt;b&gt;Jan&lt;/b&gt;" in mail.html
    assert TITLE in mail.text and "<b>Jan</b>" in mail.text


def test_without_a_name_the_greeting_is_formal() -> None:
    mail = render_reminder(to="a@b.nl", dialogue_title="D", link=LINK)
    assert mail.text.startswith("Geachte heer, mevrouw,")


def test_reminder_names_the_closing_date_and_lets_participants_ignore_it() -> None:
    mail = render_reminder(to="a@b.nl", dialogue_title="D", link=LINK, closes_on=date(2025, 1, 1))
    assert mail.subject == "Herinnering: D"
    assert "tot en met 1 januari 2025" in mail.text
    assert "negeren" in mail.text
    assert LINK in mail.text


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "ftp://x.nl/a", "https://x.nl/a b", "/relatief"]
)
def test_only_web_links_are_sent(link: str) -> None:
    with pytest.raises(ValueError):
        render_invitation(to="a@b.nl", dialogue_title="D", link=link)


def test_dutch_dates_do_not_depend_on_the_locale() -> None:
    assert dutch_date(date(2024, 10, 3)) == "3 oktober 2024"


@pytest.mark.parametrize("to", ["geen-adres", "a@b.nl\r\nBcc: x@y.nl", ""])
def test_a_bad_recipient_is_refused_before_anything_is_sent(to: str) -> None:
    with pytest.raises(ValueError):
        build_message(OutgoingMail(to, "s", "t"), sender="noreply@x.nl")


# --- the folder backend ---------------------------------------------------------------------


async def test_folder_mailer_writes_an_eml_that_parses_back(tmp_path: Path) -> None:
    mailer: Mailer = FolderMailer(tmp_path / "outbox", sender="VNG Dialoog <noreply@vng.nl>")
    mail = render_invitation(to="burgemeester@gemeente.nl", dialogue_title=TITLE, link=LINK)
    await mailer.send(mail)
    [data] = stored(tmp_path / "outbox")
    message = parse(data)
    assert message["To"] == "burgemeester@gemeente.nl"
    assert message["From"] == "VNG Dialoog <noreply@vng.nl>"
    assert message["Subject"] == f"Uitnodiging: {TITLE}"
    assert message["Message-ID"].endswith("@vng.nl>")
    assert message["Date"] is not None
    text, markup = bodies(message)
    assert text == mail.text
    assert markup == mail.html
    assert data.isascii()  # headers encoded, bodies quoted-printable


async def test_folder_mailer_keeps_one_file_per_message(tmp_path: Path) -> None:
    mailer = FolderMailer(tmp_path)
    for i in range(3):
        await mailer.send(OutgoingMail(f"p{i}@x.nl", "Onderwerp", "Tekst"))
    files = stored(tmp_path)
    assert len(files) == 3
    assert stored(tmp_path, "*.part") == []
    assert {parse(data)["To"] for data in files} == {"p0@x.nl", "p1@x.nl", "p2@x.nl"}


# --- SMTP against a tiny in-test server -----------------------------------------------------


@dataclass
class FakeSmtpServer:
    """Just enough ESMTP (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT)."""

    credentials: tuple[str, str] = ("dialoog", "geheim")
    refuse_recipients: bool = False
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 fake ESMTP\r\n")
        sender, recipients = "", []
        while line := await reader.readline():
            command = line.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                reply = "250-fake\r\n250-AUTH PLAIN\r\n250 8BITMIME"
            elif verb == "AUTH":
                reply = self._auth(command)
            elif verb == "MAIL":
                sender, reply = command.partition(":")[2].strip(" <>"), "250 OK"
            elif verb == "RCPT":
                recipients.append(command.partition(":")[2].strip(" <>"))
                reply = "550 5.1.1 no such user" if self.refuse_recipients else "250 OK"
            elif verb == "DATA":
                writer.write(b"354 go ahead\r\n")
                self.messages.append((sender, recipients, await self._data(reader)))
                reply = "250 queued"
            elif verb in ("RSET", "NOOP"):
                sender, recipients, reply = "", [], "250 OK"
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:
                reply = "502 not implemented"
            writer.write(reply.encode() + b"\r\n")
            await writer.drain()
        writer.close()

    def _auth(self, command: str) -> str:
        _, mechanism, payload = command.split(" ")
        _, user, password = base64.b64decode(payload).decode().split("\0")
        ok = mechanism == "PLAIN" and (user, password) == self.credentials
        return "235 2.7.0 accepted" if ok else "535 5.7.8 bad credentials"

    @staticmethod
    async def _data(reader: asyncio.StreamReader) -> bytes:
        lines = []
        while (line := await reader.readline()) != b".\r\n":
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


@pytest.fixture
async def smtp_server() -> AsyncIterator[FakeSmtpServer]:
    fake = FakeSmtpServer()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    fake.port = server.sockets[0].getsockname()[1]
    async with server:
        yield fake
        server.close()


def smtp_mailer(port: int, **overrides: object) -> SmtpMailer:
    settings: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "username": "dialoog",
        "password": "geheim",
        "starttls": False,
        "sender": "VNG Dialoog <noreply@vng.nl>",
        "timeout_seconds": 5.0,
    }
    return SmtpMailer(**{**settings, **overrides})  # type: ignore[arg-type]


async def test_smtp_mailer_logs_in_and_delivers_a_message_that_parses_back(
    smtp_server: FakeSmtpServer,
) -> None:
    mail = render_reminder(to="secretaris@gemeente.nl", dialogue_title=TITLE, link=LINK)
    await smtp_mailer(smtp_server.port).send(mail)
    [(sender, recipients, data)] = smtp_server.messages
    assert sender == "noreply@vng.nl"
    assert recipients == ["secretaris@gemeente.nl"]
    message = parse(data)
    assert message["Subject"] == f"Herinnering: {TITLE}"
    assert bodies(message) == (mail.text, mail.html)


async def test_a_message_with_a_leading_dot_line_survives_smtp(
    smtp_server: FakeSmtpServer,
) -> None:
    mail = OutgoingMail("a@b.nl", "Punt", ".\n..begint met punten\n")
    await smtp_mailer(smtp_server.port).send(mail)
    assert bodies_text(parse(smtp_server.messages[0][2])) == mail.text


def bodies_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


async def test_wrong_credentials_fail_without_naming_the_recipient(
    smtp_server: FakeSmtpServer,
) -> None:
    with pytest.raises(MailDeliveryError) as failure:
        await smtp_mailer(smtp_server.port, password="fout").send(
            OutgoingMail("persoon@gemeente.nl", "s", "t")
        )
    assert "SMTPAuthenticationError" in str(failure.value)
    assert "535" in str(failure.value)
    assert "persoon@gemeente.nl" not in str(failure.value)
    assert smtp_server.messages == []


async def test_a_refused_recipient_is_a_delivery_error_without_the_address(
    smtp_server: FakeSmtpServer,
) -> None:
    smtp_server.refuse_recipients = True
    with pytest.raises(MailDeliveryError) as failure:
        await smtp_mailer(smtp_server.port).send(OutgoingMail("weg@gemeente.nl", "s", "t"))
    assert "weg@gemeente.nl" not in str(failure.value)
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


async def test_starttls_is_required_when_configured(smtp_server: FakeSmtpServer) -> None:
    with pytest.raises(MailDeliveryError, match="SMTPNotSupportedError"):
        await smtp_mailer(smtp_server.port, starttls=True).send(OutgoingMail("a@b.nl", "s", "t"))
    assert smtp_server.messages == []


async def test_an_unreachable_relay_is_a_delivery_error() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(MailDeliveryError):
        await smtp_mailer(port).send(OutgoingMail("a@b.nl", "s", "t"))


def test_the_password_never_shows_in_a_repr() -> None:
    assert "geheim" not in repr(smtp_mailer(25))
