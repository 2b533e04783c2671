"""The Python client against an in-test fake server that speaks the contract's relevant slice.

The fake keeps a per-channel event log with seq numbers, replays with ``since``,
answers writes by ``ref`` and is idempotent on it, and can lose connections,
answers and events on demand, so that the client's resume logic is exercised
without the real server.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import msgspec
import pytest
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from client import Backoff, DialoogClient, DialoogConnectionError, DialoogError
from client.client import websocket_url
from realtime.protocol import (
    SUBPROTOCOL_JSON,
    SUBPROTOCOL_MSGPACK,
    Ack,
    ClientMessage,
    Contribute,
    Error,
    Event,
    Flag,
    Ping,
    Pong,
    Position,
    React,
    Reset,
    ServerMessage,
    Subscribe,
    Subscribed,
    Unsubscribe,
    decode_client_frame,
    encode,
)

TOKEN = "deelnemer-token"
CLOSED_THEME = 99
THEME = "theme:1"


class FakeServer:
    """Acks by ref (idempotent), per-channel seq, replay with ``since``, and failure knobs."""

    def __init__(self) -> None:
        self.log: dict[str, list[Event]] = defaultdict(list)
        self.answers: dict[str, Ack] = {}
        self.stored: list[Contribute] = []
        self.received: list[ClientMessage] = []
        self.subscribers: dict[str, set[ServerConnection]] = defaultdict(set)
        self.connections: set[ServerConnection] = set()
        self.headers: list[Headers] = []
        self.subprotocols: list[str | None] = []
        self.accepting = True
        self.lose_next_answers = 0
        """Store the next N writes, then drop the connection instead of answering."""
        self.hold_answers = 0
        """Collect this many write answers, then send them in reverse order."""
        self.reset_after: int | None = None
        """Answer a subscribe that would replay more than this with ``reset``."""
        self.replay_overlap = 0
        """Replay this many already-seen events too, as a sloppy server might."""
        self._held: list[tuple[ServerConnection, Ack]] = []
        self._ids = itertools.count(1)
        self.url = ""

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Serve on an ephemeral loopback port; yields the client URL."""
        async with serve(
            self._handler,
            "127.0.0.1",
            0,
            subprotocols=[SUBPROTOCOL_MSGPACK, SUBPROTOCOL_JSON],  # type: ignore[list-item]
            process_request=self._process_request,
            compression=None,
        ) as server:
            self.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ws"
            yield self.url

    # --- knobs for the tests ------------------------------------------------------------

    def publish(self, channel: str, *, deliver: bool = True) -> Event:
        """Append an event to the channel's log and (unless lost) send it live."""
        log = self.log[channel]
        event = Event(
            channel=channel,
            seq=len(log) + 1,
            event="contribution.created",
            data={"id": next(self._ids), "body": f"bericht {len(log) + 1}"},
            at="2026-11-27T12:00:00Z",
        )
        log.append(event)
        if deliver:
            self.send_all(self.subscribers[channel], event)
        return event

    def send_all(self, connections: set[ServerConnection], message: Any) -> None:
        """Send one message (or batch) to connections, in each one's codec."""
        for ws in list(connections):
            broadcast([ws], self._encode(ws, message))

    def drop_connections(self) -> None:
        """Lose every connection abruptly (no close frame), as a network failure would."""
        for ws in list(self.connections):
            ws.transport.abort()

    async def close_connections(self, code: int, reason: str = "") -> None:
        """Close every connection with a contract close code."""
        await asyncio.gather(*(ws.close(code, reason) for ws in list(self.connections)))

    def sent_of(self, kind: type[Any]) -> list[Any]:
        """The messages of one type the fake received, in order."""
        return [m for m in self.received if isinstance(m, kind)]

    # --- protocol -----------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.headers.append(request.headers)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return connection.respond(HTTPStatus.UNAUTHORIZED, "Niet ingelogd.\n")
        if not self.accepting:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "Even geduld.\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections.add(ws)
        self.subprotocols.append(ws.subprotocol)
        try:
            async for frame in ws:
                for message in decode_client_frame(frame, isinstance(frame, bytes)):
                    self.received.append(message)
                    await self._handle(ws, message)
        except ConnectionClosed:
            pass
        finally:
            self.connections.discard(ws)
            for subscribers in self.subscribers.values():
                subscribers.discard(ws)

    async def _handle(self, ws: ServerConnection, message: ClientMessage) -> None:
        match message:
            case Subscribe():
                self._subscribe(ws, message)
            case Unsubscribe(channel=channel):
                self.subscribers[channel].discard(ws)
            case Contribute() | React() | Flag():
                self._write(ws, message)
            case Ping():
                self.send_all({ws}, Pong())

    def _subscribe(self, ws: ServerConnection, message: Subscribe) -> None:
        channel = message.channel
        if channel.startswith("moderation:"):
            self.send_all({ws}, Error(code="forbidden", message="Geen toegang tot dit kanaal."))
            return
        log = self.log[channel]
        missed = 0 if message.since is None else len(log) - message.since
        if self.reset_after is not None and missed > self.reset_after:
            self.send_all({ws}, Reset(channel=channel, seq=len(log)))  # and no subscription
            return
        start = len(log) if message.since is None else max(0, message.since - self.replay_overlap)
        replay: list[ServerMessage] = [*log[start:]]
        self.subscribers[channel].add(ws)
        done = Subscribed(channel=channel, seq=len(log), replayed=len(replay))
        self.send_all({ws}, [*replay, done])  # one batch: nothing live slips in between

    def _write(self, ws: ServerConnection, message: Contribute | React | Flag) -> None:
        if message.ref in self.answers:  # idempotent: the first answer again, nothing stored
            self._answer(ws, self.answers[message.ref])
            return
        if isinstance(message, Contribute) and not message.body.strip():
            self.send_all({ws}, Error(code="invalid", message="Lege bijdrage.", ref=message.ref))
            return
        if isinstance(message, Contribute) and message.theme == CLOSED_THEME:
            self.send_all({ws}, Error(code="closed", message="Thema is dicht.", ref=message.ref))
            return
        answer = Ack(ref=message.ref)
        if isinstance(message, Contribute):
            self.stored.append(message)
            event = self.publish(f"theme:{message.theme}")
            answer = Ack(ref=message.ref, id=event.data["id"], channel=event.channel, seq=event.seq)
        self.answers[message.ref] = answer
        if self.lose_next_answers:
            self.lose_next_answers -= 1
            ws.transport.abort()
            return
        self._answer(ws, answer)

    def _answer(self, ws: ServerConnection, answer: Ack) -> None:
        if not self.hold_answers:
            self.send_all({ws}, answer)
            return
        self._held.append((ws, answer))
        if len(self._held) == self.hold_answers:
            self.hold_answers = 0
            for held_ws, held in reversed(self._held):
                self.send_all({held_ws}, held)

    @staticmethod
    def _encode(ws: ServerConnection, message: Any) -> bytes | str:
        if ws.subprotocol == SUBPROTOCOL_MSGPACK:
            return encode(message, binary=True)
        return encode(message, binary=False).decode()


# --- helpers --------------------------------------------------------------------------------


def fast_backoff() -> Backoff:
    """Reconnect within milliseconds so the tests stay quick."""
    return Backoff(initial=0.01, maximum=0.05, rng=random.Random(7))


async def until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait until the predicate holds; polling keeps the fake free of test hooks."""
    async with asyncio.timeout(seconds):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.005)


class Collector:
    """Consumes ``client.events()`` in the background, like an application would."""

    def __init__(self, client: DialoogClient, *, positions: bool = False) -> None:
        self.items: list[Event | Reset | Position] = []
        self.error: BaseException | None = None
        self.finished = False
        self._task = asyncio.create_task(self._consume(client, positions))

    async def _consume(self, client: DialoogClient, positions: bool) -> None:
        try:
            async for item in client.events(positions=positions):
                self.items.append(item)
        except DialoogConnectionError as exc:
            self.error = exc
        self.finished = True

    def seqs(self, channel: str = THEME) -> list[int]:
        """The seqs of the events delivered for a channel, in delivery order."""
        return [i.seq for i in self.items if isinstance(i, Event) and i.channel == channel]

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@pytest.fixture
async def fake() -> AsyncIterator[FakeServer]:
    server = FakeServer()
    async with server.running():
        yield server


@asynccontextmanager
async def connected(fake: FakeServer, **kwargs: Any) -> AsyncIterator[DialoogClient]:
    kwargs.setdefault("backoff", fast_backoff())
    async with asyncio.timeout(10), DialoogClient(fake.url, TOKEN, **kwargs) as client:
        yield client


# --- requests and answers -------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["msgpack", "json"])
async def test_handshake_sends_bearer_token_and_the_chosen_subprotocol(
    fake: FakeServer, codec: str
) -> None:
    async with connected(fake, codec=codec) as client:
        await client.ping()
    assert fake.headers[0]["Authorization"] == f"Bearer {TOKEN}"
    assert fake.subprotocols == [f"dialoog.v1.{codec}"]


async def test_origin_is_sent_when_given(fake: FakeServer) -> None:
    async with connected(fake, origin="https://dialoog.example") as client:
        await client.ping()
    assert fake.headers[0]["Origin"] == "https://dialoog.example"


@pytest.mark.parametrize("codec", ["msgpack", "json"])
async def test_answers_are_matched_to_requests_by_ref(fake: FakeServer, codec: str) -> None:
    fake.hold_answers = 3  # the fake answers the three writes in reverse order
    async with connected(fake, codec=codec) as client:
        contributed, reacted, flagged = await asyncio.gather(
            client.contribute(1, "idea", "Meer fietsenstallingen", ref="ref-a"),
            client.react(7, "agree", ref="ref-b"),
            client.flag(7, "spam", note="reclame", ref="ref-c"),
        )
    assert contributed == Ack(ref="ref-a", id=1, channel=THEME, seq=1)
    assert (reacted.ref, flagged.ref) == ("ref-b", "ref-c")


async def test_writes_get_a_fresh_uuid_ref_unless_given(fake: FakeServer) -> None:
    async with connected(fake) as client:
        first = await client.react(1, "agree")
        second = await client.react(1, "pass")
    assert first.ref != second.ref
    assert len(first.ref) == 32 and int(first.ref, 16) >= 0


@pytest.mark.parametrize(
    ("theme", "body", "code"), [(1, "   ", "invalid"), (CLOSED_THEME, "Goed idee", "closed")]
)
async def test_error_answer_raises_dialoog_error_with_code_and_ref(
    fake: FakeServer, theme: int, body: str, code: str
) -> None:
    async with connected(fake) as client:
        with pytest.raises(DialoogError) as caught:
            await client.contribute(theme, "idea", body, ref="mijn-ref")
        await client.ping()  # the connection stays up after a domain error
    assert (caught.value.code, caught.value.ref) == (code, "mijn-ref")
    assert caught.value.message


async def test_refused_subscribe_raises_and_other_subscribes_still_work(fake: FakeServer) -> None:
    async with connected(fake) as client:
        with pytest.raises(DialoogError) as caught:
            await client.subscribe("moderation:wonen")
        subscribed = await client.subscribe(THEME)
    assert caught.value.code == "forbidden"
    assert subscribed == Subscribed(channel=THEME, seq=0, replayed=0)


async def test_ping_returns_on_pong(fake: FakeServer) -> None:
    async with connected(fake) as client:
        await asyncio.gather(client.ping(), client.ping())
    assert len(fake.sent_of(Ping)) == 2


# --- events ---------------------------------------------------------------------------------


async def test_subscribe_with_since_replays_then_goes_live_in_order(fake: FakeServer) -> None:
    for _ in range(3):
        fake.publish(THEME)
    async with connected(fake) as client:
        collector = Collector(client)
        subscribed = await client.subscribe(THEME, since=1)
        fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 3)
        await collector.stop()
    assert subscribed == Subscribed(channel=THEME, seq=3, replayed=2)
    assert collector.seqs() == [2, 3, 4]


async def test_duplicate_events_are_dropped(fake: FakeServer) -> None:
    async with connected(fake) as client:
        collector = Collector(client)
        await client.subscribe(THEME)
        first, second = fake.publish(THEME), fake.publish(THEME)
        fake.send_all(fake.connections, [second, first, second])
        fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 3)
        await client.ping()  # everything the fake sent has been read by now
        await collector.stop()
    assert collector.seqs() == [1, 2, 3]


async def test_a_lost_event_is_fetched_again_before_later_ones(fake: FakeServer) -> None:
    async with connected(fake) as client:
        collector = Collector(client)
        await client.subscribe(THEME)
        fake.publish(THEME)
        fake.publish(THEME, deliver=False)  # lost on the way, as over the broker
        fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 3)
        await collector.stop()
    assert collector.seqs() == [1, 2, 3]
    assert fake.sent_of(Subscribe)[-1] == Subscribe(channel=THEME, since=1)


async def test_position_ahead_of_last_seen_fetches_the_lost_last_event(fake: FakeServer) -> None:
    async with connected(fake) as client:
        collector = Collector(client, positions=True)
        await client.subscribe(THEME)
        fake.publish(THEME)
        fake.publish(THEME, deliver=False)
        fake.send_all(fake.connections, Position(channel=THEME, seq=2))
        await until(lambda: len(collector.seqs()) == 2)
        await collector.stop()
    assert collector.seqs() == [1, 2]
    assert Position(channel=THEME, seq=2) in collector.items


async def test_events_of_an_unsubscribed_channel_are_not_delivered(fake: FakeServer) -> None:
    async with connected(fake) as client:
        collector = Collector(client)
        await client.subscribe(THEME)
        await client.subscribe("theme:2")
        await client.unsubscribe(THEME)
        await client.ping()
        fake.send_all(fake.connections, fake.publish(THEME))  # even if the server still sends
        fake.publish("theme:2")
        await until(lambda: len(collector.items) == 1)
        await collector.stop()
    assert [(e.channel, e.seq) for e in collector.items] == [("theme:2", 1)]


async def test_unknown_message_types_and_fields_from_a_newer_server_are_tolerated(
    fake: FakeServer,
) -> None:
    async with connected(fake) as client:
        collector = Collector(client)
        await client.subscribe(THEME)
        event = msgspec.to_builtins(fake.publish(THEME, deliver=False))
        newer = [{"type": "presence", "count": 3}, {**event, "priority": "high"}]
        for ws in fake.connections:
            await ws.send(msgspec.msgpack.encode(newer))
        await until(lambda: len(collector.seqs()) == 1)
        await collector.stop()
    assert collector.items[0].data == event["data"]  # type: ignore[union-attr]


async def test_reset_is_surfaced_and_the_channel_resumes_from_its_seq(fake: FakeServer) -> None:
    async with connected(fake) as client:
        collector = Collector(client)
        await client.subscribe(THEME)
        for _ in range(5):
            fake.publish(THEME, deliver=False)
        fake.send_all(fake.connections, Reset(channel=THEME, seq=5))
        await until(lambda: any(isinstance(i, Reset) for i in collector.items))
        await until(lambda: fake.sent_of(Subscribe)[-1] == Subscribe(channel=THEME, since=5))
        fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 1)
        await collector.stop()
    assert collector.items == [Reset(channel=THEME, seq=5), fake.log[THEME][5]]


# --- connection loss, reconnect and resume ------------------------------------------------


async def test_reconnect_resumes_with_since_and_replays_exactly_the_missed_events(
    fake: FakeServer,
) -> None:
    async with connected(fake) as client:
        collector = Collector(client)
        await client.subscribe(THEME)
        for _ in range(5):
            fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 5)
        fake.accepting = False  # reconnect attempts fail until the missed events exist
        fake.drop_connections()
        await until(lambda: not client.connected)
        for _ in range(5):
            fake.publish(THEME)  # nobody is subscribed: these are missed
        fake.accepting = True
        await until(lambda: len(collector.seqs()) == 10)
        fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 11)
        await collector.stop()
    assert collector.seqs() == list(range(1, 12))
    assert fake.sent_of(Subscribe) == [
        Subscribe(channel=THEME, since=None),
        Subscribe(channel=THEME, since=5),
    ]
    assert client.reconnects == 1


async def test_drop_mid_stream_with_overlapping_replay_gives_no_gaps_and_no_duplicates(
    fake: FakeServer,
) -> None:
    fake.replay_overlap = 3  # the replay repeats events the client already has
    async with connected(fake) as client:
        collector = Collector(client)
        await client.subscribe(THEME)
        await client.subscribe("theme:2")
        for round_ in range(4):
            for _ in range(25):
                fake.publish(THEME)
                fake.publish("theme:2")
            fake.drop_connections()  # while events are still on their way
            await until(lambda r=round_: client.reconnects == r + 1)
        for _ in range(25):
            fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 125 and len(collector.seqs("theme:2")) == 100)
        await client.ping()
        await collector.stop()
    assert collector.seqs() == list(range(1, 126))
    assert collector.seqs("theme:2") == list(range(1, 101))


async def test_unacked_write_is_resent_with_the_same_ref_and_stored_once(
    fake: FakeServer,
) -> None:
    fake.lose_next_answers = 1  # stored, then the connection dies before the ack
    async with connected(fake) as client:
        ack = await client.contribute(1, "solution", "Deelauto's bij het station")
    refs = [m.ref for m in fake.sent_of(Contribute)]
    assert len(refs) == 2 and refs[0] == refs[1] == ack.ref
    assert len(fake.stored) == 1
    assert ack == Ack(ref=ack.ref, id=1, channel=THEME, seq=1)


async def test_writes_made_while_disconnected_are_sent_after_reconnect(
    fake: FakeServer,
) -> None:
    async with connected(fake) as client:
        fake.accepting = False
        fake.drop_connections()
        await until(lambda: not client.connected)
        pending = asyncio.gather(client.react(3, "agree", ref="r1"), client.ping())
        await asyncio.sleep(0.05)
        assert not pending.done()
        fake.accepting = True
        acked, _ = await pending
    assert acked == Ack(ref="r1")
    assert [m.ref for m in fake.sent_of(React)] == ["r1"]


async def test_close_4008_too_slow_reconnects_and_resumes(fake: FakeServer) -> None:
    async with connected(fake) as client:
        collector = Collector(client)
        await client.subscribe(THEME)
        fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 1)
        await fake.close_connections(4008, "te traag")
        fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 2)
        await collector.stop()
    assert collector.seqs() == [1, 2]
    assert fake.sent_of(Subscribe)[-1] == Subscribe(channel=THEME, since=1)
    assert client.reconnects == 1


@pytest.mark.parametrize("code", [4401, 4403, 1008, 1009])
async def test_fatal_close_codes_raise_instead_of_reconnecting(fake: FakeServer, code: int) -> None:
    async with connected(fake) as client:
        collector = Collector(client)
        await client.subscribe(THEME)
        fake.hold_answers = 2  # the answer to the one write never comes
        waiting = asyncio.create_task(client.react(1, "agree"))
        await until(lambda: bool(fake.sent_of(React)))
        await fake.close_connections(code, "weg")
        with pytest.raises(DialoogConnectionError) as caught:
            await waiting
        await until(lambda: collector.finished)
        with pytest.raises(DialoogConnectionError):
            await client.ping()
    assert caught.value.code == code
    assert isinstance(collector.error, DialoogConnectionError)
    assert client.reconnects == 0


async def test_refused_handshake_raises_at_connect(fake: FakeServer) -> None:
    with pytest.raises(DialoogConnectionError) as caught:
        async with DialoogClient(fake.url, "verkeerd-token"):
            pass
    assert caught.value.code == 4401


async def test_explicit_close_ends_events_and_never_reconnects(fake: FakeServer) -> None:
    async with connected(fake) as client:
        collector = Collector(client)
        await client.subscribe(THEME)
        fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 1)
    await until(lambda: collector.finished)
    await asyncio.sleep(0.1)
    assert collector.error is None
    assert len(fake.headers) == 1
    with pytest.raises(DialoogConnectionError):
        await client.ping()


# --- small parts ----------------------------------------------------------------------------


def test_backoff_grows_exponentially_with_jitter_up_to_the_maximum() -> None:
    backoff = Backoff(initial=1.0, maximum=8.0, jitter=0.5, rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(6)]
    ceilings = [1, 2, 4, 8, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered, not in lockstep
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_backoff_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Backoff(initial=2.0, maximum=1.0)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:8000", "ws://127.0.0.1:8000/ws"),
        ("https://dialoog.example/", "wss://dialoog.example/ws"),
        ("ws://127.0.0.1:8000/ws", "ws://127.0.0.1:8000/ws"),
        ("wss://dialoog.example/realtime/ws", "wss://dialoog.example/realtime/ws"),
    ],
)
def test_websocket_url_accepts_http_and_ws_forms(given: str, expected: str) -> None:
    assert websocket_url(given) == expected


def test_websocket_url_rejects_other_schemes() -> None:
    with pytest.raises(ValueError):
        websocket_url("ftp://dialoog.example")


async def test_subscribe_answered_with_reset_resubscribes_and_completes(fake: FakeServer) -> None:
    fake.reset_after = 3
    for _ in range(5):
        fake.publish(THEME)
    async with connected(fake) as client:
        collector = Collector(client)
        subscribed = await client.subscribe(THEME, since=0)
        fake.publish(THEME)
        await until(lambda: len(collector.seqs()) == 1)
        await collector.stop()
    assert subscribed == Subscribed(channel=THEME, seq=5, replayed=0)
    assert collector.items == [Reset(channel=THEME, seq=5), fake.log[THEME][5]]
    assert fake.sent_of(Subscribe) == [
        Subscribe(channel=THEME, since=0),
        Subscribe(channel=THEME, since=5),
    ]
