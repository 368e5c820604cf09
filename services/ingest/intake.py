"""Intake: settled files taken to the publisher a batch at a time, while there is room downstream
(back-pressure: the store's lag, and the files waiting for their confirmation)."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from collections.abc import Awaitable, Callable
from typing import Any

from newswire.contracts import GROUP_STORE
from newswire.health import Progress
from newswire.waiting import pause
from services.ingest.config import IngestSettings
from services.ingest.inflight import InFlight
from services.ingest.kept import Kept
from services.ingest.publisher import Publisher
from services.ingest.scanning import OnSkip
from services.ingest.settle import Settler

MAX_AWAITING = 50_000  # files published and waiting for the store's receipt; intake waits beyond this


class Intake:
    """Hands settled files to the publisher, a batch at a time, while there is room downstream."""

    def __init__(
        self,
        *,
        settings: IngestSettings,
        redis: Any,
        settler: Settler,
        kept: Kept,
        publisher: Publisher,
        inflight: InFlight,
        progress: Progress,
        stopping: asyncio.Event,
        log: Any,
        on_skip: OnSkip,
        made_room: Callable[[], Awaitable[None]],
    ) -> None:
        self.settings = settings
        self.redis = redis  # redis-py types replies as wide unions; Any at this edge
        self.streams = settings.streams
        self.settler = settler
        self.kept = kept
        self.publisher = publisher
        self.inflight = inflight
        self.progress = progress
        self.stopping = stopping
        self.log = log
        self.on_skip = on_skip  # a file left alone on purpose (logged once: Discovery.skip)
        self.made_room = made_room  # the settler gave files up (Discovery.made_room)
        self.ready: int = 0  # files settled and not yet published (for health)
        self._noted = asyncio.Event()

    def wake(self) -> None:
        """Files were noted: look at once rather than at the next tick (a file renamed into place is
        then published within milliseconds of its notification)."""
        self._noted.set()

    async def run(self) -> None:
        tick = min(max(self.settings.settle_s / 2, 0.05), 0.5)
        while not self.stopping.is_set():
            self._noted.clear()  # what is noted from here on is either in ready or wakes the wait below
            # Nothing noted, nothing to check: no thread woken for it (this loop turns every tick).
            ready = await asyncio.to_thread(self._ready_now) if len(self.settler) else []
            if self.kept.keep and ready:
                ready = await self.kept.not_kept(ready)
            self.ready = len(ready)
            if not ready:
                self.progress.step()  # nothing waits: nothing is stalled
            for i in range(0, len(ready), self.settings.publish_batch):
                await self._wait_for_room()
                if self.stopping.is_set():
                    return
                chunk = ready[i : i + self.settings.publish_batch]
                claimed = await asyncio.to_thread(self.publisher.claim, chunk)
                await self.publisher.publish_claimed(claimed)
                self.ready = max(0, self.ready - len(chunk))
            await self.made_room()
            if not ready:
                await self._until_noted(tick)

    async def _until_noted(self, tick: float) -> None:
        """Until files are noted, stopping, or tick seconds (a file still settling is checked again)."""
        waits = {asyncio.ensure_future(self._noted.wait()), asyncio.ensure_future(self.stopping.wait())}
        try:
            await asyncio.wait(waits, timeout=tick, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    def _ready_now(self) -> list[str]:
        """The noted files ready to take. Each is checked with an lstat, or with the one taken when it
        was noted, if that may stand for it (Settler.pending): a file renamed into place and reported
        by a notification is then taken on that one system call."""
        now = time.monotonic()
        ready = []
        settler = self.settler
        for path, noted in settler.pending():
            try:
                st = os.lstat(path) if noted is None else noted
            except OSError:
                settler.forget(path)
                continue
            mode = st.st_mode
            if stat.S_ISREG(mode):
                if settler.observe(path, st.st_size, st.st_mtime_ns, now):
                    ready.append(path)
            elif stat.S_ISDIR(mode):
                settler.forget(path)
            else:  # a symbolic link, a FIFO, a socket, a device: never taken
                settler.forget(path)
                self.on_skip(path, "symlink" if stat.S_ISLNK(mode) else "special_file")
        return ready

    async def _wait_for_room(self) -> None:
        """Back-pressure: hold intake while the store group lags more than NEWSWIRE_MAX_LAG entries,
        or while too many published files wait for their receipts."""
        paused_at = None
        while not self.stopping.is_set():
            lag = await self._store_lag() if self.settings.max_lag > 0 else None
            over_lag = lag is not None and lag > self.settings.max_lag
            if not over_lag and len(self.inflight) < MAX_AWAITING:
                break
            if paused_at is None:
                paused_at = time.monotonic()
                self.log.info(
                    "intake_paused", store_lag=lag, max_lag=self.settings.max_lag, awaiting=len(self.inflight)
                )
            await pause(self.stopping, 0.5)
        if paused_at is not None:
            self.log.info("intake_resumed", paused_s=round(time.monotonic() - paused_at, 1))

    async def _store_lag(self) -> int | None:
        """Entries on the raw stream the store group has not read yet (None where unknown)."""
        try:
            groups = await self.redis.xinfo_groups(self.streams.raw)
        except Exception:  # noqa: BLE001 - no stream, no group, old server or Redis away: do not hold intake
            return None
        for g in groups:
            name = g.get("name")
            if (name.decode() if isinstance(name, bytes) else name) == GROUP_STORE:
                lag = g.get("lag")
                return int(lag) if lag is not None else None
        return None
