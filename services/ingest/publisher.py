"""Publishing: settled files claimed, read and published with their ledger record (ledger.py), then
left in processing/ waiting for their confirmation (services.ingest.confirm)."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from newswire import metrics
from newswire.health import Progress
from newswire.waiting import retry_transient
from services.ingest.claims import Claimed
from services.ingest.config import IngestSettings
from services.ingest.inbox import Inbox
from services.ingest.inflight import Awaiting, InFlight
from services.ingest.ledger import Ledger, transient
from services.ingest.progress import Backlog, on_terminal
from services.ingest.reading import Read, Reader


class Publisher:
    """Claims files, reads them and publishes their entries with their ledger records."""

    def __init__(
        self,
        *,
        settings: IngestSettings,
        inbox: Inbox,
        ledger: Ledger,
        inflight: InFlight,
        progress: Progress,
        stopping: asyncio.Event,
        log: Any,
    ) -> None:
        self.inbox = inbox
        self.ledger = ledger
        self.inflight = inflight
        self.progress = progress
        self.stopping = stopping
        self.log = log
        self.reader = Reader(settings.max_file_bytes)
        self.counters = {"published": 0, "rejected": 0, "lost_races": 0}
        # On a terminal a backlog is one line redrawn (progress.py); each file's line goes to DEBUG.
        self.backlog = Backlog(sys.stderr, enabled=on_terminal(sys.stderr, settings.log_format))
        self._log_published = self.log.debug if self.backlog.enabled else self.log.info

    def claim(self, paths: list[str]) -> list[Claimed]:
        claimed = self.inbox.claim(paths, busy=set())
        self.counters["lost_races"] += len(paths) - len(claimed)
        metrics.FILES_LOST_RACES.inc(len(paths) - len(claimed))
        metrics.FILES_CLAIMED.inc(len(claimed))
        if claimed:
            claim_dir = claimed[0].claim_dir
            self.inflight.claimed(claim_dir, len(claimed))
        return claimed

    async def publish_claimed(self, claimed: list[Claimed]) -> None:
        """Read and publish claimed files a few megabytes at a time, then wait for their receipts."""
        rest = claimed
        while rest:
            reads, rest = await asyncio.to_thread(self.reader.read_some, rest, 32 * 1024 * 1024)
            await self._publish(reads)

    async def _publish(self, reads: list[tuple[Claimed, Read]]) -> None:
        if not reads:
            return
        started = time.perf_counter()
        by_claim: dict[str, list[tuple[Claimed, Read]]] = {}
        for c, r in reads:
            by_claim.setdefault(c.claim_id, []).append((c, r))
        for claim_id, group in by_claim.items():
            items = [(r.kind, c.relative, r.payload) for c, r in group]
            refs = await retry_transient(
                lambda cid=claim_id, it=items: self.ledger.publish(cid, it),  # type: ignore[misc]  # defaults bind the loop values
                is_transient=transient,
                stopping=self.stopping,
                log=self.log,
                what="redis_publish",
            )
            now = time.monotonic()
            for (c, r), ref in zip(group, refs, strict=True):
                self.inflight.add(Awaiting(c, ref, r.size, r.sha, r.mtime_ns, now, r.rejection))
        self.progress.step()
        ms = round((time.perf_counter() - started) * 1000 / len(reads), 2)
        published = 0
        log_published = self._log_published
        for c, r in reads:
            if r.rejection is None:
                published += 1
                log_published(
                    "published",
                    path=c.source_name,
                    correlation_id=r.correlation_id,
                    article_id=r.article_id,
                    sha256=r.sha,
                    size=r.size,
                    encoding=r.encoding,
                    ms=ms,
                )
            else:
                self.counters["rejected"] += 1
                reason, detail = r.rejection
                metrics.FILES_REJECTED.labels(reason).inc()
                self.log.warning(
                    "rejected",
                    path=c.source_name,
                    correlation_id=r.correlation_id,
                    reason=reason,
                    detail=detail,
                    size=r.size,
                    ms=ms,
                )
        self.counters["published"] += published
        metrics.FILES_PUBLISHED.inc(published)
        self.backlog.advance(published, len(reads) - published, self.stopping)
