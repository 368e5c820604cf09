"""Composition root of the enrich service."""

from __future__ import annotations

import asyncio
from typing import Any

from newswire.contracts import GROUP_ENRICH
from newswire.health import Check
from newswire.service import run_consumer_service
from newswire.workers import WorkerPool, preload
from services.enrich import dedup, work
from services.enrich.config import EnrichSettings
from services.enrich.handlers import EnrichHandler
from services.enrich.repository import EnrichmentRepository


def warm_window(repository: EnrichmentRepository, capacity: int, threshold: float) -> dedup.Window:
    """A near-duplicate window holding the signatures of the latest enrichments in the database."""
    window = dedup.Window(capacity, threshold)
    if capacity:
        for article_id, data in repository.recent_signatures(capacity):
            sig = dedup.from_bytes(data)
            if sig is not None:
                window.add(article_id, sig)
    return window


def make_handler(
    settings: EnrichSettings, engine: Any, pool: WorkerPool, *, stopping: asyncio.Event, log: Any
) -> EnrichHandler:
    repository = EnrichmentRepository(engine)
    window = warm_window(repository, settings.dedup_window, settings.dedup_threshold)
    log.info("dedup_window_warmed", articles=len(window))
    return EnrichHandler(
        repository=repository,
        pool=pool,
        streams=settings.streams,
        stopping=stopping,
        log=log,
        window=window,
        max_chars=settings.enrich_max_chars,
    )


async def run(
    settings: EnrichSettings,
    *,
    redis_url: str,
    stopping: asyncio.Event,
    log: Any,
    health: list[Check] | None = None,
) -> None:
    log = log.bind(service="enrich")
    streams = settings.streams
    # The fork server imports the enrichers and their tables once; every worker shares them.
    preload("services.enrich.warm")
    await run_consumer_service(
        settings,
        stage="enrich",
        stream=streams.stored,
        group=GROUP_ENRICH,
        work=work.TARGET,
        make_handler=lambda engine, pool: make_handler(settings, engine, pool, stopping=stopping, log=log),
        # What enrich consumes, and what it produces: subscribers' groups on articles:enriched
        # keep what they have not acknowledged; plain readers get the retention.
        trim=[streams.stored, streams.enriched],
        redis_url=redis_url,
        stopping=stopping,
        log=log,
        health=health,
        markers=streams.emitted,  # a stored entry read again after a lost group is not emitted twice
    )
