"""The floor shipped with the project (newswire_tools/floor.py), run end to end against a real Redis.

It runs on a Redis database number of its own (FLOOR_DB: the other tests use database 0 with a
prefix each, and the bench picks the floor's database from 9 upwards only when it is empty), and
with a key prefix of its own on top.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

from newswire_tools.bench.measure_floor import FLOOR_LINE, SHIPPED_FLOOR
from newswire_tools.corpus import write_corpus

pytestmark = pytest.mark.slow  # processes and a real Redis: seconds each

FLOOR_DB = 14
N = 200


@pytest.fixture
def floor_url(redis_server_url: str) -> str:
    return urlunsplit(urlsplit(redis_server_url)._replace(path=f"/{FLOOR_DB}"))


@pytest.fixture
def floor_redis(floor_url: str) -> Iterator[Any]:
    r = redis.Redis.from_url(floor_url)
    yield r
    r.close()


@pytest.fixture
def floor_prefix(floor_redis: Any) -> Iterator[str]:
    prefix = f"tfloor{uuid.uuid4().hex[:10]}:"
    yield prefix
    keys = list(floor_redis.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        floor_redis.delete(*keys)


def _floor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SHIPPED_FLOOR), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_every_article_is_stored_and_enriched(
    tmp_path: Path, floor_url: str, floor_redis: Any, floor_prefix: str
) -> None:
    write_corpus(tmp_path / "inbox", N)
    db = tmp_path / "floor.db"

    proc = _floor(floor_url, str(tmp_path / "inbox"), str(db), "--prefix", floor_prefix, "--keep")

    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = FLOOR_LINE.search(proc.stdout)  # the line newswire bench reads
    assert line and int(line[1]) == N and float(line[3]) > 0, proc.stdout
    for stream in ("raw", "stored", "enriched"):
        assert floor_redis.xlen(f"{floor_prefix}{stream}") == N, stream
    assert floor_redis.xlen(f"{floor_prefix}dead") == 0
    for stream, group in (("raw", "store"), ("stored", "enrich")):
        assert floor_redis.xpending(f"{floor_prefix}{stream}", group)["pending"] == 0, stream  # all acknowledged
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*), count(DISTINCT code) FROM article").fetchone() == (N, N)
        (mode,) = con.execute("PRAGMA journal_mode").fetchone()
    assert mode == "wal"
    _, fields = floor_redis.xrange(f"{floor_prefix}enriched", count=1)[0]
    doc = json.loads(fields[b"data"])
    assert doc["code"].startswith("9000") and doc["words"] > 20
    assert doc["names"] and all(name[0].isupper() for name in doc["names"])


def test_without_keep_its_keys_are_gone_and_a_stray_text_is_dead_lettered(tmp_path: Path, floor_url: str) -> None:
    inbox = tmp_path / "inbox"
    write_corpus(inbox, 20)
    (inbox / "stray.txt").write_text("not the seed layout\n", encoding="utf-8")
    (inbox / "ignored.json").write_text("{}", encoding="utf-8")  # not *.txt: never read

    proc = subprocess.Popen(
        [sys.executable, str(SHIPPED_FLOOR), floor_url, str(inbox), str(tmp_path / "floor.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out, _ = proc.communicate(timeout=120)

    assert proc.returncode == 0, out
    assert "floor: 21 articles in" in out
    r = redis.Redis.from_url(floor_url)
    try:
        # the default prefix is floor<pid>:, and everything under it is deleted at the end
        assert not list(r.scan_iter(match=f"floor{proc.pid}:*"))
    finally:
        r.close()
    with sqlite3.connect(tmp_path / "floor.db") as con:
        assert con.execute("SELECT count(*) FROM article").fetchone() == (20,)


def test_its_stages_run_alone_for_the_bench(tmp_path: Path, floor_url: str) -> None:
    """newswire_tools.bench_floor imports watcher and store_stage from it and times each stage alone."""
    write_corpus(tmp_path / "inbox", N)

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "newswire_tools.bench_floor",
            str(SHIPPED_FLOOR),
            floor_url,
            str(tmp_path / "inbox"),
            str(tmp_path / "alone.db"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert figures["ingest_alone_aps"] > 0 and figures["store_alone_aps"] > 0
