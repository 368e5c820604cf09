"""The enrich batch handler: validate, enrich, persist, and say what to emit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from newswire.consumer import Entry, Outbound, dead_letter
from newswire.contracts import ArticleEnriched, ArticleStored, MalformedEvent, Streams, decode, encode
from newswire.db.engine import is_transient
from newswire.waiting import retry_transient
from services.enrich.enrichers import enrich
from services.enrich.repository import Candidate, EnrichmentRepository


class EnrichHandler:
    def __init__(
        self, *, repository: EnrichmentRepository, streams: Streams, stopping: asyncio.Event, log: Any
    ) -> None:
        self.repository = repository
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
            batch.append(Candidate(entry_id, event, enrich(event.headline, event.body)))
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
