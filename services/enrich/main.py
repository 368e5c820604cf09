"""Composition root of the enrich service: a FastStream application reading articles:stored."""

from __future__ import annotations

import asyncio
from typing import Any

from faststream import FastStream

from newswire.contracts import GROUP_ENRICH, ArticleEnriched, Streams
from newswire.health import Check
from newswire.service import ConsumerService, ConsumerSpec, Publication, consumer_app, serve
from newswire.workers import WorkerPool, preload
from services.enrich import dedup, work
from services.enrich.config import EnrichSettings
from services.enrich.handlers import EnrichHandler
from services.enrich.repository import EnrichmentRepository

DESCRIPTION = "Enriches each stored article (group enrich on articles:stored) and emits it once."


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


def publications(streams: Streams) -> list[Publication]:
    return [
        Publication(
            streams.enriched,
            ArticleEnriched,
            "One event per distinct article with what enrichment found (entities, places, quotes, tone, "
            "keywords, dates, amounts, near-duplicates); read by anyone, with or without a consumer group.",
        ),
        Publication.dead_letters(
            streams.dead, stage="enrich", description="Entries enrich could not process, with the reason."
        ),
    ]


def build(
    settings: EnrichSettings, *, redis_url: str, stopping: asyncio.Event, log: Any, health: list[Check] | None = None
) -> tuple[FastStream, ConsumerService]:
    streams = settings.streams
    spec = ConsumerSpec(
        stage="enrich",
        stream=streams.stored,
        group=GROUP_ENRICH,
        work=work.TARGET,
        make_handler=lambda engine, pool: make_handler(settings, engine, pool, stopping=stopping, log=log),
        # What enrich consumes, and what it produces: subscribers' groups on articles:enriched
        # keep what they have not acknowledged; plain readers get the retention.
        trim=[streams.stored, streams.enriched],
        markers=streams.emitted,  # a stored entry read again after a lost group is not emitted twice
        publishes=publications(streams),
        nice=settings.enrich_nice,
    )
    return consumer_app(
        settings,
        spec,
        redis_url=redis_url,
        stopping=stopping,
        log=log,
        health=health,
        service="enrich",
        description=DESCRIPTION,
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
    # The fork server imports the enrichers and their tables once; every worker shares them.
    preload("services.enrich.warm")
    app, service = build(settings, redis_url=redis_url, stopping=stopping, log=log, health=health)
    await serve(app, service)
