"""`dialoog stakeholders …`: fill the stakeholder map from the reference data."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, NoReturn

import sqlalchemy as sa
import typer

from server.settings import load_settings
from server.stakeholders.service import SeedSummary, seed_reference
from storage.database import Database
from storage.errors import Conflict
from storage.migrate import upgrade

app = typer.Typer(
    help="De stakeholderkaart (Vinden): gemeenten, VNG-afdelingen, netwerken en functies.",
    no_args_is_help=True,
)


async def _seed(url: str, path: Path | None) -> SeedSummary:
    db = Database(url)
    try:
        return await seed_reference(db, path)
    finally:
        await db.close()


def _fail(message: str) -> NoReturn:
    typer.echo(f"Fout: {message}", err=True)
    raise typer.Exit(code=2)


@app.command("import")
def import_reference(
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV in de vorm van gemeenten-2024.csv; standaard het meegeleverde bestand.",
        ),
    ] = None,
) -> None:
    """Lees de gemeenten, de 12 VNG-afdelingen en de standaardnetwerken en -functies in.

    Opnieuw inlezen mag: wat een facilitator corrigeerde, blijft staan.
    """
    settings = load_settings()
    url = settings.resolved_database_url()
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(url)  # the embedded default works with no setup at all
    try:
        summary = asyncio.run(_seed(url, file))
    except (ValueError, UnicodeDecodeError) as exc:
        _fail(f"het bestand is geen geldige gemeentelijst ({exc}).")
    except Conflict:
        _fail("er liep tegelijk een andere import; probeer het opnieuw.")
    except sa.exc.DBAPIError as exc:
        _fail(f"de database weigerde ({type(exc.orig).__name__}); is 'dialoog migrate' gedraaid?")
    for line in summary.lines():
        typer.echo(line)
