"""Voting over the WebSocket: `vote_dots`, `vote_pair`, `vote_statement`.

Each is idempotent on (pseudonym, ref) through ``run_once``, acked after its commit and
followed by a coalesced `ballot.counts` on ``dialogue:{slug}``. A vote needs step 5
(Voorkeuren) open (else `closed`) and is stored under the voter's pseudonym only: one dot
ballot per voter and ballot, one stance per statement, one answer per pair; a later vote
replaces the earlier one, so a ballot can change until the step closes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from datetime import datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncConnection

from realtime import protocol
from realtime.hub import Hub
from server.auth import Principal
from server.ballots.results import live_counts
from server.ballots.service import ballot_in_dialogue, dialogue_channel, voorkeuren_state
from server.clock import utcnow
from server.coalesce import Coalescer
from server.contributions import require_participant
from server.errors import ApiError
from server.events import publish
from server.idempotent import WorkResult, run_once
from server.security import Signer
from server.services import Services
from server.voting.dots import BallotError, DotRules, validate_ballot
from storage import ballots as store
from storage import events as event_store
from storage import invitations as participant_store
from storage.ballots import Ballot, BallotItem, PairAnswer
from storage.database import Database
from storage.records import EventRecord

STANCES = {"agree": 1, "disagree": -1, "pass": 0}
METHOD_NAMES = {"dots": "stippen", "pairwise": "paren vergelijken", "statements": "stellingen"}

Store = Callable[[AsyncConnection, Ballot, list[BallotItem], datetime], Awaitable[None]]


async def _cast(
    svc: Services, principal: Principal, ref: str, ballot_id: int, method: str, save: Store
) -> tuple[protocol.Ack, list[EventRecord]]:
    """Check the ballot and the step, store the vote once per ref, ack, touch the counts."""
    require_participant(principal)
    author = principal.pseudonym
    assert author is not None

    async def work(conn: AsyncConnection, now: datetime) -> WorkResult:
        ballot, dialogue = await ballot_in_dialogue(conn, principal, ballot_id)
        if ballot.method != method:
            raise ApiError(
                400, "invalid", f"Op dit stembiljet stemt u met {METHOD_NAMES[ballot.method]}."
            )
        if await voorkeuren_state(conn, ballot.dialogue_id, now) != "open":
            raise ApiError(409, "closed", "De stap Voorkeuren is niet open: stemmen kan nu niet.")
        await save(conn, ballot, await store.list_items(conn, ballot.id), now)
        await participant_store.mark_active(conn, principal.id)
        return {"id": ballot.id, "channel": dialogue_channel(dialogue.slug)}, []

    answer, _ = await run_once(svc.db, author, ref, work)
    if svc.ballots is not None:
        svc.ballots.touch((int(answer["id"]), str(answer["channel"])))
    return protocol.Ack(ref=ref, id=answer["id"]), []


async def vote_dots(
    svc: Services, principal: Principal, msg: protocol.VoteDots
) -> tuple[protocol.Ack, list[EventRecord]]:
    """A whole dot ballot (item → dots), checked against the budget; `{}` withdraws it."""

    async def save(
        conn: AsyncConnection, ballot: Ballot, items: list[BallotItem], now: datetime
    ) -> None:
        rules = DotRules(ballot.dots, ballot.max_per_item)
        try:
            given = cast(Mapping[Hashable, object], msg.dots)
            dots = validate_ballot(given, [i.id for i in items], rules)
        except BallotError as exc:
            raise ApiError(400, "invalid", str(exc)) from None
        author = principal.pseudonym
        assert author is not None
        await store.set_dots(conn, ballot.id, author, {int(i): n for i, n in dots.items()}, now)  # type: ignore[call-overload]

    return await _cast(svc, principal, msg.ref, msg.ballot, "dots", save)


async def vote_pair(
    svc: Services, principal: Principal, msg: protocol.VotePair
) -> tuple[protocol.Ack, list[EventRecord]]:
    """An answer on a pair: `left`, `right` or `none` ("kan niet kiezen")."""

    async def save(
        conn: AsyncConnection, ballot: Ballot, items: list[BallotItem], now: datetime
    ) -> None:
        ids = {i.id for i in items}
        if msg.left == msg.right or not {msg.left, msg.right} <= ids:
            raise ApiError(
                400, "invalid", "Vergelijk twee verschillende voorstellen van dit biljet."
            )
        winner = {"left": msg.left, "right": msg.right, "none": None}[msg.choice]
        low, high = sorted((msg.left, msg.right))
        author = principal.pseudonym
        assert author is not None
        await store.set_pair(conn, ballot.id, author, PairAnswer(author, low, high, winner), now)

    return await _cast(svc, principal, msg.ref, msg.ballot, "pairwise", save)


async def vote_statement(
    svc: Services, principal: Principal, msg: protocol.VoteStatement
) -> tuple[protocol.Ack, list[EventRecord]]:
    """Agree, disagree or pass on one statement."""

    async def save(
        conn: AsyncConnection, ballot: Ballot, items: list[BallotItem], now: datetime
    ) -> None:
        if msg.statement not in {i.id for i in items}:
            raise ApiError(400, "invalid", "Deze stelling staat niet op dit stembiljet.")
        author = principal.pseudonym
        assert author is not None
        await store.set_stance(conn, ballot.id, author, msg.statement, STANCES[msg.stance], now)

    return await _cast(svc, principal, msg.ref, msg.ballot, "statements", save)


def counts_coalescer(
    db: Database, hub: Hub, signer: Signer, interval_seconds: float
) -> Coalescer[tuple[int, str]]:
    """A coalescer keyed by (ballot id, dialogue channel): `ballot.counts` at most once per
    interval per ballot, with the counts read at emission time."""

    async def emit(key: tuple[int, str]) -> None:
        ballot_id, channel = key
        now = utcnow()
        async with db.read() as conn:  # computing holds no write transaction open
            data = await live_counts(conn, signer, ballot_id, now)
        if data is None:
            return
        async with db.transaction() as conn:
            record = await event_store.append_event(conn, channel, "ballot.counts", data, now)
        await publish(hub, [record])

    return Coalescer(emit, interval_seconds)
