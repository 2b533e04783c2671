"""Counts the SQL statements of each unit of work a server in this process runs.

The integration servers run in the test's own process and event loop, so a listener on
SQLAlchemy's Engine class sees every statement they execute. Statements are grouped per
connection from its first statement to its commit or rollback: one group is one
transaction (or one read), whatever runs beside it on other pooled connections.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


class StatementLog:
    """Finished units of work, each the list of its statements, in commit order."""

    def __init__(self) -> None:
        self.units: list[list[str]] = []
        self._open: dict[int, list[str]] = {}

    def _execute(self, conn: Connection, _c: Any, statement: str, *_args: Any) -> None:
        self._open.setdefault(id(conn), []).append(" ".join(statement.split()))

    def _end(self, conn: Connection) -> None:
        statements = self._open.pop(id(conn), None)
        if statements:
            self.units.append(statements)

    def writes_to(self, table: str) -> list[list[str]]:
        """The committed units that inserted into a table (e.g. every keyed write)."""
        marker = f"INSERT INTO {table} "
        return [u for u in self.units if any(s.startswith(marker) for s in u)]


@contextmanager
def statement_log() -> Iterator[StatementLog]:
    """Record statements of every engine in this process while the block runs."""
    log = StatementLog()
    listeners = [
        ("before_cursor_execute", log._execute),
        ("commit", log._end),
        ("rollback", log._end),
    ]
    for name, fn in listeners:
        sa.event.listen(Engine, name, fn)
    try:
        yield log
    finally:
        for name, fn in listeners:
            sa.event.remove(Engine, name, fn)
