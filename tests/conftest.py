"""Shared fixtures: service URLs for the backends the suite runs on."""

from __future__ import annotations

import pytest

from tests.services import POSTGRES_URL, REDIS_URL, need


@pytest.fixture
def redis_url() -> str:
    """A Redis URL (database 15) that answers, or a skip/fail."""
    need(REDIS_URL, "Redis")
    return REDIS_URL


@pytest.fixture
def postgres_server_url() -> str:
    """The URL of the Postgres server's maintenance database, or a skip/fail."""
    need(POSTGRES_URL, "Postgres")
    return POSTGRES_URL
