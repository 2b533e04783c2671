"""What a ballot is, who may see and change it, and how it looks on the wire.

A ballot lists proposals drawn from what Verrijken produced (themes, or contributions a
facilitator selects, merges or rewords). It is prepared while step 5 (Voorkeuren) is
still planned and frozen from the moment it opens, so everyone ranks the same list:
edits are refused (409 ``frozen``) once the step is open or closed, or once anyone voted
(a step set back to planned after votes stays frozen too). Only whether results are
hidden until the step closes may change at any time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from server.auth import Principal
from server.errors import ApiError
from server.steps import effective_state
from storage import ballots as store
from storage import contributions as contribution_store
from storage import dialogues as dialogue_store
from storage.ballots import Ballot, BallotItem
from storage.records import Dialogue

VOORKEUREN: Final = 5
METHODS: Final = ("dots", "pairwise", "statements")
MAX_ITEMS: Final = 100
"""Enough for any ballot people can read through; pairwise needs ~n² answers beyond it."""
MAX_SOURCES: Final = 50
TITLE_MAX_CHARS: Final = 200
BODY_MAX_CHARS: Final = 2000
MAX_DOTS: Final = 100
"""More dots than this no longer mean anything to a participant."""

Method = Literal["dots", "pairwise", "statements"]


class NewItem(msgspec.Struct, forbid_unknown_fields=True):
    """A proposal: its own title and body, or those of its one source."""

    title: str | None = None
    body: str | None = None
    themes: list[int] = msgspec.field(default_factory=list)
    contributions: list[int] = msgspec.field(default_factory=list)


class NewBallot(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    method: Method = "dots"
    dots: int = 10
    max_per_item: int | None = None
    hidden_until_closed: bool = False
    items: list[NewItem] = msgspec.field(default_factory=list)
    from_themes: bool = False
    """Add one item per theme of the dialogue (open or closed; not proposed or merged)."""


class BallotChange(msgspec.Struct, forbid_unknown_fields=True):
    title: str | None = None
    method: Method | None = None
    dots: int | None = None
    max_per_item: int | None = None
    hidden_until_closed: bool | None = None


class ItemChange(msgspec.Struct, forbid_unknown_fields=True):
    title: str | None = None
    body: str | None = None


def dialogue_channel(slug: str) -> str:
    return f"dialogue:{slug}"


async def voorkeuren_state(conn: AsyncConnection, dialogue_id: int, now: datetime) -> str:
    """The state of step 5 on the server's clock: planned, open or closed."""
    steps = await dialogue_store.list_steps(conn, dialogue_id)
    return next(effective_state(s, now) for s in steps if s.step == VOORKEUREN)


async def ballot_in_dialogue(
    conn: AsyncConnection, principal: Principal, ballot_id: int
) -> tuple[Ballot, Dialogue]:
    """The ballot and its dialogue, which the principal must be in; else a 404."""
    ballot = await store.get_ballot(conn, ballot_id)
    dialogue = await dialogue_store.get_dialogue_by_id(conn, ballot.dialogue_id) if ballot else None
    if ballot is None or dialogue is None or not principal.in_dialogue(dialogue.id):
        raise ApiError(404, "not_found", "Dit stembiljet bestaat niet.")
    return ballot, dialogue


async def require_planned(conn: AsyncConnection, dialogue_id: int, now: datetime) -> None:
    """Ballots are prepared before step 5 opens."""
    if await voorkeuren_state(conn, dialogue_id, now) != "planned":
        raise ApiError(
            409,
            "frozen",
            "De stap Voorkeuren is al geopend: de stembiljetten liggen vast, "
            "zodat iedereen dezelfde lijst beoordeelt.",
        )


async def is_frozen(conn: AsyncConnection, ballot: Ballot, now: datetime) -> bool:
    """Frozen once step 5 opened (or anyone voted): everyone ranks the same list."""
    state = await voorkeuren_state(conn, ballot.dialogue_id, now)
    return state != "planned" or await store.has_votes(conn, ballot.id)


async def require_editable(conn: AsyncConnection, ballot: Ballot, now: datetime) -> None:
    """A 409 ``frozen`` unless the ballot may still change."""
    await require_planned(conn, ballot.dialogue_id, now)
    if await store.has_votes(conn, ballot.id):
        raise ApiError(409, "frozen", "Er is al gestemd: dit stembiljet ligt vast.")


def check_title(title: str) -> str:
    title = title.strip()
    if not 1 <= len(title) <= TITLE_MAX_CHARS:
        raise ApiError(400, "invalid", f"De titel moet 1 tot {TITLE_MAX_CHARS} tekens lang zijn.")
    return title


def check_body(body: str) -> str:
    if len(body) > BODY_MAX_CHARS:
        raise ApiError(
            400, "invalid", f"De toelichting mag hoogstens {BODY_MAX_CHARS} tekens zijn."
        )
    return body


def check_rules(method: str, dots: int, max_per_item: int | None) -> None:
    """The dot budget must make sense (it is kept, unused, for other methods)."""
    if not 1 <= dots <= MAX_DOTS:
        raise ApiError(400, "invalid", f"Het aantal stippen ligt tussen 1 en {MAX_DOTS}.")
    if max_per_item is not None and not 1 <= max_per_item <= dots:
        raise ApiError(
            400, "invalid", "Het maximum per onderwerp ligt tussen 1 en het aantal stippen."
        )
    if method not in METHODS:
        raise ApiError(400, "invalid", "Kies een manier van stemmen: dots, pairwise of statements.")


async def resolve_item(conn: AsyncConnection, dialogue_id: int, spec: NewItem) -> dict[str, Any]:
    """Title, body and sources of a new item, checked against the dialogue; or a 400."""
    themes = list(dict.fromkeys(spec.themes))
    contributions = list(dict.fromkeys(spec.contributions))
    if len(themes) + len(contributions) > MAX_SOURCES:
        raise ApiError(400, "invalid", f"Een voorstel heeft hoogstens {MAX_SOURCES} bronnen.")
    title, body = spec.title, spec.body
    for theme_id in themes:
        theme = await dialogue_store.get_theme(conn, theme_id)
        if theme is None or theme.dialogue_id != dialogue_id:
            raise ApiError(400, "invalid", f"Thema {theme_id} hoort niet bij deze dialoog.")
        if len(themes) == 1 and not contributions:
            title = title if title is not None else theme.title
            body = body if body is not None else theme.description
    for contribution_id in contributions:
        found = await contribution_store.get_contribution(conn, contribution_id)
        if found is None or found.dialogue_id != dialogue_id or found.state != "visible":
            raise ApiError(400, "invalid", f"Bijdrage {contribution_id} bestaat niet.")
        if len(contributions) == 1 and not themes and title is None:
            short = len(found.body.strip()) <= TITLE_MAX_CHARS
            title = found.body if short else found.body[: TITLE_MAX_CHARS - 1].rstrip() + "…"
            body = body if body is not None else ("" if short else found.body)
    if title is None:
        raise ApiError(
            400, "invalid", "Geef het voorstel een titel (nodig bij meerdere of geen bronnen)."
        )
    return {
        "title": check_title(title),
        "body": check_body(body or ""),
        "themes": themes,
        "contributions": contributions,
    }


async def add_items(
    conn: AsyncConnection, ballot: Ballot, specs: list[NewItem]
) -> list[BallotItem]:
    """Append items to a ballot, within MAX_ITEMS."""
    present = len(await store.list_items(conn, ballot.id))
    if present + len(specs) > MAX_ITEMS:
        raise ApiError(400, "invalid", f"Een stembiljet heeft hoogstens {MAX_ITEMS} voorstellen.")
    return [
        await store.add_item(conn, ballot.id, **await resolve_item(conn, ballot.dialogue_id, s))
        for s in specs
    ]


async def theme_items(conn: AsyncConnection, dialogue_id: int) -> list[NewItem]:
    """One item per theme that came out of Verrijken (not proposed, not merged)."""
    themes = await dialogue_store.list_themes(conn, dialogue_id)
    return [
        NewItem(themes=[t.id])
        for t in themes
        if t.state in ("open", "closed") and t.merged_into is None
    ]


def item_view(item: BallotItem) -> dict[str, Any]:
    """One item as the API shows it."""
    return {
        "id": item.id,
        "position": item.position,
        "title": item.title,
        "body": item.body,
        "themes": list(item.themes),
        "contributions": list(item.contributions),
    }


def ballot_view(
    ballot: Ballot, items: list[BallotItem], state: str, frozen: bool
) -> dict[str, Any]:
    """One ballot as the API and the `ballot.*` events show it (never any vote)."""
    return {
        "id": ballot.id,
        "title": ballot.title,
        "method": ballot.method,
        "dots": ballot.dots,
        "max_per_item": ballot.max_per_item,
        "hidden_until_closed": ballot.hidden_until_closed,
        "state": state,
        "frozen": frozen,
        "items": [item_view(i) for i in items],
    }


async def load_view(conn: AsyncConnection, ballot: Ballot, now: datetime) -> dict[str, Any]:
    """The ballot's view as it stands now."""
    fresh = await store.get_ballot(conn, ballot.id) or ballot
    items = await store.list_items(conn, ballot.id)
    state = await voorkeuren_state(conn, ballot.dialogue_id, now)
    return ballot_view(fresh, items, state, await is_frozen(conn, fresh, now))
