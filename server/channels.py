"""Which principal may subscribe to which channel."""

from __future__ import annotations

import re

from server.auth import Principal
from server.errors import ApiError
from storage import dialogues as dialogue_store
from storage import workshops as workshop_store
from storage.database import Database

_CHANNEL = re.compile(r"^(dialogue|moderation|theme|workshop):([a-z0-9][a-z0-9-]{0,63}|\d{1,10})$")


async def authorize(db: Database, principal: Principal, channel: str) -> None:
    """Raise `invalid`, `not_found` or `forbidden` unless principal may follow channel."""
    match = _CHANNEL.match(channel)
    if match is None:
        raise ApiError(400, "invalid", f"Onbekend kanaal: {channel[:60]}")
    kind, key = match.groups()
    async with db.read() as conn:
        if kind in ("dialogue", "moderation"):
            dialogue = await dialogue_store.get_dialogue(conn, key)
            if dialogue is None or not principal.in_dialogue(dialogue.id):
                raise ApiError(404, "not_found", "Deze dialoog bestaat niet.")
            if kind == "moderation" and not principal.can_moderate:
                raise ApiError(403, "forbidden", "Alleen moderatoren volgen dit kanaal.")
            return
        if kind == "workshop" and key.isdigit():
            workshop = await workshop_store.get_workshop(conn, int(key))
            if workshop is None or not principal.in_dialogue(workshop.dialogue_id):
                raise ApiError(404, "not_found", "Deze werksessie bestaat niet.")
            return
        if kind == "theme" and key.isdigit():
            theme = await dialogue_store.get_theme(conn, int(key))
            if theme is None or not principal.in_dialogue(theme.dialogue_id):
                raise ApiError(404, "not_found", "Dit thema bestaat niet.")
            return
    raise ApiError(404, "not_found", "Dit kanaal bestaat niet.")
