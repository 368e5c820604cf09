"""`newswire status` as a team runs it: beside a live `newswire up`, with the database away, with
Redis away."""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import redis

from newswire.contracts import ArticleRejected
from tests.support import NEWSWIRE, SEED, Pipeline, drop, wait_for


def _status(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NEWSWIRE, "status", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def _status_on_a_terminal(env: dict[str, str], cwd: Path) -> str:
    """What `newswire status` prints on a terminal (a pseudo-terminal here)."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [NEWSWIRE, "status"], env={**env, "COLUMNS": "160", "TERM": "xterm"}, cwd=cwd, stdout=child, stderr=child
    )
    os.close(child)
    chunks = []
    with suppress(OSError):  # EIO once the child has closed the terminal
        while chunk := os.read(main, 65536):
            chunks.append(chunk)
    os.close(main)
    assert proc.wait(timeout=60) == 0
    return b"".join(chunks).decode(errors="replace")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _embedded_pid(data: Path) -> int | None:
    try:
        pid = int((data / "redis" / "valkey.pid").read_text())
        return pid if os.readlink(f"/proc/{pid}/exe").endswith("valkey-server") else None
    except (OSError, ValueError):
        return None


@pytest.fixture
def embedded_up(pipeline: Pipeline) -> Iterator[tuple[dict[str, str], Any]]:
    """`newswire up` with its embedded Redis (no NEWSWIRE_REDIS_URL): status must find it through
    data/redis.url. Yields the environment and a client of that server."""
    env = pipeline.env()
    del env["NEWSWIRE_REDIS_URL"]
    up = pipeline.start("up", env=env)
    wait_for(lambda: up.poll() is not None or pipeline.logs().count('"consumer_started"') == 2, timeout=120)
    assert up.poll() is None, pipeline.logs()
    r = redis.Redis.from_url((pipeline.data / "redis.url").read_text().strip())
    try:
        yield env, r
        assert pipeline.stop(up, signal.SIGINT) == 0
    finally:
        r.close()
        if up.poll() is None:
            pipeline.stop(up, signal.SIGINT)
        pid = _embedded_pid(pipeline.data)  # left running only when up was killed
        if pid is not None:
            os.kill(pid, signal.SIGKILL)


def test_status_of_a_live_pipeline(pipeline: Pipeline, embedded_up: tuple[dict[str, str], Any]) -> None:
    env, r = embedded_up
    shutil.copy(SEED, pipeline.inbox / SEED.name)
    drop(pipeline.inbox, "empty.txt", b"")  # dead-lettered `empty` at ingest
    key = pipeline.stream
    wait_for(
        lambda: (
            r.xlen(key("enriched")) == 1
            and r.xlen(key("dead")) == 1
            and any(pipeline.done.rglob(SEED.name))
            and any(pipeline.error.rglob("empty.txt"))
        ),
        timeout=60,
        what="the seed enriched and archived, the empty file dead-lettered",
    )

    done = _status(env, "--json", cwd=pipeline.root)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["format_version"] == 1
    assert "***" in doc["redis"]["url"], "the embedded server's password must not be printed"
    assert doc["redis"]["stream_prefix"] == pipeline.prefix
    for name, length in (("raw", 1), ("stored", 1), ("enriched", 1), ("dead", 1)):
        s = doc["streams"][f"articles:{name}"]
        assert s["key"] == key(name)
        assert s["length"] == length, (name, s)
        assert s["added_last_minute"] == length and not s["added_last_minute_bounded"], (name, s)
        assert s["last_entry_id"] and 0 <= s["last_entry_age_s"] < 60, (name, s)
    groups = {(g["stream"], g["group"]): g for g in doc["groups"]}
    for stream, group in (("articles:raw", "store"), ("articles:stored", "enrich")):
        g = groups[(stream, group)]
        assert g["exists"] and g["role"] == group
        assert (g["lag"], g["pending"], g["oldest_pending_id"]) == (0, 0, None), g
        assert g["consumers"] >= 1
    assert doc["dead_letters"] == {"total": 1, "counted": 1, "bounded": False, "by_stage": {"ingest": {"empty": 1}}}
    assert doc["folders"]["inbox"] == {"path": str(pipeline.inbox.resolve()), "files": 0}
    assert doc["folders"]["processing"]["files"] == 0
    db = doc["database"]
    assert (db["reachable"], db["error"]) == (True, None)
    assert (db["articles"], db["enrichments"]) == (1, 1)
    assert (db["articles_last_minute"], db["enrichments_last_minute"]) == (1, 1)

    plain = _status(env, cwd=pipeline.root)
    assert plain.returncode == 0, plain.stderr
    assert "\x1b[" not in plain.stdout, "no terminal: plain text"
    [dead_row] = [line.split() for line in plain.stdout.splitlines() if "empty" in line.split()]
    assert dead_row == ["ingest", "empty", "1"]
    assert "articles:enriched" in plain.stdout

    terminal = _status_on_a_terminal(env, pipeline.root)
    assert "Dead letters" in terminal and "empty" in terminal and "┃" in terminal, terminal


def test_database_unreachable_still_prints_the_redis_part_and_exits_1(
    tmp_path: Path, redis_server_url: str, prefix: str
) -> None:
    closed = f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"
    pipeline = Pipeline(root=tmp_path, redis_url=redis_server_url, prefix=prefix, database_url=closed)
    try:
        rejected = ArticleRejected(
            article_id="0" * 64, correlation_id="c1", stage="store", reason="no_body", detail="no body"
        )
        pipeline.redis.xadd(pipeline.stream("dead"), {"__data__": rejected.model_dump_json()})
        # what waits: two article files (one in a subfolder); temporary names and files the
        # patterns leave out are never taken
        drop(pipeline.inbox, "a.txt", "x")
        drop(pipeline.inbox / "sub", "b.txt", "x")
        drop(pipeline.inbox, "c.txt.part", "x")
        drop(pipeline.inbox, "notes.draft", "x")
        # one file claimed by a watcher; its lock file beside the claim folders is not a file in processing
        drop(pipeline.processing / "watcher-1" / "0123456789abcdef", "d.txt", "x")
        drop(pipeline.processing, "watcher-1.lock", "")
        env = pipeline.env(NEWSWIRE_EXCLUDE="*.draft")

        done = _status(env, "--json", cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        [line] = done.stderr.splitlines()
        assert line.startswith("newswire: error: NEWSWIRE_DATABASE_URL: database unreachable"), line
        doc = json.loads(done.stdout)
        assert doc["database"]["reachable"] is False and doc["database"]["articles"] is None
        assert doc["streams"]["articles:dead"]["length"] == 1
        assert doc["dead_letters"]["by_stage"] == {"store": {"no_body": 1}}
        assert doc["folders"]["inbox"]["files"] == 2
        assert doc["folders"]["processing"]["files"] == 1

        plain = _status(env, cwd=tmp_path)
        assert plain.returncode == 1
        assert "no_body" in plain.stdout and "unreachable" in plain.stdout
        assert len(plain.stderr.splitlines()) == 1 and "Traceback" not in plain.stderr
    finally:
        pipeline.close()


def test_redis_unreachable_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_REDIS_URL=f"redis://:secret-pw@127.0.0.1:{_closed_port()}/0", NEWSWIRE_DATA_DIR=str(tmp_path))
    done = _status(env, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("newswire: error: NEWSWIRE_REDIS_URL: cannot use redis://:***@127.0.0.1:"), line
    assert "secret-pw" not in line
