"""The browser's protocol.js declares exactly the wire tags of realtime/protocol.py."""

from __future__ import annotations

import re
from pathlib import Path

from realtime import protocol

PROTOCOL_JS = Path(__file__).resolve().parents[2] / "client" / "web" / "protocol.js"


def frozen_object(name: str) -> dict[str, str]:
    """The KEY: 'value' pairs of `export const NAME = Object.freeze({...})` in protocol.js."""
    source = PROTOCOL_JS.read_text(encoding="utf-8")
    block = re.search(rf"export const {name} = Object\.freeze\(\{{(.*?)\}}\);", source, re.S)
    assert block is not None, f"{name} not found in protocol.js"
    return dict(re.findall(r"^\s*(\w+):\s*'([^']+)',?\s*$", block.group(1), re.M))


def frozen_list(name: str) -> list[str]:
    """The items of `export const NAME = Object.freeze([...])` in protocol.js."""
    source = PROTOCOL_JS.read_text(encoding="utf-8")
    block = re.search(rf"export const {name} = Object\.freeze\(\[(.*?)\]\);", source, re.S)
    assert block is not None, f"{name} not found in protocol.js"
    return re.findall(r"'([^']+)'", block.group(1))


def test_client_tags_match_the_python_protocol() -> None:
    assert sorted(frozen_object("CLIENT_TAGS").values()) == sorted(protocol.CLIENT_TAGS)


def test_server_tags_match_the_python_protocol() -> None:
    assert sorted(frozen_object("SERVER_TAGS").values()) == sorted(protocol.SERVER_TAGS)


def test_tag_names_are_the_tags_in_capitals() -> None:
    for name in ("CLIENT_TAGS", "SERVER_TAGS"):
        for key, tag in frozen_object(name).items():
            assert key == tag.upper(), (name, key, tag)


def test_value_sets_match_the_python_protocol() -> None:
    assert frozen_list("CONTRIBUTION_KINDS") == list(protocol.CONTRIBUTION_KINDS)
    assert frozen_list("REACTIONS") == list(protocol.REACTIONS)
    assert frozen_list("FLAG_REASONS") == list(protocol.FLAG_REASONS)


def test_subprotocol_and_limits_match() -> None:
    source = PROTOCOL_JS.read_text(encoding="utf-8")
    assert f"SUBPROTOCOL_JSON = '{protocol.SUBPROTOCOL_JSON}'" in source
    assert f"BODY_MAX_CHARS = {protocol.BODY_MAX_CHARS};" in source
    assert f"NOTE_MAX_CHARS = {protocol.NOTE_MAX_CHARS};" in source
