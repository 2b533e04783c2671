"""The dialogue a benchmark run needs on our server, built over the public HTTP API only.

An admin logs in, creates a dialogue with one theme, opens step 4 (Verrijken, which
takes contributions), invites participants and lets each join; their bearer tokens
are what the load generator's subscribers and publishers connect with. Staff
accounts (facilitators, a lead) are added the same way, over HTTP.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from peers import BenchError

ADMIN_EMAIL = "bench@dialoog.invalid"
SLUG = "fanout-bench"
JOIN_CONCURRENCY = 32


@dataclass(frozen=True)
class Scenario:
    """What the load generator needs: the channel, the theme and participant tokens."""

    theme: int
    channel: str
    subscriber_tokens: list[str]
    publisher_tokens: list[str]


async def post(http: httpx.AsyncClient, path: str, body: dict[str, Any], token: str = "") -> Any:
    """POST JSON (as ``token`` when given); the answer's JSON, or a BenchError with it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = await http.post(path, json=body, headers=headers)
    if answer.status_code >= 400:
        raise BenchError(f"POST {path} answered {answer.status_code}: {answer.text[:300]}")
    return answer.json()


async def login(http: httpx.AsyncClient, email: str, password: str) -> str:
    """POST /api/auth/login; the bearer token."""
    answer = await post(http, "/api/auth/login", {"email": email, "password": password})
    return str(answer["token"])


async def staff_token(http: httpx.AsyncClient, admin: str, email: str, role: str) -> str:
    """The admin adds a staff account (POST /api/staff, the code path of `dialoog user add`,
    without a 2-10 s CLI start each), which logs in; its bearer token."""
    password = secrets.token_urlsafe(16)
    await post(http, "/api/staff", {"email": email, "role": role, "password": password}, admin)
    return await login(http, email, password)


async def build(base_url: str, password: str, subscribers: int, publishers: int) -> Scenario:
    """Create the dialogue, theme and participants; ``subscribers`` tokens plus publishers."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as http:
        admin = await login(http, ADMIN_EMAIL, password)
        dialogue = {"slug": SLUG, "title": "Fan-outmeting", "description": "Benchmark."}
        await post(http, "/api/dialogues", dialogue, admin)
        theme_body = {"title": "Meetthema", "description": "Berichten van de benchmark."}
        theme = await post(http, f"/api/dialogues/{SLUG}/themes", theme_body, admin)
        await post(http, f"/api/dialogues/{SLUG}/steps/4", {"state": "open"}, admin)
        tokens = await _participants(http, admin, subscribers + publishers)
    channel = f"theme:{theme['id']}"
    return Scenario(theme["id"], channel, tokens[:subscribers], tokens[subscribers:])


async def _participants(http: httpx.AsyncClient, admin: str, count: int) -> list[str]:
    """Invite ``count`` participants in one request, then join each (a bounded crowd)."""
    invitees = {"invitees": [{"role": "burgemeester"} for _ in range(count)]}
    invitations = await post(http, f"/api/dialogues/{SLUG}/invitations", invitees, admin)
    gate = asyncio.Semaphore(JOIN_CONCURRENCY)

    async def join(invitation: dict[str, str]) -> str:
        async with gate:
            answer = await post(http, "/api/join", {"token": invitation["token"]})
            return str(answer["token"])

    return list(await asyncio.gather(*(join(i) for i in invitations)))
