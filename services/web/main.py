"""Composition root of the live page: its socket, its app, and uvicorn serving it on this event loop.

uvicorn.Server runs on the loop it is awaited on, beside the other services of `newswire up`; its own
signal handling is switched off, since the supervisor (newswire_cli.run) owns SIGINT and SIGTERM and
sets `stopping`, which ends the event streams and then the server."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from newswire.db.engine import make_engine, migrate, wait_until_reachable
from newswire.health import Check
from newswire.settings import ConfigError
from services.web.app import RequeueFn, create_app
from services.web.config import WebSettings

GRACE_S = 5  # after the stop, what is still answering gets this long
MAX_CONNECTIONS = 256  # more at once are answered 503 by uvicorn


class PortTaken(ConfigError):
    """Another program listens on NEWSWIRE_WEB_PORT."""


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0: any free port); ConfigError naming NEWSWIRE_WEB_PORT otherwise."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise ConfigError(f"NEWSWIRE_WEB_HOST: cannot listen on {host!r}: {why}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        error = PortTaken if exc.errno == errno.EADDRINUSE else ConfigError
        raise error(f"NEWSWIRE_WEB_PORT: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the supervisor's: it sets `stopping`


async def run(
    settings: WebSettings,
    *,
    redis_url: str,
    database_url: str,
    stopping: asyncio.Event,
    log: Any,
    health: list[Check] | None = None,
    requeue: RequeueFn | None = None,
    sock: socket.socket | None = None,
) -> None:
    """Serve the page until stopping is set: on sock (listening already), else on NEWSWIRE_WEB_HOST:PORT.
    The database is brought to the newest schema first, as the services do (the search needs its index)."""
    log = log.bind(service="web")
    sock = sock if sock is not None else listen(settings.web_host, settings.web_port)
    try:
        engine = make_engine(database_url)
        try:
            await asyncio.to_thread(wait_until_reachable, engine, settings.connect_timeout_s)
            await asyncio.to_thread(migrate, engine)
        finally:
            engine.dispose()
        app = create_app(settings, redis_url, database_url, requeue=requeue, stopping=stopping, log=log)
        config = uvicorn.Config(
            app,
            http="h11",
            ws="none",
            lifespan="on",
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            limit_concurrency=MAX_CONNECTIONS,
            timeout_graceful_shutdown=GRACE_S,
        )
        server = _Server(config)
        if health is not None:
            health.append(_serving(server, stopping))
        stop = asyncio.create_task(_stop_at(stopping, server), name="web-stop")
        log.info("web_serving", url=url_of(sock), admin=settings.web_admin)
        try:
            await server.serve(sockets=[sock])
        except SystemExit:  # uvicorn's way to say its start failed (it logged why)
            raise ConfigError("NEWSWIRE_WEB_PORT: the page could not start (see the log above)") from None
        finally:
            stop.cancel()
        log.info("web_stopped")
    finally:
        sock.close()


async def _stop_at(stopping: asyncio.Event, server: uvicorn.Server) -> None:
    await stopping.wait()
    server.should_exit = True


def _serving(server: uvicorn.Server, stopping: asyncio.Event) -> Check:
    async def check() -> str | None:
        if server.should_exit and not stopping.is_set():
            return "web: the page's server has stopped"
        return None

    return check
