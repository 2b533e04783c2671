"""The long-lived parts of one server process, built by the app factory's lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from realtime.broker import Broker
from realtime.hub import Hub
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
