"""`dialoog ballots …` and `dialoog workshops …` end to end, on both backends: the real CLI
against a running server over its HTTP API, while participants vote and follow a workshop
over real websockets, and what the CLI does reaches their screens live."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import sys
from asyncio.subprocess import PIPE
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from server.cli import app
from server.stakeholders.service import seed_reference
from storage.database import Database
from tests.integration.harness import Harness, WsClient, free_port

pytestmark = pytest.mark.asyncio

PASSWORD = "correct paard batterij nietje"
FACILITATOR = "facilitator@test.example"
LEAD = "sessieleider@test.example"
UTRECHT, AMERSFOORT, IJSSELSTEIN, GRONINGEN = "GM0344", "GM0307", "GM0353", "GM0014"
_refs = itertools.count(1)


async def dialoog(h: Harness, email: str, *args: str, password: str = PASSWORD) -> Result:
    """Run `dialoog ARGS --url … --email … --password-stdin` in a thread, so the server in
    this event loop keeps answering while the command waits for it."""
    argv = [*args, "--url", h.base, "--email", email, "--password-stdin"]
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, app, argv, input=password + "\n")


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
    return result.stdout


def seconds(output: str, pattern: str) -> int:
    found = re.search(pattern, output)
    assert found, output
    return int(found.group(1))


def line_with(output: str, text: str) -> list[str]:
    """The cells of the one table line that mentions text."""
    (line,) = [line for line in output.splitlines() if text in line]
    return line.split()


async def vote(client: WsClient, ballot: int, dots: dict[int, int]) -> None:
    ref = f"v{next(_refs)}"
    await client.send({"type": "vote_dots", "ref": ref, "ballot": ballot, "dots": dots})
    assert (await client.answer(ref))["type"] == "ack"


async def panel(h: Harness) -> dict[str, list[WsClient]]:
    """15 voters on the stakeholder map: 5 per office; Utrecht 11 and Groningen 4 (a group
    too small to show), so the totals can be shown and one group cannot."""
    db = Database(h.settings.resolved_database_url())
    try:
        await seed_reference(db)
    finally:
        await db.close()
    by_office: dict[str, list[WsClient]] = {}
    for office, code, n in [
        ("burgemeester", UTRECHT, 5),
        ("gemeentesecretaris", AMERSFOORT, 5),
        ("griffier", IJSSELSTEIN, 1),
        ("griffier", GRONINGEN, 4),
    ]:
        tokens = await h.participants(n, role=office, municipality=code)
        by_office.setdefault(office, []).extend([await h.ws(t) for t in tokens])
    return by_office


async def test_a_facilitator_runs_voorkeuren_from_the_command_line(harness: Harness) -> None:
    h = harness
    await h.staff(FACILITATOR, "facilitator", PASSWORD)
    for title in ("Zorg dichtbij", "Energie"):
        await h.call("POST", f"/api/dialogues/{h.slug}/themes", json={"title": title})
    voters = await panel(h)
    watcher = voters["griffier"][0]
    await watcher.subscribe(f"dialogue:{h.slug}")

    created = ok(
        await dialoog(
            h, FACILITATOR, "ballots", "create", h.slug, "--title", "Wat eerst?",
            "--method", "dots", "--from-themes", "--dots", "10",
        )
    )  # fmt: skip
    assert "aangemaakt (stippen, 10 stippen), 3 voorstellen" in created
    announced = await watcher.wait_for(lambda m: m.get("event") == "ballot.created")
    ballot = announced["data"]
    bid = ballot["id"]
    wonen, zorg, energie = (i["id"] for i in ballot["items"])
    assert [i["title"] for i in ballot["items"]] == [
        "Wonen in de regio",
        "Zorg dichtbij",
        "Energie",
    ]
    listed = ok(await dialoog(h, FACILITATOR, "ballots", "list", h.slug))
    assert line_with(listed, "Wat eerst?")[0] == str(bid)

    await h.call("POST", f"/api/dialogues/{h.slug}/steps/5", json={"state": "open"})
    for office, clients in voters.items():
        dots = {energie: 6, zorg: 2, wonen: 2} if office == "burgemeester" else {}
        for client in clients:
            await vote(client, bid, dots or {energie: 4, zorg: 4, wonen: 2})
    early = await dialoog(h, FACILITATOR, "ballots", "agenda", h.slug, str(bid), "--top", "2")
    assert early.exit_code == 1 and "Fout: " in early.stderr and "Traceback" not in early.output
    await h.call("POST", f"/api/dialogues/{h.slug}/steps/5", json={"state": "closed"})

    # By hand: 5 burgemeesters give 6/2/2, the other 10 give 4/4/2; everyone gives every item
    # a dot, so each item has 15 voters. Energie 5·6 + 10·4 = 70, Zorg 5·2 + 10·4 = 50,
    # Wonen 15·2 = 30.
    shown = ok(await dialoog(h, FACILITATOR, "ballots", "results", str(bid)))
    assert "stap Voorkeuren: gesloten; stemmers: 15; k = 5." in shown
    assert line_with(shown, "Energie") == ["1", str(energie), "Energie", "15", "70"]
    assert line_with(shown, "Zorg") == ["2", str(zorg), "Zorg", "dichtbij", "15", "50"]
    assert line_with(shown, "Wonen") == ["3", str(wonen), "Wonen", "in", "de", "regio", "15", "30"]
    per_province = ok(
        await dialoog(h, FACILITATOR, "ballots", "results", str(bid), "--group", "province")
    )
    groningen = [line.split() for line in per_province.splitlines() if "Groningen" in line]
    assert groningen and all(cells[1] == "<5" for cells in groningen), "a group of 4"
    utrecht = [line.split() for line in per_province.splitlines() if line.startswith("Utrecht")]
    assert {cells[1] for cells in utrecht} == {"11"}
    assert "Per provincie (totaal 15):" in per_province
    as_json = json.loads(
        ok(await dialoog(h, FACILITATOR, "ballots", "results", str(bid), "--json"))
    )
    assert as_json == await h.call("GET", f"/api/ballots/{bid}/results")

    handed = ok(await dialoog(h, FACILITATOR, "ballots", "agenda", h.slug, str(bid), "--top", "2"))
    assert "2 thema's" in handed
    await watcher.wait_for(lambda m: m.get("event") == "agenda.set")
    agenda = (await h.call("GET", f"/api/dialogues/{h.slug}/agenda"))["agenda"]
    assert [e["item"]["title"] for e in agenda] == ["Energie", "Zorg dichtbij"]
    assert {e["theme"]["state"] for e in agenda} == {"open"}


async def plan_workshop(h: Harness) -> dict[str, Any]:
    await h.call("POST", f"/api/dialogues/{h.slug}/steps/6", json={"state": "open"})
    return await h.call(
        "POST",
        f"/api/dialogues/{h.slug}/workshops",
        json={
            "title": "Verdieping woningbouw",
            "theme": h.theme_id,
            "rounds": [
                {"prompt": "Wat houdt woningbouw tegen?", "kind": "write", "duration_seconds": 300},
                {
                    "prompt": "Welke aanpak eerst?",
                    "kind": "poll",
                    "duration_seconds": 120,
                    "options": ["Bouwtafel", "Flexwonen"],
                },
            ],
        },
    )


@pytest.mark.settings(presence_interval_seconds=0.2)
async def test_a_session_lead_runs_a_live_workshop_from_the_command_line(
    harness: Harness,
) -> None:
    h = harness
    await h.staff(LEAD, "lead", PASSWORD)
    workshop = await plan_workshop(h)
    wid = str(workshop["id"])
    (token,) = await h.participants(1)
    participant = await h.ws(token)
    await participant.subscribe(workshop["channel"], since=workshop["seq"])
    await participant.wait_for(
        lambda m: m.get("event") == "workshop.presence" and m["data"]["present"] == 1
    )
    listed = ok(await dialoog(h, LEAD, "workshops", "list", h.slug))
    assert line_with(listed, "Verdieping woningbouw") == [
        wid,
        "Verdieping",
        "woningbouw",
        "gepland",
    ]

    started = ok(await dialoog(h, LEAD, "workshops", "control", wid, "start"))
    assert "Status: loopt" in started and "Ronde 1 (schrijven): Wat houdt" in started
    live = await participant.wait_for(lambda m: m.get("event") == "workshop.state")
    assert live["data"]["state"] == "running"
    assert live["data"]["round"]["prompt"] == "Wat houdt woningbouw tegen?"
    await participant.send(
        {
            "type": "contribute",
            "ref": "w",
            "theme": h.theme_id,
            "kind": "obstacle",
            "body": "Te weinig bouwgrond",
            "round": live["data"]["round"]["id"],
        }
    )
    written = await participant.answer("w")
    assert written["type"] == "ack"

    shown = ok(await dialoog(h, LEAD, "workshops", "show", wid))
    assert "Ronde 1 van 2 (schrijven)" in shown
    assert 250 < seconds(shown, r"\(nog (\d+) s\)") <= 300, "a round of 300 s, just begun"
    assert "Aanwezig: 1" in shown and "Op het bord: 1 bijdragen; vastgezet: 0" in shown
    pinned = ok(await dialoog(h, LEAD, "workshops", "pin", wid, str(written["id"])))
    assert "Te weinig bouwgrond" in pinned
    await participant.wait_for(lambda m: m.get("event") == "workshop.pinned")

    ok(await dialoog(h, LEAD, "workshops", "control", wid, "next"))
    poll = await participant.wait_for(
        lambda m: m.get("event") == "workshop.state" and m["data"]["round"]["kind"] == "poll"
    )
    assert poll["data"]["round"]["prompt"] == "Welke aanpak eerst?"
    paused = ok(await dialoog(h, LEAD, "workshops", "control", wid, "pause"))
    assert "Status: gepauzeerd" in paused and "(gepauzeerd)" in paused
    extended = ok(await dialoog(h, LEAD, "workshops", "control", wid, "extend", "--seconds", "60"))
    assert 150 < seconds(extended, r"Resterend: (\d+) s") <= 180, "~120 s left, plus 60"
    ok(await dialoog(h, LEAD, "workshops", "control", wid, "resume"))

    summary = "Bouwgrond is het knelpunt; een regionale bouwtafel krijgt voorrang."
    closed = ok(await dialoog(h, LEAD, "workshops", "control", wid, "close", "--summary", summary))
    assert "Status: afgesloten" in closed and "Samenvatting opgeslagen." in closed
    ended = await participant.wait_for(lambda m: m.get("event") == "workshop.closed")
    assert ended["data"] == {"summary": summary}
    assert (await h.call("GET", f"/api/workshops/{wid}"))["summary"] == summary

    again = await dialoog(h, LEAD, "workshops", "control", wid, "start")
    assert again.exit_code == 1
    assert again.stderr.strip() == "Fout: Deze werksessie is al afgesloten."
    misuse = await dialoog(h, LEAD, "workshops", "control", wid, "next", "--summary", "x")
    assert misuse.exit_code == 2 and "--summary hoort alleen bij close" in misuse.stderr


async def test_a_wrong_password_is_refused_with_the_servers_message(harness: Harness) -> None:
    await harness.staff(FACILITATOR, "facilitator", PASSWORD)
    result = await dialoog(harness, FACILITATOR, "ballots", "list", harness.slug, password="fout")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Fout: E-mailadres of wachtwoord klopt niet."
    assert result.stdout == ""
    unknown = await dialoog(harness, FACILITATOR, "workshops", "show", "999999")
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == "Fout: Deze werksessie bestaat niet."


async def test_an_unreachable_server_gives_a_dutch_message_and_no_traceback() -> None:
    """A real process, the e-mail from the environment: exit code 3 and one Dutch line."""
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALOOG_")}
    env["DIALOOG_EMAIL"] = FACILITATOR
    command = ["-m", "server", "ballots", "list", "demo", "--url", url, "--password-stdin"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command, env=env, stdin=PIPE, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(b"geheim\n"), 60)
    stderr = err.decode()
    assert process.returncode == 3, stderr
    assert "Traceback" not in stderr and out == b""
    assert stderr.strip() == (
        f"Fout: kan de server op {url} niet bereiken (geen verbinding). Draait 'dialoog serve' "
        "daar, en klopt --url of DIALOOG_URL?"
    )
