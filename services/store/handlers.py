"""The store's batch handler: parse in worker processes, persist, and say what to emit."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

from newswire.contracts import DATA_FIELD, Streams
from newswire.db.engine import is_transient
from newswire.streams import Entry, Outbound, dead_letter
from newswire.waiting import retry_transient
from newswire.workers import Failed, PoolUnavailable, WorkerPool
from services.store.repository import ArticleRepository, Candidate
from services.store.work import Prepared


def _transient(exc: BaseException) -> bool:
    return is_transient(exc) or isinstance(exc, PoolUnavailable)


class StoreHandler:
    def __init__(
        self, *, repository: ArticleRepository, pool: WorkerPool, streams: Streams, stopping: asyncio.Event, log: Any
    ) -> None:
        self.repository = repository
        self.pool = pool
        self.streams = streams
        self.stopping = stopping
        self.log = log

    async def __call__(self, entries: Sequence[Entry]) -> list[Outbound]:
        started = time.perf_counter()
        # Decoding and parsing (milliseconds for an HTML page) happen in the worker processes.
        results = await retry_transient(
            lambda: self.pool.map([fields.get(DATA_FIELD) for _, fields in entries]),
            is_transient=_transient,
            stopping=self.stopping,
            log=self.log,
            what="workers",
        )
        out: list[Outbound] = []
        batch: list[Candidate] = []
        for (entry_id, fields), result in zip(entries, results, strict=True):
            if isinstance(result, Prepared):
                batch.append(Candidate(entry_id, result))
                continue
            dead = dead_letter(
                stage="store",
                stream=self.streams.raw,
                dead=self.streams.dead,
                entry_id=entry_id,
                fields=fields,
                reason=result.reason,
                detail=result.detail,
            )
            out.append(dead)
            level = self.log.error if isinstance(result, Failed) else self.log.warning
            level("rejected", **_ids(dead, entry_id), entry_id=entry_id, reason=result.reason, detail=result.detail)
        saved = await retry_transient(
            lambda: asyncio.to_thread(self.repository.save, batch),
            is_transient=is_transient,
            stopping=self.stopping,
            log=self.log,
            what="database_write",
        )
        out.extend(Outbound(c.entry_id, self.streams.stored, {DATA_FIELD: c.prepared.stored}) for c in saved.emit)
        for c in saved.emit:
            self._stored(c)
        for c in saved.duplicates:  # the same content stored already from another file: acked, nothing emitted
            self._stored(c, duplicate=True)
        self.log.debug(
            "batch_stored",
            entries=len(entries),
            stored=len(saved.emit),
            duplicates=len(saved.duplicates),
            dead=len(entries) - len(batch),
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return out

    def _stored(self, c: Candidate, **outcome: Any) -> None:
        """The line that follows one file through the store (the unit of work is the article)."""
        p = c.prepared
        self.log.info(
            "stored",
            correlation_id=p.correlation_id,
            article_id=p.article_id,
            source_name=p.source_name,
            entry_id=c.entry_id,
            **outcome,
        )


def _ids(dead: Outbound, entry_id: str) -> dict[str, Any]:
    """The file's ids for the log line of a rejected entry, read back from its dead letter: the
    worker that decoded the entry returns none, and dead_letter() has read them from the entry
    already (its own event is small; decoding the entry again would not be). An entry without a
    readable correlation id gets none: the dead letter's stand-ins (the entry id, a hash of the
    fields) are no file's ids."""
    doc = json.loads(dead.fields[DATA_FIELD])
    if doc["correlation_id"] == entry_id:
        return {}
    ids = {"correlation_id": doc["correlation_id"], "article_id": doc["article_id"]}
    if doc.get("source_name") is not None:
        ids["source_name"] = doc["source_name"]
    return ids
