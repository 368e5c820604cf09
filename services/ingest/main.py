"""Composition root of the ingest service."""

from __future__ import annotations

import asyncio
from typing import Any

from newswire.health import Check
from newswire.redisio import connect
from services.ingest.config import IngestSettings
from services.ingest.watcher import Watcher


async def run(
    settings: IngestSettings,
    *,
    redis_url: str,
    stopping: asyncio.Event,
    log: Any,
    health: list[Check] | None = None,
) -> None:
    log = log.bind(service="ingest")
    redis = await connect(redis_url, settings.connect_timeout_s)
    try:
        watcher = Watcher(settings=settings, redis=redis, stopping=stopping, log=log)
        if health is not None:
            health.append(watcher.health_problem)
        await watcher.run()
    finally:
        await redis.aclose()
        log.info("watcher_stopped")
