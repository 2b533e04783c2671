"""The Postgres database and Redis database a multi-worker peer runs on, made fresh and removed.

Only a benchmark's own names are touched: its database (``dialoog_bench`` for the
fan-out, others for the other benchmarks, so they may run at once), the Redis
database number in the given URL, and its own Redis prefix.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

from peers import BenchError

BENCH_DATABASE = "dialoog_bench"


def database_url(admin_url: str, name: str = BENCH_DATABASE) -> str:
    """The admin URL pointing at another database on the same server."""
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def _execute(admin_url: str, *statements: str) -> None:
    import asyncpg

    try:
        conn = await asyncpg.connect(admin_url, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise BenchError(f"Postgres not reachable at {admin_url}: {exc}") from exc
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database(admin_url: str, name: str = BENCH_DATABASE) -> Iterator[str]:
    """Create the database (dropping a leftover one), yield its URL, drop it at the end."""
    drop = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    asyncio.run(_execute(admin_url, drop, f"CREATE DATABASE {name}"))
    try:
        yield database_url(admin_url, name)
    finally:
        asyncio.run(_execute(admin_url, drop))


def _flush(url: str) -> None:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=5)
        client.flushdb()
        client.close()
    except redis.RedisError as exc:
        raise BenchError(f"Redis not reachable at {url}: {exc}") from exc


@contextlib.contextmanager
def fresh_redis(url: str) -> Iterator[str]:
    """Empty the benchmark's Redis database before and after the run."""
    _flush(url)
    try:
        yield url
    finally:
        _flush(url)


@contextlib.contextmanager
def services(
    postgres: str, redis: str, database: str, redis_prefix: str
) -> Iterator[dict[str, str]]:
    """A fresh database and an empty Redis database, as the settings our server reads."""
    with fresh_database(postgres, database) as db, fresh_redis(redis) as rd:
        # pub/sub ignores the database number: a prefix of our own avoids cross-talk
        yield {"DATABASE_URL": db, "REDIS_URL": rd, "DIALOOG_REDIS_PREFIX": redis_prefix}
