"""The Dialoog wire protocol, v1: one declaration per message, two codecs.

Every message is a tagged msgspec Struct; the tag (``type``) is the contract's
message name and never changes. New fields get defaults. The same structs are
encoded as msgpack (binary frames) and JSON (text frames).
"""

from __future__ import annotations

from typing import Any, Final, Literal

import msgspec

SUBPROTOCOL_MSGPACK: Final = "dialoog.v1.msgpack"
SUBPROTOCOL_JSON: Final = "dialoog.v1.json"
SUBPROTOCOLS: Final = (SUBPROTOCOL_MSGPACK, SUBPROTOCOL_JSON)

MAX_FRAME_BYTES: Final = 64 * 1024
"""A frame larger than this closes the connection with 1009 (contract)."""
MAX_BATCH_MESSAGES: Final = 100
"""A client batch longer than this is refused whole: it cannot be honest traffic."""
BODY_MAX_CHARS: Final = 2000
NOTE_MAX_CHARS: Final = 1000
REF_MAX_CHARS: Final = 64
CHANNEL_MAX_CHARS: Final = 120

CONTRIBUTION_KINDS: Final = ("idea", "obstacle", "solution", "question", "concern")
REACTIONS: Final = ("agree", "disagree", "pass")
FLAG_REASONS: Final = ("offensive", "personal_data", "off_topic", "spam", "other")
ERROR_CODES: Final = (
    "invalid",
    "forbidden",
    "not_found",
    "rate_limited",
    "too_large",
    "closed",
    "internal",
    "warning",
)

ContributionKind = Literal["idea", "obstacle", "solution", "question", "concern"]
Reaction = Literal["agree", "disagree", "pass"]
FlagReason = Literal["offensive", "personal_data", "off_topic", "spam", "other"]
PairChoice = Literal["left", "right", "none"]

Ref = msgspec.Meta(min_length=1, max_length=REF_MAX_CHARS)
Channel = msgspec.Meta(min_length=1, max_length=CHANNEL_MAX_CHARS)
PositiveId = msgspec.Meta(ge=1, le=2**53)


class _Message(msgspec.Struct, tag_field="type", frozen=True):
    """Base of every wire message."""


class _ClientMessage(_Message, forbid_unknown_fields=True):
    """What clients send is checked strictly: an unknown field is an `invalid` message."""


class _ServerMessage(_Message):
    """What the server sends may grow new fields; older clients read past them."""


# --- client -> server ---------------------------------------------------------------------


class Subscribe(_ClientMessage, tag="subscribe"):
    channel: str
    since: int | None = None


class Unsubscribe(_ClientMessage, tag="unsubscribe"):
    channel: str


class Contribute(_ClientMessage, tag="contribute"):
    ref: str
    theme: int
    kind: ContributionKind
    body: str
    parent: int | None = None
    confirm: bool = False
    """True when the author posts anyway after a privacy warning."""
    round: int | None = None
    """A live workshop round this contribution answers (it then appears on the board)."""


class React(_ClientMessage, tag="react"):
    ref: str
    contribution: int
    reaction: Reaction


class Flag(_ClientMessage, tag="flag"):
    ref: str
    contribution: int
    reason: FlagReason
    note: str | None = None


class Poll(_ClientMessage, tag="poll"):
    """A vote in a workshop's quick poll: one per participant per round, the last counts."""

    ref: str
    round: int
    option: int


class VoteDots(_ClientMessage, tag="vote_dots"):
    """A whole dot ballot (item id → dots); it replaces the voter's earlier one, and an
    empty one withdraws it."""

    ref: str
    ballot: int
    dots: dict[int, int]


class VotePair(_ClientMessage, tag="vote_pair"):
    """An answer on a pair of a pairwise ballot; ``none`` is "kan niet kiezen"."""

    ref: str
    ballot: int
    left: int
    right: int
    choice: PairChoice


class VoteStatement(_ClientMessage, tag="vote_statement"):
    """Agree, disagree or pass on one statement of a statements ballot."""

    ref: str
    ballot: int
    statement: int
    stance: Reaction


class Ping(_ClientMessage, tag="ping"):
    pass


ClientMessage = (
    Subscribe
    | Unsubscribe
    | Contribute
    | React
    | Flag
    | Poll
    | VoteDots
    | VotePair
    | VoteStatement
    | Ping
)
CLIENT_TAGS: Final = (
    "subscribe",
    "unsubscribe",
    "contribute",
    "react",
    "flag",
    "poll",
    "vote_dots",
    "vote_pair",
    "vote_statement",
    "ping",
)

# --- server -> client ---------------------------------------------------------------------


class Ack(_ServerMessage, tag="ack", omit_defaults=True):
    ref: str
    id: int | None = None
    channel: str | None = None
    seq: int | None = None
    held: bool | None = None
    """True when pre-moderation holds the contribution until a facilitator approves it."""


class Error(_ServerMessage, tag="error", omit_defaults=True):
    code: str
    message: str
    ref: str | None = None
    detail: dict[str, Any] | None = None


class Subscribed(_ServerMessage, tag="subscribed"):
    channel: str
    seq: int
    replayed: int


class Reset(_ServerMessage, tag="reset"):
    channel: str
    seq: int


class Position(_ServerMessage, tag="position"):
    channel: str
    seq: int


class Event(_ServerMessage, tag="event"):
    channel: str
    seq: int
    event: str
    data: dict[str, Any]
    at: str


class Pong(_ServerMessage, tag="pong"):
    pass


ServerMessage = Ack | Error | Subscribed | Reset | Position | Event | Pong
SERVER_TAGS: Final = ("ack", "error", "subscribed", "reset", "position", "event", "pong")

# --- codecs -------------------------------------------------------------------------------

_CLIENT_FRAME = ClientMessage | list[ClientMessage]
_SERVER_FRAME = ServerMessage | list[ServerMessage]

_msgpack_encoder = msgspec.msgpack.Encoder()
_json_encoder = msgspec.json.Encoder()
_client_msgpack = msgspec.msgpack.Decoder(_CLIENT_FRAME)
_client_json = msgspec.json.Decoder(_CLIENT_FRAME)
_server_msgpack = msgspec.msgpack.Decoder(_SERVER_FRAME)
_server_json = msgspec.json.Decoder(_SERVER_FRAME)
_any_msgpack = msgspec.msgpack.Decoder()


class ProtocolError(ValueError):
    """A frame that cannot be understood; ``code`` is the contract's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def decode_client_frame(frame: bytes | str, binary: bool) -> list[ClientMessage]:
    """Decode one client frame (a message or a batch) into messages, in order."""
    size = len(frame) if isinstance(frame, bytes) else len(frame.encode())
    if size > MAX_FRAME_BYTES:
        raise ProtocolError("too_large", "Bericht is groter dan 64 KiB.")
    try:
        decoded = _client_msgpack.decode(frame) if binary else _client_json.decode(frame)
    except msgspec.ValidationError as exc:
        raise ProtocolError("invalid", f"Ongeldig bericht: {exc}") from None
    except msgspec.DecodeError as exc:
        raise ProtocolError("invalid", f"Onleesbaar bericht: {exc}") from None
    messages = decoded if isinstance(decoded, list) else [decoded]
    if len(messages) > MAX_BATCH_MESSAGES:
        raise ProtocolError("invalid", "Te veel berichten in één frame.")
    return messages


def decode_server_frame(frame: bytes | str, binary: bool) -> list[ServerMessage]:
    """Decode one server frame (used by the Python client and the tests)."""
    decoded = _server_msgpack.decode(frame) if binary else _server_json.decode(frame)
    return decoded if isinstance(decoded, list) else [decoded]


def encode_msgpack(message: _Message | list[Any]) -> bytes:
    """Encode a message (or a batch) as msgpack."""
    return _msgpack_encoder.encode(message)


def encode_json(message: _Message | list[Any]) -> bytes:
    """Encode a message (or a batch) as JSON (UTF-8 bytes)."""
    return _json_encoder.encode(message)


def encode(message: _Message | list[Any], binary: bool) -> bytes:
    """Encode with the codec of a connection."""
    return _msgpack_encoder.encode(message) if binary else _json_encoder.encode(message)


def msgpack_to_json(payload: bytes) -> bytes:
    """Transcode one msgpack-encoded message to JSON without knowing its type."""
    return _json_encoder.encode(_any_msgpack.decode(payload))


def msgpack_batch(parts: list[bytes]) -> bytes:
    """Join already-encoded msgpack messages into one batch frame without re-encoding."""
    n = len(parts)
    if n < 16:
        header = bytes((0x90 | n,))
    elif n < 65536:
        header = b"\xdc" + n.to_bytes(2, "big")
    else:
        header = b"\xdd" + n.to_bytes(4, "big")
    return header + b"".join(parts)


def json_batch(parts: list[bytes]) -> bytes:
    """Join already-encoded JSON messages into one batch frame without re-encoding."""
    return b"[" + b",".join(parts) + b"]"
