"""The reference peer of the fan-out benchmark: a bare ``websockets`` server using ``broadcast()``.

It speaks just enough of the v1 contract for the load generator (subscribe,
contribute, ack, event, ping) and nothing else: no authentication, no database,
no broker. Each contribution becomes one ``contribution.created`` event, encoded
once per codec and handed to every subscriber with ``broadcast()``, which never
waits for a slow client. What our server costs on top of this is the price of
its features (auth, persistence, seq, outboxes, the broker).

Run: ``python bench/raw_broadcast.py --port 8765``; GET /healthz answers 200.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections import defaultdict
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
        self.seqs[channel] += 1
        self.next_id += 1
        now = datetime.now(UTC).isoformat()
        data = {
            "id": self.next_id,
            "theme": message.theme,
            "kind": message.kind,
            "body": message.body,
            "parent": message.parent,
            "created_at": now,
        }
        event = Event(channel, self.seqs[channel], "contribution.created", data, now)
        if self.binary[channel]:
            broadcast(self.binary[channel], encode(event, binary=True))
        if self.text[channel]:
            broadcast(self.text[channel], encode(event, binary=False).decode())
        return Ack(ref=message.ref, id=self.next_id, channel=channel, seq=self.seqs[channel])

    def _group(self, ws: ServerConnection) -> dict[str, set[ServerConnection]]:
        return self.binary if ws.subprotocol == SUBPROTOCOL_MSGPACK else self.text


def health(connection: ServerConnection, request: Request) -> Response | None:
    """GET /healthz answers 200, like our server, so the orchestrator waits the same way."""
    if request.path == "/healthz":
        return connection.respond(HTTPStatus.OK, '{"status": "ok"}\n')
    return None


def answer(hub: RawHub, ws: ServerConnection, message: ClientMessage) -> ServerMessage | None:
    """The reply to one client message (None for unsubscribe)."""
    match message:
        case Subscribe(channel=channel):
            return hub.subscribe(ws, channel)
        case Unsubscribe(channel=channel):
            hub.unsubscribe(ws, channel)
            return None
        case Contribute():
            return hub.contribute(message)
        case React(ref=ref) | Flag(ref=ref):
            return Ack(ref=ref)
        case Ping():
            return Pong()
    return None


async def serve_forever(host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    hub = RawHub()

    async def handler(ws: ServerConnection) -> None:
        binary = ws.subprotocol == SUBPROTOCOL_MSGPACK
        try:
            async for frame in ws:
                try:
                    messages = decode_client_frame(frame, isinstance(frame, bytes))
                except ProtocolError as exc:
                    await ws.send(encode(Error(code=exc.code, message=str(exc)), binary))
                    continue
                for message in messages:
                    reply = answer(hub, ws, message)
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
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    try:
        import uvloop  # same event loop as uvicorn picks for our server, for a fair comparison
    except ImportError:
        asyncio.run(serve_forever(args.host, args.port))
    else:
        uvloop.run(serve_forever(args.host, args.port))


if __name__ == "__main__":
    main()
