"""The watcher: discovers files (scan, notifications, rescans), settles, claims, publishes in
batches, and archives each file only once the store confirmed its article (services.ingest.ledger).

Its tasks run supervised (newswire.waiting.supervised): one that fails is restarted, and one that
keeps failing brings the process down rather than leaving it up and doing nothing.

Its parts, one job each: Discovery (discovery.py) notes the inbox's files in the Settler (settle.py);
Intake (intake.py) takes the settled ones, while there is room downstream, to the Publisher
(publisher.py), which claims, reads (reading.py) and publishes them; the Confirmer (confirm.py)
waits for each one's receipt to be durable, republishes entries Redis lost, and hands confirmed
files to the Archiver (confirm.py); Recovery (recovery.py) finishes what a crash interrupted; the
dead-letter follower (follower.py) moves files enrich rejected. They share the files in flight
(inflight.py), the record of files kept in the inbox (kept.py) and the inbox on disk (inbox.py).
The Watcher builds them, wires them together and runs them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis

from newswire.contracts import Streams
from newswire.health import Progress
from newswire.waiting import supervised
from services.ingest.config import IngestSettings
from services.ingest.confirm import Archiver, Confirmer
from services.ingest.discovery import Discovery
from services.ingest.follower import follow_dead_letters
from services.ingest.inbox import Inbox
from services.ingest.inflight import InFlight
from services.ingest.intake import Intake
from services.ingest.kept import Kept
from services.ingest.ledger import Ledger
from services.ingest.publisher import Publisher
from services.ingest.recovery import Recovery
from services.ingest.settle import Settler


class Watcher:
    """Builds the watcher's parts, wires them together and runs them as supervised tasks."""

    def __init__(self, *, settings: IngestSettings, redis: aioredis.Redis, stopping: asyncio.Event, log: Any) -> None:
        self.settings = settings
        self.redis: Any = redis  # redis-py types replies as wide unions; Any at this edge
        self.stopping = stopping
        self.log = log
        self.streams: Streams = settings.streams
        self.inbox = Inbox(settings)
        ledger = Ledger(
            redis,
            streams=self.streams,
            prefix=settings.stream_prefix,
            grace_s=settings.durability_grace_s,
            waitaof=settings.waitaof,
        )
        self.progress = Progress(settings.stall_s)
        settler = Settler(settings.settle_s)
        kept = Kept(settings=settings, redis=self.redis, inbox=self.inbox, stopping=stopping, log=log)
        inflight = InFlight()
        common: dict[str, Any] = {"stopping": stopping, "log": log}
        self.publisher = Publisher(
            settings=settings, inbox=self.inbox, ledger=ledger, inflight=inflight, progress=self.progress, **common
        )
        self.recovery = Recovery(inbox=self.inbox, ledger=ledger, inflight=inflight, publisher=self.publisher, **common)
        self.discovery = Discovery(
            settings=settings,
            inbox=self.inbox,
            settler=settler,
            kept=kept,
            on_adopted=self.recovery.recover,
            **common,
        )
        self.intake = Intake(
            settings=settings,
            redis=self.redis,
            settler=settler,
            kept=kept,
            publisher=self.publisher,
            inflight=inflight,
            progress=self.progress,
            on_skip=self.discovery.skip,
            made_room=self.discovery.made_room,
            **common,
        )
        self.publisher.backlog.left = lambda: len(settler) + self.intake.ready  # files found, not yet published
        self.discovery.on_noted = self.intake.wake
        self.archiver = Archiver(
            inbox=self.inbox, ledger=ledger, kept=kept, inflight=inflight, progress=self.progress, log=log
        )
        self.confirmer = Confirmer(
            ledger=ledger, inflight=inflight, publisher=self.publisher, archiver=self.archiver, **common
        )

    @property
    def counters(self) -> dict[str, int]:
        parts = (self.publisher, self.confirmer, self.archiver, self.discovery)
        return {name: n for part in parts for name, n in part.counters.items()}

    async def run(self) -> None:
        await asyncio.to_thread(self.inbox.prepare)
        await asyncio.to_thread(self.inbox.lock)
        try:
            await self.recovery.recover()
            polling = self.discovery.polling()
            self.log.info("watching", inbox=str(self.inbox.root), polling=polling, settle_s=self.settings.settle_s)
            common = {"stopping": self.stopping, "log": self.log}
            tasks = [
                asyncio.create_task(
                    supervised("notifications", lambda: self.discovery.watch_with_probe(polling), **common)
                ),
                asyncio.create_task(supervised("rescans", self.discovery.rescan_forever, **common)),
                asyncio.create_task(supervised("confirmations", self.confirmer.run, **common)),
                asyncio.create_task(supervised("dead_letters", self._follow_dead, **common)),
                asyncio.create_task(supervised("intake", self.intake.run, **common)),
            ]
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
                for t in done:
                    failure = t.exception()
                    if failure is not None:
                        raise failure
            finally:
                # Every task ends at stop by itself (a cancellation in mid-command is not always
                # delivered through redis-py); cancelled only if it has not ended in good time.
                self.stopping.set()
                _, late = await asyncio.wait(tasks, timeout=15)
                for t in late:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self.inbox.release()

    async def health_problem(self) -> str | None:
        return self.progress.problem(self.intake.ready, "ingest: files ready in the inbox")

    async def _follow_dead(self) -> None:
        await follow_dead_letters(
            redis=self.redis, inbox=self.inbox, streams=self.streams, stopping=self.stopping, log=self.log
        )
