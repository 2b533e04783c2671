"""GET /api/openapi.json: the OpenAPI 3.1 document, generated from the routes themselves.

Nothing is declared twice: paths and methods come from the router, summaries from
the endpoints' docstrings, request schemas from the msgspec Struct each endpoint
reads with ``read_json(request, Struct)``, and path parameters from the path.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

_READ_JSON = re.compile(r"read_json\(\s*request\s*,\s*(\w+)\s*\)")
_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
_ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
}


def request_struct(endpoint: Callable[..., Any]) -> type[msgspec.Struct] | None:
    """The Struct an endpoint decodes its JSON body into, if it reads one."""
    try:
        source = inspect.getsource(endpoint)
    except (OSError, TypeError):
        return None
    match = _READ_JSON.search(source)
    if match is None:
        return None
    found = getattr(inspect.getmodule(endpoint), match.group(1), None)
    return found if isinstance(found, type) and issubclass(found, msgspec.Struct) else None


def _parameters(path: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if kind == "int" else "string"},
        }
        for name, kind in _PARAM.findall(path)
    ]


def _operation(route: Route, method: str, structs: dict[str, type]) -> dict[str, Any]:
    doc = inspect.getdoc(route.endpoint) or ""
    lines = doc.splitlines()
    operation: dict[str, Any] = {
        "operationId": f"{route.endpoint.__name__}_{method}",
        "summary": lines[0] if lines else route.endpoint.__name__,
        "parameters": _parameters(route.path),
        "responses": {
            "200": {"description": "OK"},
            "default": {
                "description": "Fout",
                "content": {"application/json": {"schema": _ERROR}},
            },
        },
    }
    if len(lines) > 2:
        operation["description"] = "\n".join(lines[2:])
    struct = request_struct(route.endpoint) if method in ("post", "put", "patch") else None
    if struct is not None:
        structs[struct.__name__] = struct
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{struct.__name__}"}}
            },
        }
    return operation


def build_document(routes: Iterable[BaseRoute], title: str = "Dialoog") -> dict[str, Any]:
    """The OpenAPI document of every HTTP route (websocket and static mounts left out)."""
    paths: dict[str, dict[str, Any]] = {}
    structs: dict[str, type] = {}
    for route in routes:
        if not isinstance(route, Route):
            continue
        path = _PARAM.sub(r"{\1}", route.path)
        for method in sorted(m.lower() for m in (route.methods or ()) if m != "HEAD"):
            paths.setdefault(path, {})[method] = _operation(route, method, structs)
    _, components = msgspec.json.schema_components(
        list(structs.values()), ref_template="#/components/schemas/{name}"
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1", "description": "Zie docs/protocol.md."},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": components},
    }


async def openapi(request: Request) -> JSONResponse:
    """GET /api/openapi.json: the OpenAPI document of every HTTP route."""
    document = request.app.state.openapi
    if document is None:
        document = build_document(request.app.routes)
        request.app.state.openapi = document
    return JSONResponse(document)


routes = [Route("/api/openapi.json", openapi, methods=["GET"])]
