"""Health tells the truth: a service that stopped making progress is unhealthy, and says why.

The store's database is locked by another writer: the store retries (a transient error), the
entries wait, nothing moves. Redis answers all along, so a heartbeat that only pinged Redis
stayed green forever; now `newswire health` fails once work has waited NEWSWIRE_STALL_S, names
the stream, and turns green again once the store moves on.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess

import pytest

from newswire.waiting import retry_transient
from tests.support import NEWSWIRE, SEED, Pipeline, drop, wait_for


def _health(pipeline: Pipeline, beat: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NEWSWIRE, "health"],
        env=pipeline.env(NEWSWIRE_HEARTBEAT_FILE=beat),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=False)
def test_health_turns_red_while_the_store_makes_no_progress_and_green_when_it_does(
    pipeline: Pipeline, database_url: str
) -> None:
    db = pipeline.root / "locked.db"
    pipeline.database_url = f"sqlite:///{db}"
    beat = str(pipeline.root / "store.alive")
    store = pipeline.start("store", env=pipeline.env(NEWSWIRE_HEARTBEAT_FILE=beat, NEWSWIRE_STALL_S="3"))
    wait_for(lambda: '"consumer_started"' in pipeline.logs(), timeout=60, what="the store")
    wait_for(lambda: _health(pipeline, beat).returncode == 0, timeout=20, what="healthy while idle")

    locker = sqlite3.connect(db, timeout=1, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # every write of the store now waits, then retries
    try:
        pipeline.start("ingest")
        drop(pipeline.inbox, SEED.name, SEED.read_bytes())
        wait_for(lambda: pipeline.xlen("raw") == 1, what="the entry published")
        red = wait_for(
            lambda: (r := _health(pipeline, beat)).returncode == 1 and r, timeout=30, what="health red while stuck"
        )
        assert "no progress" in red.stderr and pipeline.stream("raw") in red.stderr, red.stderr
        assert len(red.stderr.strip().splitlines()) == 1
        assert store.poll() is None, "the store must wait, not die"
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    wait_for(lambda: pipeline.xlen("stored") == 1, timeout=60, what="stored once the lock is gone")
    wait_for(lambda: _health(pipeline, beat).returncode == 0, timeout=20, what="healthy again")


async def test_a_bare_timeout_error_is_retried_not_fatal() -> None:
    """A TimeoutError() has an empty message: the retry log line must not index its first line."""
    calls = 0

    async def op() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise TimeoutError
        return "done"

    class Log:
        def __init__(self) -> None:
            self.lines: list[dict[str, object]] = []

        def warning(self, event: str, **kw: object) -> None:
            self.lines.append({"event": event, **kw})

    log = Log()
    result = await retry_transient(
        op, is_transient=lambda e: isinstance(e, TimeoutError), stopping=asyncio.Event(), log=log, what="x"
    )
    assert result == "done" and calls == 3
    assert [line["error"] for line in log.lines] == ["TimeoutError", "TimeoutError"]
