"""What a workshop is and does: its view, the lead's actions, round writes and polls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from realtime import protocol
from server.auth import Principal
from server.clock import iso, utcnow
from server.errors import ApiError
from server.events import publish
from server.idempotent import WorkResult, run_once
from server.services import Services
from server.workshops.clock import Action, Clock, ClockError, apply
from storage import contributions as contribution_store
from storage import events as event_store
from storage import workshops as workshop_store
from storage.records import Contribution, EventRecord
from storage.workshops import Round, Workshop

ROUND_GRACE_SECONDS = 5
"""Writes sent in the last seconds of a round still count: networks are not instant."""


def channel_of(workshop_id: int) -> str:
    return f"workshop:{workshop_id}"


def round_view(item: Round) -> dict[str, Any]:
    return {
        "id": item.id,
        "position": item.position,
        "prompt": item.prompt,
        "theme": item.theme_id,
        "kind": item.kind,
        "duration_seconds": item.duration_seconds,
        "options": item.options,
    }


def clock_view(w: Workshop, rounds: list[Round], now: datetime) -> dict[str, Any]:
    """The state every screen needs to show the same round and countdown."""
    current = rounds[w.current_round] if w.current_round is not None else None
    return {
        "state": w.state,
        "round": round_view(current) if current else None,
        "deadline": iso(w.deadline) if w.deadline else None,
        "remaining_seconds": w.remaining_seconds,
        "server_time": iso(now),
    }


async def snapshot(conn: AsyncConnection, w: Workshop, now: datetime) -> dict[str, Any]:
    """Everything a late joiner needs at once, and the seq to subscribe from."""
    rounds = await workshop_store.list_rounds(conn, w.id)
    channel = channel_of(w.id)
    seq = (await event_store.last_seqs(conn, [channel]))[channel]
    polls = {
        str(r.id): await workshop_store.poll_counts(conn, r.id, len(r.options))
        for r in rounds
        if r.kind == "poll"
    }
    return {
        "id": w.id,
        "title": w.title,
        "theme": w.theme_id,
        "channel": channel,
        "seq": seq,
        "rounds": [round_view(r) for r in rounds],
        **clock_view(w, rounds, now),
        "present": w.present,
        "board": [
            {"round": r, "id": i, "kind": k, "body": b}
            for r, i, k, b in await workshop_store.board(conn, w.id)
        ],
        "polls": polls,
        "pins": [{"id": i, "body": b} for i, b in await workshop_store.pins(conn, w.id)],
        "summary": w.summary,
    }


async def control(
    svc: Services, workshop_id: int, action: Action, seconds: int, summary: str | None
) -> dict[str, Any]:
    """Carry out a session lead's action on the clock; every screen follows live."""
    now = utcnow()
    async with svc.db.transaction() as conn:
        w = await workshop_store.get_workshop(conn, workshop_id, for_update=True)
        if w is None:
            raise ApiError(404, "not_found", "Deze werksessie bestaat niet.")
        rounds = await workshop_store.list_rounds(conn, w.id)
        clock = Clock(w.state, w.current_round, w.deadline, w.remaining_seconds)
        try:
            after = apply(clock, action, now, [r.duration_seconds for r in rounds], seconds)
        except ClockError as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        values: dict[str, Any] = {
            "state": after.state,
            "current_round": after.current,
            "deadline": after.deadline,
            "remaining_seconds": after.remaining_seconds,
        }
        if action == "close" and summary is not None:
            values["summary"] = summary
        await workshop_store.update_workshop(conn, w.id, **values)
        w = await workshop_store.get_workshop(conn, w.id)
        assert w is not None
        view = clock_view(w, rounds, now)
        records = [
            await event_store.append_event(conn, channel_of(w.id), "workshop.state", view, now)
        ]
        if action == "close":
            records.append(
                await event_store.append_event(
                    conn, channel_of(w.id), "workshop.closed", {"summary": w.summary}, now
                )
            )
    await publish(svc.hub, records)
    return view


async def pin(svc: Services, workshop_id: int, contribution_id: int) -> dict[str, Any]:
    """Pin a contribution of the dialogue as an insight of this workshop."""
    now = utcnow()
    async with svc.db.transaction() as conn:
        w = await workshop_store.get_workshop(conn, workshop_id)
        c = await contribution_store.get_contribution(conn, contribution_id)
        if w is None or c is None or c.dialogue_id != w.dialogue_id or c.state != "visible":
            raise ApiError(404, "not_found", "Deze bijdrage bestaat niet.")
        records: list[EventRecord] = []
        if await workshop_store.pin(conn, w.id, c.id, now):
            records.append(
                await event_store.append_event(
                    conn, channel_of(w.id), "workshop.pinned", {"id": c.id, "body": c.body}, now
                )
            )
    await publish(svc.hub, records)
    return {"id": c.id, "body": c.body}


async def open_round(
    conn: AsyncConnection, round_id: int, kind: str, dialogue_id: int, now: datetime
) -> tuple[Round, Workshop]:
    """The round, which must be the current one of a running workshop, of this kind."""
    found = await workshop_store.get_round(conn, round_id)
    w = await workshop_store.get_workshop(conn, found[1]) if found else None
    if found is None or w is None or w.dialogue_id != dialogue_id:
        raise ApiError(404, "not_found", "Deze ronde bestaat niet.")
    item = found[0]
    if item.kind != kind:
        raise ApiError(400, "invalid", "Deze ronde vraagt iets anders.")
    late = w.deadline is not None and now > w.deadline + timedelta(seconds=ROUND_GRACE_SECONDS)
    if w.state != "running" or w.current_round != item.position or late:
        raise ApiError(409, "closed", "Deze ronde is niet (meer) open.")
    return item, w


async def board_event(
    conn: AsyncConnection, round_id: int, workshop_id: int, created: Contribution, now: datetime
) -> list[EventRecord]:
    """Put a round's contribution on the shared board (the round was checked by open_round)."""
    await workshop_store.link_contribution(conn, created.id, round_id)
    data = {"round": round_id, "id": created.id, "kind": created.kind, "body": created.body}
    return [
        await event_store.append_event(
            conn, channel_of(workshop_id), "workshop.contribution", data, now
        )
    ]


async def poll(
    svc: Services, principal: Principal, msg: protocol.Poll
) -> tuple[protocol.Ack, list[EventRecord]]:
    """Record a quick-poll vote; the counts follow, coalesced, on the workshop channel."""
    if principal.pseudonym is None or principal.dialogue_id is None:
        raise ApiError(403, "forbidden", "Alleen deelnemers stemmen.")
    author = principal.pseudonym
    dialogue_id = principal.dialogue_id

    async def work(conn: AsyncConnection, now: datetime) -> WorkResult:
        item, w = await open_round(conn, msg.round, "poll", dialogue_id, now)
        if not 0 <= msg.option < len(item.options):
            raise ApiError(400, "invalid", "Deze keuze bestaat niet.")
        await workshop_store.vote(conn, item.id, author, msg.option, now)
        return {"id": item.id, "channel": channel_of(w.id)}, []

    answer, _ = await run_once(svc.db, author, msg.ref, work)
    svc.polls.touch((int(answer["id"]), str(answer["channel"])))
    return protocol.Ack(ref=msg.ref, id=answer["id"]), []
