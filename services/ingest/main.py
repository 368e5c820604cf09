"""Composition root of the ingest service."""

from __future__ import annotations

import asyncio
from typing import Any

from newswire.redisio import connect
from services.ingest.config import IngestSettings
from services.ingest.watcher import Watcher


async def run(settings: IngestSettings, *, redis_url: str, stopping: asyncio.Event, log: Any) -> None:
    log = log.bind(service="ingest")
    redis = await connect(redis_url, settings.connect_timeout_s)
    try:
        await Watcher(settings=settings, redis=redis, stopping=stopping, log=log).run()
    finally:
        await redis.aclose()
        log.info("watcher_stopped")
