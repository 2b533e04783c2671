"""The access log never prints the token of a personal, login or open link."""

from __future__ import annotations

import logging

import pytest

from server.logging import ACCESS_LOGGER, configure_logging


@pytest.fixture(autouse=True)
def access_logger_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's logging config (applied by any server started earlier in this process)
    stops its access logger from propagating to caplog's handler; undo that here."""
    monkeypatch.setattr(logging.getLogger(ACCESS_LOGGER), "propagate", True)


@pytest.mark.parametrize("kind", ["join", "login", "open"])
def test_access_log_lines_carry_no_link_token(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("info")
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    token = "Zk3t0k3n-geheim_123"
    logging.getLogger(ACCESS_LOGGER).info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/{kind}/{token}?x=1", "1.1", 200
    )
    [line] = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert token not in line
    assert f"/{kind}/…?x=1" in line


def test_other_paths_are_logged_as_they_are(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("info")
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    logging.getLogger(ACCESS_LOGGER).info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/api/dialogues/x", "1.1", 200
    )
    assert any("/api/dialogues/x" in r.getMessage() for r in caplog.records)
