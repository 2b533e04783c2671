"""Who is asking: principals from a session cookie or a bearer token, and role checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from starlette.requests import HTTPConnection

from server.errors import ApiError
from server.security import Signer
from storage import accounts, dialogues, invitations
from storage.database import Database

COOKIE_NAME = "dialoog_session"
STAFF_ROLES = ("admin", "facilitator", "lead")
MODERATOR_ROLES = ("admin", "facilitator")


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user; participants carry their dialogue and pseudonym."""

    kind: Literal["staff", "participant"]
    id: int
    role: str
    dialogue_id: int | None = None
    dialogue_slug: str | None = None
    pseudonym: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def can_moderate(self) -> bool:
        return self.role in MODERATOR_ROLES

    def in_dialogue(self, dialogue_id: int) -> bool:
        """Staff see every dialogue; a participant only its own."""
        return self.is_staff or self.dialogue_id == dialogue_id


def token_from(conn: HTTPConnection) -> str | None:
    """The bearer token, else the session cookie."""
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return conn.cookies.get(COOKIE_NAME)


async def resolve(db: Database, signer: Signer, token: str | None) -> Principal | None:
    """The principal a token stands for, or None when it is missing, forged or stale."""
    payload = signer.read_session_token(token) if token else None
    if payload is None:
        return None
    async with db.read() as conn:
        if isinstance(payload.get("s"), int):
            account = await accounts.get_staff(conn, payload["s"])
            return None if account is None else Principal("staff", account.id, account.role)
        if isinstance(payload.get("p"), int):
            participant = await invitations.get_participant(conn, payload["p"])
            if participant is None:
                return None
            dialogue = await dialogues.get_dialogue_by_id(conn, participant.dialogue_id)
            if dialogue is None:
                return None
            return Principal(
                "participant",
                participant.id,
                "participant",
                dialogue.id,
                dialogue.slug,
                signer.pseudonym(participant.id),
            )
    return None


async def principal_of(conn: HTTPConnection) -> Principal | None:
    """The principal of a request or websocket, resolved once and cached on it."""
    if "principal" in conn.scope:
        return conn.scope["principal"]
    services = conn.app.state.services
    principal = await resolve(services.db, services.signer, token_from(conn))
    conn.scope["principal"] = principal
    return principal


async def require(conn: HTTPConnection, *roles: str) -> Principal:
    """The principal, which must hold one of roles (any role when none given)."""
    principal = await principal_of(conn)
    if principal is None:
        raise ApiError(401, "unauthenticated", "Log eerst in.")
    if roles and principal.role not in roles:
        raise ApiError(403, "forbidden", "Dit mag uw rol niet.")
    return principal
