"""Real servers on loopback over both backends: embedded (SQLite + in-process broker) and
services (Postgres + Redis)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa

from server.settings import Settings, load_settings
from storage.database import Database
from storage.migrate import upgrade
from storage.tables import metadata
from tests.integration.harness import Backend, Harness, running_server
from tests.services import POSTGRES_URL, REDIS_URL, need

BACKENDS = ["embedded", "services"]


def _pg_url(database: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + database


async def _recreate(database: str) -> None:
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_test_url() -> Iterator[str]:
    """One migrated Postgres database for the whole run (tables emptied per test)."""
    need(POSTGRES_URL, "Postgres")
    name = f"dialoog_test_{os.getpid()}"
    asyncio.run(_recreate(name))
    url = _pg_url(name)
    upgrade(url)
    yield url

    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


async def _truncate(url: str) -> None:
    db = Database(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if t.name != "alembic_version")
    async with db.transaction() as conn:
        await conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await db.close()


def _make_backend(name: str, request: pytest.FixtureRequest, folder: Path) -> Backend:
    if name == "embedded":
        url = f"sqlite:///{folder / 'dialoog.db'}"
        upgrade(url)
        return Backend("embedded", url, None, folder)
    need(REDIS_URL, "Redis")
    url = request.getfixturevalue("postgres_test_url")
    asyncio.run(_truncate(url))
    return Backend("services", url, REDIS_URL, folder)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Settings for one backend; the database is fresh for every test."""
    return _make_backend(request.param, request, tmp_path)


@pytest.fixture
def services_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Postgres + Redis only: for what exists only between processes."""
    return _make_backend("services", request, tmp_path)


def settings_for(backend: Backend, **overrides: object) -> Settings:
    """Small, test-friendly settings for a backend; a unique Redis prefix per test."""
    values: dict[str, object] = {
        "database_url": backend.database_url,
        "redis_url": backend.redis_url,
        "redis_prefix": f"dialoog-test-{uuid.uuid4().hex[:8]}:",
        "secret": "test-secret-" + backend.name,
        "data_dir": backend.folder,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
async def harness(backend: Backend, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """A running server with an admin and an open dialogue with one theme.

    A test passes small limits with ``@pytest.mark.settings(name=value, ...)``.
    """
    marker = request.node.get_closest_marker("settings")
    settings = settings_for(backend, **(marker.kwargs if marker else {}))
    async with running_server(settings) as base, Harness(base, settings) as h:
        await h.bootstrap()
        yield h
