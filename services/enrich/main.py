"""Composition root of the enrich service."""

from __future__ import annotations

import asyncio
from typing import Any

from newswire.contracts import GROUP_ENRICH
from newswire.service import run_consumer_service
from services.enrich.config import EnrichSettings
from services.enrich.enrichers import enrich
from services.enrich.handlers import EnrichHandler
from services.enrich.repository import EnrichmentRepository


async def run(settings: EnrichSettings, *, redis_url: str, stopping: asyncio.Event, log: Any) -> None:
    log = log.bind(service="enrich")
    streams = settings.streams
    await asyncio.to_thread(enrich, "warm up", "Models load once, before the first batch.")
    await run_consumer_service(
        settings,
        stage="enrich",
        stream=streams.stored,
        group=GROUP_ENRICH,
        make_handler=lambda engine: EnrichHandler(
            repository=EnrichmentRepository(engine), streams=streams, stopping=stopping, log=log
        ),
        redis_url=redis_url,
        stopping=stopping,
        log=log,
    )
