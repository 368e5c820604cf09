"""Composition root of the ingest service: a FastStream application that publishes to articles:raw.

The watcher publishes through the broker's own connection, with the ledger's script (a file's
entry and its claim record in one atomic step: services.ingest.ledger); the publishers are
declared so that the AsyncAPI document says what the streams carry.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from faststream import FastStream

from newswire.contracts import GROUP_STORE, ArticleDiscovered, Streams
from newswire.health import Check
from newswire.http import Readiness, add_ready, remove_ready
from newswire.metrics import STREAM_STATS, Watched
from newswire.redisio import answering
from newswire.service import Publication, application, declare, make_broker, settle_heap
from services.ingest.config import IngestSettings
from services.ingest.watcher import Watcher

DESCRIPTION = "Watches the inbox and publishes each new, complete file once."


def publications(streams: Streams) -> list[Publication]:
    return [
        Publication(
            streams.raw,
            ArticleDiscovered,
            f"One event per file dropped into the inbox, with its decoded text; read by group {GROUP_STORE}.",
        ),
        Publication.dead_letters(
            streams.dead, stage="ingest", description="Files ingest could not read (empty, binary, too large...)."
        ),
    ]


class IngestService:
    """The watcher's lifespan, as the hooks of the application: connect, run, stop, close."""

    def __init__(self, settings: IngestSettings, *, redis_url: str, stopping: asyncio.Event, log: Any) -> None:
        self.settings, self.redis_url, self.stopping, self.log = settings, redis_url, stopping, log
        self.broker = make_broker(redis_url, log=log)
        declare(self.broker, publications(settings.streams))
        self.watcher: Watcher | None = None
        self.task: asyncio.Task[None] | None = None
        self.watched: Watched | None = None
        self.ready: list[Readiness] = [
            add_ready("ingest.folders", self.folders_problem),
            add_ready("ingest.watcher", self.watcher_problem),
        ]

    def app(self) -> FastStream:
        app = application(self.broker, service="ingest", description=DESCRIPTION)
        app.on_startup(self.open)
        app.after_startup(self.start)
        app.on_shutdown(self.stop)
        return app

    async def open(self) -> None:
        redis = await self.broker.connect()
        await answering(redis, self.redis_url, self.settings.connect_timeout_s)
        self.watcher = Watcher(settings=self.settings, redis=redis, stopping=self.stopping, log=self.log)
        streams = self.settings.streams
        self.watched = STREAM_STATS.watch(redis, streams=[streams.raw, streams.dead])

    async def watcher_problem(self) -> str | None:
        """Readiness: the watcher runs (it is not starting, nor stopping, nor ended)."""
        if self.stopping.is_set():
            return "stopping"
        if self.task is None:
            return "starting"
        return "ended" if self.task.done() else None

    async def folders_problem(self) -> str | None:
        """Readiness: the four folders are there and this process may write in them."""
        s = self.settings
        folders = {"inbox": s.inbox, "processing": s.processing_dir, "done": s.done_dir, "error": s.error_dir}
        bad = await asyncio.to_thread(_unwritable, folders)
        return f"not writable: {', '.join(bad)}" if bad else None

    async def start(self) -> None:
        assert self.watcher is not None
        self.task = asyncio.create_task(self.watcher.run(), name="watcher")

    async def until_stopped(self) -> None:
        """Until the watcher ends (it does when stopping is set, or raises when it cannot go on)."""
        assert self.task is not None
        await asyncio.shield(self.task)

    async def stop(self) -> None:
        self.stopping.set()
        remove_ready(*self.ready)
        if self.watched is not None:
            STREAM_STATS.unwatch(self.watched)
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)
            self.log.info("watcher_stopped")


def _unwritable(folders: dict[str, Path]) -> list[str]:
    # access(2) also says no on a read-only mount; a full disk shows up as failed moves in the log.
    return [
        f"{name} {path}" for name, path in folders.items() if not (path.is_dir() and os.access(path, os.W_OK | os.X_OK))
    ]


def build(
    settings: IngestSettings, *, redis_url: str, stopping: asyncio.Event, log: Any
) -> tuple[FastStream, IngestService]:
    service = IngestService(settings, redis_url=redis_url, stopping=stopping, log=log)
    return service.app(), service


async def run(
    settings: IngestSettings,
    *,
    redis_url: str,
    stopping: asyncio.Event,
    log: Any,
    health: list[Check] | None = None,
) -> None:
    log = log.bind(service="ingest")
    app, service = build(settings, redis_url=redis_url, stopping=stopping, log=log)
    try:
        await app.start()
        settle_heap()
        assert service.watcher is not None
        if health is not None:
            health.append(service.watcher.health_problem)
        await service.until_stopped()
    finally:
        stopping.set()
        await app.stop()
