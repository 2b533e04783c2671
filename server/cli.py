"""The `dialoog` command: serve, migrate, user add, demo."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
import uvicorn
from uvicorn.config import WS_PROTOCOLS

from server.remote.ballots import app as ballots_app
from server.remote.workshops import app as workshops_app
from server.settings import Settings, load_settings
from server.stakeholders.cli import app as stakeholders_app
from storage.database import Database
from storage.migrate import upgrade

app = typer.Typer(help="Dialoog: realtime dialoogplatform (7V-methode).", no_args_is_help=True)
user_app = typer.Typer(help="Medewerkersaccounts beheren.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(stakeholders_app, name="stakeholders")
app.add_typer(ballots_app, name="ballots")
app.add_typer(workshops_app, name="workshops")


def _fail(message: str) -> None:
    typer.echo(f"Fout: {message}", err=True)
    raise typer.Exit(code=2)


def migrate_database(settings: Settings) -> None:
    """Apply every migration to the configured database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url())


def run_server(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve HTTP and WebSocket with uvicorn (workers > 1 need Redis between them)."""
    if workers > 1 and not settings.redis_url:
        _fail("meerdere workers hebben REDIS_URL nodig (de ingebouwde broker is per proces).")
    if settings.resolved_database_url().startswith("sqlite"):
        migrate_database(settings)  # the embedded default works with no setup at all
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The fan-out hot path (docs/performance.md): websockets' sans-I/O protocol costs the
        # least per frame of uvicorn's three (recent uvicorns' "auto" picks it too), and
        # per-message compression would deflate every frame once per connection, undoing
        # "encode once" for events of a few hundred bytes. The loop stays "auto": uvloop.
        ws="websockets-sansio" if "websockets-sansio" in WS_PROTOCOLS else "auto",
        ws_per_message_deflate=False,
        ws_max_size=settings.ws_max_frame_bytes,
        proxy_headers=True,
        log_level=settings.log_level,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adres om op te luisteren.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Poort.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Aantal workerprocessen.")] = 1,
) -> None:
    """Dien HTTP en WebSocket op."""
    run_server(load_settings(), host, port, workers)


@app.command()
def migrate() -> None:
    """Pas de databasemigraties toe (Alembic)."""
    settings = load_settings()
    migrate_database(settings)
    typer.echo("Database is bijgewerkt.")


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[str, typer.Option(help="admin, facilitator of lead")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Lees een wachtwoord van standaardinvoer.")
    ] = False,
) -> None:
    """Maak een medewerkersaccount en toon een eenmalige inloglink."""
    from server.accounts import add_staff
    from server.errors import ApiError

    settings = load_settings()
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None

    async def create() -> str:
        db = Database(settings.resolved_database_url())
        try:
            _, token = await add_staff(
                db, email, role, password, settings.login_link_max_age_seconds
            )
        finally:
            await db.close()
        return token

    if settings.resolved_database_url().startswith("sqlite"):
        migrate_database(settings)
    try:
        token = asyncio.run(create())
    except ApiError as exc:
        _fail(exc.message)
    base = (settings.public_url or "http://127.0.0.1:8000").rstrip("/")
    typer.echo(f"Account {email} ({role}) aangemaakt.")
    typer.echo(f"Eenmalige inloglink: {base}/login/{token}")


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Poort.")] = 8000,
    host: Annotated[str, typer.Option(help="Adres om op te luisteren.")] = "127.0.0.1",
) -> None:
    """Vul een demodialoog en dien hem op; toont één inloglink per rol."""
    from server.demo import seed_demo

    settings = load_settings()
    if not settings.public_url:
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    migrate_database(settings)
    links = asyncio.run(seed_demo(settings))
    typer.echo("Demodialoog staat klaar. Inloglinks (elk één keer te gebruiken):")
    for role, link in links:
        typer.echo(f"  {role:<14} {link}")
    run_server(settings, host, port, 1)


def main() -> None:
    """Console-script entry point."""
    app()
