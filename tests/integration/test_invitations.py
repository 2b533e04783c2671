"""Verzamelen end to end, on both backends: invitations from the stakeholder map mailed
through the development mail folder, one-time links, reminders, open links, the
suppressed funnel, and a mail sender that survives a failing relay."""

from __future__ import annotations

import asyncio
import email
import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from server.clock import utcnow
from server.invitations.outbox import MailSender
from server.mail import FolderMailer
from server.stakeholders.service import seed_reference
from storage import mail_outbox as outbox_store
from storage.database import Database
from storage.mail_outbox import NewMail
from storage.tables import mail_outbox
from tests.integration.conftest import settings_for
from tests.integration.harness import Backend, Harness, running_server
from tests.unit.test_mail import FakeSmtpServer

pytestmark = pytest.mark.asyncio

FAST_MAIL = {"mail_poll_interval_seconds": 0.05}
CONTACTS = {
    ("GM0344", "burgemeester"): "burgemeester@utrecht.example",
    ("GM0344", "griffier"): "griffie@utrecht.example",
    ("GM0307", "burgemeester"): "b.amersfoort@amersfoort.example",
}
CODES = ["GM0344", "GM0307", "GM0353"]
USED = "Deze uitnodiging is ongeldig, verlopen of al gebruikt."


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def h(harness: Harness) -> Harness:
    """The harness, by a short name."""
    return harness


async def on_db(h: Harness, work: Callable[[Database], Awaitable[Any]]) -> Any:
    db = Database(h.settings.resolved_database_url())
    try:
        return await work(db)
    finally:
        await db.close()


async def stakeholder_map(h: Harness) -> str:
    """The reference map with the contacts above; returns a facilitator's token."""
    await on_db(h, seed_reference)
    token = await h.staff("facilitator@test.example", "facilitator")
    rows = "\n".join(f"{code},{office},{mail}" for (code, office), mail in CONTACTS.items())
    await h.call(
        "POST",
        "/api/stakeholders/contacts/import",
        token,
        json={"csv": f"code,office,email\n{rows}\n"},
    )
    return token


def mail_folder(h: Harness) -> Path:
    return h.settings.data_dir / "mail-outbox"


async def mails(h: Harness, count: int, timeout: float = 10.0) -> list[EmailMessage]:
    """The first ``count`` .eml files the folder backend wrote, oldest first."""
    for _ in range(int(timeout / 0.05)):
        files = sorted(mail_folder(h).glob("*.eml"))
        if len(files) >= count:
            break
        await asyncio.sleep(0.05)
    assert len(files) >= count, f"{len(files)} mails, expected {count}"
    return [
        email.message_from_bytes(f.read_bytes(), policy=default_policy)  # type: ignore[misc]
        for f in files
    ]


def link_in(message: EmailMessage, kind: str = "join") -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    found = re.search(rf"https?://\S+/{kind}/[A-Za-z0-9_-]+", part.get_content())
    assert found, part.get_content()
    return found.group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


async def post_form(h: Harness, link: str, data: dict[str, str] | None = None) -> Any:
    return await h.http.post(path_of(link), data=data or {}, follow_redirects=False)


async def join_api(h: Harness, token: str, **extra: Any) -> Any:
    return await h.http.post("/api/join", json={"token": token, **extra})


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


# --- personal invitations -------------------------------------------------------------------


@pytest.mark.settings(**FAST_MAIL)
async def test_batch_from_the_map_mails_links_that_confirm_then_join_once(h: Harness) -> None:
    token = await stakeholder_map(h)
    made = await h.call(
        "POST",
        f"/api/dialogues/{h.slug}/invitations/batch",
        token,
        json={
            "offices": ["burgemeester", "griffier"],
            "filter": {"codes": CODES},
            "send": True,
            "label": "ronde 1",
        },
    )
    assert (made["created"], made["queued"], made["without_email"]) == (6, 3, 3)
    assert {(x["organisation"], x["office"]) for x in made["links"]} == {
        ("GM0307", "griffier"),
        ("GM0353", "burgemeester"),
        ("GM0353", "griffier"),
    }
    sent = await mails(h, 3)
    assert {m["To"] for m in sent} == set(CONTACTS.values())
    assert all(m["Subject"] == "Uitnodiging: Testdialoog" for m in sent)
    link = link_in(next(m for m in sent if m["To"] == CONTACTS[("GM0344", "burgemeester")]))
    for _ in range(2):  # a mail scanner opening the link uses nothing up
        page = await h.http.get(path_of(link))
        assert page.status_code == 200 and 'method="post"' in page.text
    joined = await post_form(h, link)
    assert joined.status_code == 303 and joined.headers["location"] == f"/#/d/{h.slug}"
    assert "dialoog_session" in joined.headers["set-cookie"]
    again = await post_form(h, link)
    assert again.status_code == 410 and USED in again.text
    refused = await join_api(h, token_of(link))
    assert refused.status_code == 410
    assert refused.json()["error"] == {"code": "invalid_token", "message": USED}
    assert (await h.http.get(path_of(link))).status_code == 410
    listed = await h.call("GET", f"/api/dialogues/{h.slug}/invitations", token)
    states = {(i["organisation"], i["office"]): i["state"] for i in listed["invitations"]}
    assert states[("GM0344", "burgemeester")] == "joined"
    assert list(states.values()).count("open") == 5
    utrecht = next(i for i in listed["invitations"] if i["organisation"] == "GM0344")
    assert utrecht["email"] == "b***@utrecht.example"
    assert utrecht["municipality"] == "GM0344" and utrecht["province"] == "Utrecht"
    assert utrecht["network"] == "G4" and utrecht["batch"] == "ronde 1"
    assert_no_identity(listed, made["links"])
    repeat = {"offices": ["burgemeester", "griffier"], "filter": {"codes": CODES}}
    skipped = await h.call("POST", f"/api/dialogues/{h.slug}/invitations/batch", token, json=repeat)
    assert (skipped["created"], skipped["skipped"], skipped["links"]) == (0, 6, [])
    forced = {**repeat, "filter": {"codes": ["GM0353"]}, "again": True}
    more = await h.call("POST", f"/api/dialogues/{h.slug}/invitations/batch", token, json=forced)
    assert more["created"] == 2 and len(more["links"]) == 2

    async def blanked(db: Database) -> list[Any]:
        async with db.read() as conn:
            return list(await conn.execute(sa.select(mail_outbox)))

    rows = await on_db(h, blanked)
    assert len(rows) == 3 and all(r.sent_at and r.text == "" and r.html is None for r in rows)


def assert_no_identity(*answers: Any) -> None:
    text = json.dumps(answers)
    for address in CONTACTS.values():
        assert address not in text
    assert "token" not in text


async def test_the_batch_refuses_unknown_offices_and_filters(h: Harness) -> None:
    token = await stakeholder_map(h)
    path = f"/api/dialogues/{h.slug}/invitations/batch"
    for body in (
        {"offices": ["wethouder"]},
        {"offices": ["griffier"], "filter": {"province": "Atlantis"}},
        {"offices": ["griffier"], "filter": {"network": "G7"}},
        {"offices": ["griffier"], "filter": {"codes": ["GM9999"]}},
    ):
        response = await h.http.post(path, json=body, headers=h.auth(token))
        assert response.status_code == 400 and response.json()["error"]["message"], body
    made = await h.call(
        "POST", path, token, json={"offices": ["griffier"], "filter": {"province": "friesland"}}
    )
    assert made["created"] == 18 and made["without_email"] == 18


@pytest.mark.settings(invitation_max_age_seconds=1)
async def test_an_expired_invitation_neither_confirms_nor_joins(h: Harness) -> None:
    [made] = await h.call(
        "POST", f"/api/dialogues/{h.slug}/invitations", json={"invitees": [{"role": "griffier"}]}
    )
    await asyncio.sleep(1.2)
    assert (await h.http.get(path_of(made["link"]))).status_code == 410
    assert (await join_api(h, made["token"])).status_code == 410
    listed = await h.call("GET", f"/api/dialogues/{h.slug}/invitations")
    assert listed["invitations"][0]["state"] == "expired"


async def test_a_revoked_invitation_neither_confirms_nor_joins(h: Harness) -> None:
    first, second = await h.call(
        "POST",
        f"/api/dialogues/{h.slug}/invitations",
        json={"invitees": [{"role": "griffier"}, {"role": "burgemeester"}]},
    )
    listed = await h.call("GET", f"/api/dialogues/{h.slug}/invitations")
    first_id, second_id = (i["id"] for i in listed["invitations"])
    revoked = await h.call("POST", f"/api/dialogues/{h.slug}/invitations/{first_id}/revoke")
    assert revoked["state"] == "revoked"
    assert (await h.http.get(path_of(first["link"]))).status_code == 410
    assert (await post_form(h, first["link"])).status_code == 410
    assert (await join_api(h, first["token"])).status_code == 410
    assert (await join_api(h, second["token"])).status_code == 200
    used = await h.http.post(
        f"/api/dialogues/{h.slug}/invitations/{second_id}/revoke", headers=h.auth(h.admin_token)
    )
    assert used.status_code == 409
    missing = await h.http.post(
        f"/api/dialogues/{h.slug}/invitations/999999/revoke", headers=h.auth(h.admin_token)
    )
    assert missing.status_code == 404


# --- reminders ------------------------------------------------------------------------------


@pytest.mark.settings(**FAST_MAIL)
async def test_a_reminder_mails_a_fresh_link_and_either_link_joins_once(h: Harness) -> None:
    token = await stakeholder_map(h)
    batch = {"offices": ["burgemeester"], "filter": {"codes": CODES}, "send": True}
    await h.call("POST", f"/api/dialogues/{h.slug}/invitations/batch", token, json=batch)
    invited = {m["To"]: link_in(m) for m in await mails(h, 2)}
    reminded = await h.call(
        "POST",
        f"/api/dialogues/{h.slug}/reminders",
        token,
        json={"filter": {"office": "burgemeester", "province": "Utrecht"}},
    )
    assert (reminded["reminded"], reminded["queued"], reminded["without_email"]) == (3, 2, 1)
    assert len(reminded["links"]) == 1
    reminders = [m for m in await mails(h, 4) if m["Subject"].startswith("Herinnering")]
    fresh = {m["To"]: link_in(m) for m in reminders}
    utrecht, amersfoort = (CONTACTS[(c, "burgemeester")] for c in ("GM0344", "GM0307"))
    assert fresh.keys() == invited.keys() and fresh[utrecht] != invited[utrecht]
    for link in (*invited.values(), *fresh.values()):
        assert (await h.http.get(path_of(link))).status_code == 200
    assert (await join_api(h, token_of(fresh[utrecht]))).status_code == 200
    assert (await join_api(h, token_of(invited[utrecht]))).status_code == 410
    assert (await join_api(h, token_of(invited[amersfoort]))).status_code == 200
    assert (await join_api(h, token_of(fresh[amersfoort]))).status_code == 410
    assert (await join_api(h, token_of(reminded["links"][0]["link"]))).status_code == 200
    listed = await h.call("GET", f"/api/dialogues/{h.slug}/invitations", token)
    assert all(i["reminded_at"] and i["state"] == "joined" for i in listed["invitations"])
    nothing = await h.call("POST", f"/api/dialogues/{h.slug}/reminders", token, json={})
    assert nothing["reminded"] == 0
    idle = await h.call(
        "POST", f"/api/dialogues/{h.slug}/reminders", token, json={"not_active": True}
    )
    assert idle["reminded"] == 0
    assert idle["not_active"] == {"mailed": "<5", "without_email": "<5", "totaal": "<5"}
    root = [m for m in await mails(h, 6) if m["Subject"].startswith("Herinnering")][2:]
    assert {m["To"] for m in root} == {utrecht, amersfoort}
    assert all(f"/#/d/{h.slug}" in m.get_body(("plain",)).get_content() for m in root)
    assert_no_identity(reminded, nothing, idle, listed)
    bad = await h.http.post(
        f"/api/dialogues/{h.slug}/reminders",
        json={"filter": {"size": "reuzenstad"}},
        headers=h.auth(token),
    )
    assert bad.status_code == 400


# --- open links -----------------------------------------------------------------------------


async def test_an_open_link_joins_many_with_a_self_declared_profile(h: Harness) -> None:
    token = await stakeholder_map(h)
    made = await h.call(
        "POST", f"/api/dialogues/{h.slug}/open-links", token, json={"label": "G40-netwerk"}
    )
    assert made["link"].endswith(f"/open/{made['token']}") and made["state"] == "open"
    page = await h.http.get(path_of(made["link"]))
    assert page.status_code == 200
    for fragment in ('<label for="office">', '<select id="municipality"', ">Amersfoort</option>"):
        assert fragment in page.text
    profile = {"office": "griffier", "municipality": "GM0307", "network": "G40"}
    first = await join_api(h, made["token"], profile=profile)
    assert first.status_code == 200 and first.json()["dialogue"] == h.slug
    second = await join_api(
        h, made["token"], profile={"office": "burgemeester", "province": "friesland"}
    )
    assert second.status_code == 200
    assert (
        await h.http.get(f"/api/dialogues/{h.slug}", headers=h.auth(second.json()["token"]))
    ).status_code == 200
    for wrong in (
        None,
        {"office": "wethouder", "province": "Utrecht"},
        {"office": "griffier", "municipality": "GM9999"},
        {"office": "griffier"},
        {"office": "griffier", "municipality": "GM0307", "province": "Limburg"},
    ):
        refused = await join_api(h, made["token"], **({"profile": wrong} if wrong else {}))
        assert refused.status_code == 400 and refused.json()["error"]["message"], wrong
    h.http.cookies.clear()  # the joins above left a session: it would go straight in
    form = await post_form(h, made["link"], {"office": "griffier", "municipality": ""})
    assert form.status_code == 400 and 'role="alert"' in form.text
    assert 'value="griffier" selected' in form.text
    form = await post_form(
        h, made["link"], {"office": "gemeentesecretaris", "municipality": "GM0344"}
    )
    assert form.status_code == 303 and "dialoog_session" in form.headers["set-cookie"]
    inside = await h.http.get(path_of(made["link"]), follow_redirects=False)
    assert inside.status_code == 303  # the session from the form: no second join
    funnel = await h.call("GET", f"/api/dialogues/{h.slug}/funnel?dimension=office", token)
    assert funnel["total"]["self_declared"]["joined"] == "<5"
    assert funnel["total"]["invited"] == "<5"
    listed = await h.call("GET", f"/api/dialogues/{h.slug}/open-links", token)
    assert [x["label"] for x in listed["open_links"]] == ["G40-netwerk"]
    assert "token" not in json.dumps(listed)
    link_id = made["id"]
    revoked = await h.call("POST", f"/api/dialogues/{h.slug}/open-links/{link_id}/revoke", token)
    assert revoked["state"] == "revoked"
    assert (await h.http.get(path_of(made["link"]))).status_code == 410
    assert (await join_api(h, made["token"], profile=profile)).status_code == 410


async def test_an_open_link_expires(h: Harness) -> None:
    path = f"/api/dialogues/{h.slug}/open-links"
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    refused = await h.http.post(
        path, json={"label": "x", "expires_at": past}, headers=h.auth(h.admin_token)
    )
    assert refused.status_code == 400
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    made = await h.call("POST", path, json={"label": "kort", "expires_at": soon})
    assert (await h.http.get(path_of(made["link"]))).status_code == 200
    await asyncio.sleep(1.2)
    assert (await h.http.get(path_of(made["link"]))).status_code == 410
    profile = {"office": "griffier", "province": "Utrecht"}
    assert (await join_api(h, made["token"], profile=profile)).status_code == 410


# --- the funnel -----------------------------------------------------------------------------


def hidden_alone(rows: list[dict[str, Any]], columns: tuple[str, ...], total: str) -> list[str]:
    """Lines (a group's cells with its total) where exactly one entry is hidden."""
    alone = []
    for row in rows:
        entries = [row[c] for c in (*columns, total)]
        if sum(not isinstance(e, int) for e in entries) == 1:
            alone.append(row.get("group", "totaal"))
    return alone


async def test_the_funnel_suppresses_small_groups_and_what_would_reveal_them(h: Harness) -> None:
    await on_db(h, seed_reference)
    token = await h.staff("facilitator@test.example", "facilitator")
    invitees = (
        [{"role": "burgemeester", "municipality": "GM0344"}] * 10
        + [{"role": "gemeentesecretaris", "municipality": "GM0307"}] * 8
        + [{"role": "griffier", "municipality": "GM0353"}] * 4
    )
    links = await h.call(
        "POST", f"/api/dialogues/{h.slug}/invitations", json={"invitees": invitees}
    )
    sessions = [(await join_api(h, link["token"])).json()["token"] for link in links[:6]]
    for i, session in enumerate(sessions[:5]):
        client = await h.ws(session)
        await client.send(
            {
                "type": "contribute",
                "ref": f"c{i}",
                "theme": h.theme_id,
                "kind": "idea",
                "body": f"Voorstel {i}",
            }
        )
        assert (await client.answer(f"c{i}"))["type"] == "ack"
    funnel = await h.call("GET", f"/api/dialogues/{h.slug}/funnel?dimension=office", token)
    groups = {g["group"]: g for g in funnel["groups"]}
    assert list(groups) == ["burgemeester", "gemeentesecretaris", "griffier"]
    assert groups["griffier"]["invited"] == "<5"
    assert groups["burgemeester"]["invited"] == 10 and funnel["total"]["invited"] == 22
    assert groups["burgemeester"]["joined_inactive"] == "<5"  # 1 joined but wrote nothing
    rows = [*funnel["groups"], funnel["total"]]
    cells = ("not_joined", "joined_inactive", "active", "invited")
    assert not [r[c] for r in rows for c in cells if isinstance(r[c], int) and r[c] < 5]
    assert hidden_alone(rows, ("not_joined", "joined_inactive", "active"), "invited") == []
    for column in cells:  # each column with its margin
        entries = [r[column] for r in rows]
        assert sum(not isinstance(e, int) for e in entries) != 1, column
    for row in rows:
        if isinstance(row["joined"], int):
            assert row["joined"] >= 5
    exported = await h.call(
        "GET", f"/api/dialogues/{h.slug}/funnel?dimension=office&export=1", token
    )
    assert exported["k"] == 10
    shown = [r[c] for r in [*exported["groups"], exported["total"]] for c in cells]
    assert not [v for v in shown if isinstance(v, int) and v < 10]
    assert "<10" in shown
    for dimension in ("network", "province", "size"):
        other = await h.call("GET", f"/api/dialogues/{h.slug}/funnel?dimension={dimension}", token)
        assert other["groups"] and other["dimension"] == dimension
    wrong = await h.http.get(
        f"/api/dialogues/{h.slug}/funnel?dimension=kleur", headers=h.auth(token)
    )
    assert wrong.status_code == 400
    participant = await h.http.get(f"/api/dialogues/{h.slug}/funnel", headers=h.auth(sessions[0]))
    assert participant.status_code == 403


# --- the mail sender ------------------------------------------------------------------------


class FlakySmtpServer(FakeSmtpServer):
    """Turns the first ``failures`` connections away with 421, then delivers."""

    failures: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.failures > 0:
            self.failures -= 1
            writer.write(b"421 4.3.2 try again later\r\n")
            await writer.drain()
            writer.close()
            return
        await super().handle(reader, writer)


async def test_the_sender_retries_a_failing_relay_until_it_delivers(backend: Backend) -> None:
    fake = FlakySmtpServer()
    fake.failures = 2
    relay = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    settings = settings_for(
        backend,
        mail_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=relay.sockets[0].getsockname()[1],
        smtp_user="dialoog",
        smtp_password="geheim",
        smtp_starttls=False,
        mail_retry_base_seconds=0.05,
        mail_retry_max_seconds=0.2,
        **FAST_MAIL,
    )
    async with relay, running_server(settings) as base, Harness(base, settings) as h:
        await h.bootstrap()
        invitee = {"role": "griffier", "email": "griffier@relay.example"}
        await h.call(
            "POST",
            f"/api/dialogues/{h.slug}/invitations",
            json={"invitees": [invitee], "send": True},
        )
        for _ in range(200):
            if fake.messages:
                break
            await asyncio.sleep(0.05)
        [(_, recipients, _)] = fake.messages
        assert recipients == ["griffier@relay.example"]

        async def row(db: Database) -> Any:
            async with db.read() as conn:
                return (await conn.execute(sa.select(mail_outbox))).one()

        sent = await on_db(h, row)
        assert sent.attempts == 3 and sent.sent_at is not None and sent.text == ""
        await h.call(
            "POST",
            f"/api/dialogues/{h.slug}/invitations",
            json={"invitees": [invitee], "send": True},
        )
        for _ in range(100):
            if len(fake.messages) == 2:
                break
            await asyncio.sleep(0.05)
        assert len(fake.messages) == 2


async def test_two_senders_never_send_one_mail_twice(
    h: Harness, backend: Backend, tmp_path: Path
) -> None:
    queued = [
        NewMail(
            f"p{n}@x.example",
            f"Onderwerp {n}",
            "tekst https://x.example/join/a",
            None,
            "invitation",
        )
        for n in range(40)
    ]

    async def enqueue(db: Database) -> None:
        async with db.transaction() as conn:
            await outbox_store.enqueue_mail(conn, queued, utcnow())

    await on_db(h, enqueue)
    folder = tmp_path / "twee"
    # Two more workers beside the server's own sender: two engines on Postgres; on SQLite
    # (one process by design) one engine, whose write lock the two senders share.
    engines = 2 if backend.name == "services" else 1
    workers = [Database(h.settings.resolved_database_url()) for _ in range(engines)]
    senders = [MailSender(workers[n % engines], FolderMailer(folder), h.settings) for n in (0, 1)]
    try:
        counts = await asyncio.gather(*(sender.send_due() for sender in senders))
        for _ in range(100):
            async with workers[0].read() as conn:
                if (await outbox_store.outbox_counts(conn)).sent == 40:
                    break
            await asyncio.sleep(0.05)
    finally:
        for db in workers:
            await db.close()
    files = [*folder.glob("*.eml"), *mail_folder(h).glob("*.eml")]
    recipients = [
        email.message_from_bytes(f.read_bytes(), policy=default_policy)["To"] for f in files
    ]
    assert sorted(recipients) == sorted(m.to for m in queued)  # each exactly once
    assert sum(counts) == len(list(folder.glob("*.eml")))
