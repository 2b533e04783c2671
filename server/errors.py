"""Errors as the contract shapes them: {"error": {"code", "message"}}, never a stack trace."""

from __future__ import annotations

from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = structlog.get_logger(__name__)

_STATUS_CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
}


class ApiError(Exception):
    """A domain rejection with its HTTP status, contract code and Dutch message."""

    def __init__(
        self, status: int, code: str, message: str, detail: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail


def error_response(
    status: int, code: str, message: str, detail: dict[str, Any] | None = None
) -> JSONResponse:
    """The contract's error body (with `detail` when there is more to say)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if detail:
        error["detail"] = detail
    return JSONResponse({"error": error}, status_code=status)


async def api_error_handler(_request: Request, exc: Exception) -> Response:
    """Render an ApiError."""
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.detail)


async def http_error_handler(_request: Request, exc: Exception) -> Response:
    """Render Starlette's own HTTP errors (404 route, 405 method) in the contract's shape."""
    assert isinstance(exc, HTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    message = {404: "Niet gevonden.", 405: "Methode niet toegestaan."}.get(
        exc.status_code, str(exc.detail)
    )
    return error_response(exc.status_code, code, message)


async def internal_error_handler(request: Request, exc: Exception) -> Response:
    """Our own bug: log it once, answer `internal` without details."""
    log.error("internal_error", path=request.url.path, error=repr(exc), exc_info=exc)
    return error_response(500, "internal", "Er ging iets mis aan onze kant.")
