"""The process's HTTP endpoints (NEWSWIRE_HTTP_PORT): /healthz, /readyz and /metrics.

A minimal HTTP/1.1 responder on the process's own event loop (asyncio.start_server), one request
per connection, GET and HEAD only. Being on the loop is the point of /healthz: a loop that is stuck
does not answer, and the probe times out. Whatever a client sends (garbage, a megabyte of headers,
one byte a minute, a thousand connections) costs a bounded read, a bounded wait and a slot among
MAX_CLIENTS, and never reaches the service.

- /healthz: alive, and no part stalled. The parts' stall checks (newswire.health.Progress: work
  waiting and no progress for NEWSWIRE_STALL_S) run every few seconds on the loop; the last
  verdict is served. A check that cannot reach Redis says nothing here: Redis away is not a reason
  to restart this process (/readyz says it).
- /readyz: what the process needs answers now. Each service registers its checks (`add_ready`):
  Redis, the database, the consumer groups, the folders. Run on demand, all at once, each within
  READY_TIMEOUT_S, at most one round at a time, and a round's answer serves for READY_CACHE_S.
- /metrics: prometheus_client's exposition of the default registry (newswire.metrics).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

import newswire.metrics  # noqa: F401 - what /metrics serves is registered as it is imported
from newswire.health import BEAT_EVERY_S, Check
from newswire.redisio import TRANSIENT
from newswire.settings import ConfigError
from newswire.text import one_line
from newswire.waiting import pause

MAX_HEAD = 8 * 1024  # request line and headers; more is answered 431
READ_TIMEOUT_S = 5.0  # for the whole request head: a client that trickles is answered 408
WRITE_TIMEOUT_S = 10.0  # a client that does not read its answer is cut off
MAX_CLIENTS = 64  # connections served at once; more are closed at once
READY_TIMEOUT_S = 3.0
READY_CACHE_S = 1.0
LIVE_STALE_S = 3 * BEAT_EVERY_S  # no verdict this long: the checks themselves are stuck

REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class Readiness:
    name: str
    check: Check


_READY: list[Readiness] = []


def add_ready(name: str, check: Check) -> Readiness:
    """Register a readiness check of this process (`name`: what /readyz calls it when it fails);
    a check returns None when ready, else the problem in one line (or raises)."""
    r = Readiness(name, check)
    _READY.append(r)
    return r


def remove_ready(*registered: Readiness | None) -> None:
    for r in registered:
        with suppress(ValueError):
            _READY.remove(r)  # type: ignore[arg-type]


def registered_ready() -> list[Readiness]:
    return list(_READY)


class HttpServer:
    """/healthz, /readyz and /metrics on host:port, served from the running loop."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        live: Callable[[], Iterable[Check]],
        ready: Callable[[], Iterable[Readiness]] = registered_ready,
        registry: CollectorRegistry = REGISTRY,
        log: Any,
    ) -> None:
        self.host, self.port = host, port
        self.live, self.ready, self.registry = live, ready, registry
        self.log = log
        # Its own: the server answers while the services drain at stop, until close().
        self._closing = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._clients = 0
        self._problems: list[str] = []
        self._judged_at = time.monotonic()
        self._judge: asyncio.Task[None] | None = None
        self._ready_round: asyncio.Task[dict[str, str | None]] | None = None
        self._ready_at = 0.0

    # -- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(
                self._serve_client, self.host, self.port, limit=MAX_HEAD, reuse_address=True
            )
        except OSError as exc:
            raise ConfigError(
                f"NEWSWIRE_HTTP_PORT: cannot listen on {self.host}:{self.port}: {exc.strerror or one_line(exc)}"
            ) from None
        if self.port == 0:  # tests ask for any free port
            self.port = int(self._server.sockets[0].getsockname()[1])
        self._judge = asyncio.create_task(self._judge_forever(), name="http-health")
        self.log.info("http_serving", host=self.host, port=self.port, routes=["/healthz", "/readyz", "/metrics"])

    async def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.close()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), timeout=WRITE_TIMEOUT_S)
        for task in (self._judge, self._ready_round):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    # -- liveness ---------------------------------------------------------------------------------
    async def _judge_forever(self) -> None:
        while True:
            self._problems = await self._liveness_problems()
            self._judged_at = time.monotonic()
            if await pause(self._closing, BEAT_EVERY_S):
                return

    async def _liveness_problems(self) -> list[str]:
        # All at once, each bounded: a round takes at most BEAT_EVERY_S, well within LIVE_STALE_S.
        found = await asyncio.gather(*(_live_problem(check) for check in list(self.live())))
        return [problem for problem in found if problem]

    def healthz(self) -> tuple[int, dict[str, Any]]:
        quiet = time.monotonic() - self._judged_at
        if self._judge is not None and quiet > LIVE_STALE_S:
            return 503, {"healthy": False, "problems": [f"the health checks have not finished for {quiet:.0f} s"]}
        if self._problems:
            return 503, {"healthy": False, "problems": self._problems}
        return 200, {"healthy": True, "problems": []}

    # -- readiness --------------------------------------------------------------------------------
    async def readyz(self) -> tuple[int, dict[str, Any]]:
        now = time.monotonic()
        stale = self._ready_round is None or (self._ready_round.done() and now - self._ready_at > READY_CACHE_S)
        if stale:
            self._ready_at = now
            self._ready_round = asyncio.create_task(self._readiness_round())
        assert self._ready_round is not None
        # Shielded: a client that hangs up does not cancel the round others wait for.
        results = await asyncio.shield(self._ready_round)
        failing = [name for name, problem in results.items() if problem]
        doc: dict[str, Any] = {"ready": not failing, "failing": failing}
        doc["checks"] = {name: problem or "ok" for name, problem in results.items()}
        return (503 if failing else 200), doc

    async def _readiness_round(self) -> dict[str, str | None]:
        checks = list(self.ready())
        found = await asyncio.gather(*(_ready_problem(r) for r in checks))
        results: dict[str, str | None] = {}
        for r, problem in zip(checks, found, strict=True):
            results[r.name] = results.get(r.name) or problem
        return results

    # -- the responder ----------------------------------------------------------------------------
    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._clients >= MAX_CLIENTS:
            writer.transport.abort()
            return
        self._clients += 1
        try:
            status, headers, body, head_only = await self._answer(reader)
            if status:
                await self._send(writer, status, headers, body, head_only)
        except Exception as exc:  # noqa: BLE001 - no request may ever reach the service
            self.log.debug("http_request_failed", error=one_line(exc) or type(exc).__name__)
        finally:
            self._clients -= 1
            if writer.transport.get_write_buffer_size():
                writer.transport.abort()  # a client that does not read its answer is not waited for
            else:
                writer.close()
            with suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), timeout=1.0)

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes, bool]:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=READ_TIMEOUT_S)
        except asyncio.IncompleteReadError:
            return 0, {}, b"", False  # the client went away before it asked anything
        except asyncio.LimitOverrunError:
            return _plain(431, "request head too large\n")
        except TimeoutError:
            return _plain(408, "request not received in time\n")
        request_line = head.split(b"\r\n", 1)[0]
        parts = request_line.split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1.") or not parts[1].startswith(b"/"):
            return _plain(400, "bad request\n")
        method, target = parts[0], parts[1].split(b"?", 1)[0]
        if method not in (b"GET", b"HEAD"):
            status, headers, body, _ = _plain(405, "GET or HEAD only\n")
            return status, {**headers, "Allow": "GET, HEAD"}, body, False
        head_only = method == b"HEAD"
        if target == b"/healthz":
            return (*_json(*self.healthz()), head_only)
        if target == b"/readyz":
            return (*_json(*await self.readyz()), head_only)
        if target == b"/metrics":
            return 200, {"Content-Type": CONTENT_TYPE_LATEST}, generate_latest(self.registry), head_only
        status, headers, body, _ = _plain(404, "not found: /healthz, /readyz, /metrics\n")
        return status, headers, body, head_only

    async def _send(
        self, writer: asyncio.StreamWriter, status: int, headers: dict[str, str], body: bytes, head_only: bool
    ) -> None:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, '')}"]
        lines += [f"{k}: {v}" for k, v in {**headers, "Content-Length": str(len(body)), "Connection": "close"}.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else body))
        await asyncio.wait_for(writer.drain(), timeout=WRITE_TIMEOUT_S)


async def _live_problem(check: Check) -> str | None:
    try:
        return await asyncio.wait_for(check(), timeout=BEAT_EVERY_S)
    except TRANSIENT:
        return None  # Redis away or slow: readiness, not liveness
    except Exception as exc:  # noqa: BLE001 - a check that cannot run is a problem to report
        return f"health check failed: {one_line(exc)}"


async def _ready_problem(r: Readiness) -> str | None:
    try:
        return await asyncio.wait_for(r.check(), timeout=READY_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {READY_TIMEOUT_S:.0f} s"
    except Exception as exc:  # noqa: BLE001 - a check that raises is a check that fails
        return one_line(exc) or type(exc).__name__


def _plain(status: int, text: str) -> tuple[int, dict[str, str], bytes, bool]:
    return status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode(), False


def _json(status: int, doc: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, (json.dumps(doc) + "\n").encode()
