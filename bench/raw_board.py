"""The workshop benchmark's reference peer: a bare ``websockets`` board using ``broadcast()``.

It speaks what bench/workshop_load.py sends: ``subscribe`` to a workshop channel,
and ``contribute`` with a ``round``. A contribution is numbered (as in
bench/raw_broadcast.py, whose hub this extends), its writer gets the ``ack``, and
only then is one ``workshop.contribution`` event (``{"round", "id", "kind",
"body"}``, the data our server sends) encoded once per codec and handed to every
subscriber of the workshop channel with ``broadcast()``: the same order as our
server, which commits, acks, then publishes. No authentication, no database, no
seq storage, no broker, no round clock: the floor of what Python can do for the
same traffic. The benchmark runs one workshop, so a round's board is the workshop
channel subscribed to (the last one, if there were more).

Run: ``python bench/raw_board.py --port 8767``; GET /healthz answers 200.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from datetime import UTC, datetime

from raw_broadcast import RawHub, health
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from realtime.protocol import (
    MAX_FRAME_BYTES,
    SUBPROTOCOL_MSGPACK,
    SUBPROTOCOLS,
    Ack,
    Contribute,
    Error,
    Event,
    Ping,
    Pong,
    ProtocolError,
    ServerMessage,
    Subscribe,
    Subscribed,
    Unsubscribe,
    decode_client_frame,
    encode,
)

WORKSHOP_PREFIX = "workshop:"
BOARD_EVENT = "workshop.contribution"


class BoardHub(RawHub):
    """RawHub plus the board: a round's contribution goes to the workshop channel after its ack."""

    def __init__(self) -> None:
        super().__init__()
        self.workshop_channel = ""

    def subscribe(self, ws: ServerConnection, channel: str) -> Subscribed:
        """As RawHub; remember the workshop channel a round's contributions go to."""
        if channel.startswith(WORKSHOP_PREFIX):
            self.workshop_channel = channel
        return super().subscribe(ws, channel)

    def board(self, message: Contribute, contribution: int) -> None:
        """One ``workshop.contribution`` event, encoded once per codec, to every subscriber."""
        channel = self.workshop_channel
        if not channel:
            return
        self.seqs[channel] += 1
        data: dict[str, object] = {
            "round": message.round,
            "id": contribution,
            "kind": message.kind,
            "body": message.body,
        }
        event = Event(channel, self.seqs[channel], BOARD_EVENT, data, datetime.now(UTC).isoformat())
        if self.binary[channel]:
            broadcast(self.binary[channel], encode(event, binary=True))
        if self.text[channel]:
            broadcast(self.text[channel], encode(event, binary=False).decode())


async def serve_forever(host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    hub = BoardHub()

    async def reply(ws: ServerConnection, message: ServerMessage, binary: bool) -> None:
        data = encode(message, binary)
        await ws.send(data if binary else data.decode())

    async def handler(ws: ServerConnection) -> None:
        binary = ws.subprotocol == SUBPROTOCOL_MSGPACK
        try:
            async for frame in ws:
                try:
                    messages = decode_client_frame(frame, isinstance(frame, bytes))
                except ProtocolError as exc:
                    await reply(ws, Error(code=exc.code, message=str(exc)), binary)
                    continue
                for message in messages:
                    match message:
                        case Subscribe(channel=channel):
                            await reply(ws, hub.subscribe(ws, channel), binary)
                        case Unsubscribe(channel=channel):
                            hub.unsubscribe(ws, channel)
                        case Contribute():
                            ack: Ack = hub.contribute(message)
                            await reply(ws, ack, binary)  # ack, then publish, like our server
                            if message.round is not None and ack.id is not None:
                                hub.board(message, ack.id)
                        case Ping():
                            await reply(ws, Pong(), binary)
                        case _:
                            ref = getattr(message, "ref", None)
                            await reply(ws, Ack(ref=ref) if ref else Pong(), binary)
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
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    try:
        import uvloop  # the event loop uvicorn picks for our server, for a fair comparison
    except ImportError:
        asyncio.run(serve_forever(args.host, args.port))
    else:
        uvloop.run(serve_forever(args.host, args.port))


if __name__ == "__main__":
    main()
