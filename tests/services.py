"""Where the test suite finds Postgres and Redis, and what happens when they are absent.

On a laptop without them the tests that need them skip; with
``DIALOOG_REQUIRE_SERVICES=1`` (CI) a missing service is a failure instead.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

POSTGRES_URL = os.environ.get(
    "DIALOOG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("DIALOOG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def services_required() -> bool:
    """True when a missing service must fail the run (CI)."""
    return os.environ.get("DIALOOG_REQUIRE_SERVICES") == "1"


def reachable(url: str) -> bool:
    """True when something listens at the URL's host and port."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 0), timeout=1):
            return True
    except OSError:
        return False


def need(url: str, name: str) -> None:
    """Skip (laptop) or fail (CI) when the service at url does not answer."""
    if reachable(url):
        return
    if services_required():
        pytest.fail(f"{name} at {url} is required (DIALOOG_REQUIRE_SERVICES=1) but unreachable")
    pytest.skip(f"{name} not reachable at {url}")
