"""The browser client: static files from client/web, served as they are (no build step).

There is no build step, so file names carry no content hash: every file is served with
``Cache-Control: no-cache`` (the browser revalidates with the ETag and gets a cheap 304),
so a deployment is picked up at the next page load. The page gets a strict Content
Security Policy: scripts and styles only from this origin, no inline code, no framing.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

import client

WEB_ROOT = Path(client.__file__).resolve().parent / "web"
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

_COMMON_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def content_security_policy(host: str) -> str:
    """The page's CSP; the WebSocket origin is named too (older browsers' 'self' lacks ws:)."""
    sockets = f" ws://{host} wss://{host}" if _HOST.match(host) else ""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self'{sockets}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        )
    )


async def index(request: Request) -> Response:
    """GET /: the single page of the browser client."""
    host = request.headers.get("host", "").strip()
    headers = {**_COMMON_HEADERS, "Content-Security-Policy": content_security_policy(host)}
    return FileResponse(WEB_ROOT / "index.html", headers=headers)


class ClientFiles(StaticFiles):
    """Static files that are revalidated on every load (no build step, no hashed names)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(_COMMON_HEADERS)
        if path.endswith(".js"):
            response.headers["Content-Type"] = "text/javascript; charset=utf-8"
        return response


routes = [
    Route("/", index, methods=["GET"]),
    Mount("/static", app=ClientFiles(directory=WEB_ROOT, check_dir=False), name="static"),
]
