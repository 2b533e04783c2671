"""Storage errors in the domain's terms; driver errors never leak past this layer."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error storage raises on purpose."""


class Conflict(StorageError):
    """A uniqueness rule was violated (duplicate slug, e-mail, key)."""


class NotFound(StorageError):
    """The row asked for does not exist."""
