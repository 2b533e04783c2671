"""HTTP request bodies: typed msgspec structs, validated strictly, errors in Dutch."""

from __future__ import annotations

from typing import TypeVar

import msgspec
from starlette.requests import Request

from server.errors import ApiError

T = TypeVar("T")

MAX_BODY_BYTES = 1024 * 1024
"""No JSON body the API takes is larger than 1 MiB (a 342-row CSV import is ~30 KiB)."""


async def read_json(request: Request, kind: type[T]) -> T:
    """The request body decoded into kind, or a 400/413 with what is wrong."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", "Het verzoek is te groot.")
    try:
        return msgspec.json.decode(body or b"{}", type=kind)
    except msgspec.ValidationError as exc:
        raise ApiError(400, "invalid", f"Ongeldige invoer: {exc}") from None
    except msgspec.DecodeError:
        raise ApiError(400, "invalid", "De inhoud is geen geldige JSON.") from None


def path_int(request: Request, name: str) -> int:
    """A positive integer path parameter, or a 404."""
    raw = request.path_params.get(name)
    if isinstance(raw, int) and raw > 0:
        return raw
    if isinstance(raw, str) and raw.isdigit() and 0 < int(raw) < 2**31:
        return int(raw)
    raise ApiError(404, "not_found", "Niet gevonden.")
