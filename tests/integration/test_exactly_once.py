"""Exactly-once emission through the real consumer plumbing: real Redis, real SQLite and PostgreSQL.

Each test drives the real StoreHandler / EnrichHandler through a real consumer (newswire.streams)
in this process: events are XADDed to the test's own prefixed streams, read with XREADGROUP as
the FastStream subscriber reads them, and handed to ``Processor.handle``. Crashes are simulated
by stopping half-way (the handler ran and committed to the database, ``commit`` never ran);
reclaiming goes through ``Reclaimer.reclaim_forever`` (XAUTOCLAIM) or ``Reclaimer.drain_own``
(a restart under the same consumer name), exactly as the services do.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import redis.asyncio as aioredis
import structlog
from sqlalchemy import Engine, text

from newswire.contracts import (
    DATA_FIELD,
    GROUP_ENRICH,
    GROUP_STORE,
    ArticleDiscovered,
    ArticleStored,
    Streams,
    as_json,
    content_hash,
    encode,
    new_correlation_id,
)
from newswire.service import open_database
from newswire.streams import BatchHandler, Consumer, Entry, Options, Outbound, build_consumer
from newswire.workers import WorkerPool
from services.enrich.handlers import EnrichHandler
from services.enrich.repository import EnrichmentRepository
from services.store.handlers import StoreHandler
from services.store.parser import Rejection, parse
from services.store.repository import ArticleRepository

LOG = structlog.get_logger("test")


# -- articles and events ----------------------------------------------------------------------


def article_text(n: int, *, salt: str = "") -> str:
    """A distinct article in the seed's layout."""
    return (
        f"Wednesday {1 + n % 28} March 2021 - 11:{n % 60:02d}\n\n"
        f"Ministers Meet Over Trade Talks, Round {n}{salt}\n\n"
        f"Story Code : {924000 + n}\n"
        f'"We are ready to discuss all issues," the spokesman said of round {n}.\n\n'
        f"Over the past years, relations have turned sour over sanctions and energy supplies. "
        f"Talks resume next week in Vienna ({n}{salt}).\n\n"
    )


def discovered(text_: str, source_name: str) -> ArticleDiscovered:
    return ArticleDiscovered(
        article_id=content_hash(text_),
        correlation_id=new_correlation_id(),
        source_name=source_name,
        file_sha256="0" * 64,
        size_bytes=len(text_.encode()),
        encoding="utf-8",
        text=text_,
    )


# -- the rig: one Redis client, one migrated database, this test's streams ---------------------


@dataclass
class Rig:
    redis: aioredis.Redis
    engine: Engine
    streams: Streams
    store_pool: WorkerPool
    enrich_pool: WorkerPool

    def store_handler(self, stopping: asyncio.Event, cls: type[StoreHandler] = StoreHandler, **kw: Any) -> Any:
        return cls(
            repository=ArticleRepository(self.engine),
            pool=self.store_pool,
            streams=self.streams,
            stopping=stopping,
            log=LOG,
            **kw,
        )

    def enrich_handler(self, stopping: asyncio.Event, **kw: Any) -> EnrichHandler:
        return EnrichHandler(
            repository=EnrichmentRepository(self.engine),
            pool=self.enrich_pool,
            streams=self.streams,
            stopping=stopping,
            log=LOG,
            max_chars=200_000,
            **kw,
        )

    async def consumer(
        self,
        name: str,
        *,
        stage: str = "store",
        handler: BatchHandler | None = None,
        stopping: asyncio.Event | None = None,
        claim_idle_ms: int = 100,
        max_deliveries: int = 5,
        batch_size: int = 100,
    ) -> Consumer:
        stopping = stopping or asyncio.Event()
        if handler is None:
            handler = self.store_handler(stopping) if stage == "store" else self.enrich_handler(stopping)
        c = build_consumer(
            redis=self.redis,
            stream=self.streams.raw if stage == "store" else self.streams.stored,
            dead=self.streams.dead,
            group=GROUP_STORE if stage == "store" else GROUP_ENRICH,
            consumer=name,
            stage=stage,
            handler=handler,
            options=Options(batch_size=batch_size, claim_idle_ms=claim_idle_ms, max_deliveries=max_deliveries),
            stopping=stopping,
            log=LOG.bind(consumer=name),
            markers=self.streams.receipts if stage == "store" else self.streams.emitted,
        )
        await c.member.setup()
        return c

    async def xadd(self, stream: str, fields: dict[bytes, bytes]) -> str:
        entry_id = await self.redis.xadd(stream, fields)  # type: ignore[arg-type]
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def publish(self, event: ArticleDiscovered) -> str:
        return await self.xadd(self.streams.raw, encode(event))

    async def read(self, consumer: Consumer, count: int = 100) -> list[Entry]:
        """What the FastStream batch subscriber hands to handle(): new entries, with XREADGROUP >."""
        resp = await self.redis.xreadgroup(consumer.group, consumer.consumer, {consumer.stream: ">"}, count=count)
        return [(i.decode(), dict(f)) for i, f in resp[0][1]] if resp else []

    async def events(self, stream: str) -> list[dict[str, Any]]:
        return [json.loads(f[DATA_FIELD]) for _i, f in await self.redis.xrange(stream)]

    async def xlen(self, stream: str) -> int:
        return int(await self.redis.xlen(stream))

    async def pending(self, stream: str, group: str) -> int:
        return int((await self.redis.xpending(stream, group))["pending"])

    async def owner(self, stream: str, group: str, entry_id: str) -> str | None:
        rows = await self.redis.xpending_range(stream, group, min=entry_id, max=entry_id, count=1)
        return rows[0]["consumer"].decode() if rows else None

    async def deliveries(self, stream: str, group: str, entry_id: str) -> int:
        rows = await self.redis.xpending_range(stream, group, min=entry_id, max=entry_id, count=1)
        return int(rows[0]["times_delivered"]) if rows else 0

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())

    def rows(self, query: str) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(query)))


@pytest.fixture
async def rig(
    redis_server_url: str, prefix: str, database_url: str, store_pool: WorkerPool, enrich_pool: WorkerPool
) -> AsyncIterator[Rig]:
    engine = await open_database(database_url, timeout_s=10)
    r = aioredis.Redis.from_url(redis_server_url)
    try:
        yield Rig(
            redis=r, engine=engine, streams=Streams.with_prefix(prefix), store_pool=store_pool, enrich_pool=enrich_pool
        )
    finally:
        await r.aclose()
        engine.dispose()


async def until(condition: Callable[[], Awaitable[Any]], *, what: str, timeout: float = 15.0) -> Any:
    """Poll an async condition until truthy; fail naming `what` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {value!r})")
        await asyncio.sleep(0.05)


async def reclaim_until(consumer: Consumer, condition: Callable[[], Awaitable[Any]], *, what: str) -> None:
    """Run the consumer's real reclaim loop (XAUTOCLAIM) until condition holds, then stop it cleanly."""
    task = asyncio.create_task(consumer.reclaimer.reclaim_forever())
    try:
        await until(condition, what=what)
    finally:
        consumer.stopping.set()
        await asyncio.wait_for(task, timeout=15)
        consumer.stopping.clear()


class GatedStore(StoreHandler):
    """A slow store: each call waits at the gate before doing its (real) work."""

    def __init__(self, *, gate: asyncio.Event, **kw: Any) -> None:
        super().__init__(**kw)
        self.gate = gate
        self.entered = asyncio.Event()

    async def __call__(self, entries: Sequence[Entry]) -> list[Outbound]:
        self.entered.set()
        await self.gate.wait()
        return await super().__call__(entries)


# -- store ------------------------------------------------------------------------------------


async def test_same_content_twice_in_one_batch_gives_one_row_and_one_stored_event(rig: Rig) -> None:
    c = await rig.consumer("c1")
    body = article_text(1)
    first = await rig.publish(discovered(body, "a.txt"))
    second = await rig.publish(discovered(body, "copy-of-a.txt"))
    other = await rig.publish(discovered(article_text(2), "b.txt"))

    batch = await rig.read(c)
    assert [i for i, _ in batch] == [first, second, other]
    await c.processor.handle(batch)

    assert rig.count("articles") == 2
    [[source_entry, source_name]] = rig.rows(
        f"SELECT source_entry_id, source_name FROM articles WHERE article_id = '{content_hash(body)}'"
    )
    assert (source_entry, source_name) == (first, "a.txt")
    stored = await rig.events(rig.streams.stored)
    assert sorted(e["article_id"] for e in stored) == sorted([content_hash(body), content_hash(article_text(2))])
    assert [e["source_name"] for e in stored if e["article_id"] == content_hash(body)] == ["a.txt"]
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0, "the duplicate entry must be acked too"
    assert await rig.xlen(rig.streams.dead) == 0


async def test_same_content_in_a_later_batch_is_acked_without_a_second_event(rig: Rig) -> None:
    c = await rig.consumer("c1")
    body = article_text(3)
    await rig.publish(discovered(body, "a.txt"))
    await c.processor.handle(await rig.read(c))
    await rig.publish(discovered(body, "again/a.txt"))
    await c.processor.handle(await rig.read(c))

    assert rig.count("articles") == 1
    assert await rig.xlen(rig.streams.stored) == 1
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0


async def test_crash_between_db_commit_and_emit_is_emitted_once_by_the_reclaiming_consumer(rig: Rig) -> None:
    crashed = await rig.consumer("crashed")
    a, b = article_text(10), article_text(11)
    ids = [
        await rig.publish(discovered(a, "a.txt")),
        await rig.publish(discovered(a, "dup-of-a.txt")),
        await rig.publish(discovered(b, "b.txt")),
    ]
    batch = await rig.read(crashed)
    # The handler commits to the database; the process dies before commit() emits and acks.
    lost_out = await crashed.processor.handler(batch)
    assert rig.count("articles") == 2
    assert await rig.xlen(rig.streams.stored) == 0
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 3

    rescuer = await rig.consumer("rescuer", claim_idle_ms=100)

    async def settled() -> bool:
        return await rig.pending(rig.streams.raw, GROUP_STORE) == 0

    await reclaim_until(rescuer, settled, what="the crashed consumer's entries reclaimed and acked")

    stored = await rig.events(rig.streams.stored)
    assert sorted(e["article_id"] for e in stored) == sorted([content_hash(a), content_hash(b)])
    assert {e["source_name"] for e in stored} == {"a.txt", "b.txt"}
    assert rig.count("articles") == 2

    # The crashed consumer was only paused: its late commit must not emit anything.
    await crashed.processor.commit(lost_out, ids)
    assert await rig.xlen(rig.streams.stored) == 2
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0
    assert await rig.xlen(rig.streams.dead) == 0


async def test_crash_between_db_commit_and_emit_is_emitted_once_after_restart_under_the_same_name(
    rig: Rig,
) -> None:
    before = await rig.consumer("store-1")
    await rig.publish(discovered(article_text(12), "a.txt"))
    await before.processor.handler(await rig.read(before))  # committed to the database, then killed
    assert await rig.xlen(rig.streams.stored) == 0

    after = await rig.consumer("store-1", claim_idle_ms=60_000)  # same name: drains its own PEL at start
    await after.reclaimer.drain_own()

    assert await rig.xlen(rig.streams.stored) == 1
    assert rig.count("articles") == 1
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0


async def test_slow_consumer_finishing_after_the_reclaimer_emits_nothing(rig: Rig) -> None:
    gate = asyncio.Event()
    slow_stopping = asyncio.Event()
    slow_handler = rig.store_handler(slow_stopping, GatedStore, gate=gate)
    # A stalled process (paused, swapped out): its keep-alive does not come round within the test,
    # so the entry goes idle and the fast consumer takes it over.
    slow = await rig.consumer("slow", handler=slow_handler, stopping=slow_stopping, claim_idle_ms=60_000)
    entry = await rig.publish(discovered(article_text(20), "a.txt"))
    slow_task = asyncio.create_task(slow.processor.handle(await rig.read(slow)))
    await asyncio.wait_for(slow_handler.entered.wait(), timeout=5)

    fast = await rig.consumer("fast", claim_idle_ms=100)

    async def emitted() -> bool:
        return await rig.xlen(rig.streams.stored) == 1 and await rig.pending(rig.streams.raw, GROUP_STORE) == 0

    await reclaim_until(fast, emitted, what="the reclaiming consumer to emit and ack")

    gate.set()  # the slow consumer wakes up, writes (a no-op) and tries to emit
    await asyncio.wait_for(slow_task, timeout=15)

    stored = await rig.events(rig.streams.stored)
    assert len(stored) == 1, stored
    assert stored[0]["article_id"] == content_hash(article_text(20))
    assert rig.rows("SELECT source_entry_id FROM articles") == [(entry,)]
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0


async def test_a_live_consumer_in_a_long_batch_keeps_its_entries_and_they_count_one_delivery(rig: Rig) -> None:
    gate = asyncio.Event()
    slow_stopping = asyncio.Event()
    slow_handler = rig.store_handler(slow_stopping, GatedStore, gate=gate)
    slow = await rig.consumer("alive", handler=slow_handler, stopping=slow_stopping, claim_idle_ms=300)
    await rig.publish(discovered(article_text(22), "a.txt"))
    slow_task = asyncio.create_task(slow.processor.handle(await rig.read(slow)))
    await asyncio.wait_for(slow_handler.entered.wait(), timeout=5)

    other = await rig.consumer("other", claim_idle_ms=300)
    reclaim = asyncio.create_task(other.reclaimer.reclaim_forever())
    # several claim_idle periods pass while the batch is in hand (as in a database outage)
    for _ in range(6):
        await asyncio.sleep(0.3)
        [row] = await rig.redis.xpending_range(rig.streams.raw, GROUP_STORE, min="-", max="+", count=10)
        assert row["consumer"] == b"alive", "a live consumer's entry was taken over"
        assert row["times_delivered"] == 1
    other.stopping.set()
    await asyncio.wait_for(reclaim, timeout=15)

    gate.set()
    await asyncio.wait_for(slow_task, timeout=15)
    assert await rig.xlen(rig.streams.stored) == 1
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0


async def test_slow_consumer_finishing_first_after_losing_ownership_emits_nothing_and_the_owner_emits_once(
    rig: Rig,
) -> None:
    slow = await rig.consumer("slow")
    entry = await rig.publish(discovered(article_text(21), "a.txt"))
    slow_batch = await rig.read(slow)

    gate = asyncio.Event()
    owner_stopping = asyncio.Event()
    owner_handler = rig.store_handler(owner_stopping, GatedStore, gate=gate)
    owner = await rig.consumer("owner", handler=owner_handler, stopping=owner_stopping, claim_idle_ms=100)
    reclaim = asyncio.create_task(owner.reclaimer.reclaim_forever())
    try:
        # XAUTOCLAIM moved the entry to the owner, whose handler now waits at the gate.
        await asyncio.wait_for(owner_handler.entered.wait(), timeout=10)
        assert await rig.owner(rig.streams.raw, GROUP_STORE, entry) == "owner"

        await slow.processor.handle(slow_batch)  # it stores the row, but no longer owns the entry
        assert rig.count("articles") == 1
        assert await rig.xlen(rig.streams.stored) == 0, "a consumer that lost the entry must not emit"
        assert await rig.pending(rig.streams.raw, GROUP_STORE) == 1

        gate.set()

        async def emitted() -> bool:
            return await rig.pending(rig.streams.raw, GROUP_STORE) == 0

        await until(emitted, what="the owner to emit and ack")
    finally:
        gate.set()
        owner.stopping.set()
        await asyncio.wait_for(reclaim, timeout=15)

    assert await rig.xlen(rig.streams.stored) == 1
    assert await rig.xlen(rig.streams.dead) == 0


async def test_malformed_entries_are_dead_lettered_with_reasons_and_the_good_ones_stored(rig: Rig) -> None:
    c = await rig.consumer("c1")
    stored_event = ArticleStored(
        article_id="f" * 64,
        correlation_id="corr-wrong-type",
        headline="h",
        story_code=None,
        published_at=None,
        body="b",
        source_name="elsewhere.txt",
    )
    good1 = await rig.publish(discovered(article_text(30), "good-1.txt"))
    no_data = await rig.xadd(rig.streams.raw, {b"text": b"hello", b"source_name": b"x.txt"})
    bad_json = await rig.xadd(rig.streams.raw, {DATA_FIELD: b'{"event": "article.discovered", "text": '})
    unknown = await rig.xadd(rig.streams.raw, {DATA_FIELD: json.dumps({"event": "article.bogus"}).encode()})
    wrong_type = await rig.xadd(rig.streams.raw, encode(stored_event))
    good2 = await rig.publish(discovered(article_text(31), "good-2.txt"))

    batch = await rig.read(c)
    assert len(batch) == 6
    await c.processor.handle(batch)

    dead = {e["source_entry_id"]: e for e in await rig.events(rig.streams.dead)}
    assert set(dead) == {no_data, bad_json, unknown, wrong_type}
    assert dead[no_data]["reason"] == "malformed_event" and "__data__" in dead[no_data]["detail"]
    assert dead[bad_json]["reason"] == "malformed_event"
    assert dead[unknown]["reason"] == "malformed_event"
    assert dead[wrong_type]["reason"] == "unexpected_event"
    assert "article.stored" in dead[wrong_type]["detail"]
    for e in dead.values():
        assert e["event"] == "article.rejected"
        assert e["stage"] == "store"
        assert e["source_stream"] == rig.streams.raw
        assert e["article_id"] and e["correlation_id"] and e["detail"]

    stored = await rig.events(rig.streams.stored)
    assert sorted(e["source_name"] for e in stored) == ["good-1.txt", "good-2.txt"]
    assert rig.count("articles") == 2
    assert {r[0] for r in rig.rows("SELECT source_entry_id FROM articles")} == {good1, good2}
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("empty.txt", "", "empty"),
        ("blank.txt", " \r\n\n\t \n", "empty"),
        ("page.html", "<!DOCTYPE html>\n<html><body><p>An article</p></body></html>", "no_headline"),
        ("doc.json", '{"headline": "x"}', "not_an_article"),
        ("only-a-date.txt", "Wednesday 31 March 2021 - 11:59\n", "no_headline"),
        ("no-body.txt", "Wednesday 31 March 2021 - 11:59\n\nA Headline And Nothing Else\n", "no_body"),
    ],
)
async def test_unparseable_text_is_dead_lettered_with_the_parsers_reason(
    rig: Rig, name: str, body: str, reason: str
) -> None:
    rejection = parse(body)
    assert isinstance(rejection, Rejection) and rejection.reason == reason
    c = await rig.consumer("c1")
    bad = await rig.publish(discovered(body, name))
    await rig.publish(discovered(article_text(40), "good.txt"))

    await c.processor.handle(await rig.read(c))

    [dead] = await rig.events(rig.streams.dead)
    assert dead["reason"] == reason
    assert dead["detail"] == f"{name}: {rejection.detail}"
    assert dead["source_name"] == name
    assert dead["source_entry_id"] == bad
    assert dead["stage"] == "store"
    assert [e["source_name"] for e in await rig.events(rig.streams.stored)] == ["good.txt"]
    assert rig.count("articles") == 1
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0


class PoisonedStore(StoreHandler):
    """Raises whenever a batch holds a poison article, and records at which delivery it tried."""

    def __init__(self, *, poison: str | set[str], redis: aioredis.Redis, **kw: Any) -> None:
        super().__init__(**kw)
        self.poison = {poison} if isinstance(poison, str) else poison
        self.redis = redis
        self.attempts: list[int] = []
        self.attempted: list[str] = []

    async def __call__(self, entries: Sequence[Entry]) -> list[Outbound]:
        for entry_id, fields in entries:
            name = as_json(fields).get("source_name")
            if name in self.poison:
                rows = await self.redis.xpending_range(
                    self.streams.raw, GROUP_STORE, min=entry_id, max=entry_id, count=1
                )
                self.attempts.append(int(rows[0]["times_delivered"]))
                self.attempted.append(str(name))
                raise RuntimeError(f"boom on {name}")
        return await super().__call__(entries)


async def test_an_entry_whose_handling_raises_is_dead_lettered_on_its_first_failure_with_the_error(rig: Rig) -> None:
    """A failure that is not transient is the entry's: it goes to articles:dead at once, with the
    error, and the entries of its batch are stored in the same delivery."""
    stopping = asyncio.Event()
    handler = rig.store_handler(stopping, PoisonedStore, poison="poison.txt", redis=rig.redis)
    c = await rig.consumer("c1", handler=handler, stopping=stopping, claim_idle_ms=100, max_deliveries=5)
    await rig.publish(discovered(article_text(51), "before.txt"))
    poison = await rig.publish(discovered(article_text(50), "poison.txt"))
    await rig.publish(discovered(article_text(52), "behind-1.txt"))
    await rig.publish(discovered(article_text(53), "behind-2.txt"))

    await c.processor.handle(await rig.read(c))

    stored = sorted(e["source_name"] for e in await rig.events(rig.streams.stored))
    assert stored == ["before.txt", "behind-1.txt", "behind-2.txt"]
    [dead] = await rig.events(rig.streams.dead)
    assert dead["reason"] == "processing_failed"
    assert dead["detail"] == "RuntimeError: boom on poison.txt"
    assert dead["source_entry_id"] == poison
    assert dead["source_name"] == "poison.txt"
    assert handler.attempts == [1, 1, 1], "tried more than once per split, or redelivered"
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0
    receipt = await rig.redis.get(rig.streams.receipts + poison)
    assert receipt is not None and json.loads(receipt)["reason"] == "processing_failed"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "malformed_event", id="nested-100000-deep"),
        pytest.param(b"\xff\xfe not utf-8 \x00", "malformed_event", id="invalid-utf8"),
        pytest.param(b'{"event": "article.discovered", "text": "\\ud800"}', "malformed_event", id="lone-surrogate"),
    ],
)
async def test_hostile_raw_entries_are_dead_lettered_at_once_whatever_they_hold(
    rig: Rig, data: bytes, reason: str
) -> None:
    c = await rig.consumer("c1")
    bad = await rig.xadd(rig.streams.raw, {DATA_FIELD: data})
    good = await rig.publish(discovered(article_text(80), "good.txt"))

    await c.processor.handle(await rig.read(c))

    [dead] = await rig.events(rig.streams.dead)
    assert dead["source_entry_id"] == bad and dead["reason"] == reason
    assert [e["source_name"] for e in await rig.events(rig.streams.stored)] == ["good.txt"]
    assert rig.rows("SELECT source_entry_id FROM articles") == [(good,)]
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0


async def test_text_the_databases_refuse_is_cleaned_and_stored(rig: Rig) -> None:
    """NUL (PostgreSQL refuses it in text) and a lone surrogate from a JSON escape (no driver
    encodes it) are replaced, not allowed to fail the article."""
    json_article = json.dumps({"headline": "Surrogate \ud800 headline", "body": "A body with \u0000 NUL and text."})
    c = await rig.consumer("c1")
    await rig.publish(discovered(article_text(81).replace("Over the past", "Over\x00 the past"), "nul.txt"))
    await rig.publish(discovered(json_article, "surrogate.json"))

    await c.processor.handle(await rig.read(c))

    assert await rig.xlen(rig.streams.dead) == 0, await rig.events(rig.streams.dead)
    assert rig.count("articles") == 2
    bodies = [r[0] for r in rig.rows("SELECT body FROM articles")]
    assert all("\x00" not in b for b in bodies)
    headlines = [r[0] for r in rig.rows("SELECT headline FROM articles")]
    assert "Surrogate \ufffd headline" in headlines
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0


async def test_poison_entries_are_dead_lettered_even_with_many_own_entries_in_flight_between_them(rig: Rig) -> None:
    """A dead consumer left two poison entries (past max_deliveries) on either side of a batch
    this consumer has in flight (read, not yet acked: what the FastStream subscriber holds while
    the handler runs). One reclaim round must dead-letter both without trying either again."""
    stopping = asyncio.Event()
    handler = rig.store_handler(stopping, PoisonedStore, poison={"poison-a.txt", "poison-b.txt"}, redis=rig.redis)
    c = await rig.consumer("live", handler=handler, stopping=stopping, claim_idle_ms=5_000, max_deliveries=3)
    poison_a = await rig.publish(discovered(article_text(70), "poison-a.txt"))
    for n in range(30):
        await rig.publish(discovered(article_text(100 + n), f"in-flight-{n}.txt"))
    poison_b = await rig.publish(discovered(article_text(71), "poison-b.txt"))

    await rig.redis.xreadgroup(GROUP_STORE, "died", {rig.streams.raw: ">"}, count=1)  # takes poison-a
    in_flight = await rig.read(c, count=30)
    assert len(in_flight) == 30
    await rig.redis.xreadgroup(GROUP_STORE, "died", {rig.streams.raw: ">"}, count=1)  # takes poison-b
    # Both had already failed 5 deliveries with the consumer that died, long ago.
    await rig.redis.xclaim(rig.streams.raw, GROUP_STORE, "died", 0, [poison_a, poison_b], idle=60_000, retrycount=5)

    async def round_done() -> bool:
        dead = await rig.xlen(rig.streams.dead)
        return dead == 2 or (dead == 1 and bool(handler.attempted))

    await reclaim_until(c, round_done, what="one reclaim round over the two poison entries")

    dead = {e["source_entry_id"]: e["reason"] for e in await rig.events(rig.streams.dead)}
    assert handler.attempted == [], (
        f"tried {handler.attempted} again at deliveries {handler.attempts} (limit 3); dead-lettered: {dead}"
    )
    assert dead == {poison_a: "max_deliveries", poison_b: "max_deliveries"}
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 30  # only the in-flight batch


# -- enrich -----------------------------------------------------------------------------------


async def _stored_event(rig: Rig, n: int) -> tuple[str, dict[bytes, bytes]]:
    """Run one article through the real store; the entry id and fields of its stored event."""
    store = await rig.consumer("store-1")
    await rig.publish(discovered(article_text(n), f"article-{n}.txt"))
    await store.processor.handle(await rig.read(store))
    [(entry_id, fields)] = await rig.redis.xrange(rig.streams.stored)
    return entry_id.decode(), dict(fields)


async def test_enrich_redelivered_stored_event_gives_one_enrichment_and_one_enriched_event(rig: Rig) -> None:
    entry_id, _fields = await _stored_event(rig, 60)
    crashed = await rig.consumer("enrich-crashed", stage="enrich")
    batch = await rig.read(crashed)
    assert [i for i, _ in batch] == [entry_id]
    lost_out = await crashed.processor.handler(batch)  # enrichment committed, killed before emit
    assert rig.count("enrichments") == 1
    assert await rig.xlen(rig.streams.enriched) == 0

    rescuer = await rig.consumer("enrich-rescuer", stage="enrich", claim_idle_ms=100)

    async def settled() -> bool:
        return await rig.pending(rig.streams.stored, GROUP_ENRICH) == 0

    await reclaim_until(rescuer, settled, what="the enrich entry reclaimed and acked")
    await crashed.processor.commit(lost_out, [entry_id])  # the paused one wakes up: must not emit

    enriched = await rig.events(rig.streams.enriched)
    assert len(enriched) == 1, enriched
    assert enriched[0]["event"] == "article.enriched"
    assert enriched[0]["article_id"] == content_hash(article_text(60))
    assert enriched[0]["enrichment"]["word_count"] > 10
    assert rig.count("enrichments") == 1
    assert rig.rows("SELECT source_entry_id FROM enrichments") == [(entry_id,)]
    assert await rig.pending(rig.streams.stored, GROUP_ENRICH) == 0
    assert await rig.xlen(rig.streams.dead) == 0


async def test_enrich_re_emits_when_the_store_re_emits_after_redis_lost_the_events(rig: Rig) -> None:
    """Redis lost its last second (a host crash): the stored and enriched events went with it, the
    rows stayed. The store's redelivery emits article.stored again (a new entry, the same article
    and correlation id); enrich must emit the committed enrichment again, not take it for a duplicate."""
    entry_id, fields = await _stored_event(rig, 63)
    c = await rig.consumer("enrich-1", stage="enrich")
    await c.processor.handle(await rig.read(c))
    [first] = await rig.events(rig.streams.enriched)
    await rig.redis.delete(rig.streams.enriched)  # lost with the crash, as the stored entry was

    again = await rig.xadd(rig.streams.stored, fields)
    await c.processor.handle(await rig.read(c))

    [second] = await rig.events(rig.streams.enriched)
    assert second["article_id"] == first["article_id"]
    assert second["enrichment"] == first["enrichment"]
    assert rig.count("enrichments") == 1
    assert rig.rows("SELECT source_entry_id FROM enrichments") == [(entry_id,)]
    assert await rig.pending(rig.streams.stored, GROUP_ENRICH) == 0
    assert again != entry_id


async def test_enrich_a_stored_event_of_another_file_with_the_same_content_is_not_emitted(rig: Rig) -> None:
    """An article.stored whose correlation id is not that of the file that created the article
    (forged, or replayed from another pipeline) never gives a second enriched event."""
    _entry_id, fields = await _stored_event(rig, 64)
    c = await rig.consumer("enrich-1", stage="enrich")
    await c.processor.handle(await rig.read(c))
    other = json.loads(fields[DATA_FIELD]) | {"correlation_id": "f" * 32}
    await rig.xadd(rig.streams.stored, {DATA_FIELD: json.dumps(other).encode()})
    await c.processor.handle(await rig.read(c))

    assert await rig.xlen(rig.streams.enriched) == 1
    assert await rig.xlen(rig.streams.dead) == 0
    assert await rig.pending(rig.streams.stored, GROUP_ENRICH) == 0


async def test_enrich_dead_letters_a_stored_event_of_an_unknown_article_on_its_first_delivery(rig: Rig) -> None:
    _entry_id, fields = await _stored_event(rig, 65)
    forged = json.loads(fields[DATA_FIELD]) | {"article_id": "e" * 64}
    forged_id = await rig.xadd(rig.streams.stored, {DATA_FIELD: json.dumps(forged).encode()})
    c = await rig.consumer("enrich-1", stage="enrich")
    await c.processor.handle(await rig.read(c))

    [dead] = await rig.events(rig.streams.dead)
    assert dead["reason"] == "unknown_article"
    assert dead["source_entry_id"] == forged_id
    assert dead["stage"] == "enrich"
    assert await rig.xlen(rig.streams.enriched) == 1  # the real one
    assert await rig.pending(rig.streams.stored, GROUP_ENRICH) == 0


async def test_enrich_same_stored_event_twice_in_one_batch_gives_one_enriched_event(rig: Rig) -> None:
    _entry_id, fields = await _stored_event(rig, 61)
    await rig.xadd(rig.streams.stored, fields)
    c = await rig.consumer("enrich-1", stage="enrich")
    batch = await rig.read(c)
    assert len(batch) == 2
    await c.processor.handle(batch)

    assert await rig.xlen(rig.streams.enriched) == 1
    assert rig.count("enrichments") == 1
    assert await rig.pending(rig.streams.stored, GROUP_ENRICH) == 0


# -- batches in flight ------------------------------------------------------------------------


class CountingGate(GatedStore):
    """A gated store that counts how many batches it holds at once."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.calls = 0
        self.active = 0
        self.most_active = 0

    async def __call__(self, entries: Sequence[Entry]) -> list[Outbound]:
        self.calls += 1
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            return await super().__call__(entries)
        finally:
            self.active -= 1


async def test_subscriber_works_on_two_batches_at_once_and_stops_without_starting_more(
    rig: Rig, redis_server_url: str
) -> None:
    """The FastStream subscriber hands a batch over and reads the next while it is written: two
    batches in hand, a third waits for a slot. At stop, the two finish (committed, emitted, acked)
    and the third is not started: it stays pending for this consumer's next start."""
    from faststream.redis import RedisBroker

    from newswire.streams.reader import subscribe

    stopping, gate = asyncio.Event(), asyncio.Event()
    handler = rig.store_handler(stopping, CountingGate, gate=gate)
    c = await rig.consumer("c1", handler=handler, stopping=stopping, batch_size=2)
    for n in range(6):
        await rig.publish(discovered(article_text(n), f"{n}.txt"))
    broker = RedisBroker(redis_server_url, logger=None)
    c.reader.attach(
        subscribe(
            broker, stream=c.stream, group=c.group, consumer=c.consumer, batch_size=2, deliver=c.reader.start_batch
        )
    )
    await broker.start()
    try:
        # All three batches were read (pending), two are in the handler, the third waits for a slot.
        await until(lambda: _eq(rig.pending(rig.streams.raw, GROUP_STORE), 6), what="all 6 entries read")
        assert handler.calls == 2
        assert handler.active == 2
        stopping.set()
        gate.set()
    finally:
        await broker.stop()
        await c.reader.finish_in_flight()
    assert handler.most_active == 2
    assert handler.calls == 2, "a batch was started after stop"
    assert await rig.xlen(rig.streams.stored) == 4
    assert rig.count("articles") == 4
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 2  # the third batch, for the next start

    # The next start under the same name takes the third batch first.
    restarted = await rig.consumer("c1")
    await restarted.reclaimer.drain_own()
    assert await rig.xlen(rig.streams.stored) == 6
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0


async def _eq(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def test_enrich_redelivery_re_emits_the_committed_enrichment_not_a_new_one(rig: Rig) -> None:
    """Killed between the database commit and the emit; the consumer that takes the entry over
    would enrich it differently (its near-duplicate window holds an earlier twin of the article).
    The event it emits is the enrichment that was committed, so events and rows agree."""
    from services.enrich import dedup
    from services.enrich.enrichers import analyse

    entry_id, fields = await _stored_event(rig, 62)
    crashed = await rig.consumer("enrich-crashed", stage="enrich")
    await crashed.processor.handler(await rig.read(crashed))  # committed, killed before emit
    [(committed,)] = rig.rows("SELECT data FROM enrichments")
    committed = committed if isinstance(committed, dict) else json.loads(committed)
    assert committed["near_duplicate_of"] is None

    event = json.loads(fields[DATA_FIELD])
    _, signature = analyse(event["headline"], event["body"], event["published_at"])
    assert signature is not None
    twin_window = dedup.Window()
    twin_window.add("0" * 64, signature)
    stopping = asyncio.Event()
    handler = rig.enrich_handler(stopping, window=twin_window)
    rescuer = await rig.consumer("enrich-rescuer", stage="enrich", handler=handler, stopping=stopping)

    async def settled() -> bool:
        return await rig.pending(rig.streams.stored, GROUP_ENRICH) == 0

    await reclaim_until(rescuer, settled, what="the enrich entry reclaimed and acked")

    [enriched] = await rig.events(rig.streams.enriched)
    assert enriched["enrichment"]["near_duplicate_of"] is None, "re-enriched instead of re-emitting the commit"
    assert enriched["enrichment"] == committed
    assert rig.rows("SELECT source_entry_id FROM enrichments") == [(entry_id,)]


async def test_a_row_the_database_refuses_is_dead_lettered_at_once_and_the_batch_goes_on(rig: Rig) -> None:
    """The database refuses one article's row (here a constraint a DBA added): the batch is split
    until that entry is alone, it is dead-lettered as database_rejected with the database's
    words on its first delivery, and the others of its batch are stored in the same delivery."""
    forbidden = "Ministers Meet Over Trade Talks, Round 91"
    with rig.engine.begin() as conn:
        if rig.engine.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE articles ADD CONSTRAINT no_round_91 CHECK (headline <> '{forbidden}')"))
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER no_round_91 BEFORE INSERT ON articles "
                    f"WHEN NEW.headline = '{forbidden}' BEGIN SELECT RAISE(ABORT, 'no round 91'); END"
                )
            )
    c = await rig.consumer("c1")
    for n in (90, 91, 92, 93):
        await rig.publish(discovered(article_text(n), f"round-{n}.txt"))

    await c.processor.handle(await rig.read(c))

    [dead] = await rig.events(rig.streams.dead)
    assert dead["reason"] == "database_rejected", dead
    assert dead["source_name"] == "round-91.txt"
    assert "IntegrityError" in dead["detail"]
    stored = sorted(e["source_name"] for e in await rig.events(rig.streams.stored))
    assert stored == ["round-90.txt", "round-92.txt", "round-93.txt"]
    assert rig.count("articles") == 3
    assert await rig.pending(rig.streams.raw, GROUP_STORE) == 0


@pytest.mark.parametrize("stage", ["store", "enrich"])
async def test_entries_read_again_after_their_group_was_recreated_from_the_start_emit_nothing_twice(
    rig: Rig, stage: str
) -> None:
    """The group is lost and recreated from the start of the stream (by a replica that knew
    nothing): every entry is delivered again. The markers the commit left with each emission say
    it happened, so the entries are acknowledged without a second event."""
    for n in range(3):
        await rig.publish(discovered(article_text(100 + n), f"again-{n}.txt"))
    if stage == "enrich":
        store = await rig.consumer("store-1")
        await store.processor.handle(await rig.read(store))
    c = await rig.consumer("c1", stage=stage)
    out_stream = rig.streams.stored if stage == "store" else rig.streams.enriched
    await c.processor.handle(await rig.read(c))
    emitted = await rig.xlen(out_stream)
    assert emitted == 3

    await rig.redis.xgroup_destroy(c.stream, c.group)
    await rig.redis.xgroup_create(c.stream, c.group, id="0")
    again = await rig.read(c)
    assert len(again) == 3
    await c.processor.handle(again)

    assert await rig.xlen(out_stream) == emitted
    assert await rig.pending(c.stream, c.group) == 0
