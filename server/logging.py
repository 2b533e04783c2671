"""Structured logs (structlog): never tokens, never a link between a person and a text."""

from __future__ import annotations

import logging
import re

import structlog

DRIVER_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool")
"""Database drivers log statements with their parameters (pseudonyms, bodies) at DEBUG."""
ACCESS_LOGGER = "uvicorn.access"
_LINK_PATH = re.compile(r"^(/(?:join|login|open)/)[^/?#\s]+")
"""One-time and open links carry their token in the path that the access log prints."""


class RedactLinkTokens(logging.Filter):
    """Replace the token of a link path in uvicorn's access log record by ``…``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], _LINK_PATH.sub(r"\1…", args[2]), *args[3:])
        return True


def configure_logging(level: str = "info", json: bool = False) -> None:
    """Route structlog and the standard library through one renderer."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=numeric, format="%(message)s")
    for name in DRIVER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    access = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactLinkTokens) for f in access.filters):
        access.addFilter(RedactLinkTokens())
