"""`dialoog workshops …`: a session lead runs a live Verdiepen workshop (step 6) through a
running server's API, so every participant's screen follows the clock at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import typer

from server.remote.client import (
    DEFAULT_URL,
    EmailOption,
    JsonOption,
    Login,
    PasswordStdinOption,
    UrlOption,
    fail,
    print_json,
    session,
)
from server.remote.labels import DONE, ROUND_KINDS, WORKSHOP_STATES, dutch
from server.remote.tables import shorten, table

app = typer.Typer(
    help="Verdiepen (stap 6): live werksessies volgen en leiden, via de API van een draaiende "
    "server.",
    no_args_is_help=True,
)

Action = Literal["start", "pause", "resume", "extend", "next", "close"]
WorkshopId = Annotated[int, typer.Argument(help="De werksessie (id).")]


def _seconds_left(view: dict[str, Any]) -> int | None:
    """Seconds until the deadline on the server's own clock (no local clock offset)."""
    if view.get("deadline") and view.get("server_time"):
        left = datetime.fromisoformat(view["deadline"]) - datetime.fromisoformat(
            view["server_time"]
        )
        return max(0, round(left.total_seconds()))
    return None


def clock_lines(view: dict[str, Any], rounds: int | None = None) -> list[str]:
    """State, current round and time left, as the participants' screens show them."""
    lines = [f"Status: {dutch(WORKSHOP_STATES, view['state'])}"]
    current = view.get("round")
    if current is not None:
        of = f" van {rounds}" if rounds else ""
        lines.append(
            f"Ronde {current['position'] + 1}{of} ({dutch(ROUND_KINDS, current['kind'])}): "
            f"{current['prompt']}"
        )
    elif view["state"] in ("running", "paused"):
        lines.append("Alle rondes zijn geweest; sluit af met 'close --summary …'.")
    if (left := _seconds_left(view)) is not None:
        deadline = datetime.fromisoformat(view["deadline"]).astimezone(UTC)
        lines.append(f"Deadline: {deadline:%Y-%m-%d %H:%M:%S} UTC (nog {left} s)")
    elif view.get("remaining_seconds") is not None:
        lines.append(f"Resterend: {round(view['remaining_seconds'])} s (gepauzeerd)")
    return lines


@app.command("list")
def list_workshops(
    slug: Annotated[str, typer.Argument(help="De dialoog (slug).")],
    url: UrlOption = DEFAULT_URL,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
    as_json: JsonOption = False,
) -> None:
    """Toon de werksessies van een dialoog."""
    with session(Login(url, email, password_stdin)) as remote:
        answer = remote.call("GET", f"/api/dialogues/{slug}/workshops")
    if as_json:
        print_json(answer)
        return
    rows = [
        [w["id"], shorten(w["title"]), dutch(WORKSHOP_STATES, w["state"])]
        for w in answer["workshops"]
    ]
    if not rows:
        typer.echo(f"Dialoog {slug} heeft nog geen werksessies.")
        return
    typer.echo(table(["id", "titel", "status"], rows))


@app.command("show")
def show(
    workshop_id: WorkshopId,
    url: UrlOption = DEFAULT_URL,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
    as_json: JsonOption = False,
) -> None:
    """Toon status, huidige ronde, deadline, aanwezigen en het bord van een werksessie."""
    with session(Login(url, email, password_stdin)) as remote:
        view = remote.call("GET", f"/api/workshops/{workshop_id}")
    if as_json:
        print_json(view)
        return
    theme = f" (thema {view['theme']})" if view.get("theme") else ""
    typer.echo(f"Werksessie {view['id']}: {view['title']}{theme}")
    for line in clock_lines(view, len(view["rounds"])):
        typer.echo(line)
    typer.echo(f"Aanwezig: {view['present']}")
    typer.echo(f"Op het bord: {len(view['board'])} bijdragen; vastgezet: {len(view['pins'])}")
    if view.get("summary"):
        typer.echo(f"Samenvatting: {view['summary']}")


@app.command("control")
def control(
    workshop_id: WorkshopId,
    action: Annotated[
        Action,
        typer.Argument(
            help="start, pause (pauzeer), resume (hervat), extend (verleng), next (volgende "
            "ronde) of close (sluit af)."
        ),
    ],
    seconds: Annotated[
        int | None,
        typer.Option("--seconds", min=1, max=3600, help="Bij extend: zoveel seconden erbij."),
    ] = None,
    summary: Annotated[
        str | None, typer.Option("--summary", help="Bij close: de samenvatting voor Voortzetten.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
    as_json: JsonOption = False,
) -> None:
    """Bedien de klok van een werksessie; elk scherm volgt meteen."""
    if action == "extend" and seconds is None:
        fail("extend heeft --seconds nodig (1 tot 3600).")
    if seconds is not None and action != "extend":
        fail("--seconds hoort alleen bij extend.")
    if summary is not None and action != "close":
        fail("--summary hoort alleen bij close.")
    body: dict[str, Any] = {"action": action}
    if seconds is not None:
        body["seconds"] = seconds
    if summary is not None:
        body["summary"] = summary
    with session(Login(url, email, password_stdin)) as remote:
        view = remote.call("POST", f"/api/workshops/{workshop_id}/control", json=body)
    if as_json:
        print_json(view)
        return
    typer.echo(f"Werksessie {workshop_id}: {dutch(DONE, action)}.")
    for line in clock_lines(view):
        typer.echo(line)
    if action == "close" and summary is not None:
        typer.echo("Samenvatting opgeslagen.")


@app.command("pin")
def pin(
    workshop_id: WorkshopId,
    contribution_id: Annotated[int, typer.Argument(help="De bijdrage (id) om vast te zetten.")],
    url: UrlOption = DEFAULT_URL,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Zet een bijdrage vast als inzicht van de werksessie."""
    with session(Login(url, email, password_stdin)) as remote:
        pinned = remote.call(
            "POST", f"/api/workshops/{workshop_id}/pins", json={"contribution": contribution_id}
        )
    typer.echo(f"Vastgezet in werksessie {workshop_id}: bijdrage {pinned['id']}: {pinned['body']}")
