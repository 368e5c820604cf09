"""The enrich batch handler: enrich in worker processes, persist, and say what to emit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from newswire.streams import Entry, Outbound, dead_letter
from newswire.contracts import DATA_FIELD, ArticleEnriched, NearDuplicate, Streams, encode
from newswire.db.engine import is_transient
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

    def _dead(self, entry_id: str, fields: dict[bytes, bytes], reason: str, detail: str) -> Outbound:
        self.log.warning("rejected", entry_id=entry_id, reason=reason, detail=detail)
        return dead_letter(
            stage="enrich",
            stream=self.streams.stored,
            dead=self.streams.dead,
            entry_id=entry_id,
            fields=fields,
            reason=reason,
            detail=detail,
        )

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
                    self.log.error("enricher_failed", entry_id=entry_id, enrichers=list(result.failed))
                batch.append(self._candidate(entry_id, result))
            else:
                if isinstance(result, Failed):
                    self.log.error("enrich_failed", entry_id=entry_id, reason=result.reason, detail=result.detail)
                out.append(self._dead(entry_id, fields, result.reason, result.detail))
        saved = await retry_transient(
            lambda: asyncio.to_thread(self.repository.save, batch),
            is_transient=is_transient,
            stopping=self.stopping,
            log=self.log,
            what="database_write",
        )
        for c in saved.unknown:
            detail = f"no article {c.stored.article_id} in the database (a forged or foreign event)"
            out.append(self._dead(c.entry_id, fields_of[c.entry_id], "unknown_article", detail))
        out.extend(Outbound(c.entry_id, self.streams.enriched, encode(_enriched(c))) for c in saved.emit)
        self.log.info(
            "batch_enriched",
            entries=len(entries),
            enriched=len(saved.emit),
            duplicates=len(saved.duplicates),
            dead=len(entries) - len(batch) + len(saved.unknown),
            truncated=sum(c.enrichment.truncated for c in saved.emit) or None,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return out

    def _candidate(self, entry_id: str, analysed: Analysed) -> Candidate:
        enrichment = analysed.enrichment
        signature = dedup.from_bytes(analysed.signature) if analysed.signature is not None else None
        if signature is not None:
            near = self.window.check(analysed.stored.article_id, signature)
            if near is not None:
                enrichment = enrichment.model_copy(
                    update={"near_duplicate_of": NearDuplicate(article_id=near[0], similarity=near[1])}
                )
        return Candidate(entry_id, analysed.stored, enrichment, analysed.signature)


def _enriched(c: Candidate) -> ArticleEnriched:
    s = c.stored
    return ArticleEnriched(
        article_id=s.article_id,
        correlation_id=s.correlation_id,
        headline=s.headline,
        story_code=s.story_code,
        published_at=s.published_at,
        body=s.body,
        source_name=s.source_name,
        language=s.language,
        url=s.url,
        enrichment=c.enrichment,
    )
