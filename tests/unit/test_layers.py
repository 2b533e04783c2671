"""The import rule of the layers: realtime and storage never import server or each other,
and the Python client imports only realtime.protocol from the project."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "realtime": {"server", "storage", "client"},
    "storage": {"server", "realtime", "client"},
    "client": {"server", "storage"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_never_imports_a_forbidden_package(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert offenders == []


def test_client_uses_only_the_protocol_module_of_realtime() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "client").rglob("*.py")
        for name in imported_modules(path)
        if name.startswith("realtime") and name not in ("realtime", "realtime.protocol")
    ]
    assert offenders == []
