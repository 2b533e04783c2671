"""One connection's cursor on one channel: gap-free, duplicate-free delivery across a replay.

The connection subscribes at the hub first, then replays from storage. Live
events that arrive during the replay are held here and released afterwards,
minus those the replay already carried.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar


class Sequenced(Protocol):
    """What a cursor needs to know of a delivery."""

    @property
    def seq(self) -> int: ...

    @property
    def is_event(self) -> bool: ...


D = TypeVar("D", bound=Sequenced)


class ChannelCursor(Generic[D]):
    """Tracks the last seq sent on a channel and holds live events during a replay."""

    __slots__ = ("_held", "channel", "last_sent")

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.last_sent = 0
        self._held: list[D] | None = []

    @property
    def replaying(self) -> bool:
        """True until ``finish_replay`` is called."""
        return self._held is not None

    def offer(self, delivery: D) -> bool:
        """True when the delivery must go to the client now."""
        if self._held is not None:
            self._held.append(delivery)
            return False
        if not delivery.is_event:
            return True
        if delivery.seq <= self.last_sent:
            return False
        self.last_sent = delivery.seq
        return True

    def finish_replay(self, last_replayed: int) -> list[D]:
        """End the replay at seq last_replayed; returns the held deliveries still due, in order."""
        held, self._held = self._held or [], None
        self.last_sent = last_replayed
        due: list[D] = []
        for delivery in held:
            if not delivery.is_event:
                continue
            if delivery.seq > self.last_sent:
                self.last_sent = delivery.seq
                due.append(delivery)
        return due
