"""The HTTP responder (newswire.http) against what a network can send it: it answers what it can,
refuses the rest with a status, and keeps serving. A real server on a real socket, on this loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families

from newswire import http
from newswire.http import HttpServer, Readiness


async def _ok() -> str | None:
    return None


async def _stalled() -> str | None:
    return "articles:raw group store: 3 waiting and no progress for 61 s"


async def _redis_away() -> str | None:
    raise ConnectionError("Error 111 connecting to 127.0.0.1:1")


async def _hangs() -> str | None:
    await asyncio.sleep(3600)
    return None


class Checks:
    def __init__(self) -> None:
        self.live: list[Any] = [_ok, _redis_away]
        self.ready: list[Readiness] = [Readiness("redis", _ok), Readiness("store.database", _ok)]


@pytest.fixture
def checks() -> Checks:
    return Checks()


@pytest.fixture
async def server(checks: Checks) -> AsyncIterator[HttpServer]:
    s = HttpServer(
        "127.0.0.1",
        0,
        live=lambda: checks.live,
        ready=lambda: checks.ready,
        log=structlog.get_logger("test"),
    )
    await s.start()
    yield s
    await s.close()


async def _exchange(server: HttpServer, raw: bytes, *, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout=timeout)
    finally:
        writer.close()
    return _parse(data)


def _parse(data: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


async def _get(server: HttpServer, path: str) -> tuple[int, dict[str, str], bytes]:
    return await _exchange(server, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())


async def test_the_three_routes_answer(server: HttpServer) -> None:
    status, headers, body = await _get(server, "/healthz")
    assert status == 200 and json.loads(body) == {"healthy": True, "problems": []}
    assert headers["connection"] == "close" and int(headers["content-length"]) == len(body)

    status, _, body = await _get(server, "/readyz?verbose=1")
    assert status == 200
    assert json.loads(body)["checks"] == {"redis": "ok", "store.database": "ok"}

    status, headers, body = await _get(server, "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    names = {f.name for f in text_string_to_metric_families(body.decode())}
    assert {"newswire_entries_handled", "newswire_stream_length", "process_cpu_seconds"} <= names

    status, _, body = await _exchange(server, b"HEAD /healthz HTTP/1.1\r\n\r\n")
    assert status == 200 and body == b""


async def test_healthz_reports_a_stall_but_not_redis_away(server: HttpServer, checks: Checks) -> None:
    # Redis away (a check that cannot connect) is no reason to restart the process: healthy.
    assert (await _get(server, "/healthz"))[0] == 200
    checks.live.append(_stalled)
    server._problems = await server._liveness_problems()  # the judge's next round, without waiting 5 s
    status, _, body = await _get(server, "/healthz")
    assert status == 503
    assert json.loads(body)["problems"] == ["articles:raw group store: 3 waiting and no progress for 61 s"]


async def test_readyz_names_the_failing_checks_and_bounds_a_hanging_one(
    server: HttpServer, checks: Checks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "READY_TIMEOUT_S", 0.3)
    monkeypatch.setattr(http, "READY_CACHE_S", 0.0)
    checks.ready = [Readiness("redis", _redis_away), Readiness("store.group", _hangs), Readiness("ingest.folders", _ok)]
    status, _, body = await asyncio.wait_for(_get(server, "/readyz"), timeout=5)
    doc = json.loads(body)
    assert status == 503
    assert doc["failing"] == ["redis", "store.group"]
    assert "111" in doc["checks"]["redis"] and "no answer" in doc["checks"]["store.group"]
    assert doc["checks"]["ingest.folders"] == "ok"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"\x00\xff\xfe garbage \r\n\r\n", 400),
        (b"GET\r\n\r\n", 400),
        (b"GET /healthz\r\n\r\n", 400),
        (b"GET healthz HTTP/1.1\r\n\r\n", 400),
        (b"GET /healthz SPDY/3\r\n\r\n", 400),
        (b"POST /healthz HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 405),
        (b"GET /../../etc/passwd HTTP/1.1\r\n\r\n", 404),
        (b"GET / HTTP/1.1\r\n\r\n", 404),
    ],
)
async def test_a_bad_request_gets_a_status_and_the_server_goes_on(server: HttpServer, raw: bytes, status: int) -> None:
    assert (await _exchange(server, raw))[0] == status
    assert (await _get(server, "/healthz"))[0] == 200


async def test_a_megabyte_of_headers_is_refused_without_reading_it_all(server: HttpServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\n")
    try:
        for _ in range(1024):
            writer.write(b"X-Filler: " + b"a" * 1012 + b"\r\n")
            await writer.drain()
    except ConnectionError:
        pass  # the server answered and closed while we were still sending: that is the point
    try:
        data = await asyncio.wait_for(reader.read(), timeout=10)
    except ConnectionError:
        data = b""
    writer.close()
    if data:  # the answer may be lost to a reset when the server closes with our bytes unread
        assert _parse(data)[0] == 431
    assert (await _get(server, "/healthz"))[0] == 200


async def test_a_slow_client_is_cut_off_and_others_are_served_meanwhile(
    server: HttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "READ_TIMEOUT_S", 0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /hea")  # and then nothing
    await writer.drain()
    assert (await _get(server, "/healthz"))[0] == 200  # served while the slow one waits
    data = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    assert _parse(data)[0] == 408


async def test_a_client_that_connects_and_says_nothing_does_not_hold_a_slot_forever(
    server: HttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "READ_TIMEOUT_S", 0.5)
    monkeypatch.setattr(http, "MAX_CLIENTS", 4)
    idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(4)]
    await asyncio.sleep(0.1)
    # All slots taken: one more is closed at once, without an answer.
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert await asyncio.wait_for(reader.read(), timeout=5) == b""
    writer.close()
    for r, w in idle:  # each is cut off after READ_TIMEOUT_S
        assert _parse(await asyncio.wait_for(r.read(), timeout=5))[0] == 408
        w.close()
    assert (await _get(server, "/healthz"))[0] == 200


async def test_a_client_that_hangs_up_at_once_is_no_error(server: HttpServer) -> None:
    for _ in range(20):
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.transport.abort()
    assert (await _get(server, "/healthz"))[0] == 200


async def test_a_port_in_use_is_a_config_error_naming_the_setting(server: HttpServer) -> None:
    from newswire.settings import ConfigError

    other = HttpServer("127.0.0.1", server.port, live=list, log=structlog.get_logger("test"))
    other_ok = True
    try:
        await other.start()
    except ConfigError as exc:
        other_ok = False
        assert str(exc).startswith(f"NEWSWIRE_HTTP_PORT: cannot listen on 127.0.0.1:{server.port}")
    finally:
        await other.close()
    assert not other_ok
