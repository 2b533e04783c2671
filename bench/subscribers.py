"""The load generator's subscribers: connect, subscribe, and record every delivery's latency.

Two transports with one recording path: ``lean`` (bench/leanws.py, the default, a
few µs per frame) and ``websockets`` (the library client, for cross-checking the
lean one). Bodies hold the message index and send time in letters only, so no
privacy filter can mistake a timestamp for a phone number.
"""

from __future__ import annotations

import asyncio
import string
import time
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from leanws import LeanClient, connect_lean
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from client import DialoogError
from client.wire import decode_frame
from realtime.protocol import SUBPROTOCOL_MSGPACK, Error, Event, Subscribe, Subscribed, encode

SUBSCRIBE_RETRIES = 10
LETTERS = string.ascii_lowercase


@dataclass
class Stats:
    """Shared by all subscribers of this process (one event loop: no locks)."""

    planned: int
    deliveries: int = 0
    duplicates: int = 0
    first_send_ns: int = 0
    last_receive_ns: int = 0
    latencies_ns: array = field(default_factory=lambda: array("q"))
    closes: Counter[str] = field(default_factory=Counter)
    parsed: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    finished: bool = False
    expected: int = -1
    """Known once publishing ended; reaching it sets ``complete``."""
    complete: asyncio.Event = field(default_factory=asyncio.Event)

    def closed(self, code: int | None) -> None:
        """Count a close during the run: its deliveries are lost (e.g. 4008 too slow)."""
        if not self.finished:
            self.closes[str(code or "lost")] += 1


# --- bodies ---------------------------------------------------------------------------------


def letters(number: int) -> str:
    """A non-negative integer in base 26, written with lowercase letters."""
    out = []
    while True:
        number, digit = divmod(number, 26)
        out.append(LETTERS[digit])
        if number == 0:
            return "".join(reversed(out))


def from_letters(text: str) -> int:
    """The inverse of ``letters``."""
    value = 0
    for char in text:
        value = value * 26 + (ord(char) - 97)
    return value


def make_body(index: int, sent_ns: int) -> str:
    """A contribution body carrying its index and send time."""
    return f"meting {letters(index)} {letters(sent_ns)}"


def parse_body(stats: Stats, body: object) -> tuple[int, int] | None:
    """(index, send time) of a benchmark body; every subscriber sees the same body: cache it."""
    if not isinstance(body, str):
        return None
    if body not in stats.parsed:
        parts = body.split(" ")
        ok = len(parts) == 3 and parts[0] == "meting"
        stats.parsed[body] = (from_letters(parts[1]), from_letters(parts[2])) if ok else None
    return stats.parsed[body]


# --- one subscriber -------------------------------------------------------------------------


class Subscriber:
    """Records deliveries of one connection; answers the subscribe handshake."""

    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self.seen = bytearray(stats.planned)
        self.answer: asyncio.Future[Subscribed | Error] | None = None
        self.abort: Callable[[], None] = lambda: None

    def on_frame(self, frame: bytes | str) -> None:
        """Every frame from the server, in order."""
        now = time.time_ns()
        for message in decode_frame(frame):
            if type(message) is Event:
                if message.event == "contribution.created":
                    self._record(parse_body(self.stats, message.data.get("body")), now)
            elif isinstance(message, Subscribed | Error) and self.answer and not self.answer.done():
                self.answer.set_result(message)

    def _record(self, parsed: tuple[int, int] | None, now: int) -> None:
        stats, seen = self.stats, self.seen
        if parsed is None or not 0 <= parsed[0] < len(seen):
            return
        index, sent_ns = parsed
        if seen[index]:
            stats.duplicates += 1
            return
        seen[index] = 1
        stats.deliveries += 1
        stats.latencies_ns.append(now - sent_ns)
        stats.last_receive_ns = now
        if 0 <= stats.expected <= stats.deliveries:
            stats.complete.set()

    async def subscribe(self, send: Callable[[bytes], object], channel: str) -> None:
        """Subscribe; a rate_limited answer is retried after a second, other errors raise."""
        for attempt in range(SUBSCRIBE_RETRIES):
            self.answer = asyncio.get_running_loop().create_future()
            result = send(encode(Subscribe(channel=channel), binary=True))
            if asyncio.iscoroutine(result):
                await result
            async with asyncio.timeout(60):
                answer = await self.answer
            if isinstance(answer, Subscribed):
                return
            if answer.code != "rate_limited" or attempt == SUBSCRIBE_RETRIES - 1:
                raise DialoogError(answer.code, answer.message)
            await asyncio.sleep(1.0)


async def open_lean(url: str, token: str, channel: str, stats: Stats) -> Subscriber:
    """A subscriber over bench/leanws.py."""
    subscriber = Subscriber(stats)
    headers = {"Authorization": f"Bearer {token}"}
    client: LeanClient = await connect_lean(
        url, headers, SUBPROTOCOL_MSGPACK, subscriber.on_frame, timeout=60
    )
    subscriber.abort = client.abort
    client.closed.add_done_callback(lambda done: stats.closed(done.result()))
    try:
        await subscriber.subscribe(client.send, channel)
    except BaseException:
        client.abort()
        raise
    return subscriber


async def open_websockets(url: str, token: str, channel: str, stats: Stats) -> Subscriber:
    """A subscriber over the ``websockets`` client (compression off, no keepalive pings)."""
    subscriber = Subscriber(stats)
    ws = await connect(
        url,
        subprotocols=[SUBPROTOCOL_MSGPACK],  # type: ignore[list-item]
        additional_headers={"Authorization": f"Bearer {token}"},
        compression=None,
        proxy=None,
        open_timeout=60,
        ping_interval=None,
        max_size=16 * 1024 * 1024,
    )
    subscriber.abort = ws.transport.abort
    reader = asyncio.create_task(_read(ws, subscriber))
    subscriber.reader = reader  # type: ignore[attr-defined]  # keeps the task referenced
    try:
        await subscriber.subscribe(ws.send, channel)
    except BaseException:
        ws.transport.abort()
        raise
    return subscriber


async def _read(ws: ClientConnection, subscriber: Subscriber) -> None:
    try:
        async for frame in ws:
            subscriber.on_frame(frame)
    except ConnectionClosed as exc:
        subscriber.stats.closed(exc.rcvd.code if exc.rcvd else None)


# --- all of them ----------------------------------------------------------------------------


async def open_all(
    url: str, channel: str, tokens: list[str], count: int, stats: Stats, *, lean: bool, at_once: int
) -> tuple[list[Subscriber], Counter[str]]:
    """Open and subscribe ``count`` subscribers, at most ``at_once`` handshakes at a time."""
    gate = asyncio.Semaphore(at_once)
    opener = open_lean if lean else open_websockets

    async def one(i: int) -> Subscriber:
        async with gate:
            return await opener(url, tokens[i % len(tokens)], channel, stats)

    results = await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)
    errors = [f"{type(r).__name__}: {r}"[:120] for r in results if isinstance(r, BaseException)]
    return [r for r in results if isinstance(r, Subscriber)], Counter(errors)


def close_all(stats: Stats, subscribers: list[Subscriber]) -> None:
    """Drop every connection: a benchmark has no need for 2,000 polite close handshakes."""
    stats.finished = True
    for subscriber in subscribers:
        subscriber.abort()
