"""The migrations build exactly the schema the code declares, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.database import Database
from storage.tables import metadata
from tests.integration.harness import Backend

pytestmark = pytest.mark.asyncio


async def test_migrated_database_matches_the_declared_tables(backend: Backend) -> None:
    db = Database(backend.database_url)
    try:
        async with db.read() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
    finally:
        await db.close()
    assert diff == []
