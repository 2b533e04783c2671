"""Decoding of server frames that tolerates what a newer server may add.

The contract lets the server add message types and fields without a new subprotocol,
while the protocol structs forbid unknown fields. The strict decoder is the fast
path; only when it refuses a frame do we decode it generically and keep the known
messages with their known fields, so a newer server never silences an older client.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from realtime.protocol import (
    Ack,
    Error,
    Event,
    Pong,
    Position,
    Reset,
    ServerMessage,
    Subscribed,
    decode_server_frame,
)

log = logging.getLogger("dialoog.client")

_BY_TAG: dict[object, type[Any]] = {
    cls.__struct_config__.tag: cls for cls in (Ack, Error, Subscribed, Reset, Position, Event, Pong)
}


def decode_frame(frame: bytes | str) -> list[ServerMessage]:
    """Decode a frame by its kind (binary = msgpack, text = JSON) into known messages."""
    binary = isinstance(frame, bytes)
    try:
        return decode_server_frame(frame, binary)
    except msgspec.ValidationError:
        return _decode_lenient(frame)
    except msgspec.DecodeError as exc:
        log.warning("unreadable frame from server skipped: %s", exc)
        return []


def _decode_lenient(frame: bytes | str) -> list[ServerMessage]:
    if isinstance(frame, bytes):
        raw = msgspec.msgpack.decode(frame)
    else:
        raw = msgspec.json.decode(frame.encode())
    items = raw if isinstance(raw, list) else [raw]
    messages = (_convert(item) for item in items)
    return [message for message in messages if message is not None]


def _convert(item: object) -> ServerMessage | None:
    """One known message with unknown fields dropped, or None for an unknown type."""
    if not isinstance(item, dict):
        return None
    cls = _BY_TAG.get(item.get("type"))
    if cls is None:
        log.debug("unknown server message type %r skipped", item.get("type"))
        return None
    known = {k: v for k, v in item.items() if k == "type" or k in cls.__struct_fields__}
    try:
        return msgspec.convert(known, cls)  # type: ignore[no-any-return]
    except msgspec.ValidationError as exc:
        log.warning("invalid %s message skipped: %s", item.get("type"), exc)
        return None
