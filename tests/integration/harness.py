"""Test harness: a real uvicorn on a free loopback port, an HTTP helper and raw WS clients."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import msgpack
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from realtime.protocol import SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK
from server.accounts import add_staff
from server.app import create_app
from server.settings import Settings
from storage.database import Database

ADMIN_EMAIL = "beheer@test.example"


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    redis_url: str | None
    folder: Path


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_server(settings: Settings) -> AsyncIterator[str]:
    """Serve create_app(settings) with uvicorn in this event loop; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_max_size=settings.ws_max_frame_bytes,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        task.result()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


class WsClient:
    """A raw protocol client: send maps, read messages, wait for what a test expects."""

    def __init__(self, conn: ClientConnection, binary: bool) -> None:
        self.conn = conn
        self.binary = binary
        self.received: list[dict[str, Any]] = []
        self.frames: list[bytes | str] = []

    async def send(self, message: dict[str, Any] | list[dict[str, Any]]) -> None:
        await self.conn.send(msgpack.packb(message) if self.binary else json.dumps(message))

    async def _read_frame(self, timeout: float) -> list[dict[str, Any]]:
        frame = await asyncio.wait_for(self.conn.recv(), timeout)
        self.frames.append(frame)
        decoded = msgpack.unpackb(frame) if isinstance(frame, bytes) else json.loads(frame)
        messages = decoded if isinstance(decoded, list) else [decoded]
        self.received.extend(messages)
        return messages

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> dict[str, Any]:
        """The first message (already received or new) that matches."""
        for message in self.received:
            if predicate(message) and not message.get("_seen"):
                message["_seen"] = True
                return message
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no matching message; got {self.received[-5:]}")
            for message in await self._read_frame(remaining):
                if predicate(message) and not message.get("_seen"):
                    message["_seen"] = True
                    return message

    async def answer(self, ref: str, timeout: float = 5.0) -> dict[str, Any]:
        """The ack or error carrying ref."""
        return await self.wait_for(lambda m: m.get("ref") == ref, timeout)

    async def subscribe(self, channel: str, since: int | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "subscribe", "channel": channel}
        if since is not None:
            message["since"] = since
        await self.send(message)
        return await self.wait_for(
            lambda m: (
                (m.get("channel") == channel and m["type"] in ("subscribed", "reset", "error"))
                or (m["type"] == "error" and m.get("ref") is None)
            )
        )

    def events(self, channel: str, name: str | None = None) -> list[dict[str, Any]]:
        return [
            m
            for m in self.received
            if m["type"] == "event"
            and m["channel"] == channel
            and (name is None or m["event"] == name)
        ]

    async def drain(self, seconds: float) -> None:
        """Read whatever arrives for a while."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (remaining := deadline - loop.time()) > 0:
            try:
                await self._read_frame(remaining)
            except TimeoutError:
                return


class Harness:
    """HTTP and WS helpers against one running server."""

    def __init__(self, base: str, settings: Settings) -> None:
        self.base = base
        self.settings = settings
        self.http = httpx.AsyncClient(base_url=base, timeout=20)
        self.admin_token = ""
        self.slug = "test-dialoog"
        self.theme_id = 0
        self._clients: list[ClientConnection] = []

    async def __aenter__(self) -> Harness:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        for conn in self._clients:
            await conn.close()
        await self.http.aclose()

    def auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        """An API call that must succeed; returns its JSON."""
        headers = self.auth(token or self.admin_token)
        response = await self.http.request(method, path, headers=headers, **kw)
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json()

    async def bootstrap(self, slug: str = "test-dialoog") -> None:
        """An admin, a dialogue with Verrijken open and one theme."""
        self.admin_token = await self.staff(ADMIN_EMAIL, "admin")
        self.slug = slug
        await self.call("POST", "/api/dialogues", json={"slug": slug, "title": "Testdialoog"})
        await self.call("POST", f"/api/dialogues/{slug}/steps/4", json={"state": "open"})
        theme = await self.call(
            "POST", f"/api/dialogues/{slug}/themes", json={"title": "Wonen in de regio"}
        )
        self.theme_id = theme["id"]

    async def staff(self, email: str, role: str, password: str | None = None) -> str:
        """A staff account logged in through its one-time link; returns its bearer token."""
        db = Database(self.settings.resolved_database_url())
        try:
            _, link_token = await add_staff(db, email, role, password, 3600)
        finally:
            await db.close()
        login = await self.http.post("/api/auth/link", json={"token": link_token})
        assert login.status_code == 200, login.text
        return str(login.json()["token"])

    @property
    def theme_channel(self) -> str:
        return f"theme:{self.theme_id}"

    async def participants(self, n: int, **profile: str) -> list[str]:
        """n joined participants' bearer tokens."""
        invitees = [{"role": profile.get("role", "griffier"), **profile} for _ in range(n)]
        links = await self.call(
            "POST", f"/api/dialogues/{self.slug}/invitations", json={"invitees": invitees}
        )
        tokens = []
        for link in links:
            joined = await self.http.post("/api/join", json={"token": link["token"]})
            assert joined.status_code == 200, joined.text
            tokens.append(joined.json()["token"])
        return tokens

    async def ws(
        self, token: str | None, *, binary: bool = False, origin: str | None = None
    ) -> WsClient:
        """A raw websocket client, authenticated by bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = self.base.replace("http", "ws", 1) + "/ws"
        conn = await connect(
            url,
            subprotocols=[SUBPROTOCOL_MSGPACK if binary else SUBPROTOCOL_JSON],
            additional_headers=headers,
            origin=origin,
            compression=None,
            max_size=None,
        )
        self._clients.append(conn)
        return WsClient(conn, binary)
