"""Running services: one (`newswire ingest|store|enrich`) or all three (`newswire up`), supervised."""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import structlog

from newswire import __version__, logs
from newswire.redaction import redact_url
from newswire.redisio import redact
from newswire.settings import CommonSettings, ConfigError, apply_umask, load
from newswire.text import one_line

SAME_SIGNAL_S = 1.0  # a second SIGINT/SIGTERM sooner than this after the first is the same one (StopSignals)


class StopSignals:
    """What a SIGINT or SIGTERM asks: the first, to stop after the work in hand ("drain"); one later, to
    stop at once ("now"). One within SAME_SIGNAL_S of the first is that one delivered again ("same"): a
    wrapper that forwards the terminal's Ctrl-C to newswire (`uv run` does), which the terminal has
    signalled already, delivers every Ctrl-C twice."""

    def __init__(self) -> None:
        self.first: float | None = None

    def received(self, now: float) -> str:
        if self.first is None:
            self.first = now
            return "drain"
        return "same" if now - self.first < SAME_SIGNAL_S else "now"


def _settings_for(service: str) -> Any:
    """The settings of one service only: a consumer's bad setting must not stop the watcher."""
    if service == "ingest":
        from services.ingest.config import IngestSettings

        return load(IngestSettings)
    if service == "store":
        from services.store.config import StoreSettings

        return load(StoreSettings)
    from services.enrich.config import EnrichSettings

    return load(EnrichSettings)


def _check_inbox(ingest: Any) -> None:
    from services.ingest.inbox import Inbox

    Inbox(ingest).prepare()


def _check_database(url: str, timeout_s: float) -> None:
    """Reachable now, so that a wrong NEWSWIRE_DATABASE_URL fails before anything starts."""
    from newswire.db.engine import make_engine, wait_until_reachable

    engine = make_engine(url)
    try:
        wait_until_reachable(engine, timeout_s)
    finally:
        engine.dispose()


def _check_redis(url: str, timeout_s: float) -> None:
    from newswire.redisio import connect

    async def ping() -> None:
        r = await connect(url, timeout_s)
        await r.aclose()

    asyncio.run(ping())


def _lock_data_dir(common: CommonSettings) -> IO[str]:
    try:
        common.data_dir.mkdir(parents=True, exist_ok=True)
        fh = open(common.data_dir / "newswire.lock", "a+")  # noqa: SIM115 - held for the process's life
    except OSError as exc:
        raise ConfigError(f"NEWSWIRE_DATA_DIR: cannot use {common.data_dir}: {exc.strerror}") from None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ConfigError(
            f"NEWSWIRE_DATA_DIR: another `newswire up` is running on {common.data_dir.resolve()}"
        ) from None
    return fh


def cmd_up(_args: argparse.Namespace) -> int:
    from newswire_cli.embedded import EmbeddedRedis
    from services.enrich.main import run as run_enrich
    from services.ingest.main import run as run_ingest
    from services.store.main import run as run_store
    from services.web.main import run as run_web
    from services.web.main import url_of

    ingest, store, enrich = (_settings_for(name) for name in ("ingest", "store", "enrich"))
    apply_umask(ingest, own=[ingest.data_dir])
    if "workers" not in store.model_fields_set and "workers" not in enrich.model_fields_set:
        # One machine for the three services. Store's workers take up to half the cores; enrich's, at a
        # lower priority (NEWSWIRE_ENRICH_NICE), one per core: they use whatever ingest and store leave,
        # which is every core once a backlog is stored.
        cores = store.workers
        store = store.model_copy(update={"workers": max(1, cores // 2)})
        enrich = enrich.model_copy(update={"workers": max(1, cores)})
    log = logs.configure(ingest.log_level, ingest.log_format)
    _check_inbox(ingest)
    _check_database(store.resolved_database_url, store.connect_timeout_s)
    lock = _lock_data_dir(ingest)
    embedded = None
    redis_url = ingest.redis_url
    if redis_url:
        _check_redis(redis_url, ingest.connect_timeout_s)
    else:
        embedded = EmbeddedRedis(ingest.data_dir, port=ingest.embedded_port)
        redis_url = embedded.start()
    web = page = requeue = None
    try:
        web, page = _web_socket(log)
        if web is not None and web.web_admin:
            from newswire_cli.web import web_requeue

            requeue = web_requeue(web, redis_url)
        _banner(ingest, store, redis_url, embedded is not None, page=url_of(page) if page else None)

        def make(stopping: asyncio.Event, checks: list[Any]) -> list[Coroutine[Any, Any, None]]:
            services = [
                run_store(store, redis_url=redis_url, stopping=stopping, log=log, health=checks),
                run_enrich(enrich, redis_url=redis_url, stopping=stopping, log=log, health=checks),
                run_ingest(ingest, redis_url=redis_url, stopping=stopping, log=log, health=checks),
            ]
            if web is not None and page is not None:
                services.append(
                    run_web(
                        web,
                        redis_url=redis_url,
                        database_url=store.resolved_database_url,
                        stopping=stopping,
                        log=log,
                        health=checks,
                        requeue=requeue,
                        sock=page,
                    )
                )
            return services

        return _run(
            heartbeat=ingest.heartbeat_file, redis_url=redis_url, service="up", http=_http_address(ingest), make=make
        )
    finally:
        if page is not None:
            page.close()
        if requeue is not None:
            requeue.close()
        if embedded is not None:
            embedded.stop()
        lock.close()


def _web_socket(log: Any) -> tuple[Any, socket.socket | None]:
    """The live page's settings and listening socket for `newswire up` (None: NEWSWIRE_WEB_PORT=0). When
    another program holds the port, a free one, with a warning: the banner says which."""
    from services.web.config import WebSettings
    from services.web.main import PortTaken, listen

    web = load(WebSettings)
    if not web.web_port:
        return web, None
    try:
        return web, listen(web.web_host, web.web_port)
    except PortTaken as exc:
        log.warning("web_port_in_use", port=web.web_port, error=str(exc))
        return web, listen(web.web_host, 0)


def cmd_service(args: argparse.Namespace) -> int:
    settings = _settings_for(args.service)
    apply_umask(settings)
    log = logs.configure(settings.log_level, settings.log_format)
    if args.service == "ingest":
        _check_inbox(settings)
    else:
        _check_database(settings.resolved_database_url, settings.connect_timeout_s)
    redis_url = redis_url_of(settings)
    _check_redis(redis_url, settings.connect_timeout_s)
    run = _service_runner(args.service)
    return _run(
        lambda stopping, checks: [run(settings, redis_url=redis_url, stopping=stopping, log=log, health=checks)],
        heartbeat=settings.heartbeat_file,
        redis_url=redis_url,
        service=args.service,
        http=_http_address(settings),
    )


def _service_runner(name: str) -> Any:
    if name == "ingest":
        from services.ingest.main import run as run_ingest

        return run_ingest
    if name == "store":
        from services.store.main import run as run_store

        return run_store
    from services.enrich.main import run as run_enrich

    return run_enrich


def redis_url_of(settings: CommonSettings) -> str:
    from newswire_cli.embedded import running_url

    url = settings.redis_url or running_url(settings.data_dir)
    if not url:
        where = settings.data_dir.resolve()
        raise ConfigError(f"NEWSWIRE_REDIS_URL: not set, and no `newswire up` is running on {where} to share its Redis")
    return url


def _http_address(settings: CommonSettings) -> tuple[str, int] | None:
    """Where this process serves /healthz, /readyz and /metrics: NEWSWIRE_HTTP_PORT unset or 0 means nowhere."""
    return (settings.http_host, settings.http_port) if settings.http_port else None


def _run(
    make: Any, *, heartbeat: Path | None, redis_url: str, service: str, http: tuple[str, int] | None = None
) -> int:
    return asyncio.run(_supervise(make, heartbeat, redis_url, service, http))


def _redis_answers(redis_url: str) -> Any:
    """A health check: Redis answers PING."""
    from newswire.redisio import client

    r = client(redis_url)

    async def check() -> str | None:
        try:
            await asyncio.wait_for(r.ping(), timeout=4)
        except Exception as exc:  # noqa: BLE001 - any failure means: Redis cannot be used now
            from newswire.text import one_line

            return f"redis: {one_line(exc)}"
        return None

    return check, r


def cmd_health(args: argparse.Namespace) -> int:
    from newswire.health import verdict

    if getattr(args, "url", None):
        healthy, line = _url_verdict(args.url)
        print(line, file=sys.stdout if healthy else sys.stderr)
        return 0 if healthy else 1
    common = load(CommonSettings)
    if common.http_port:
        healthy, line = _http_verdict(common.http_host, common.http_port)
        print(line, file=sys.stdout if healthy else sys.stderr)
        return 0 if healthy else 1
    if common.heartbeat_file is None:
        raise ConfigError("NEWSWIRE_HEARTBEAT_FILE: not set, so there is no heartbeat to check")
    healthy, line = verdict(common.heartbeat_file, args.max_age)
    print(line, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


def _http_verdict(host: str, port: int) -> tuple[bool, str]:
    """(healthy, one line) from this machine's /healthz, asked on loopback when the server listens everywhere."""
    if host in ("", "0.0.0.0", "localhost"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return _url_verdict(f"http://{f'[{host}]' if ':' in host else host}:{port}/healthz")


def _url_verdict(url: str) -> tuple[bool, str]:
    """(healthy, one line): healthy when url answers 2xx within 3 s (`newswire health --url`: the live
    page's /healthz, say)."""
    import json
    import urllib.error
    import urllib.request

    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"--url: {url[:200]!r} is not an http:// or https:// URL")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an HTTP_PROXY
    try:
        with opener.open(url, timeout=3) as resp:
            resp.read(65536)
        return True, f"healthy: {url} answered {resp.status}"
    except urllib.error.HTTPError as exc:
        try:
            problems = json.loads(exc.read(65536)).get("problems") or []
        except (ValueError, AttributeError, OSError):
            problems = []
        why = "; ".join(str(p) for p in problems) or f"{url} answered {exc.code}"
        return False, f"unhealthy: {why}"
    except (OSError, ValueError) as exc:  # refused, timed out, not HTTP
        reason = getattr(exc, "reason", None) or exc
        return False, f"unhealthy: no answer from {url}: {one_line(reason) or type(exc).__name__}"


async def _supervise(
    make: Any, heartbeat: Path | None, redis_url: str, service: str, http: tuple[str, int] | None = None
) -> int:
    """Run the services until SIGINT/SIGTERM or until one fails; always drain all of them.

    Each service adds its health checks to ``checks`` as it starts; the heartbeat writes their
    verdict (newswire.health) while the services run. With ``http``, the process's HTTP server
    serves them too (see _serving_http)."""
    from newswire.health import heartbeat as beat_forever

    log = structlog.get_logger("newswire").bind(service=service)
    redis_check, redis_client = _redis_answers(redis_url)
    checks: list[Any] = [redis_check]
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = StopSignals()

    def on_signal() -> None:
        what = signals.received(time.monotonic())
        if what == "now":
            print("newswire: stopping now (unacknowledged work is redelivered at the next start)", file=sys.stderr)
            os._exit(130)
        if what == "drain":
            print("newswire: stopping; finishing work in hand (Ctrl-C again to stop at once)", file=sys.stderr)
            stopping.set()

    try:
        async with _serving_http(http, checks=checks, redis_check=redis_check, log=log):
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, on_signal)
            coros: list[Coroutine[Any, Any, None]] = make(stopping, checks)
            tasks = [asyncio.create_task(c) for c in coros]
            beat = None
            if heartbeat:
                beat = asyncio.create_task(
                    beat_forever(heartbeat, stopping=stopping, checks=checks, service=service, log=log)
                )
            stop_wait = asyncio.create_task(stopping.wait())
            await asyncio.wait([*tasks, stop_wait], return_when=asyncio.FIRST_COMPLETED)
            stopping.set()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            stop_wait.cancel()
            if beat is not None:
                await beat
    finally:
        await redis_client.aclose()
    for r in results:
        if isinstance(r, ConfigError):
            raise r
        if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError):
            raise r
    return 0


@asynccontextmanager
async def _serving_http(
    http: tuple[str, int] | None, *, checks: list[Any], redis_check: Any, log: Any
) -> AsyncIterator[None]:
    """/healthz (the services' stall checks), /readyz (Redis and the checks the services register)
    and /metrics (newswire.metrics, whose stream gauges are refreshed meanwhile), served from before
    the services start until they have stopped. A port that cannot be had stops the command first."""
    if http is None:
        yield
        return
    from newswire.http import HttpServer, add_ready, remove_ready
    from newswire.metrics import STREAM_STATS

    # Liveness leaves Redis out: a process whose Redis is away is alive (and not ready).
    server = HttpServer(*http, live=lambda: [c for c in checks if c is not redis_check], log=log)
    await server.start()
    ready = add_ready("redis", redis_check)
    done = asyncio.Event()
    refresh = asyncio.create_task(STREAM_STATS.refresh_forever(done, log=log), name="stream-stats")
    try:
        yield
    finally:
        done.set()
        await refresh
        remove_ready(ready)
        await server.close()


def _banner(ingest: Any, store: Any, redis_url: str, embedded: bool, *, page: str | None = None) -> None:
    s = ingest.streams
    shown_db = store.resolved_database_url
    where = ""
    if embedded:
        from newswire_cli.embedded import URL_FILE

        data = ingest.data_dir.resolve()
        where = f" (embedded; data in {data / 'redis'}; the URL with its password in {data / URL_FILE})"
    print(
        "\n".join(
            [
                f"newswire {__version__} up",
                f"  inbox     {ingest.inbox.resolve()}   <- drop article files here",
                f"  done      {ingest.done_dir.resolve()}",
                f"  errors    {ingest.error_dir.resolve()}",
                f"  database  {_redact_db(shown_db)}",
                f"  redis     {redact(redis_url)}{where}",
                f"  streams   {s.raw} -> {s.stored} -> {s.enriched}   (rejects: {s.dead})",
                f"  follow    newswire tail {s.enriched}",
                *([f"  web       {page}"] if page else []),
                *([f"  http      {_http_base(ingest)}/healthz  /readyz  /metrics"] if ingest.http_port else []),
                "Ctrl-C stops cleanly.",
            ]
        ),
        file=sys.stderr,
        flush=True,
    )


def _http_base(settings: CommonSettings) -> str:
    host = settings.http_host
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.http_port}"


def _redact_db(url: str) -> str:
    return redact_url(url)
