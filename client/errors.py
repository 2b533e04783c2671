"""Exceptions of the Python client: a refused request versus a lost connection."""

from __future__ import annotations


class DialoogError(Exception):
    """The server answered a request with an ``error`` message (contract codes)."""

    def __init__(self, code: str, message: str, ref: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.ref = ref


class DialoogConnectionError(Exception):
    """The connection ended for good: refused, closed by us, or a close code not to retry."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"connection closed ({code}): {reason}" if code else reason)
        self.code = code
        self.reason = reason
