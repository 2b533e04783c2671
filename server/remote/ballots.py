"""`dialoog ballots …`: a facilitator prepares Voorkeuren (step 5), reads the results and
hands the top of a ballot to Verdiepen, through a running server's API."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from server.remote.client import (
    DEFAULT_URL,
    EmailOption,
    JsonOption,
    Login,
    PasswordStdinOption,
    UrlOption,
    print_json,
    session,
)
from server.remote.labels import METHODS, STEP_STATES, dutch
from server.remote.results_view import render
from server.remote.tables import shorten, table

app = typer.Typer(
    help="Voorkeuren (stap 5): stembiljetten, uitslagen en de agenda voor Verdiepen, via de "
    "API van een draaiende server.",
    no_args_is_help=True,
)


def _items(ballot: dict[str, Any]) -> str:
    rows = [[i["position"], i["id"], shorten(i["title"])] for i in ballot["items"]]
    return table(["#", "id", "voorstel"], rows) if rows else "(nog geen voorstellen)"


@app.command("list")
def list_ballots(
    slug: Annotated[str, typer.Argument(help="De dialoog (slug).")],
    url: UrlOption = DEFAULT_URL,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
    as_json: JsonOption = False,
) -> None:
    """Toon de stembiljetten van een dialoog."""
    with session(Login(url, email, password_stdin)) as remote:
        answer = remote.call("GET", f"/api/dialogues/{slug}/ballots")
    if as_json:
        print_json(answer)
        return
    rows = [
        [
            b["id"],
            shorten(b["title"], 40),
            dutch(METHODS, b["method"]),
            len(b["items"]),
            dutch(STEP_STATES, b["state"]),
            b["frozen"],
            b["hidden_until_closed"],
        ]
        for b in answer["ballots"]
    ]
    if not rows:
        typer.echo(f"Dialoog {slug} heeft nog geen stembiljetten.")
        return
    headers = ["id", "titel", "methode", "voorstellen", "stap 5", "vast", "verborgen"]
    typer.echo(table(headers, rows))


@app.command("create")
def create_ballot(
    slug: Annotated[str, typer.Argument(help="De dialoog (slug).")],
    title: Annotated[str, typer.Option("--title", help="Titel van het stembiljet.")],
    method: Annotated[
        str, typer.Option("--method", help="dots (stippen), pairwise (paren) of statements.")
    ] = "dots",
    from_themes: Annotated[
        bool, typer.Option("--from-themes", help="Eén voorstel per open of gesloten thema.")
    ] = False,
    item: Annotated[
        list[str] | None,
        typer.Option("--item", help="Een eigen voorstel (titel); mag vaker."),
    ] = None,
    dots: Annotated[
        int | None, typer.Option("--dots", min=1, help="Stippen per deelnemer (standaard 10).")
    ] = None,
    max_per_item: Annotated[
        int | None, typer.Option("--max-per-item", min=1, help="Hoogstens zoveel per voorstel.")
    ] = None,
    hidden_until_closed: Annotated[
        bool,
        typer.Option(
            "--hidden-until-closed", help="Deelnemers zien de uitslag pas als stap 5 sluit."
        ),
    ] = False,
    url: UrlOption = DEFAULT_URL,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
    as_json: JsonOption = False,
) -> None:
    """Maak een stembiljet (alleen zolang stap 5 nog gepland is)."""
    body: dict[str, Any] = {
        "title": title,
        "method": method,
        "from_themes": from_themes,
        "hidden_until_closed": hidden_until_closed,
        "items": [{"title": t} for t in item or []],
    }
    if dots is not None:
        body["dots"] = dots
    if max_per_item is not None:
        body["max_per_item"] = max_per_item
    with session(Login(url, email, password_stdin)) as remote:
        ballot = remote.call("POST", f"/api/dialogues/{slug}/ballots", json=body)
    if as_json:
        print_json(ballot)
        return
    budget = f", {ballot['dots']} stippen" if ballot["method"] == "dots" else ""
    typer.echo(
        f"Stembiljet {ballot['id']} '{ballot['title']}' aangemaakt "
        f"({dutch(METHODS, ballot['method'])}{budget}), {len(ballot['items'])} voorstellen:"
    )
    typer.echo(_items(ballot))


@app.command("results")
def results(
    ballot_id: Annotated[int, typer.Argument(help="Het stembiljet (id).")],
    group: Annotated[
        str | None,
        typer.Option(
            "--group", help="Ook per groep, komma-lijst: office, network, province, size, opinion."
        ),
    ] = None,
    weighted: Annotated[
        str | None,
        typer.Option("--weighted", help="Weeg naar office, province of size (1 = office)."),
    ] = None,
    export: Annotated[
        bool, typer.Option("--export", help="Exportdrempel: tellingen onder 10 verborgen.")
    ] = False,
    url: UrlOption = DEFAULT_URL,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
    as_json: JsonOption = False,
) -> None:
    """Toon de uitslag, onderdrukt zoals op het scherm ("<5" blijft "<5")."""
    params: dict[str, str] = {}
    if group:
        params["group"] = group
    if weighted:
        params["weighted"] = weighted
    if export:
        params["export"] = "1"
    with session(Login(url, email, password_stdin)) as remote:
        answer = remote.call("GET", f"/api/ballots/{ballot_id}/results", params=params)
    if as_json:
        print_json(answer)
    else:
        typer.echo(render(answer))


@app.command("agenda")
def agenda(
    slug: Annotated[str, typer.Argument(help="De dialoog (slug).")],
    ballot_id: Annotated[int, typer.Argument(help="Het stembiljet (id).")],
    top: Annotated[
        int, typer.Option("--top", min=1, max=20, help="Zoveel voorstellen gaan naar Verdiepen.")
    ],
    url: UrlOption = DEFAULT_URL,
    email: EmailOption = None,
    password_stdin: PasswordStdinOption = False,
    as_json: JsonOption = False,
) -> None:
    """Zet de top N van een stembiljet op de agenda van Verdiepen (niet terwijl stap 5 open is).

    Elk voorstel krijgt een open verdiepingsthema; opnieuw doen vervangt de agenda.
    """
    with session(Login(url, email, password_stdin)) as remote:
        answer = remote.call(
            "POST", f"/api/dialogues/{slug}/ballots/{ballot_id}/agenda", json={"top": top}
        )
    if as_json:
        print_json(answer)
        return
    rows = [
        [
            e["position"],
            shorten(e["item"]["title"]),
            e["theme"]["id"] if e["theme"] else None,
            e["theme"]["state"] if e["theme"] else None,
        ]
        for e in answer["agenda"]
    ]
    typer.echo(f"Agenda voor Verdiepen in {slug} ({len(rows)} thema's):")
    typer.echo(table(["#", "voorstel", "thema", "status"], rows))
