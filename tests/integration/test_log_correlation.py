"""One file followed through the logs: the store's and enrich's line for each article carry its ids.

The real StoreHandler and EnrichHandler, with their real worker pools and a real database, are
handed stream entries directly (no Redis: the handlers are what logs them); each test reads what
they logged with structlog.testing.capture_logs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import structlog
from sqlalchemy import Engine
from structlog.testing import capture_logs

from newswire.contracts import (
    DATA_FIELD,
    ArticleDiscovered,
    ArticleStored,
    Streams,
    content_hash,
    encode,
    new_correlation_id,
)
from newswire.service import open_database
from newswire.streams import Entry, Outbound
from newswire.workers import WorkerPool
from services.enrich.handlers import EnrichHandler
from services.enrich.repository import EnrichmentRepository
from services.store.handlers import StoreHandler
from services.store.repository import ArticleRepository

TEXT = (
    "Wednesday 31 March 2021 - 11:59\n\n"
    "Ministers Meet Over Trade Talks in Vienna\n\n"
    "Story Code : 924469\n"
    '"We are ready to discuss all issues," Dmitry Peskov told Reuters in Moscow.\n\n'
    "Talks with the European Commission resume next week in Vienna.\n"
)


def discovered(text: str, source_name: str) -> ArticleDiscovered:
    return ArticleDiscovered(
        article_id=content_hash(text),
        correlation_id=new_correlation_id(),
        source_name=source_name,
        file_sha256="0" * 64,
        size_bytes=len(text.encode()),
        encoding="utf-8",
        text=text,
    )


@dataclass
class Stages:
    engine: Engine
    store_pool: WorkerPool
    enrich_pool: WorkerPool
    streams: Streams

    async def store(self, entries: Sequence[Entry]) -> list[Outbound]:
        # The logger is made inside capture_logs, so it logs through the capturing configuration.
        handler = StoreHandler(
            repository=ArticleRepository(self.engine),
            pool=self.store_pool,
            streams=self.streams,
            stopping=asyncio.Event(),
            log=structlog.get_logger("test"),
        )
        return await handler(entries)

    async def enrich(self, entries: Sequence[Entry]) -> list[Outbound]:
        handler = EnrichHandler(
            repository=EnrichmentRepository(self.engine),
            pool=self.enrich_pool,
            streams=self.streams,
            stopping=asyncio.Event(),
            log=structlog.get_logger("test"),
            max_chars=200_000,
        )
        return await handler(entries)


@pytest.fixture
async def stages(database_url: str, store_pool: WorkerPool, enrich_pool: WorkerPool) -> AsyncIterator[Stages]:
    engine = await open_database(database_url, timeout_s=10)
    try:
        yield Stages(engine, store_pool, enrich_pool, Streams())
    finally:
        engine.dispose()


def lines(logs: list[MutableMapping[str, Any]], event: str) -> list[MutableMapping[str, Any]]:
    return [line for line in logs if line["event"] == event]


def emitted(out: list[Outbound], stream: str) -> list[Outbound]:
    return [o for o in out if o.stream == stream]


async def test_the_stored_and_the_enriched_line_carry_the_files_correlation_id_and_article_id(
    stages: Stages,
) -> None:
    event = discovered(TEXT, "inbox/a.txt")
    with capture_logs() as logs:
        [stored] = emitted(await stages.store([("1-1", encode(event))]), stages.streams.stored)
        [enriched] = emitted(await stages.enrich([("2-1", stored.fields)]), stages.streams.enriched)

    ids = {"correlation_id": event.correlation_id, "article_id": event.article_id}
    assert lines(logs, "stored") == [
        {"event": "stored", "log_level": "info", **ids, "source_name": "inbox/a.txt", "entry_id": "1-1"}
    ]
    [line] = lines(logs, "enriched")
    assert line["log_level"] == "info"
    assert {k: line[k] for k in ("correlation_id", "article_id", "entry_id")} == {**ids, "entry_id": "2-1"}
    assert line["persons"] >= 1 and line["places"] >= 1 and "organizations" in line
    assert "duplicate" not in line and "truncated" not in line
    assert enriched.fields[DATA_FIELD]  # the line is for the event that went on


async def test_a_duplicate_is_logged_with_duplicate_true_and_the_ids_of_its_own_file(stages: Stages) -> None:
    first, copy = discovered(TEXT, "a.txt"), discovered(TEXT, "copy-of-a.txt")
    with capture_logs() as logs:
        [stored] = emitted(await stages.store([("1-1", encode(first)), ("1-2", encode(copy))]), stages.streams.stored)
        await stages.enrich([("2-1", stored.fields)])
        await stages.enrich([("2-1", stored.fields)])  # a redelivery: the enrichment exists already

    by_file = {line["source_name"]: line for line in lines(logs, "stored")}
    assert "duplicate" not in by_file["a.txt"]
    assert by_file["copy-of-a.txt"] == {
        "event": "stored",
        "log_level": "info",
        "correlation_id": copy.correlation_id,
        "article_id": copy.article_id,
        "source_name": "copy-of-a.txt",
        "entry_id": "1-2",
        "duplicate": True,
    }
    fresh, again = lines(logs, "enriched")
    assert "duplicate" not in fresh
    assert again["duplicate"] is True
    assert (again["correlation_id"], again["article_id"]) == (first.correlation_id, first.article_id)


async def test_rejected_lines_carry_the_ids_the_entry_has(stages: Stages) -> None:
    unparseable = discovered("A headline and nothing else\n", "short.txt")
    forged = ArticleStored(
        article_id="f" * 64,
        correlation_id=new_correlation_id(),
        headline="Never stored",
        story_code=None,
        published_at=None,
        body="A body the store never saw.",
        source_name="forged.txt",
    )
    with capture_logs() as logs:
        await stages.store([("1-1", encode(unparseable)), ("1-2", {DATA_FIELD: b"not an event"})])
        await stages.enrich([("2-1", encode(forged)), ("2-2", encode(unparseable))])

    by_entry = {line["entry_id"]: line for line in lines(logs, "rejected")}
    assert by_entry["1-1"]["reason"] == "no_body"
    assert (by_entry["1-1"]["correlation_id"], by_entry["1-1"]["article_id"], by_entry["1-1"]["source_name"]) == (
        unparseable.correlation_id,
        unparseable.article_id,
        "short.txt",
    )
    # Nothing could be read from it: no stand-in ids (the dead letter's) that would look like a file's.
    assert "correlation_id" not in by_entry["1-2"] and "article_id" not in by_entry["1-2"]
    assert by_entry["2-1"]["reason"] == "unknown_article"
    assert (by_entry["2-1"]["correlation_id"], by_entry["2-1"]["article_id"]) == (
        forged.correlation_id,
        forged.article_id,
    )
    # An event that does not belong on articles:stored: the worker rejects it, its ids are still read.
    assert by_entry["2-2"]["correlation_id"] == unparseable.correlation_id
