"""GET /api/ballots/{id}/results, and the live `ballot.counts` a ballot's votes publish.

Who sees what (``results_visible``): facilitators always; participants once step 5 has
closed, or at any time when the ballot does not hide its results until then. Exports
(k = 10) are for facilitators. The live counts are the same overall figures (computed
with every dimension, so their suppression matches the results'), or only the number of
voters while the results are hidden.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import Principal, require
from server.ballots.inputs import load_electorate, load_votes
from server.ballots.service import ballot_in_dialogue, voorkeuren_state
from server.ballots.tallies import Query, compute
from server.ballots.weighted import WEIGHTABLE, weighted_view
from server.clock import utcnow
from server.errors import ApiError
from server.payloads import path_int
from server.security import Signer
from server.services import Services
from server.stakeholders.population import DIMENSIONS, Dimension
from server.suppression import EXPORT_K, SCREEN_K
from server.voting.results import results_visible
from storage import ballots as store
from storage.ballots import Ballot

TRUE = ("1", "true", "ja")
HIDDEN = "De uitslag is zichtbaar zodra de stap Voorkeuren is gesloten."


def parse_query(request: Request, principal: Principal) -> Query:
    """`group` (comma list of office, network, province, size, opinion), `weighted` (1 or a
    dimension: office, province, size) and `export` (facilitators: k = 10)."""
    params = request.query_params
    groups = tuple(g for g in params.get("group", "").split(",") if g)
    unknown = [g for g in groups if g not in (*DIMENSIONS, "opinion")]
    if unknown:
        raise ApiError(400, "invalid", f"Kies groepen uit: {', '.join(DIMENSIONS)}, opinion.")
    weighted = params.get("weighted")
    dimension: Dimension | None = None
    if weighted in TRUE:
        dimension = "office"
    elif weighted in WEIGHTABLE:
        dimension = cast(Dimension, weighted)
    elif weighted not in (None, "", "0", "false"):
        raise ApiError(400, "invalid", f"Weeg naar een van: {', '.join(WEIGHTABLE)}.")
    export = params.get("export") in TRUE
    if export and not principal.can_moderate:
        raise ApiError(403, "forbidden", "Alleen facilitatoren maken een export.")
    return Query(k=EXPORT_K if export else SCREEN_K, groups=groups, weighted=dimension)


async def visible(
    conn: AsyncConnection, ballot: Ballot, principal: Principal, now: datetime
) -> tuple[bool, str]:
    """Whether the principal may see the ballot's results now, and step 5's state."""
    state = await voorkeuren_state(conn, ballot.dialogue_id, now)
    shown = results_visible(
        hidden_until_closed=ballot.hidden_until_closed,
        closed=state == "closed",
        moderator=principal.can_moderate,
    )
    return shown, state


async def results(
    conn: AsyncConnection, signer: Signer, ballot: Ballot, query: Query
) -> dict[str, Any]:
    """Load a ballot's votes and voters, and compute its results off the event loop."""
    votes = await load_votes(conn, ballot)
    electorate = await load_electorate(conn, signer, ballot.dialogue_id, votes.voters())

    def work() -> dict[str, Any]:
        view = compute(votes, electorate, query)
        if query.weighted is not None:
            view["weighted"] = weighted_view(votes, electorate, view, query.weighted, query.k)
        return view

    # Clustering and fitting take CPU time: a thread keeps other connections served.
    return await asyncio.to_thread(work)


async def ballot_results(request: Request) -> JSONResponse:
    """GET /api/ballots/{id}/results?group=office,province&weighted=office&export=1.

    Overall and per group, every count of people suppressed (k = 5; 10 with `export`);
    hidden from participants until step 5 closes when the ballot says so (403 `hidden`).
    """
    principal = await require(request)
    query = parse_query(request, principal)
    svc: Services = request.app.state.services
    now = utcnow()
    async with svc.db.read() as conn:
        ballot, _ = await ballot_in_dialogue(conn, principal, path_int(request, "ballot_id"))
        shown, state = await visible(conn, ballot, principal, now)
        if not shown:
            raise ApiError(403, "hidden", HIDDEN)
        view = await results(conn, svc.signer, ballot, query)
    return JSONResponse({**view, "state": state})


async def live_counts(
    conn: AsyncConnection, signer: Signer, ballot_id: int, now: datetime
) -> dict[str, Any] | None:
    """The data of a `ballot.counts` event: voters, and the overall counts when shown."""
    ballot = await store.get_ballot(conn, ballot_id)
    if ballot is None:
        return None
    state = await voorkeuren_state(conn, ballot.dialogue_id, now)
    shown = results_visible(
        hidden_until_closed=ballot.hidden_until_closed, closed=state == "closed", moderator=False
    )
    votes = await load_votes(conn, ballot)
    electorate = await load_electorate(conn, signer, ballot.dialogue_id, votes.voters())
    view = await asyncio.to_thread(compute, votes, electorate, Query(k=SCREEN_K, opinion=False))
    data: dict[str, Any] = {"ballot": ballot.id, "voters": view["voters"]}
    if shown:
        data["items"] = [{k: v for k, v in row.items() if k != "title"} for row in view["items"]]
    return data


routes = [Route("/api/ballots/{ballot_id}/results", ballot_results, methods=["GET"])]
