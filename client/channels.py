"""Per-channel resume state, without I/O: which seq was seen, and when to ask again.

The client hands an event to its consumer only when it is the next one of its
channel, so the consumer sees every channel in seq order and never twice. A gap
(a lost event, noticed through a later event or a ``position``) is filled by
subscribing again with ``since`` = the last seq seen; until that ``subscribed``
arrives, events that don't fit are dropped, since the replay brings them again.
"""

from __future__ import annotations

from dataclasses import dataclass

from realtime.protocol import Event, Position, Reset, Subscribe, Subscribed


@dataclass
class _State:
    last: int | None
    """Newest seq handed on (or known to be covered); None: live only, nothing seen yet."""
    resyncing: bool = False
    """A subscribe is in flight; its replay will fill what is missing."""


class Channels:
    """The subscribed channels and their seq bookkeeping."""

    def __init__(self) -> None:
        self._states: dict[str, _State] = {}

    def __contains__(self, channel: object) -> bool:
        return channel in self._states

    def __len__(self) -> int:
        return len(self._states)

    def last_seq(self, channel: str) -> int | None:
        """The newest seq seen on a channel (None when unknown or live-only so far)."""
        state = self._states.get(channel)
        return state.last if state else None

    def add(self, channel: str, since: int | None) -> Subscribe:
        """Track a channel; an explicit ``since`` wins over what was seen before."""
        state = self._states.setdefault(channel, _State(last=since))
        if since is not None:
            state.last = since
        state.resyncing = True
        return Subscribe(channel=channel, since=state.last)

    def remove(self, channel: str) -> None:
        """Forget a channel: its events are dropped from now on."""
        self._states.pop(channel, None)

    def resume(self) -> list[Subscribe]:
        """The subscribes that continue every channel after a reconnect."""
        for state in self._states.values():
            state.resyncing = True
        return [Subscribe(channel=ch, since=st.last) for ch, st in self._states.items()]

    def on_event(self, event: Event) -> tuple[bool, Subscribe | None]:
        """Whether to deliver the event, and a subscribe to send when it revealed a gap."""
        state = self._states.get(event.channel)
        if state is None:
            return False, None
        if state.last is None or event.seq == state.last + 1:
            state.last = event.seq
            return True, None
        if event.seq <= state.last:
            return False, None
        return False, self._resync(event.channel, state)

    def on_subscribed(self, message: Subscribed) -> None:
        """The replay is complete: everything up to the channel's newest seq was sent."""
        state = self._states.get(message.channel)
        if state is None:
            return
        state.last = message.seq if state.last is None else max(state.last, message.seq)
        state.resyncing = False

    def on_position(self, message: Position) -> Subscribe | None:
        """A subscribe when the channel went further than we saw (a lost last event)."""
        state = self._states.get(message.channel)
        if state is None or state.last is None or message.seq <= state.last:
            return None
        return self._resync(message.channel, state)

    def on_reset(self, message: Reset) -> Subscribe | None:
        """Too much was missed: continue from the reset's seq (the consumer reloads over HTTP)."""
        state = self._states.get(message.channel)
        if state is None:
            return None
        state.last = message.seq
        state.resyncing = True
        return Subscribe(channel=message.channel, since=message.seq)

    def _resync(self, channel: str, state: _State) -> Subscribe | None:
        if state.resyncing:
            return None
        state.resyncing = True
        return Subscribe(channel=channel, since=state.last)
