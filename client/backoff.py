"""Jittered exponential backoff, so that many clients losing one server don't return in step."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays ``initial * factor**n`` capped at ``maximum``, each shortened by up to ``jitter``.

    The jitter spreads reconnects of many clients over time (no thundering herd); keeping
    at least half of each delay avoids hammering a server that is down.
    """

    initial: float = 0.25
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random, repr=False)
    _attempt: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if not (0 < self.initial <= self.maximum and self.factor >= 1 and 0 <= self.jitter <= 1):
            raise ValueError("need 0 < initial <= maximum, factor >= 1, 0 <= jitter <= 1")

    def ceiling(self) -> float:
        """The un-jittered delay of the next attempt."""
        return min(self.maximum, self.initial * self.factor**self._attempt)

    def next_delay(self) -> float:
        """The delay before the next attempt; grows until it reaches ``maximum``."""
        ceiling = self.ceiling()
        if ceiling < self.maximum:
            self._attempt += 1
        return ceiling * (1.0 - self.jitter * self.rng.random())

    def reset(self) -> None:
        """Start again from ``initial`` (after a connection proved stable)."""
        self._attempt = 0
