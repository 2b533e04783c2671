"""Apply the Alembic migrations programmatically (the `dialoog migrate` command)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at url up to revision (blocking; runs its own event loop)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(conn: AsyncConnection, url: str, revision: str = "head") -> None:
    """Bring the database up to revision from inside a running event loop."""

    def _upgrade(sync_conn: object) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = sync_conn
        command.upgrade(config, revision)

    await conn.run_sync(_upgrade)
