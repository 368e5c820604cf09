"""The enrich batch handler: enrich in worker processes, persist, and say what to emit."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

from newswire.contracts import DATA_FIELD, NearDuplicate, Streams
from newswire.db.engine import is_transient
from newswire.streams import Entry, Outbound, dead_letter
from newswire.waiting import retry_transient
from newswire.workers import Failed, PoolUnavailable, WorkerPool
from services.enrich import dedup
from services.enrich.repository import Candidate, EnrichmentRepository
from services.enrich.work import Analysed


def _transient(exc: BaseException) -> bool:
    return is_transient(exc) or isinstance(exc, PoolUnavailable)


class EnrichHandler:
    def __init__(
        self,
        *,
        repository: EnrichmentRepository,
        pool: WorkerPool,
        streams: Streams,
        stopping: asyncio.Event,
        log: Any,
        max_chars: int,
        window: dedup.Window | None = None,
    ) -> None:
        self.repository = repository
        self.pool = pool
        self.window = window if window is not None else dedup.Window()
        self.streams = streams
        self.stopping = stopping
        self.log = log
        self.max_chars = max_chars

    def _dead(
        self,
        entry_id: str,
        fields: dict[bytes, bytes],
        reason: str,
        detail: str,
        ids: dict[str, str] | None = None,
        *,
        failed: bool = False,
    ) -> Outbound:
        """A dead letter, and its lines; ``ids``: the file's, when the caller has the decoded event."""
        dead = dead_letter(
            stage="enrich",
            stream=self.streams.stored,
            dead=self.streams.dead,
            entry_id=entry_id,
            fields=fields,
            reason=reason,
            detail=detail,
        )
        if ids is None:
            ids = _ids(dead, entry_id)
        if failed:
            self.log.error("enrich_failed", **ids, entry_id=entry_id, reason=reason, detail=detail)
        self.log.warning("rejected", **ids, entry_id=entry_id, reason=reason, detail=detail)
        return dead

    async def __call__(self, entries: Sequence[Entry]) -> list[Outbound]:
        started = time.perf_counter()
        results = await retry_transient(
            lambda: self.pool.map([(fields.get(DATA_FIELD), self.max_chars) for _, fields in entries]),
            is_transient=_transient,
            stopping=self.stopping,
            log=self.log,
            what="workers",
        )
        out: list[Outbound] = []
        batch: list[Candidate] = []
        fields_of = dict(entries)
        for (entry_id, fields), result in zip(entries, results, strict=True):
            if isinstance(result, Analysed):
                if result.failed:  # a bug to fix: the article goes on without those enrichers' fields
                    ids = {"correlation_id": result.correlation_id, "article_id": result.article_id}
                    self.log.error("enricher_failed", **ids, entry_id=entry_id, enrichers=list(result.failed))
                batch.append(self._candidate(entry_id, fields.get(DATA_FIELD), result))
            else:
                failed = isinstance(result, Failed)
                out.append(self._dead(entry_id, fields, result.reason, result.detail, failed=failed))
        saved = await retry_transient(
            lambda: asyncio.to_thread(self.repository.save, batch),
            is_transient=is_transient,
            stopping=self.stopping,
            log=self.log,
            what="database_write",
        )
        for c in saved.unknown:
            detail = f"no article {c.article_id} in the database (a forged or foreign event)"
            out.append(self._dead(c.entry_id, fields_of[c.entry_id], "unknown_article", detail, _own(c)))
        out.extend(Outbound(c.entry_id, self.streams.enriched, {DATA_FIELD: c.event_data()}) for c in saved.emit)
        fresh = {c.entry_id: c for c in batch}
        for c in saved.emit:
            if fresh[c.entry_id] is c:
                self._enriched(c)
            else:  # the repository put in the enrichment committed before: a redelivery, emitted again
                self._enriched(c, duplicate=True)
        for c in saved.duplicates:  # another file's event of a stored article: acked, nothing emitted
            self.log.info("enriched", **_own(c), entry_id=c.entry_id, duplicate=True, emitted=False)
        self.log.debug(
            "batch_enriched",
            entries=len(entries),
            enriched=len(saved.emit),
            duplicates=len(saved.duplicates),
            dead=len(entries) - len(batch) + len(saved.unknown),
            truncated=sum(c.truncated for c in saved.emit) or None,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return out

    def _enriched(self, c: Candidate, **outcome: Any) -> None:
        """The line that follows one file through enrich (the unit of work is the article)."""
        if c.truncated:
            outcome["truncated"] = True
        if c.analysed is None and (near := c.enrichment.near_duplicate_of) is not None:
            outcome["near_duplicate_of"] = near.article_id
        persons, organizations, places = c.counts()
        self.log.info(
            "enriched",
            correlation_id=c.correlation_id,
            article_id=c.article_id,
            entry_id=c.entry_id,
            persons=persons,
            organizations=organizations,
            places=places,
            **outcome,
        )

    def _candidate(self, entry_id: str, data: bytes | None, analysed: Analysed) -> Candidate:
        c = Candidate(entry_id, analysed=analysed, stored_data=data)
        signature = dedup.from_bytes(analysed.signature) if analysed.signature is not None else None
        if signature is not None:
            near = self.window.check(analysed.article_id, signature)
            if near is not None:
                near_duplicate = NearDuplicate(article_id=near[0], similarity=near[1])
                c = c.with_enrichment(c.enrichment.model_copy(update={"near_duplicate_of": near_duplicate}))
        return c


def _own(c: Candidate) -> dict[str, str]:
    return {"correlation_id": c.correlation_id, "article_id": c.article_id}


def _ids(dead: Outbound, entry_id: str) -> dict[str, str]:
    """The file's ids for the log line of an entry the worker could not turn into an event, read
    back from its dead letter (dead_letter() has read them from the entry already; its own event is
    small, decoding the entry again would not be). An entry without a readable correlation id gets
    none: the dead letter's stand-ins (the entry id, a hash of the fields) are no file's ids."""
    doc = json.loads(dead.fields[DATA_FIELD])
    if doc["correlation_id"] == entry_id:
        return {}
    return {"correlation_id": doc["correlation_id"], "article_id": doc["article_id"]}
