"""The live page's HTTP API (see the README, Live page): a Starlette app on the service's own event loop.

Redis is read with redis.asyncio; the database (search, counts) and the decoding of many events at once run
in worker threads, so that the loop never waits on them. Every answer is JSON (the page and its files
aside), errors included: {"error": "<one line>"}. Nothing here writes, the requeue button excepted, which
is the `newswire requeue` command's own operation, handed in by the composition root (`requeue`), and the
search index: while the app runs, a task brings SQLite's full-text index up to the newest articles every
second (newswire.db.search.catch_up; the store does not index what it inserts)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from newswire.db.engine import make_engine
from newswire.redaction import redact_text
from newswire.redisio import client
from newswire.text import one_line
from newswire.waiting import pause
from services.web import events, reading
from services.web.config import WebSettings
from services.web.items import NotAnArticle, item_from_event, item_from_row
from services.web.security import Guard
from services.web.stats import Stats

__all__ = ["create_app", "item_from_event", "item_from_row"]

STATIC = Path(__file__).parent / "static"
FEED_LIMIT, FEED_MAX = 100, 1000
SEARCH_LIMIT, SEARCH_MAX = 100, 1000
DEAD_LIMIT, DEAD_MAX = 50, 500
MAX_STREAMS = 64  # event streams served at once (each holds a Redis connection while it waits)
FILTER_MAX = 200  # characters of a person or organisation filter
QUERY_MAX = 500
REQUEUE_HEADER = "x-newswire-requeue"
CATCH_UP_EVERY_S = 1.0  # the search index is this far behind the newest articles, about
CATCH_UP_BATCH = 2000  # articles per catch-up transaction (about 0.25 s of SQLite's writer lock; its default)
# Between two full batches: a store waiting for the writer lock (SQLite's busy handler sleeps up to
# 100 ms between its tries) gets it before the next batch takes it again.
CATCH_UP_PAUSE_S = 0.15
STOP_GRACE_S = 10  # for a catch-up under way when the app stops


class Requeued(Protocol):
    """What the requeue operation says of one dead letter (newswire_cli.requeue.Outcome)."""

    @property
    def status(self) -> str: ...  # requeued | skipped | refused | missing | invalid

    @property
    def detail(self) -> str: ...


RequeueFn = Callable[[str], Requeued]
_REQUEUE_STATUS = {"requeued": 200, "would": 200, "missing": 404, "skipped": 409, "refused": 422, "invalid": 400}


class Problem(Exception):
    """An answer other than 200: the status and its one-line reason."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


def create_app(
    settings: WebSettings,
    redis_url: str,
    database_url: str,
    *,
    requeue: RequeueFn | None = None,
    stopping: asyncio.Event | None = None,
    log: Any = None,
) -> Starlette:
    """The app. Nothing connects until it starts (its lifespan); stopping ends the event streams."""
    api = Api(settings, redis_url, database_url, requeue=requeue, stopping=stopping or asyncio.Event(), log=log)
    get = ["GET"]  # HEAD too: Starlette answers HEAD wherever GET is allowed
    routes = [
        Route("/", api.page, methods=get),
        Route("/healthz", api.healthz, methods=get),
        Route("/api/feed", api.feed, methods=get),
        Route("/api/events", api.events, methods=get),
        Route("/api/search", api.search, methods=get),
        Route("/api/count", api.count, methods=get),
        Route("/api/stats", api.stats, methods=get),
        Route("/api/dead", api.dead, methods=get),
        Route("/api/dead/{dead_id}/requeue", api.requeue, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(Guard, hosts=settings.hosts())],
        exception_handlers={HTTPException: _http_error, Problem: _problem, Exception: _server_error},
        lifespan=api.lifespan,
    )


class Api:
    def __init__(
        self,
        settings: WebSettings,
        redis_url: str,
        database_url: str,
        *,
        requeue: RequeueFn | None,
        stopping: asyncio.Event,
        log: Any,
    ) -> None:
        self.settings, self.streams = settings, settings.streams
        self.redis_url, self.database_url = redis_url, database_url
        self.requeuer, self.stopping = requeue, stopping
        self.log = log if log is not None else _Quiet()
        self.open_streams = 0
        self.r: Any = None
        self.engine: Any = None
        self.scripts: reading.Scripts
        self.statistics: Stats

    @asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        self.r = client(self.redis_url)
        self.engine = make_engine(self.database_url)
        self.scripts = reading.Scripts(self.r)
        self.statistics = Stats(self.r, self.scripts, self.streams, self.engine, threaded=run_in_threadpool)
        done = asyncio.Event()
        indexing = asyncio.create_task(self._catch_up(done), name="web-search-index")
        try:
            yield
        finally:
            done.set()
            # The batch under way (in its thread) ends first: the engine is not disposed under it.
            _, late = await asyncio.wait({indexing}, timeout=STOP_GRACE_S)
            for task in late:
                task.cancel()
            await self.r.aclose()
            self.engine.dispose()

    async def _catch_up(self, done: asyncio.Event) -> None:
        """Every second (at once at the start), index the articles stored since (SQLite: a catch-up
        per batch until one is not full; nothing to do on PostgreSQL), until done (the app stops). A
        round that indexed something logs one line; a database error logs one line and the next
        round tries again."""
        while not done.is_set():
            started, rows = time.perf_counter(), 0
            try:
                catch_up = _search_module().catch_up
                while True:
                    n = await run_in_threadpool(catch_up, self.engine, batch=CATCH_UP_BATCH)
                    rows += n
                    if n < CATCH_UP_BATCH or done.is_set():
                        break
                    await asyncio.sleep(CATCH_UP_PAUSE_S)
            except Exception as exc:  # noqa: BLE001 - the database away or busy: the next round retries
                self.log.warning("search_index_failed", error=self._redacted_database(exc), indexed=rows)
            else:
                if rows:
                    ms = round((time.perf_counter() - started) * 1000)
                    self.log.info("search_indexed", rows=rows, ms=ms)
            await pause(done, CATCH_UP_EVERY_S)

    # -- the page ---------------------------------------------------------------------------------
    async def page(self, _request: Request) -> Response:
        index = STATIC / "index.html"
        if not index.is_file():
            raise Problem(503, "the page is not there (services/web/static/index.html)")
        return FileResponse(index, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    async def healthz(self, _request: Request) -> Response:
        try:
            await asyncio.wait_for(self.r.ping(), timeout=3)
        except Exception as exc:  # noqa: BLE001 - any failure: Redis cannot be used now
            return _json({"status": "unhealthy", "problems": [f"redis: {self._redacted(exc)}"]}, 503)
        return _json({"status": "ok"})

    # -- the feed ---------------------------------------------------------------------------------
    async def feed(self, request: Request) -> Response:
        before = _entry_id(request.query_params.get("before"), "before")
        limit = _limit(request, FEED_LIMIT, FEED_MAX)
        async with self._redis():
            entries = await reading.feed_page(self.r, self.streams.enriched, before=before, limit=limit)
            newest = (await reading.where(self.scripts, self.streams.enriched))["last_id"]
        # "next": the id to ask for older ones with (the oldest read, malformed entries included); null at the end.
        older = entries[-1][0] if len(entries) == limit else None
        body = await run_in_threadpool(_feed_body, entries, newest, older)
        return Response(body, media_type="application/json")

    async def events(self, request: Request) -> Response:
        asked = request.headers.get("last-event-id") or request.query_params.get("last_id") or None
        if self.open_streams >= MAX_STREAMS:
            raise Problem(503, f"{MAX_STREAMS} event streams are open already; try again later")
        async with self._redis():
            start = await events.start_of(self.scripts, self.streams.enriched, asked)
        return StreamingResponse(
            self._counted(
                events.event_stream(
                    self.r,
                    self.streams.enriched,
                    start,
                    stopping=self.stopping,
                    threaded=run_in_threadpool,
                    log=self.log,
                )
            ),
            media_type="text/event-stream; charset=utf-8",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def _counted(self, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        self.open_streams += 1
        try:
            async for chunk in stream:
                yield chunk
        finally:
            self.open_streams -= 1

    # -- the database -----------------------------------------------------------------------------
    async def search(self, request: Request) -> Response:
        params = request.query_params
        filters = {
            "q": _text(params.get("q"), "q", QUERY_MAX),
            "lang": _code(params.get("lang"), "lang", "an ISO 639-1 code such as en"),
            "country": _code(params.get("country"), "country", "an ISO 3166 alpha-2 code such as RU"),
            "person": _text(params.get("person"), "person", FILTER_MAX),
            "org": _text(params.get("org"), "org", FILTER_MAX),
        }
        limit = _limit(request, SEARCH_LIMIT, SEARCH_MAX)
        searching = _search_module()
        if filters["lang"]:
            filters["lang"] = filters["lang"].lower()
        if filters["country"]:
            filters["country"] = filters["country"].upper()
        # Counted before the search: an article indexed meanwhile is found and still counted, never the reverse.
        unindexed = await self._database(searching.unindexed, self.engine)
        rows = await self._database(searching.search, self.engine, limit=limit, **filters)
        body = await run_in_threadpool(_search_body, rows, unindexed)
        return Response(body, media_type="application/json")

    async def count(self, _request: Request) -> Response:
        counts = await self._database(_search_module().count, self.engine)
        return _json({"articles": int(counts["articles"]), "enriched": int(counts["enriched"])})

    # -- health -----------------------------------------------------------------------------------
    async def stats(self, _request: Request) -> Response:
        async with self._redis():
            return _json(await self.statistics.get())

    async def dead(self, request: Request) -> Response:
        limit = _limit(request, DEAD_LIMIT, DEAD_MAX)
        async with self._redis():
            items = await reading.dead_letters(self.r, self.streams.dead, limit=limit)
        return _json({"items": items, "admin": self.settings.web_admin})

    async def requeue(self, request: Request) -> Response:
        if not self.settings.web_admin:
            raise Problem(403, "requeue is off: NEWSWIRE_WEB_ADMIN=1 turns it on")
        if request.headers.get(REQUEUE_HEADER) != "1":
            raise Problem(400, "a requeue needs the header X-Newswire-Requeue: 1")
        dead_id = str(request.path_params["dead_id"])
        if not reading.ENTRY_ID.fullmatch(dead_id):
            raise Problem(400, f"{dead_id[:40]!r} is not a dead letter's entry id (such as 1714557600000-0)")
        if self.requeuer is None:
            raise Problem(503, "requeue is not available in this process")
        try:
            outcome = await run_in_threadpool(self.requeuer, dead_id)
        except Exception as exc:  # noqa: BLE001 - Redis away, a folder unreadable: said in one line
            raise Problem(503, f"requeue failed: {self._redacted(exc)}") from None
        status = _REQUEUE_STATUS.get(outcome.status, 500)
        self.log.info("web_requeue", dead_id=dead_id, status=outcome.status, detail=outcome.detail)
        if status != 200:
            raise Problem(status, outcome.detail)
        return _json({"ok": True, "detail": outcome.detail})

    # -- helpers ----------------------------------------------------------------------------------
    @asynccontextmanager
    async def _redis(self) -> AsyncIterator[None]:
        from redis.exceptions import RedisError

        try:
            yield
        except (RedisError, OSError) as exc:
            raise Problem(503, f"redis: {self._redacted(exc)}") from None

    async def _database(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return await run_in_threadpool(fn, *args, **kwargs)
        except SQLAlchemyError as exc:
            raise Problem(503, f"database: {self._redacted_database(exc)}") from None

    def _redacted_database(self, exc: BaseException) -> str:
        cause = getattr(exc, "orig", None) or exc
        return redact_text(one_line(cause) or type(cause).__name__, self.database_url)[:300]

    def _redacted(self, exc: BaseException) -> str:
        return redact_text(one_line(exc) or type(exc).__name__, self.redis_url)[:300]


def _search_module() -> Any:
    try:
        from newswire.db import search
    except ModuleNotFoundError as exc:
        if exc.name != "newswire.db.search":
            raise
        raise Problem(503, "search not available") from None
    return search


def _feed_body(entries: list[tuple[str, dict[bytes, bytes]]], newest: str | None, older: str | None) -> bytes:
    items = []
    for entry_id, fields in entries:
        try:
            items.append(item_from_event(fields, entry_id))
        except NotAnArticle:
            continue  # the event stream says why; the feed shows articles
    return _dumps({"items": items, "newest": newest, "next": older})


def _search_body(rows: list[dict[str, Any]], unindexed: int) -> bytes:
    """With "unindexed": the newest articles q does not find yet (SQLite: not caught up yet; else 0)."""
    items = [item_from_row(row) for row in rows]
    return _dumps({"items": items, "count": len(items), "unindexed": int(unindexed)})


# -- input ------------------------------------------------------------------------------------------


def _limit(request: Request, default: int, maximum: int) -> int:
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip()[:12])
    except ValueError:
        raise Problem(400, f"limit: {raw[:40]!r} is not a whole number") from None
    return min(max(value, 1), maximum)


def _entry_id(raw: str | None, what: str) -> str | None:
    if raw is None or raw == "":
        return None
    if not reading.ENTRY_ID.fullmatch(raw):
        raise Problem(400, f"{what}: {raw[:40]!r} is not a stream entry id (such as 1714557600000-0)")
    return raw


def _text(raw: str | None, what: str, maximum: int) -> str | None:
    if raw is None or not raw.strip():
        return None
    if len(raw) > maximum:
        raise Problem(400, f"{what}: longer than {maximum} characters")
    return raw.strip()


def _code(raw: str | None, what: str, expected: str) -> str | None:
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise Problem(400, f"{what}: {value[:20]!r} is not {expected}")
    return value


# -- answers ----------------------------------------------------------------------------------------


def _dumps(doc: Any) -> bytes:
    try:
        return orjson.dumps(doc)
    except TypeError:  # a lone surrogate in a dead letter (json.loads lets them through): escaped instead
        return json.dumps(doc).encode()


def _json(doc: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(doc), status_code=status, media_type="application/json", headers=headers)


async def _problem(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return _json({"error": exc.error}, exc.status)


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = {404: "not found", 405: "method not allowed"}.get(exc.status_code, one_line(exc.detail) or "error")
    return _json({"error": error}, exc.status_code, headers=dict(exc.headers or {}))


async def _server_error(_request: Request, exc: Exception) -> Response:
    return _json({"error": "internal error"}, 500)


class _Quiet:
    def __getattr__(self, _name: str) -> Callable[..., None]:
        return lambda *_a, **_k: None
