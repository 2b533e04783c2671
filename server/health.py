"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.services import Services


async def healthz(_request: Request) -> JSONResponse:
    """GET /healthz: 200 while the process lives."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """GET /readyz: 200 when the database and the broker answer, else 503 naming the failure."""
    svc: Services = request.app.state.services
    checks = {"database": await svc.db.ping(), "broker": await svc.broker.ping()}
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        return JSONResponse({"status": "unavailable", "failed": failed}, status_code=503)
    return JSONResponse({"status": "ok"})


async def metrics(request: Request) -> Response:
    """GET /metrics: Prometheus text of this process."""
    svc: Services = request.app.state.services
    return Response(generate_latest(svc.metrics.registry), media_type=CONTENT_TYPE_LATEST)


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
