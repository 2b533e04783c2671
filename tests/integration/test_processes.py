"""Separate server processes: an ack survives a kill, workers share Redis, Redis drops out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from server.settings import Settings
from tests.integration.conftest import settings_for
from tests.integration.harness import Backend, Harness, running_server
from tests.integration.processes import ServerProcess

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def procs() -> AsyncIterator[list[ServerProcess]]:
    """Server processes a test starts; all stopped afterwards."""
    started: list[ServerProcess] = []
    yield started
    for proc in started:
        proc.stop()


async def start(
    procs: list[ServerProcess], settings: Settings, backend: Backend, workers: int = 1
) -> ServerProcess:
    proc = ServerProcess(settings, backend.folder, workers)
    await proc.start()
    procs.append(proc)
    return proc


def contribute(theme: int, ref: str) -> dict[str, object]:
    return {
        "type": "contribute",
        "ref": ref,
        "theme": theme,
        "kind": "idea",
        "body": f"Bijdrage {ref}",
    }


async def test_an_acked_contribution_survives_a_killed_server(
    backend: Backend, procs: list[ServerProcess]
) -> None:
    settings = settings_for(backend)
    proc = await start(procs, settings, backend)
    async with Harness(proc.base, settings) as h:
        await h.bootstrap()
        (token,) = await h.participants(1)
        a = await h.ws(token)
        for i in range(3):
            await a.send(contribute(h.theme_id, f"voor-{i}"))
        await a.send(contribute(h.theme_id, "laatste"))
        last = await a.answer("laatste")
        proc.kill()  # right after the ack: no graceful shutdown, no flush
        acked = [m["id"] for m in a.received if m["type"] == "ack"]
        assert last["id"] in acked
        restarted = await start(procs, settings, backend)
        h.http.base_url = restarted.base
        listed = await h.call("GET", f"/api/dialogues/{h.slug}/themes/{h.theme_id}/contributions")
        stored = {c["id"] for c in listed["contributions"]}
        assert set(acked) <= stored


async def test_two_server_processes_deliver_to_each_other_through_redis(
    services_backend: Backend, procs: list[ServerProcess]
) -> None:
    settings = settings_for(services_backend)
    first = await start(procs, settings, services_backend)
    second = await start(procs, settings, services_backend)
    async with Harness(first.base, settings) as h1, Harness(second.base, settings) as h2:
        await h1.bootstrap()
        h2.slug, h2.theme_id = h1.slug, h1.theme_id
        a_token, b_token = await h1.participants(2)
        a = await h1.ws(a_token)
        b = await h2.ws(b_token)
        await a.subscribe(h1.theme_channel)
        await b.subscribe(h2.theme_channel)
        await a.send(contribute(h1.theme_id, "over"))
        ack = await a.answer("over")
        received = await b.wait_for(lambda m: m.get("event") == "contribution.created")
        assert received["seq"] == ack["seq"] and received["data"]["id"] == ack["id"]
        await b.send({"type": "react", "ref": "r", "contribution": ack["id"], "reaction": "agree"})
        await b.answer("r")
        counts = await a.wait_for(lambda m: m.get("event") == "reaction.counts")
        assert counts["data"]["agree"] == 1


async def test_one_server_with_two_workers_delivers_to_every_client(
    services_backend: Backend, procs: list[ServerProcess]
) -> None:
    settings = settings_for(services_backend)
    proc = await start(procs, settings, services_backend, workers=2)
    async with Harness(proc.base, settings) as h:
        await h.bootstrap()
        tokens = await h.participants(6)
        clients = [await h.ws(t) for t in tokens]
        for client in clients:
            await client.subscribe(h.theme_channel)
        await clients[0].send(contribute(h.theme_id, "iedereen"))
        ack = await clients[0].answer("iedereen")
        for client in clients:
            await client.wait_for(lambda m: m.get("seq") == ack["seq"])


async def test_nothing_is_lost_when_the_redis_connection_drops(services_backend: Backend) -> None:
    settings = settings_for(services_backend, catchup_interval_seconds=0.5)
    async with running_server(settings) as base, Harness(base, settings) as h:
        await h.bootstrap()
        a_token, b_token = await h.participants(2)
        a = await h.ws(a_token)
        b = await h.ws(b_token)
        await b.subscribe(h.theme_channel)
        admin = aioredis.from_url(settings.redis_url or "")
        acks = []
        for i in range(20):
            if i in (5, 12):
                await kill_pubsub(admin, f"{settings.redis_prefix}pubsub")
            await a.send(contribute(h.theme_id, f"r{i}"))
            acks.append(await a.answer(f"r{i}"))
        await admin.aclose()
        for ack in acks:
            await b.wait_for(lambda m, s=ack["seq"]: m.get("seq") == s, timeout=10)
        seqs = [e["seq"] for e in b.events(h.theme_channel)]
        assert seqs == sorted(set(seqs)), "in order, without duplicates"
        assert len(seqs) == 20


async def kill_pubsub(admin: aioredis.Redis, name: str) -> None:
    """Cut the server's pub/sub connection, as a Redis restart would."""
    clients = await admin.client_list()
    ids = [c["id"] for c in clients if c.get("name") == name]
    assert ids, f"no pub/sub connection named {name}"
    for client_id in ids:
        await admin.client_kill_filter(_id=client_id)
    await asyncio.sleep(0.05)
