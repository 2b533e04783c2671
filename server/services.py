"""The long-lived parts of one server process, built by the app factory's lifespan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from realtime.broker import Broker
from realtime.hub import Hub
from server.metrics import Metrics
from server.security import Signer
from server.settings import Settings
from storage.database import Database

if TYPE_CHECKING:
    from server.coalesce import Coalescer
    from server.invitations.outbox import MailSender
    from server.moderation.auto import Finding
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
    coalescer: Coalescer[tuple[int, str]]
    polls: Coalescer[tuple[int, str]]
    screen: Callable[[str], list[Finding]]
    """Screens a text for personal data, self-identification and abuse (pure, fast)."""
    ballots: Coalescer[tuple[int, str]] | None = None
    """Coalesces `ballot.counts` per (ballot id, dialogue channel); None where nobody votes."""
    connections: set[Connection] = field(default_factory=set)
    mail: MailSender | None = None
    """Delivers queued mail; None where nothing sends (e.g. a command that only migrates)."""
    representation: Coalescer[int] | None = None
    """Coalesces `representation.changed` per dialogue id; None where nobody listens."""

    def representation_changed(self, dialogue_id: int | None) -> None:
        """Note a join, write or reaction: the monitor signals facilitators (coalesced)."""
        if self.representation is not None and dialogue_id is not None:
            self.representation.touch(dialogue_id)
