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

from raw_broadcast import RawHub, run
from websockets.asyncio.server import ServerConnection

from realtime.protocol import (
    Ack,
    ClientMessage,
    Contribute,
    Ping,
    Pong,
    ServerMessage,
    Subscribe,
    Subscribed,
    Unsubscribe,
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

    def answer(
        self, ws: ServerConnection, who: str, message: ClientMessage
    ) -> ServerMessage | None:
        """As RawHub, except that anything else with a ref is acked (and without one, ponged)."""
        match message:
            case Subscribe() | Unsubscribe() | Contribute() | Ping():
                return super().answer(ws, who, message)
        ref = getattr(message, "ref", None)
        return Ack(ref=ref) if ref else Pong()

    def after_reply(self, message: ClientMessage, reply: ServerMessage | None) -> None:
        """A round's contribution is published once its ack is sent, like our server does."""
        if (
            isinstance(message, Contribute)
            and message.round is not None
            and isinstance(reply, Ack)
            and reply.id is not None
        ):
            self.board(message, reply.id)

    def board(self, message: Contribute, contribution: int) -> None:
        """One ``workshop.contribution`` event, encoded once per codec, to every subscriber."""
        if not self.workshop_channel:
            return
        data: dict[str, object] = {
            "round": message.round,
            "id": contribution,
            "kind": message.kind,
            "body": message.body,
        }
        self.publish(self.workshop_channel, BOARD_EVENT, data)


if __name__ == "__main__":
    run(BoardHub, 8767, __doc__.splitlines()[0])
