"""The reference peer of the fan-out benchmark: a bare ``websockets`` server using ``broadcast()``.

It speaks just enough of the v1 contract for the load generator (subscribe,
contribute, ack, event, ping) and nothing else: no authentication, no database,
no broker. Each contribution becomes one ``contribution.created`` event, encoded
once per codec and handed to every subscriber with ``broadcast()``, which never
waits for a slow client. What our server costs on top of this is the price of
its features (auth, persistence, seq, outboxes, the broker).

The other reference peers (bench/raw_relay.py, bench/raw_board.py) extend this
hub and serve through ``run`` here, so all three handle frames the same way.

Run: ``python bench/raw_broadcast.py --port 8765``; GET /healthz answers 200.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

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


class RawHub:
    """Channels to subscribers (split by codec, so each event is encoded once per codec)."""

    def __init__(self) -> None:
        self.binary: dict[str, set[ServerConnection]] = defaultdict(set)
        self.text: dict[str, set[ServerConnection]] = defaultdict(set)
        self.seqs: dict[str, int] = defaultdict(int)
        self.next_id = 0

    def subscribe(self, ws: ServerConnection, channel: str) -> Subscribed:
        """Add a live subscriber (no replay: the reference keeps no history)."""
        self._group(ws)[channel].add(ws)
        return Subscribed(channel=channel, seq=self.seqs[channel], replayed=0)

    def unsubscribe(self, ws: ServerConnection, channel: str | None = None) -> None:
        """Remove a subscriber from one channel, or from all when channel is None."""
        group = self._group(ws)
        for name in [channel] if channel else list(group):
            group[name].discard(ws)

    def contribute(self, message: Contribute) -> Ack:
        """Number the contribution, broadcast its event, return the ack."""
        channel = f"theme:{message.theme}"
        self.next_id += 1
        now = datetime.now(UTC).isoformat()
        data: dict[str, object] = {
            "id": self.next_id,
            "theme": message.theme,
            "kind": message.kind,
            "body": message.body,
            "parent": message.parent,
            "created_at": now,
        }
        self.publish(channel, "contribution.created", data, now)
        return Ack(ref=message.ref, id=self.next_id, channel=channel, seq=self.seqs[channel])

    def publish(self, channel: str, name: str, data: dict[str, object], now: str = "") -> None:
        """One event, numbered, encoded once per codec, to every subscriber of the channel."""
        self.seqs[channel] += 1
        event = Event(channel, self.seqs[channel], name, data, now or datetime.now(UTC).isoformat())
        if self.binary[channel]:
            broadcast(self.binary[channel], encode(event, binary=True))
        if self.text[channel]:
            broadcast(self.text[channel], encode(event, binary=False).decode())

    def answer(
        self, ws: ServerConnection, who: str, message: ClientMessage
    ) -> ServerMessage | None:
        """The reply to one client message (None for unsubscribe); ``who`` tells clients apart."""
        match message:
            case Subscribe(channel=channel):
                return self.subscribe(ws, channel)
            case Unsubscribe(channel=channel):
                self.unsubscribe(ws, channel)
                return None
            case Contribute():
                return self.contribute(message)
            case React(ref=ref) | Flag(ref=ref):
                return Ack(ref=ref)
            case Ping():
                return Pong()
        return None

    def after_reply(self, message: ClientMessage, reply: ServerMessage | None) -> None:
        """What a hub does once the reply is sent (a board publishes after the ack)."""

    def _group(self, ws: ServerConnection) -> dict[str, set[ServerConnection]]:
        return self.binary if ws.subprotocol == SUBPROTOCOL_MSGPACK else self.text


def health(connection: ServerConnection, request: Request) -> Response | None:
    """GET /healthz answers 200, like our server, so the orchestrator waits the same way."""
    if request.path == "/healthz":
        return connection.respond(HTTPStatus.OK, '{"status": "ok"}\n')
    return None


async def serve_forever(hub: RawHub, host: str, port: int) -> None:
    """Serve the hub until SIGTERM or SIGINT."""

    async def send(ws: ServerConnection, message: ServerMessage, binary: bool) -> None:
        data = encode(message, binary)
        await ws.send(data if binary else data.decode())

    async def handler(ws: ServerConnection) -> None:
        binary = ws.subprotocol == SUBPROTOCOL_MSGPACK
        who = (ws.request.headers.get("Authorization") if ws.request else None) or str(ws.id)
        try:
            async for frame in ws:
                try:
                    messages = decode_client_frame(frame, isinstance(frame, bytes))
                except ProtocolError as exc:
                    await send(ws, Error(code=exc.code, message=str(exc)), binary)
                    continue
                for message in messages:
                    reply = hub.answer(ws, who, message)
                    if reply is not None:
                        await send(ws, reply, binary)
                    hub.after_reply(message, reply)
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


def run(make_hub: Callable[[], RawHub], default_port: int, description: str) -> None:
    """Command line (--host, --port) of a reference peer, then serve its hub."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args()
    try:
        import uvloop  # same event loop as uvicorn picks for our server, for a fair comparison
    except ImportError:
        asyncio.run(serve_forever(make_hub(), args.host, args.port))
    else:
        uvloop.run(serve_forever(make_hub(), args.host, args.port))


if __name__ == "__main__":
    run(RawHub, 8765, __doc__.splitlines()[0])
