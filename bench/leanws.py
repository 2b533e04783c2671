"""A minimal receive-side WebSocket client (RFC 6455) for the load generator.

Why not ``websockets`` here: a full client costs ~30 µs of Python per received frame
(incremental parser, a queue, a coroutine wake-up), about as much as the server we
measure, so 2,000 of them on a 2-core machine measure mostly themselves. This
protocol parses frames in ``data_received`` and hands each payload to a callback:
a few µs per frame. It does only what a benchmark subscriber needs: the handshake
with a subprotocol and a bearer token, unfragmented or fragmented data frames,
answering pings, and closing. No compression, no TLS, no extensions.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from collections.abc import Callable
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEADER_BYTES = 16 * 1024

OnMessage = Callable[[bytes | str], None]


class HandshakeError(ConnectionError):
    """The server did not switch protocols."""


def mask(payload: bytes, key: bytes) -> bytes:
    """Client-to-server masking (RFC 6455 §5.3)."""
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        len(payload), "big"
    )


def frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame."""
    key = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, 0x80 | size))
    elif size < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    return header + key + mask(payload, key)


class LeanClient(asyncio.Protocol):
    """One subscriber connection: ``on_message`` gets every text (str) or binary (bytes) message."""

    def __init__(self, request: bytes, key: str, on_message: OnMessage) -> None:
        self.on_message = on_message
        self.close_code: int | None = None
        self._request = request
        self._accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self._fragment_opcode = 0
        self._transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[int | None] = loop.create_future()

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        transport.write(self._request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self.opened.done() and not self._handshake():
            return
        self._frames()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(HandshakeError(f"connection lost in handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    # --- use ----------------------------------------------------------------------------------

    def send(self, payload: bytes, binary: bool = True) -> None:
        """Send one message."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(frame(0x2 if binary else 0x1, payload))

    def abort(self) -> None:
        """Drop the connection without a close handshake."""
        if self._transport is not None:
            self._transport.abort()

    # --- parsing ------------------------------------------------------------------------------

    def _handshake(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEADER_BYTES:
                self._fail_handshake("response headers too large")
            return False
        head = bytes(self._buffer[:end]).decode("latin-1")
        del self._buffer[: end + 4]
        status, *lines = head.split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}
        if not status.startswith("HTTP/1.1 101"):
            self._fail_handshake(status)
        elif headers.get("sec-websocket-accept") != self._accept:
            self._fail_handshake("wrong Sec-WebSocket-Accept")
        else:
            self.opened.set_result(None)
            return True
        return False

    def _fail_handshake(self, reason: str) -> None:
        self.opened.set_exception(HandshakeError(reason))
        self.abort()

    def _frames(self) -> None:
        buf = self._buffer
        pos = 0
        while len(buf) - pos >= 2:
            first, second = buf[pos], buf[pos + 1]
            size, start = second & 0x7F, pos + 2
            if size == 126:
                if len(buf) - pos < 4:
                    break
                size, start = int.from_bytes(buf[pos + 2 : pos + 4], "big"), pos + 4
            elif size == 127:
                if len(buf) - pos < 10:
                    break
                size, start = int.from_bytes(buf[pos + 2 : pos + 10], "big"), pos + 10
            if second & 0x80:  # a server never masks (RFC 6455 §5.1)
                self.abort()
                return
            if len(buf) - start < size:
                break
            pos = start + size
            self._frame(first & 0x80, first & 0x0F, bytes(buf[start:pos]))
        del buf[:pos]

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode in (0x1, 0x2) and fin:
            self.on_message(payload if opcode == 0x2 else payload.decode())
        elif opcode in (0x0, 0x1, 0x2):
            self._fragment(fin, opcode, payload)
        elif opcode == 0x9 and self._transport is not None:
            self._transport.write(frame(0xA, payload))  # pong, or the server closes us
        elif opcode == 0x8:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if self._transport is not None and not self._transport.is_closing():
                self._transport.write(frame(0x8, payload[:2]))
                self._transport.close()

    def _fragment(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode:
            self._fragment_opcode, self._fragments = opcode, []
        self._fragments.append(payload)
        if fin:
            whole = b"".join(self._fragments)
            self._fragments = []
            self.on_message(whole if self._fragment_opcode == 0x2 else whole.decode())


async def connect_lean(
    url: str, headers: dict[str, str], subprotocol: str, on_message: OnMessage, timeout: float
) -> LeanClient:
    """Open a connection to ``ws://host:port/path`` and complete the handshake."""
    parts = urlsplit(url)
    if parts.scheme != "ws" or parts.hostname is None:
        raise ValueError(f"only ws:// URLs: {url!r}")
    port = parts.port or 80
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {parts.path or '/'} HTTP/1.1",
        f"Host: {parts.hostname}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Sec-WebSocket-Protocol: {subprotocol}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(timeout):
        _, client = await loop.create_connection(
            lambda: LeanClient(request, key, on_message), parts.hostname, port
        )
        await client.opened
    return client
