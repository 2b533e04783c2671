"""Real servers on loopback over both backends: embedded (SQLite + in-process broker) and
services (Postgres + Redis)."""

from __future__ import annotations

import asyncio
import contextlib
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


async def _execute(*statements: str) -> None:
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.contextmanager
def migrated_postgres(database: str) -> Iterator[str]:
    """A fresh, migrated Postgres database of this name, dropped at the end; the browser
    suite makes its own beside this suite's, so both conftests share this one recipe."""
    need(POSTGRES_URL, "Postgres")
    drop = f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
    asyncio.run(_execute(drop, f'CREATE DATABASE "{database}"'))
    url = _pg_url(database)
    upgrade(url)
    try:
        yield url
    finally:
        asyncio.run(_execute(drop))


@pytest.fixture(scope="session")
def postgres_test_url() -> Iterator[str]:
    """One migrated Postgres database for the whole run (tables emptied per test)."""
    with migrated_postgres(f"dialoog_test_{os.getpid()}") as url:
        yield url


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
