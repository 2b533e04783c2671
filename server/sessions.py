"""Session tokens: answered as JSON and set as an HttpOnly, SameSite=Lax cookie."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.auth import COOKIE_NAME
from server.services import Services


def session_answer(role: str, dialogue: str | None, token: str) -> dict[str, str | None]:
    """The contract's answer to a login or join."""
    return {"token": token, "role": role, "dialogue": dialogue}


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Set the session cookie (Secure when served over HTTPS)."""
    svc: Services = request.app.state.services
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=svc.settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def base_url(request: Request) -> str:
    """The base of links we print: the configured public URL, else this request's."""
    svc: Services = request.app.state.services
    return (svc.settings.public_url or str(request.base_url)).rstrip("/")
