"""Composition root of the store service."""

from __future__ import annotations

import asyncio
from typing import Any

from newswire.contracts import GROUP_STORE
from newswire.health import Check
from newswire.service import run_consumer_service
from newswire.workers import preload
from services.store import work
from services.store.config import StoreSettings
from services.store.handlers import StoreHandler
from services.store.repository import ArticleRepository


async def run(
    settings: StoreSettings,
    *,
    redis_url: str,
    stopping: asyncio.Event,
    log: Any,
    health: list[Check] | None = None,
) -> None:
    log = log.bind(service="store")
    streams = settings.streams
    preload(work.__name__)
    await run_consumer_service(
        settings,
        stage="store",
        stream=streams.raw,
        group=GROUP_STORE,
        work=work.TARGET,
        make_handler=lambda engine, pool: StoreHandler(
            repository=ArticleRepository(engine), pool=pool, streams=streams, stopping=stopping, log=log
        ),
        trim=[streams.raw],  # what the store consumes; articles:stored is trimmed by enrich
        redis_url=redis_url,
        stopping=stopping,
        log=log,
        health=health,
        markers=streams.receipts,  # the file's receipt: the watcher archives a file once it has one
    )
