"""The access log never prints the token of a personal, login or open link."""

from __future__ import annotations

import logging

import pytest

from server.logging import ACCESS_LOGGER, RedactLinkTokens, configure_logging


def access_record(path: str) -> logging.LogRecord:
    """A record shaped as uvicorn's access logger makes it."""
    return logging.LogRecord(
        ACCESS_LOGGER,
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )


def test_configure_logging_installs_the_redaction_on_the_access_logger() -> None:
    configure_logging("info")
    configure_logging("info")
    filters = logging.getLogger(ACCESS_LOGGER).filters
    assert sum(isinstance(f, RedactLinkTokens) for f in filters) == 1


@pytest.mark.parametrize("kind", ["join", "login", "open"])
def test_access_log_lines_carry_no_link_token(kind: str) -> None:
    token = "Zk3t0k3n-geheim_123"
    record = access_record(f"/{kind}/{token}?x=1")
    assert RedactLinkTokens().filter(record)
    line = record.getMessage()
    assert token not in line
    assert f"/{kind}/…?x=1" in line


def test_other_paths_are_logged_as_they_are() -> None:
    record = access_record("/api/dialogues/x")
    assert RedactLinkTokens().filter(record)
    assert "/api/dialogues/x" in record.getMessage()
