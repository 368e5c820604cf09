"""A consumer service as a FastStream application: its broker, its declared publishers, and the
lifespan hooks that open and close what it works with (database, worker pool, background tasks).

FastStream reads (the batch subscriber, newswire.streams.reader); the events a batch yields are
written by the Committer's script on the broker's own connection, atomically with the ack. The
publishers are declared with the contract's models so that the AsyncAPI document says what each
stream carries (newswire_cli.asyncapi).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from faststream import FastStream
from faststream.redis import RedisBroker
from faststream.redis.prometheus import RedisPrometheusMiddleware
from faststream.specification import AsyncAPI
from prometheus_client import REGISTRY
from redis.exceptions import ResponseError
from sqlalchemy import Engine, text

from newswire import __version__
from newswire.contracts import Event
from newswire.db.engine import make_engine, migrate, wait_until_reachable
from newswire.health import Check
from newswire.http import Readiness, add_ready, remove_ready
from newswire.metrics import STREAM_STATS, Watched
from newswire.redisio import answering, client_options
from newswire.settings import ConsumerSettings
from newswire.streams import BatchHandler, Consumer, Entry, Options, build_consumer
from newswire.streams.membership import name_of
from newswire.streams.reader import subscribe
from newswire.workers import WorkerPool


@dataclass(frozen=True, slots=True)
class Publication:
    """A stream a service writes, and the contract model of its entries."""

    stream: str
    schema: type[Event]
    description: str
    title: str = ""  # the channel's name in the AsyncAPI document: the stream's, unless several services write it

    @classmethod
    def dead_letters(cls, stream: str, *, stage: str, description: str) -> Publication:
        from newswire.contracts import ArticleRejected

        return cls(stream, ArticleRejected, description, title=f"{stream} ({stage})")


@dataclass(frozen=True, slots=True)
class ConsumerSpec:
    """What a consumer service is: the stream and group it reads, the work its worker processes do
    ("module:function"), its handler, the streams it trims, its markers (see Committer)."""

    stage: str
    stream: str
    group: str
    work: str
    make_handler: Callable[[Engine, WorkerPool], BatchHandler]
    trim: Sequence[str]
    markers: str | None
    publishes: Sequence[Publication]
    nice: int = 0  # the worker processes' niceness (enrich yields the CPU to ingest and store)


def make_broker(redis_url: str, *, log: Any) -> RedisBroker:
    # FastStream logs every message at log_level; DEBUG keeps that out of the normal output, where
    # our handlers write one line per article. The specification names the server without its password.
    # FastStream's metrics (faststream_*, labelled by stream) measure what FastStream does here: the
    # entries its subscriber read and the time its handler took, which is the hand-over of a batch
    # to a task of its own (Reader.start_batch: waiting for a free slot included), not the work on
    # it; that is newswire_batch_duration_seconds (newswire.metrics). The entries are handed over
    # undecoded, so its message sizes read 0, and as the Committer acknowledges, not FastStream,
    # its processed status reads "acked" for every batch handed over.
    prometheus = RedisPrometheusMiddleware(registry=REGISTRY, app_name="newswire")
    return RedisBroker(
        redis_url,
        logger=log,
        log_level=logging.DEBUG,
        graceful_timeout=30.0,
        middlewares=[prometheus],
        **client_options(redis_url),
    )


def declare(broker: RedisBroker, publications: Sequence[Publication]) -> None:
    for p in publications:
        broker.publisher(stream=p.stream, schema=p.schema, title=p.title or p.stream, description=p.description)


def application(broker: RedisBroker, *, service: str, description: str) -> FastStream:
    spec = AsyncAPI(title=f"newswire {service}", version=__version__, description=description)
    return FastStream(broker, logger=None, specification=spec)


async def open_database(url: str, *, timeout_s: float) -> Engine:
    """Engine for url, reachable and migrated to the newest schema (ConfigError otherwise)."""
    engine = make_engine(url)
    await asyncio.to_thread(wait_until_reachable, engine, timeout_s)
    await asyncio.to_thread(migrate, engine)
    return engine


class ConsumerService:
    """The lifespan of a consumer service, as the hooks of its FastStream application.

    The subscriber is declared with the application (newswire.streams.reader.subscribe).
    on_startup (before the broker connects its subscriber): database, worker pool, the consumer's
    parts, the group, this consumer name's pending entries drained first. after_startup: the
    reclaim, subscriber-watch and housekeeping tasks. on_shutdown (before the broker closes its
    connection): stop reading, finish the batches in hand, end the tasks. after_shutdown: the pool
    and the database. Every hook tolerates a start that failed half-way."""

    def __init__(
        self,
        settings: ConsumerSettings,
        spec: ConsumerSpec,
        *,
        broker: RedisBroker,
        redis_url: str,
        stopping: asyncio.Event,
        log: Any,
        health: list[Check] | None,
    ) -> None:
        self.settings, self.spec, self.broker = settings, spec, broker
        self.redis_url, self.stopping, self.log, self.health = redis_url, stopping, log, health
        self.engine: Engine | None = None
        self.pool: WorkerPool | None = None
        self.consumer: Consumer | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.watched: Watched | None = None
        self.reading = False  # from the start of the tasks to the stop of reading: the service is ready
        self.ready: list[Readiness] = [
            add_ready(f"{spec.stage}.database", self._database_problem),
            add_ready(f"{spec.stage}.group", self._group_problem),
        ]
        self.subscriber = subscribe(
            broker,
            stream=spec.stream,
            group=spec.group,
            consumer=settings.consumer_name,
            batch_size=settings.batch_size,
            deliver=self._deliver,
        )

    def app(self, *, service: str, description: str) -> FastStream:
        app = application(self.broker, service=service, description=description)
        app.on_startup(self.open)
        app.after_startup(self.start_tasks)
        app.on_shutdown(self.stop_reading)
        app.after_shutdown(self.close)
        return app

    async def open(self) -> None:
        s, spec = self.settings, self.spec
        self.engine = await open_database(s.resolved_database_url, timeout_s=s.connect_timeout_s)
        redis = await self.broker.connect()
        await answering(redis, self.redis_url, s.connect_timeout_s)
        self.pool = WorkerPool(
            spec.work, size=s.workers, item_timeout_s=s.article_timeout_s, on_result=self._stepped, nice=spec.nice
        )
        await self.pool.start()
        options = Options(
            batch_size=s.batch_size,
            claim_idle_ms=s.claim_idle_ms,
            max_deliveries=s.max_deliveries,
            retention_ms=round(s.stream_retention_s * 1000),
            stall_s=s.stall_s,
        )
        consumer = build_consumer(
            redis=redis,
            stream=spec.stream,
            dead=s.streams.dead,
            group=spec.group,
            consumer=s.consumer_name,
            stage=spec.stage,
            handler=spec.make_handler(self.engine, self.pool),
            options=options,
            stopping=self.stopping,
            log=self.log,
            trim=spec.trim,
            markers=spec.markers,
        )
        self.consumer = consumer
        if self.health is not None:
            self.health.append(consumer.member.health_problem)
        outputs = [p.stream for p in spec.publishes]
        self.watched = STREAM_STATS.watch(redis, streams=[spec.stream, *outputs], groups=[(spec.stream, spec.group)])
        self.log.info("workers_started", workers=s.workers, article_timeout_s=s.article_timeout_s)
        consumer.reader.attach(self.subscriber)
        await consumer.member.setup()
        # What this consumer name left pending before a restart goes first, before new reads.
        await consumer.reclaimer.drain_own()

    async def _database_problem(self) -> str | None:
        """Readiness: the database answers."""
        if self.engine is None:
            return "starting"
        await asyncio.to_thread(_select_one, self.engine)
        return None

    async def _group_problem(self) -> str | None:
        """Readiness: the group exists and this consumer reads it (not while it starts, drains or stops)."""
        c = self.consumer
        if c is None or not self.reading:
            return "stopping" if self.stopping.is_set() else "starting"
        try:
            groups = await c.member.redis.xinfo_groups(c.stream)
        except ResponseError:
            groups = []  # no stream: no group either
        if not any(name_of(g["name"]) == c.group for g in groups):
            return f"group {c.group} missing on {c.stream}"
        return None

    async def _deliver(self, entries: list[Entry]) -> None:
        assert self.consumer is not None  # the subscriber starts after open()
        await self.consumer.reader.start_batch(entries)

    def _stepped(self) -> None:
        if self.consumer is not None:
            self.consumer.member.progress.step()

    async def start_tasks(self) -> None:
        c = self.consumer
        assert c is not None
        self.tasks = [
            asyncio.create_task(c.reclaimer.reclaim_forever(), name=f"reclaim-{c.group}"),
            asyncio.create_task(c.reader.watch_forever(), name=f"subscriber-{c.group}"),
            asyncio.create_task(c.housekeeper.run_forever(), name=f"housekeeping-{c.group}"),
        ]
        self.reading = True
        self.log.info("consumer_started", stream=c.stream, group=c.group, consumer=c.consumer)

    async def until_stopped(self) -> None:
        """Until stopping is set; a background task that ends first is a bug: raised, loudly."""
        stop = asyncio.create_task(self.stopping.wait())
        try:
            done, _ = await asyncio.wait([*self.tasks, stop], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        for task in self.tasks:
            if task in done and not self.stopping.is_set():
                task.result()
                raise RuntimeError(f"the {task.get_name()} task ended while the service runs")

    async def stop_reading(self) -> None:
        self.stopping.set()
        self.reading = False
        if self.consumer is None:
            return
        await self.consumer.reader.stop()
        await self.consumer.reader.finish_in_flight()
        _, late = await asyncio.wait(self.tasks, timeout=30) if self.tasks else (set(), set())
        for task in late:
            task.cancel()

    async def close(self) -> None:
        remove_ready(*self.ready)
        if self.watched is not None:
            STREAM_STATS.unwatch(self.watched)
        if self.pool is not None:
            await self.pool.close()
        if self.engine is not None:
            self.engine.dispose()
        if self.consumer is not None:
            self.log.info("consumer_stopped", group=self.consumer.group)


def _select_one(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def serve(app: FastStream, service: ConsumerService) -> None:
    """Start the application, run until stopping is set (or a task fails), then stop it cleanly."""
    try:
        await app.start()
        settle_heap()
        await service.until_stopped()
    finally:
        service.stopping.set()
        await app.stop()


def settle_heap() -> None:
    """Once a service has started: what it loaded (modules, tables, the engine) lives as long as the
    process, so the collector stops walking it. Full collections scale with the heap, and ran often
    enough, triggered by each batch's short-lived objects, to be a tenth of enrich's CPU."""
    gc.collect()
    gc.freeze()


def consumer_app(
    settings: ConsumerSettings,
    spec: ConsumerSpec,
    *,
    redis_url: str,
    stopping: asyncio.Event,
    log: Any,
    health: list[Check] | None,
    service: str,
    description: str,
) -> tuple[FastStream, ConsumerService]:
    """A consumer service's FastStream application: its broker, its declared publishers, its hooks."""
    broker = make_broker(redis_url, log=log)
    declare(broker, spec.publishes)
    runtime = ConsumerService(
        settings, spec, broker=broker, redis_url=redis_url, stopping=stopping, log=log, health=health
    )
    return runtime.app(service=service, description=description), runtime
