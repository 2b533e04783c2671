"""The app factory and its lifespan: nothing happens at import time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from realtime.broker import create_broker
from realtime.hub import Hub
from server import (
    accounts,
    contributions,
    dialogues,
    health,
    invitations,
    openapi,
    representation,
    web,
    ws,
)
from server.ballots import agenda as ballot_agenda
from server.ballots import results as ballot_results
from server.ballots import routes as ballot_routes
from server.ballots.votes import counts_coalescer
from server.errors import ApiError, api_error_handler, http_error_handler, internal_error_handler
from server.events import DatabaseEventSource
from server.invitations.outbox import MailSender, mailer_from_settings
from server.logging import configure_logging
from server.metrics import Metrics
from server.moderation import actions as moderation_actions
from server.moderation import queue as moderation_queue
from server.reaction_counts import reaction_coalescer
from server.representation.live import representation_coalescer
from server.screening import Finding, default_places, screen
from server.security import Signer
from server.services import Services
from server.settings import Settings, load_settings
from server.stakeholders import routes as stakeholder_routes
from server.step_schedule import run_step_schedule
from server.themes import lifecycle as theme_lifecycle
from server.themes import routes as theme_routes
from server.workshops import routes as workshop_routes
from server.workshops.live import Presence, poll_coalescer
from storage.database import Database


def _watch(svc: Services) -> None:
    def read() -> dict[str, float]:
        stats = svc.hub.stats
        return {
            "outbox_pending": float(sum(c.outbox.pending for c in svc.connections)),
            "hub_channels": float(stats.channels),
            "hub_events_received": float(stats.events_received),
            "hub_deliveries": float(stats.deliveries),
            "hub_gaps_filled": float(stats.gaps_filled),
        }

    svc.metrics.watch(read)


def screener() -> Callable[[str], list[Finding]]:
    """The write path's screening, with the municipality index built once per process."""
    places = default_places()
    return lambda text: list(screen(text, places=places))


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the application; the lifespan opens and closes everything in order."""
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = Database(settings.resolved_database_url(), pool_size=settings.db_pool_size)
        broker = create_broker(settings.redis_url, prefix=settings.redis_prefix)
        hub = Hub(
            broker,
            DatabaseEventSource(db),
            position_interval_seconds=settings.position_interval_seconds,
            catchup_interval_seconds=settings.catchup_interval_seconds,
        )
        await hub.start()
        coalescer = reaction_coalescer(db, hub, settings.reaction_coalesce_seconds)
        polls = poll_coalescer(db, hub, settings.reaction_coalesce_seconds)
        mail = MailSender(db, mailer_from_settings(settings), settings)
        svc = Services(
            settings=settings,
            db=db,
            broker=broker,
            hub=hub,
            signer=Signer(settings.secret, settings.session_max_age_seconds),
            metrics=Metrics(),
            coalescer=coalescer,
            polls=polls,
            screen=screener(),
            mail=mail,
        )
        svc.representation = signal = representation_coalescer(svc)
        svc.ballots = ballots = counts_coalescer(
            db, hub, svc.signer, settings.reaction_coalesce_seconds
        )
        _watch(svc)
        app.state.services = svc
        mail.start()
        loop = asyncio.get_running_loop()
        background = [
            loop.create_task(run_step_schedule(db, hub, settings.step_check_interval_seconds)),
            loop.create_task(Presence(svc, settings.presence_interval_seconds).run()),
        ]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await mail.close()
            await signal.close()
            await ballots.close()
            await polls.close()
            await coalescer.close()
            await hub.close()
            await db.close()

    app = Starlette(
        routes=[
            *health.routes,
            *openapi.routes,
            *accounts.routes,
            *dialogues.routes,
            *theme_lifecycle.routes,
            *theme_routes.routes,
            *stakeholder_routes.routes,
            *invitations.routes,
            *representation.routes,
            *contributions.routes,
            *moderation_actions.routes,
            *moderation_queue.routes,
            *workshop_routes.routes,
            *ballot_routes.routes,
            *ballot_results.routes,
            *ballot_agenda.routes,
            *ws.routes,
            *web.routes,
        ],
        exception_handlers={
            ApiError: api_error_handler,
            HTTPException: http_error_handler,
            Exception: internal_error_handler,
        },
        middleware=[Middleware(ws.RawSend)],
        lifespan=lifespan,
    )
    app.state.openapi = None
    return app
