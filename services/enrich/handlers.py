"""The enrich batch handler: validate, enrich, persist, and say what to emit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from newswire.consumer import Entry, Outbound, dead_letter
from newswire.contracts import ArticleEnriched, ArticleStored, MalformedEvent, NearDuplicate, Streams, decode, encode
from newswire.db.engine import is_transient
from newswire.waiting import retry_transient
from services.enrich import dedup
from services.enrich.enrichers import analyse
from services.enrich.repository import Candidate, EnrichmentRepository


class EnrichHandler:
    def __init__(
        self,
        *,
        repository: EnrichmentRepository,
        streams: Streams,
        stopping: asyncio.Event,
        log: Any,
        window: dedup.Window | None = None,
    ) -> None:
        self.repository = repository
        self.window = window if window is not None else dedup.Window()
        self.streams = streams
        self.stopping = stopping
        self.log = log

    async def __call__(self, entries: Sequence[Entry]) -> list[Outbound]:
        started = time.perf_counter()
        out: list[Outbound] = []
        batch: list[Candidate] = []
        for entry_id, fields in entries:
            try:
                event = decode(fields)
                if not isinstance(event, ArticleStored):
                    raise MalformedEvent(f"{event.event} does not belong on {self.streams.stored}")
            except MalformedEvent as exc:
                out.append(
                    dead_letter(
                        stage="enrich",
                        stream=self.streams.stored,
                        dead=self.streams.dead,
                        entry_id=entry_id,
                        fields=fields,
                        reason="malformed_event",
                        detail=str(exc),
                    )
                )
                self.log.warning("rejected", entry_id=entry_id, reason="malformed_event", detail=str(exc))
                continue
            batch.append(self._candidate(entry_id, event))
        result = await retry_transient(
            lambda: asyncio.to_thread(self.repository.save, batch),
            is_transient=is_transient,
            stopping=self.stopping,
            log=self.log,
            what="database_write",
        )
        out.extend(Outbound(c.entry_id, self.streams.enriched, encode(_enriched(c))) for c in result.emit)
        self.log.info(
            "batch_enriched",
            entries=len(entries),
            enriched=len(result.emit),
            duplicates=len(result.duplicates),
            dead=len(entries) - len(batch),
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return out

    def _candidate(self, entry_id: str, event: ArticleStored) -> Candidate:
        enrichment, signature = analyse(event.headline, event.body, event.published_at)
        near = self.window.check(event.article_id, signature)
        if near is not None:
            enrichment = enrichment.model_copy(
                update={"near_duplicate_of": NearDuplicate(article_id=near[0], similarity=near[1])}
            )
        return Candidate(entry_id, event, enrichment, dedup.to_bytes(signature) if signature is not None else None)


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
