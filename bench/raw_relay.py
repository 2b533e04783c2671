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

import asyncio
from collections import Counter

from raw_broadcast import RawHub, run
from websockets.asyncio.server import ServerConnection

from realtime.protocol import (
    Ack,
    ClientMessage,
    Contribute,
    Error,
    Flag,
    React,
    ServerMessage,
    Subscribed,
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
        self.publish(f"theme:{theme}", "reaction.counts", data)

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
        self.publish(self.moderation_channel, "flag.created", data)
        return Ack(ref=message.ref, id=message.contribution)

    def answer(
        self, ws: ServerConnection, who: str, message: ClientMessage
    ) -> ServerMessage | None:
        """As RawHub, but reactions and flags are kept and relayed, keyed by ``who``."""
        match message:
            case React():
                return self.react(who, message)
            case Flag():
                return self.flag(who, message)
        return super().answer(ws, who, message)


if __name__ == "__main__":
    run(RelayHub, 8766, __doc__.splitlines()[0])
