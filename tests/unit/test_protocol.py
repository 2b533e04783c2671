"""Codec round trips and clean rejection of malformed, oversized and deeply nested input."""

from __future__ import annotations

import json

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime import protocol
from realtime.protocol import ProtocolError

MESSAGES = [
    protocol.Subscribe(channel="theme:1", since=0),
    protocol.Unsubscribe(channel="dialogue:x"),
    protocol.Contribute(ref="r", theme=3, kind="obstacle", body="Tekst € ✓", parent=None),
    protocol.React(ref="r", contribution=9, reaction="pass"),
    protocol.Flag(ref="r", contribution=9, reason="personal_data", note="naam genoemd"),
    protocol.Ping(),
]


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_client_messages_round_trip_in_both_codecs(message: object, binary: bool) -> None:
    frame = protocol.encode(message, binary)  # type: ignore[arg-type]
    assert protocol.decode_client_frame(frame if binary else frame.decode(), binary) == [message]


def test_batch_frames_decode_in_order() -> None:
    frame = json.dumps([{"type": "ping"}, {"type": "subscribe", "channel": "theme:2"}])
    assert protocol.decode_client_frame(frame, False) == [
        protocol.Ping(),
        protocol.Subscribe(channel="theme:2"),
    ]


def test_reference_msgpack_reads_our_batch_without_reencoding() -> None:
    parts = [
        protocol.encode_msgpack(protocol.Position(channel="theme:1", seq=n)) for n in range(20)
    ]
    decoded = msgpack.unpackb(protocol.msgpack_batch(parts))
    assert [m["seq"] for m in decoded] == list(range(20))
    assert json.loads(protocol.json_batch([protocol.msgpack_to_json(p) for p in parts]))[3] == {
        "type": "position",
        "channel": "theme:1",
        "seq": 3,
    }


@pytest.mark.parametrize(
    "frame",
    [
        "{kapot",
        '{"type": "bestaat-niet"}',
        '{"type": "ping", "extra": 1}',
        '{"type": "contribute", "ref": "r", "theme": 1, "kind": "rant", "body": "x"}',
        '{"type": "react", "ref": "r", "contribution": "1", "reaction": "agree"}',
        "[" * 10_000 + "]" * 10_000,
        '{"type": "subscribe", "channel": {"a": {"b": {"c": [1, [2, [3]]]}}}}',
        "42",
    ],
)
def test_malformed_input_is_rejected_as_invalid(frame: str) -> None:
    with pytest.raises(ProtocolError) as rejected:
        protocol.decode_client_frame(frame, False)
    assert rejected.value.code == "invalid"


def test_oversized_frame_is_too_large() -> None:
    with pytest.raises(ProtocolError) as rejected:
        protocol.decode_client_frame(b"\x00" * (protocol.MAX_FRAME_BYTES + 1), True)
    assert rejected.value.code == "too_large"


def test_overlong_batch_is_refused() -> None:
    frame = json.dumps([{"type": "ping"}] * (protocol.MAX_BATCH_MESSAGES + 1))
    with pytest.raises(ProtocolError):
        protocol.decode_client_frame(frame, False)


@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_crash_the_decoder(data: bytes) -> None:
    try:
        protocol.decode_client_frame(data, True)
    except ProtocolError as exc:
        assert exc.code in ("invalid", "too_large")


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=30,
    )
)
def test_arbitrary_json_values_are_rejected_or_understood(value: object) -> None:
    try:
        messages = protocol.decode_client_frame(json.dumps(value), False)
    except ProtocolError:
        return
    assert all(isinstance(m, protocol.ClientMessage) for m in messages)  # type: ignore[arg-type]
