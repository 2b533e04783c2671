"""The workshop's clock as a pure state machine: (state, action, now) → new state.

The deadline is an absolute UTC moment, so every screen shows the same countdown
once it corrects for its own clock offset; a pause keeps the remaining seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

Action = Literal["start", "pause", "resume", "extend", "next", "close"]
MAX_EXTEND_SECONDS = 3600


class ClockError(ValueError):
    """An action that does not fit the workshop's state; the message is Dutch."""


@dataclass(frozen=True, slots=True)
class Clock:
    state: str  # planned | running | paused | closed
    current: int | None  # position of the current round, None before start or after the last
    deadline: datetime | None
    remaining_seconds: float | None


def _round_deadline(now: datetime, durations: list[int], position: int) -> datetime:
    return now + timedelta(seconds=durations[position])


def apply(
    clock: Clock, action: Action, now: datetime, durations: list[int], seconds: int = 0
) -> Clock:
    """The clock after a session lead's action, or ClockError."""
    if clock.state == "closed":
        raise ClockError("Deze werksessie is al afgesloten.")
    match action:
        case "start":
            if clock.state != "planned":
                raise ClockError("Deze werksessie is al begonnen.")
            if not durations:
                raise ClockError("Deze werksessie heeft geen rondes.")
            return Clock("running", 0, _round_deadline(now, durations, 0), None)
        case "pause":
            if clock.state != "running" or clock.deadline is None:
                raise ClockError("Er loopt geen ronde om te pauzeren.")
            left = max(0.0, (clock.deadline - now).total_seconds())
            return Clock("paused", clock.current, None, left)
        case "resume":
            if clock.state != "paused":
                raise ClockError("De werksessie is niet gepauzeerd.")
            left = clock.remaining_seconds or 0.0
            return Clock("running", clock.current, now + timedelta(seconds=left), None)
        case "extend":
            if not 1 <= seconds <= MAX_EXTEND_SECONDS:
                raise ClockError("Verleng met 1 tot 3600 seconden.")
            if clock.state == "paused":
                return replace(clock, remaining_seconds=(clock.remaining_seconds or 0) + seconds)
            if clock.state != "running" or clock.deadline is None:
                raise ClockError("Er loopt geen ronde om te verlengen.")
            base = max(clock.deadline, now)
            return replace(clock, deadline=base + timedelta(seconds=seconds))
        case "next":
            if clock.state not in ("running", "paused"):
                raise ClockError("Start de werksessie eerst.")
            position = (clock.current if clock.current is not None else -1) + 1
            if position >= len(durations):
                return Clock("running", None, None, None)  # agenda done; the lead closes
            return Clock("running", position, _round_deadline(now, durations, position), None)
        case "close":
            return Clock("closed", None, None, None)
    raise ClockError("Onbekende actie.")
