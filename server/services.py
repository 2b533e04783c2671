"""The long-lived parts of one server process, built by the app factory's lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from realtime.broker import Broker
from realtime.hub import Hub
from realtime.session import SlidingWindowLimiter
from server.metrics import Metrics
from server.security import Signer
from server.settings import Settings
from storage.database import Database

if TYPE_CHECKING:
    from server.reaction_counts import ReactionCoalescer
    from server.ws import Connection


@dataclass
class Services:
    """Everything a request or a connection needs, in one place."""

    settings: Settings
    db: Database
    broker: Broker
    hub: Hub
    signer: Signer
    metrics: Metrics
    coalescer: ReactionCoalescer
    connections: set[Connection] = field(default_factory=set)
    limiters: dict[str, SlidingWindowLimiter] = field(default_factory=dict)

    def limiter_for(self, key: str) -> SlidingWindowLimiter:
        """One rate limiter per principal, shared by all its connections in this process."""
        limiter = self.limiters.get(key)
        if limiter is None:
            limiter = SlidingWindowLimiter(self.settings.rate_limit_messages_per_second)
            self.limiters[key] = limiter
        return limiter
