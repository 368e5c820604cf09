"""Composition root of the store service: a FastStream application reading articles:raw."""

from __future__ import annotations

import asyncio
from typing import Any

from faststream import FastStream

from newswire.contracts import GROUP_ENRICH, GROUP_STORE, ArticleStored, Streams
from newswire.health import Check
from newswire.service import ConsumerService, ConsumerSpec, Publication, consumer_app, serve
from newswire.workers import preload
from services.store import work
from services.store.config import StoreSettings
from services.store.handlers import StoreHandler
from services.store.repository import ArticleRepository

DESCRIPTION = "Parses each discovered file (group store on articles:raw) and stores its article once."


def publications(streams: Streams) -> list[Publication]:
    return [
        Publication(
            streams.stored,
            ArticleStored,
            f"One event per distinct article, once it is committed to the database; read by group {GROUP_ENRICH}.",
        ),
        Publication.dead_letters(
            streams.dead, stage="store", description="Entries the store could not process, with the reason."
        ),
    ]


def build(
    settings: StoreSettings, *, redis_url: str, stopping: asyncio.Event, log: Any, health: list[Check] | None = None
) -> tuple[FastStream, ConsumerService]:
    streams = settings.streams
    spec = ConsumerSpec(
        stage="store",
        stream=streams.raw,
        group=GROUP_STORE,
        work=work.TARGET,
        make_handler=lambda engine, pool: StoreHandler(
            repository=ArticleRepository(engine), pool=pool, streams=streams, stopping=stopping, log=log
        ),
        trim=[streams.raw],  # what the store consumes; articles:stored is trimmed by enrich
        markers=streams.receipts,  # the file's receipt: the watcher archives a file once it has one
        publishes=publications(streams),
    )
    return consumer_app(
        settings,
        spec,
        redis_url=redis_url,
        stopping=stopping,
        log=log,
        health=health,
        service="store",
        description=DESCRIPTION,
    )


async def run(
    settings: StoreSettings,
    *,
    redis_url: str,
    stopping: asyncio.Event,
    log: Any,
    health: list[Check] | None = None,
) -> None:
    log = log.bind(service="store")
    preload(work.__name__)
    app, service = build(settings, redis_url=redis_url, stopping=stopping, log=log, health=health)
    await serve(app, service)
