"""The browser client: static files from client/web, served as they are (no build step)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import client

WEB_ROOT = Path(client.__file__).resolve().parent / "web"


async def index(_request: Request) -> Response:
    """GET /: the single page of the browser client."""
    return FileResponse(WEB_ROOT / "index.html", headers={"Cache-Control": "no-cache"})


routes = [
    Route("/", index, methods=["GET"]),
    Mount("/static", app=StaticFiles(directory=WEB_ROOT, check_dir=False), name="static"),
]
