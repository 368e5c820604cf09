"""The store's batch handler: validate, parse, persist, and say what to emit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from newswire.consumer import Entry, Outbound, dead_letter
from newswire.contracts import ArticleDiscovered, ArticleStored, MalformedEvent, Streams, content_hash, decode, encode
from newswire.db.engine import is_transient
from newswire.waiting import retry_transient
from services.store.parser import Rejection, parse
from services.store.repository import ArticleRepository, Candidate


class StoreHandler:
    def __init__(self, *, repository: ArticleRepository, streams: Streams, stopping: asyncio.Event, log: Any) -> None:
        self.repository = repository
        self.streams = streams
        self.stopping = stopping
        self.log = log

    async def __call__(self, entries: Sequence[Entry]) -> list[Outbound]:
        started = time.perf_counter()
        # Parsing an HTML page takes milliseconds: off the event loop, with the rest of the batch.
        out, batch = await asyncio.to_thread(self._candidates, entries)
        result = await retry_transient(
            lambda: asyncio.to_thread(self.repository.save, batch),
            is_transient=is_transient,
            stopping=self.stopping,
            log=self.log,
            what="database_write",
        )
        out.extend(Outbound(c.entry_id, self.streams.stored, encode(_stored(c))) for c in result.emit)
        for c in result.duplicates:
            self.log.debug(
                "duplicate", article_id=c.article_id, source_name=c.discovered.source_name, entry_id=c.entry_id
            )
        self.log.info(
            "batch_stored",
            entries=len(entries),
            stored=len(result.emit),
            duplicates=len(result.duplicates),
            dead=len(entries) - len(batch),
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return out

    def _candidates(self, entries: Sequence[Entry]) -> tuple[list[Outbound], list[Candidate]]:
        out: list[Outbound] = []
        batch: list[Candidate] = []
        for entry_id, fields in entries:
            candidate = self._candidate(entry_id, fields, out)
            if candidate is not None:
                batch.append(candidate)
        return out, batch

    def _candidate(self, entry_id: str, fields: dict[bytes, bytes], out: list[Outbound]) -> Candidate | None:
        def reject(reason: str, detail: str) -> None:
            out.append(
                dead_letter(
                    stage="store",
                    stream=self.streams.raw,
                    dead=self.streams.dead,
                    entry_id=entry_id,
                    fields=fields,
                    reason=reason,
                    detail=detail,
                )
            )
            self.log.warning("rejected", entry_id=entry_id, reason=reason, detail=detail)

        try:
            event = decode(fields)
        except MalformedEvent as exc:
            reject("malformed_event", str(exc))
            return None
        if not isinstance(event, ArticleDiscovered):
            reject("unexpected_event", f"{event.event} does not belong on {self.streams.raw}")
            return None
        parsed = parse(event.text)
        if isinstance(parsed, Rejection):
            reject(parsed.reason, f"{event.source_name}: {parsed.detail}")
            return None
        return Candidate(entry_id, content_hash(event.text), event, parsed)


def _stored(c: Candidate) -> ArticleStored:
    return ArticleStored(
        article_id=c.article_id,
        correlation_id=c.discovered.correlation_id,
        headline=c.article.headline,
        story_code=c.article.story_code,
        published_at=c.article.published_iso,
        body=c.article.body,
        source_name=c.discovered.source_name,
        language=c.article.language,
        url=c.article.url,
    )
