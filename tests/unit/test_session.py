"""The sans-I/O session: frames and a clock in, actions out."""

from __future__ import annotations

import json

from realtime import protocol
from realtime.session import (
    CLOSE_POLICY,
    CLOSE_TOO_LARGE,
    Close,
    Handle,
    Send,
    Session,
    SlidingWindowLimiter,
)


def session(limit: int = 20, abuse: int = 3) -> Session:
    return Session(binary=False, limiter=SlidingWindowLimiter(limit), abuse_limit=abuse)


def sent(actions: list[object]) -> list[dict[str, object]]:
    return [json.loads(a.data) for a in actions if isinstance(a, Send)]


def test_ping_is_answered_without_the_domain() -> None:
    assert sent(session().receive('{"type": "ping"}', 0.0)) == [{"type": "pong"}]


def test_valid_write_is_handed_to_the_domain() -> None:
    frame = '{"type": "react", "ref": "a", "contribution": 4, "reaction": "agree"}'
    assert session().receive(frame, 0.0) == [
        Handle(protocol.React(ref="a", contribution=4, reaction="agree"))
    ]


def test_blank_body_is_invalid_with_its_ref() -> None:
    frame = '{"type": "contribute", "ref": "x", "theme": 1, "kind": "idea", "body": " \\n "}'
    (error,) = sent(session().receive(frame, 0.0))
    assert error["code"] == "invalid" and error["ref"] == "x"


def test_body_length_counts_after_trimming() -> None:
    body = " " * 50 + "x" * 2000 + " " * 50
    frame = json.dumps({"type": "contribute", "ref": "x", "theme": 1, "kind": "idea", "body": body})
    (action,) = session().receive(frame, 0.0)
    assert isinstance(action, Handle) and action.message.body == body  # type: ignore[union-attr]


def test_sliding_window_never_limits_twenty_per_second() -> None:
    limiter = SlidingWindowLimiter(20)
    stamps = [i * 0.05 for i in range(200)]  # exactly 20 in every second
    assert all(limiter.allow(t) for t in stamps)


def test_twenty_first_message_within_a_second_is_rate_limited() -> None:
    s = session()
    results = [sent(s.receive('{"type": "ping"}', 0.5 + i * 0.01)) for i in range(21)]
    assert results[-1][0]["code"] == "rate_limited"
    assert sent(s.receive('{"type": "ping"}', 1.6)) == [{"type": "pong"}]


def test_repeated_invalid_frames_close_with_1008_and_then_nothing() -> None:
    s = session(abuse=3)
    for i in range(3):
        assert sent(s.receive("kapot", float(i)))[0]["code"] == "invalid"
    assert s.receive("kapot", 3.0) == [Close(CLOSE_POLICY, "too many invalid messages")]
    assert s.receive('{"type": "ping"}', 4.0) == []


def test_oversized_frame_closes_with_1009() -> None:
    actions = session().receive("x" * (protocol.MAX_FRAME_BYTES + 1), 0.0)
    assert actions == [Close(CLOSE_TOO_LARGE, "frame too large")]


def test_batch_is_handled_message_by_message_in_order() -> None:
    frame = '[{"type": "ping"}, {"type": "subscribe", "channel": "theme:1", "since": 4}]'
    actions = session().receive(frame, 0.0)
    assert isinstance(actions[0], Send)
    assert actions[1] == Handle(protocol.Subscribe(channel="theme:1", since=4))
