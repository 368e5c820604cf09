"""Confirmation: a published file is archived only once the store's receipt for its entry is
durable (ledger.py); an entry Redis lost before then is published again.

Confirmer looks up receipts, waits for them to be durable and republishes lost entries; Archiver
moves each confirmed file to where its receipt says and forgets it in the ledger.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from newswire import metrics
from newswire.health import Progress
from newswire.text import one_line
from newswire.waiting import pause
from services.ingest.inbox import Inbox
from services.ingest.inflight import Awaiting, InFlight
from services.ingest.kept import Kept
from services.ingest.ledger import Ledger, transient
from services.ingest.publisher import Publisher

CONFIRM_EVERY_S = 0.2
CONFIRM_CHUNK = 5_000  # receipts looked up per round (oldest first)
LOSS_CHECK_S = 5.0  # an entry without a receipt this long is looked for on its stream (lost with Redis?)
LOSS_CHECKS = 1_000  # entries looked for per round at most (a backlog while the store is down is long)


class Archiver:
    """Moves confirmed files to where their receipts say and forgets them in the ledger."""

    def __init__(
        self, *, inbox: Inbox, ledger: Ledger, kept: Kept, inflight: InFlight, progress: Progress, log: Any
    ) -> None:
        self.inbox = inbox
        self.ledger = ledger
        self.kept = kept
        self.inflight = inflight
        self.progress = progress
        self.log = log
        self.counters = {"archived": 0}

    async def archive(self, done: list[Awaiting]) -> None:
        results = await asyncio.to_thread(self._archive_files, done)
        kept = {
            a.claimed.relative: f"{a.size}:{a.mtime_ns}"
            for a, ok in results
            if ok and self.kept.keep and a.rejection is None and a.receipt == b"ok"
        }
        if kept:
            await self.kept.record(kept)
        by_claim: dict[Path, list[Awaiting]] = {}
        for a, _ok in results:
            by_claim.setdefault(a.claimed.claim_dir, []).append(a)
        for claim_dir, group in by_claim.items():
            await self.ledger.forget(claim_dir.name, [a.claimed.relative for a in group])
            if self.inflight.archived(claim_dir, len(group)):
                await asyncio.to_thread(self.inbox.release_claim, claim_dir)
                await self.ledger.forget_claim(claim_dir.name)
        self.progress.step()

    def _archive_files(self, done: list[Awaiting]) -> list[tuple[Awaiting, bool]]:
        out = []
        for a in done:
            self.inflight.pop(a.claimed.path)
            try:
                self._archive_one(a)
                self.counters["archived"] += 1
                metrics.FILES_ARCHIVED.labels("done" if a.rejection is None and a.receipt == b"ok" else "error").inc()
                out.append((a, True))
            except OSError as exc:
                # The entry is confirmed; the file stays in processing/ and is archived at the next start.
                self.log.error("archive_failed", path=a.claimed.source_name, error=one_line(exc))
                out.append((a, False))
        return out

    def _archive_one(self, a: Awaiting) -> None:
        if a.rejection is not None:
            reason, detail = a.rejection
            self.inbox.reject(a.claimed, reason=reason, detail=detail, file_sha256=a.sha)
            return
        if a.receipt == b"ok":
            self.inbox.finish(a.claimed)
            return
        # The store dead-lettered the article: the file goes to the error folder with its reason.
        try:
            doc = json.loads(a.receipt or b"{}")
        except ValueError:
            doc = {}
        self.inbox.to_error(
            a.claimed.path,
            a.claimed.relative,
            stage="store",
            reason=str(doc.get("reason") or "rejected"),
            detail=str(doc.get("detail") or ""),
            file_sha256=a.sha,
            source_name=a.claimed.source_name,
        )
        self.log.warning("moved_to_errors", path=a.claimed.source_name, stage="store", reason=doc.get("reason"))


class Confirmer:
    """Looks up receipts, waits until they are durable, and republishes entries Redis lost."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        inflight: InFlight,
        publisher: Publisher,
        archiver: Archiver,
        stopping: asyncio.Event,
        log: Any,
    ) -> None:
        self.ledger = ledger
        self.inflight = inflight
        self.publisher = publisher
        self.archiver = archiver
        self.stopping = stopping
        self.log = log
        self.counters = {"republished": 0}
        self._confirm_from = 0  # where the next round of receipt lookups starts, when many wait

    async def run(self) -> None:
        while not self.stopping.is_set():
            if self.inflight:
                try:
                    await self._confirm_round()
                except Exception as exc:
                    if not transient(exc):
                        raise
                    self.log.warning("confirm_retrying", error=one_line(exc))
                    await pause(self.stopping, 1.0)
            await pause(self.stopping, CONFIRM_EVERY_S)

    async def _confirm_round(self) -> None:
        now = time.monotonic()
        batch = self._next_to_confirm()
        look = await self._worth_asking([a for a in batch if a.receipt is None], now)
        if look:
            receipts = await self.ledger.receipts([a.ref for a in look])
            for a in look:
                a.receipt = receipts.get(a.ref)
                if a.receipt is not None:
                    a.confirmed_at = now
            stale = [a for a in look if a.receipt is None and now - a.checked_at >= LOSS_CHECK_S][:LOSS_CHECKS]
            if stale:
                await self._republish_lost(stale, now)
        confirmed = [a for a in batch if a.receipt is not None and a.ref.entry_id != "legacy"]
        durable = await self._durable(confirmed, now)
        durable += [a for a in batch if a.ref.entry_id == "legacy"]
        if durable:
            await self.archiver.archive(durable)

    async def _worth_asking(self, waiting: list[Awaiting], now: float) -> list[Awaiting]:
        """Of the files waiting for a receipt, those whose receipt may be there: every one whose raw entry
        the store group was handed already (Ledger.store_delivered), every ingest rejection, and every one
        not looked for in LOSS_CHECK_S (that one is looked for on its stream too, if it has none: it may
        be lost; and a receipt from before the store group was lost or moved back is found so). While the
        store lags, or is not running, the entries it has not read cost no lookup every round."""
        if not waiting:
            return waiting
        delivered = await self.ledger.store_delivered()
        if delivered is None:
            return waiting
        due = now - LOSS_CHECK_S
        return [a for a in waiting if a.ref.key <= delivered or a.checked_at <= due or a.ref.kind != "raw"]

    def _next_to_confirm(self) -> list[Awaiting]:
        """Up to CONFIRM_CHUNK waiting files, oldest first, taking turns when more wait (a round
        looks up each one's receipt: a long backlog is looked at a chunk at a time)."""
        waiting = list(self.inflight.awaiting.values())
        if len(waiting) <= CONFIRM_CHUNK:
            return waiting
        start = self._confirm_from % len(waiting)
        self._confirm_from = start + CONFIRM_CHUNK
        return (waiting + waiting)[start : start + CONFIRM_CHUNK]

    async def _republish_lost(self, stale: list[Awaiting], now: float) -> None:
        for a in stale:
            a.checked_at = now
        lost = set(await self.ledger.lost([a.ref for a in stale]))
        again = [a.claimed for a in stale if a.ref in lost]
        if not again:
            return
        self.log.warning("republishing", files=len(again), reason="entries lost by Redis before the store confirmed")
        for c in again:
            self.inflight.pop(c.path)
        self.counters["republished"] += len(again)
        metrics.FILES_REPUBLISHED.inc(len(again))
        await self.publisher.publish_claimed(again)

    async def _durable(self, confirmed: list[Awaiting], now: float) -> list[Awaiting]:
        """The confirmations that Redis cannot lose any more (see ledger.py): older than the grace
        (appendfsync everysec writes at most about a second behind), on disk by WAITAOF where the
        server has it (a slow disk can fall further behind), and still there after both."""
        if not confirmed:
            return []
        mode = await self.ledger.mode()
        if mode == "none":
            return confirmed
        grace = self.ledger.grace_s
        candidates = [a for a in confirmed if a.confirmed_at is not None and now - a.confirmed_at >= grace]
        if not candidates or (mode == "waitaof" and not await self.ledger.sync()):
            return []
        # Still there after the wait: durable. Gone: Redis lost it meanwhile; look again.
        again = await self.ledger.receipts([a.ref for a in candidates])
        out = []
        for a in candidates:
            if again.get(a.ref) is None:
                a.receipt = a.confirmed_at = None
            else:
                out.append(a)
        return out
