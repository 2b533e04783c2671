"""Cryptographic primitives, each from a maintained library: argon2, itsdangerous, HMAC."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of a staff password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; constant work for unknown accounts too."""
    if password_hash is None:
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A one-time token for a link (invitation, staff login): 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a one-time token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class Signer:
    """Signs session tokens and derives pseudonyms from the server secret."""

    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="dialoog.session")
        self._pseudonym_key = hmac.new(secret.encode(), b"dialoog.pseudonym", "sha256").digest()
        self.max_age_seconds = max_age_seconds

    def session_token(self, payload: dict[str, Any]) -> str:
        """A signed, timestamped session token."""
        return self._serializer.dumps(payload)

    def read_session_token(self, token: str) -> dict[str, Any] | None:
        """The payload of a valid, unexpired session token, else None."""
        try:
            payload = self._serializer.loads(token, max_age=self.max_age_seconds)
        except BadSignature:
            return None
        return payload if isinstance(payload, dict) else None

    def pseudonym(self, participant_id: int) -> str:
        """The keyed pseudonym under which a participant's writes are stored."""
        message = f"participant:{participant_id}".encode()
        return hmac.new(self._pseudonym_key, message, "sha256").hexdigest()[:40]
