"""The OpenAPI document describes every HTTP route and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

from openapi_spec_validator import validate
from starlette.routing import Route

from server.app import create_app
from server.openapi import build_document, request_struct
from server.settings import load_settings


def test_every_http_route_is_described_with_its_request_schema(tmp_path: object) -> None:
    app = create_app(load_settings(secret="x", data_dir=tmp_path))
    document = build_document(app.routes)
    validate(document)
    for route in (r for r in app.routes if isinstance(r, Route)):
        path = route.path.replace("{n:int}", "{n}")
        for method in (m.lower() for m in route.methods or () if m != "HEAD"):
            operation = document["paths"][path][method]
            assert operation["summary"], f"{method} {path} has no docstring"
            if method in ("post", "put", "patch") and request_struct(route.endpoint) is not None:
                assert "requestBody" in operation, f"{method} {path}"
