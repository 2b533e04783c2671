"""The moderation benchmark's reference peer: a bare ``websockets`` relay using ``broadcast()``.

It extends bench/raw_broadcast.py's hub with what bench/moderation_latency.py
sends: a ``contribute`` becomes a ``contribution.created`` broadcast to its theme
group (as there), a ``react`` updates counts that are broadcast as
``reaction.counts`` at most every 250 ms per contribution (as our server
coalesces them), and a ``flag`` becomes one ``flag.created`` event broadcast to
every connection subscribed to ``moderation:{slug}``; only after that broadcast
does the flagger get its ``ack``. No authentication, no database, no broker, no
seq storage: the floor of what Python can do for the same traffic.

Run: ``python bench/raw_relay.py --port 8766``; GET /healthz answers 200.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections import Counter
from datetime import UTC, datetime

from raw_broadcast import RawHub, health
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from realtime.protocol import (
    MAX_FRAME_BYTES,
    SUBPROTOCOL_MSGPACK,
    SUBPROTOCOLS,
    Ack,
    ClientMessage,
    Contribute,
    Error,
    Event,
    Flag,
    Ping,
    Pong,
    ProtocolError,
    React,
    ServerMessage,
    Subscribe,
    Subscribed,
    Unsubscribe,
    decode_client_frame,
    encode,
)

COALESCE_SECONDS = 0.25
"""reaction.counts at most this often per contribution, like our server."""
MODERATION_PREFIX = "moderation:"


class RelayHub(RawHub):
    """RawHub plus reactions (coalesced counts) and flags (relayed to the moderation group)."""

    def __init__(self) -> None:
        super().__init__()
        self.contributions: dict[int, tuple[int, str]] = {}
        """Contribution id -> (theme, body): a flag event shows the body."""
        self.reactions: dict[int, dict[str, str]] = {}
        """Contribution id -> {reactor: reaction}: one reaction per reactor, a new one replaces."""
        self.flaggers: dict[int, set[str]] = {}
        self.pending_counts: set[int] = set()
        self.next_flag = 0
        self.moderation_channel = ""
        """The last moderation channel subscribed to (the benchmark uses one dialogue)."""

    def subscribe(self, ws: ServerConnection, channel: str) -> Subscribed:
        """As RawHub; remember the moderation channel flags go to."""
        if channel.startswith(MODERATION_PREFIX):
            self.moderation_channel = channel
        return super().subscribe(ws, channel)

    def contribute(self, message: Contribute) -> Ack:
        """As RawHub, keeping the body for flag events."""
        ack = super().contribute(message)
        self.contributions[self.next_id] = (message.theme, message.body)
        return ack

    def react(self, reactor: str, message: React) -> Ack | Error:
        """Store the reaction; its counts go out within 250 ms, coalesced."""
        if message.contribution not in self.contributions:
            return Error(code="not_found", message="no such contribution", ref=message.ref)
        self.reactions.setdefault(message.contribution, {})[reactor] = message.reaction
        if message.contribution not in self.pending_counts:
            self.pending_counts.add(message.contribution)
            loop = asyncio.get_running_loop()
            loop.call_later(COALESCE_SECONDS, self._flush_counts, message.contribution)
        return Ack(ref=message.ref, id=message.contribution)

    def _flush_counts(self, contribution: int) -> None:
        self.pending_counts.discard(contribution)
        theme, _ = self.contributions[contribution]
        counts = Counter(self.reactions.get(contribution, {}).values())
        data: dict[str, object] = {
            "contribution": contribution,
            "agree": counts["agree"],
            "disagree": counts["disagree"],
            "pass": counts["pass"],
        }
        self._broadcast(f"theme:{theme}", "reaction.counts", data)

    def flag(self, flagger: str, message: Flag) -> Ack | Error:
        """Broadcast a flag.created to the moderation group, then (the caller) acks."""
        found = self.contributions.get(message.contribution)
        if found is None:
            return Error(code="not_found", message="no such contribution", ref=message.ref)
        theme, body = found
        flaggers = self.flaggers.setdefault(message.contribution, set())
        flaggers.add(flagger)
        self.next_flag += 1
        data = {
            "flag": self.next_flag,
            "contribution": {"id": message.contribution, "body": body},
            "theme": theme,
            "reason": message.reason,
            "source": "participant",
            "detail": message.note,
            "flags": len(flaggers),
        }
        self._broadcast(self.moderation_channel, "flag.created", data)
        return Ack(ref=message.ref, id=message.contribution)

    def _broadcast(self, channel: str, name: str, data: dict[str, object]) -> None:
        """One event, encoded once per codec, to every subscriber of the channel."""
        self.seqs[channel] += 1
        event = Event(channel, self.seqs[channel], name, data, datetime.now(UTC).isoformat())
        if self.binary[channel]:
            broadcast(self.binary[channel], encode(event, binary=True))
        if self.text[channel]:
            broadcast(self.text[channel], encode(event, binary=False).decode())


def answer(
    hub: RelayHub, ws: ServerConnection, who: str, message: ClientMessage
) -> ServerMessage | None:
    """The reply to one client message (None for unsubscribe)."""
    match message:
        case Subscribe(channel=channel):
            return hub.subscribe(ws, channel)
        case Unsubscribe(channel=channel):
            hub.unsubscribe(ws, channel)
            return None
        case Contribute():
            return hub.contribute(message)
        case React():
            return hub.react(who, message)
        case Flag():
            return hub.flag(who, message)
        case Ping():
            return Pong()
    return None


async def serve_forever(host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    hub = RelayHub()

    async def handler(ws: ServerConnection) -> None:
        binary = ws.subprotocol == SUBPROTOCOL_MSGPACK
        who = (ws.request.headers.get("Authorization") if ws.request else None) or str(ws.id)
        try:
            async for frame in ws:
                try:
                    messages = decode_client_frame(frame, isinstance(frame, bytes))
                except ProtocolError as exc:
                    await ws.send(encode(Error(code=exc.code, message=str(exc)), binary))
                    continue
                for message in messages:
                    reply = answer(hub, ws, who, message)
                    if reply is not None:
                        data = encode(reply, binary)
                        await ws.send(data if binary else data.decode())
        except ConnectionClosed:
            pass
        finally:
            hub.unsubscribe(ws)

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.cancel)
    async with serve(
        handler,
        host,
        port,
        subprotocols=list(SUBPROTOCOLS),  # type: ignore[arg-type]
        process_request=health,
        compression=None,
        max_size=MAX_FRAME_BYTES,
        ping_interval=None,
        backlog=4096,
    ):
        print(json.dumps({"ready": True, "port": port}), flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await stop


def main() -> None:
    """Command line: --host, --port."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    try:
        import uvloop  # the event loop uvicorn picks for our server, for a fair comparison
    except ImportError:
        asyncio.run(serve_forever(args.host, args.port))
    else:
        uvloop.run(serve_forever(args.host, args.port))


if __name__ == "__main__":
    main()
