"""Running a consumer service: worker pool, FastStream broker, reclaim task, health, clean stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from faststream.redis import RedisBroker
from sqlalchemy import Engine

from newswire.db.engine import make_engine, migrate, wait_until_reachable
from newswire.health import Check
from newswire.redisio import connect
from newswire.settings import ConsumerSettings
from newswire.streams import BatchHandler, Consumer, Options, build_consumer
from newswire.workers import WorkerPool


async def open_database(url: str, *, timeout_s: float) -> Engine:
    """Engine for url, reachable and migrated to the newest schema (ConfigError otherwise)."""
    engine = make_engine(url)
    await asyncio.to_thread(wait_until_reachable, engine, timeout_s)
    await asyncio.to_thread(migrate, engine)
    return engine


async def run_consumer(consumer: Consumer, *, redis_url: str, stopping: asyncio.Event, log: Any) -> None:
    # FastStream logs every message at log_level; DEBUG keeps that out of the
    # normal output, where our handlers write one summary line per batch.
    broker = RedisBroker(redis_url, logger=log, log_level=logging.DEBUG, graceful_timeout=30.0)
    consumer.reader.subscribe(broker)
    await consumer.member.setup()
    # What this consumer name left pending before a restart goes first, before new reads.
    await consumer.reclaimer.drain_own()
    await broker.start()
    tasks = [
        asyncio.create_task(consumer.reclaimer.reclaim_forever(), name=f"reclaim-{consumer.group}"),
        asyncio.create_task(consumer.reader.watch_forever(), name=f"subscriber-{consumer.group}"),
        asyncio.create_task(consumer.housekeeper.run_forever(), name=f"housekeeping-{consumer.group}"),
    ]
    log.info("consumer_started", stream=consumer.stream, group=consumer.group, consumer=consumer.consumer)
    try:
        done, _ = await asyncio.wait([*tasks, asyncio.create_task(stopping.wait())], return_when="FIRST_COMPLETED")
        for task in tasks:
            if task in done and not stopping.is_set():
                # They end only at stop; anything else is a bug: bring the service down, loudly.
                task.result()
                raise RuntimeError(f"the {task.get_name()} task ended while the service runs")
    finally:
        stopping.set()
        await broker.stop()
        await consumer.reader.finish_in_flight()
        _, late = await asyncio.wait(tasks, timeout=30)
        for task in late:
            task.cancel()
        log.info("consumer_stopped", group=consumer.group)


async def run_consumer_service(
    settings: ConsumerSettings,
    *,
    stage: str,
    stream: str,
    group: str,
    work: str,
    make_handler: Callable[[Engine, WorkerPool], BatchHandler],
    trim: Sequence[str],
    redis_url: str,
    stopping: asyncio.Event,
    log: Any,
    health: list[Check] | None = None,
    markers: str | None = None,
) -> None:
    """Open the database, Redis and the worker pool (running ``work``, "module:function"), then
    consume ``stream`` as ``group`` until stopping is set (and trim the streams in ``trim``: see
    Housekeeper.trim_streams). ``markers``: the key prefix of the emission markers (Committer)."""
    engine = await open_database(settings.resolved_database_url, timeout_s=settings.connect_timeout_s)
    redis = await connect(redis_url, settings.connect_timeout_s)
    options = Options(
        batch_size=settings.batch_size,
        claim_idle_ms=settings.claim_idle_ms,
        max_deliveries=settings.max_deliveries,
        retention_ms=round(settings.stream_retention_s * 1000),
        stall_s=settings.stall_s,
    )
    consumer: Consumer | None = None
    pool = WorkerPool(
        work,
        size=settings.workers,
        item_timeout_s=settings.article_timeout_s,
        on_result=lambda: consumer.member.progress.step() if consumer is not None else None,
    )
    try:
        await pool.start()
        consumer = build_consumer(
            redis=redis,
            stream=stream,
            dead=settings.streams.dead,
            group=group,
            consumer=settings.consumer_name,
            stage=stage,
            handler=make_handler(engine, pool),
            options=options,
            stopping=stopping,
            log=log,
            trim=trim,
            markers=markers,
        )
        if health is not None:
            health.append(consumer.member.health_problem)
        log.info("workers_started", workers=settings.workers, article_timeout_s=settings.article_timeout_s)
        await run_consumer(consumer, redis_url=redis_url, stopping=stopping, log=log)
    finally:
        await pool.close()
        await redis.aclose()
        engine.dispose()
