"""The sans-I/O session: frames in, actions out; no sockets, no awaits, no clock reads.

The I/O loop in ``server/ws.py`` feeds every received frame with the current
time and carries out the actions: ``Send`` bytes to the client, ``Handle`` a
valid message (the server's domain code answers it), or ``Close`` the
connection with a contract close code.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from realtime import protocol
from realtime.protocol import (
    BODY_MAX_CHARS,
    CHANNEL_MAX_CHARS,
    NOTE_MAX_CHARS,
    REF_MAX_CHARS,
    ClientMessage,
    Contribute,
    Flag,
    Ping,
    Poll,
    ProtocolError,
    React,
    Subscribe,
    Unsubscribe,
)

CLOSE_TOO_LARGE = 1009
CLOSE_POLICY = 1008
CLOSE_TOO_SLOW = 4008
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


@dataclass(frozen=True, slots=True)
class Send:
    """Bytes to send to this client, already encoded with its codec."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Handle:
    """A valid message the domain must answer."""

    message: ClientMessage


@dataclass(frozen=True, slots=True)
class Close:
    """Close the connection with a contract close code."""

    code: int
    reason: str


Action = Send | Handle | Close


class SlidingWindowLimiter:
    """Allows at most ``limit`` events in any window of ``window_seconds``.

    Exact rather than a token bucket: a client that keeps to the contract's
    "at most 20 messages in any second" is never refused.
    """

    __slots__ = ("_stamps", "limit", "window")

    def __init__(self, limit: int, window_seconds: float = 1.0) -> None:
        self.limit = limit
        self.window = window_seconds
        self._stamps: deque[float] = deque()

    def allow(self, now: float) -> bool:
        """Count one event at now; False when it exceeds the limit (not counted then)."""
        stamps = self._stamps
        horizon = now - self.window + 1e-6  # a microsecond of slack against float rounding
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return False
        stamps.append(now)
        return True


def _trimmed_length(text: str) -> int:
    return len(text.strip())


def check_message(message: ClientMessage) -> str | None:
    """The reason a syntactically decoded message is still invalid, or None."""
    match message:
        case Subscribe(channel=channel, since=since):
            if not 0 < len(channel) <= CHANNEL_MAX_CHARS:
                return "Ongeldig kanaal."
            if since is not None and since < 0:
                return "'since' kan niet negatief zijn."
        case Unsubscribe(channel=channel):
            if not 0 < len(channel) <= CHANNEL_MAX_CHARS:
                return "Ongeldig kanaal."
        case Contribute(ref=ref, body=body):
            if not 0 < len(ref) <= REF_MAX_CHARS:
                return "Ongeldige 'ref'."
            if not 1 <= _trimmed_length(body) <= BODY_MAX_CHARS:
                return f"Tekst moet 1 tot {BODY_MAX_CHARS} tekens lang zijn."
        case React(ref=ref) | Flag(ref=ref, note=None) | Poll(ref=ref):
            if not 0 < len(ref) <= REF_MAX_CHARS:
                return "Ongeldige 'ref'."
        case Flag(ref=ref, note=str(note)):
            if not 0 < len(ref) <= REF_MAX_CHARS:
                return "Ongeldige 'ref'."
            if len(note) > NOTE_MAX_CHARS:
                return f"Toelichting mag hoogstens {NOTE_MAX_CHARS} tekens zijn."
    return None


def _ref_of(message: ClientMessage) -> str | None:
    return getattr(message, "ref", None)


class Session:
    """One connection's protocol state: decoding, validation, rate limit, abuse count."""

    def __init__(
        self,
        *,
        binary: bool,
        limiter: SlidingWindowLimiter,
        abuse_limit: int = 20,
        abuse_window_seconds: float = 10.0,
    ) -> None:
        self.binary = binary
        self._limiter = limiter
        self._abuse = SlidingWindowLimiter(abuse_limit, abuse_window_seconds)
        self.closed = False

    def error(self, code: str, message: str, ref: str | None = None) -> Send:
        """An ``error`` message for this client."""
        return Send(
            protocol.encode(protocol.Error(code=code, message=message, ref=ref), self.binary)
        )

    def receive(self, frame: bytes | str, now: float) -> list[Action]:
        """Turn one received frame into actions, in order."""
        if self.closed:
            return []
        try:
            messages = protocol.decode_client_frame(frame, isinstance(frame, bytes))
        except ProtocolError as exc:
            if exc.code == "too_large":
                return self._close(CLOSE_TOO_LARGE, "frame too large")
            return self._invalid(str(exc), None, now)
        actions: list[Action] = []
        for message in messages:
            actions.extend(self._one(message, now))
            if self.closed:
                break
        return actions

    def _one(self, message: ClientMessage, now: float) -> list[Action]:
        ref = _ref_of(message)
        if not self._limiter.allow(now):
            return [self.error("rate_limited", "Te veel berichten; probeer het zo opnieuw.", ref)]
        problem = check_message(message)
        if problem is not None:
            return self._invalid(problem, ref, now)
        if isinstance(message, Ping):
            return [Send(protocol.encode(protocol.Pong(), self.binary))]
        return [Handle(message)]

    def _invalid(self, text: str, ref: str | None, now: float) -> list[Action]:
        if not self._abuse.allow(now):
            return self._close(CLOSE_POLICY, "too many invalid messages")
        return [self.error("invalid", text, ref)]

    def _close(self, code: int, reason: str) -> list[Action]:
        self.closed = True
        return [Close(code, reason)]
