"""The watcher: discovers files (scan, notifications, rescans), settles, claims,
publishes in pipelined batches, and archives only after Redis accepted them."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from watchfiles import awatch

from newswire.contracts import ArticleDiscovered, ArticleRejected, Streams, content_hash, encode, new_correlation_id
from newswire.redisio import TRANSIENT
from newswire.waiting import pause, retry_transient
from services.ingest.config import IngestSettings
from services.ingest.files import Decoded, decode
from services.ingest.inbox import Claimed, Inbox
from services.ingest.settle import Settler

NETWORK_FILESYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smbfs",
    "smb3",
    "9p",
    "virtiofs",
    "fuse.sshfs",
    "vboxsf",
    "fuse.grpcfuse",
    "afs",
}
MAX_PENDING = 5_000  # files being settled at once; a scan waits beyond this


@dataclass(frozen=True, slots=True)
class Prepared:
    """A claimed file, read and decoded (event) or found unusable (rejection)."""

    claimed: Claimed
    event: ArticleDiscovered | None
    reason: str | None = None
    detail: str | None = None
    file_sha256: str | None = None
    size: int = 0


class Watcher:
    def __init__(self, *, settings: IngestSettings, redis: aioredis.Redis, stopping: asyncio.Event, log: Any) -> None:
        self.settings = settings
        self.redis = redis
        self.stopping = stopping
        self.log = log
        self.streams: Streams = settings.streams
        self.inbox = Inbox(settings)
        self.settler = Settler(settings.settle_s)
        self._room = asyncio.Condition()
        self.counters = {"published": 0, "rejected": 0, "lost_races": 0}

    def polling(self) -> bool:
        if self.settings.poll != "auto":
            return self.settings.poll == "on"
        return filesystem_type(self.inbox.root) in NETWORK_FILESYSTEMS

    async def run(self) -> None:
        await asyncio.to_thread(self.inbox.prepare)
        recovered = await asyncio.to_thread(lambda: list(self.inbox.recover()))
        if recovered:
            self.log.info("recovering", files=len(recovered))
            for i in range(0, len(recovered), self.settings.publish_batch):
                await self._publish(
                    [await asyncio.to_thread(self._prepare, c) for c in recovered[i : i + self.settings.publish_batch]]
                )
        polling = self.polling()
        self.log.info("watching", inbox=str(self.inbox.root), polling=polling, settle_s=self.settings.settle_s)
        tasks = [
            asyncio.create_task(self._watch(polling), name="ingest-watch"),
            asyncio.create_task(self._rescan_forever(), name="ingest-scan"),
        ]
        try:
            await self._settle_forever()
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _watch(self, polling: bool) -> None:
        async for changes in awatch(
            self.inbox.root,
            stop_event=self.stopping,
            force_polling=polling,
            poll_delay_ms=int(self.settings.poll_interval_s * 1000),
            recursive=True,
            debounce=200,
            step=50,
        ):
            for _change, raw in changes:
                path = Path(raw)
                if self.inbox.accepts(path):
                    await self._note(path)

    async def _rescan_forever(self) -> None:
        # The notifier starts in its own task; a file dropped before it was watching but after
        # the first scan passed is caught by a second scan soon after, not a full interval later.
        await asyncio.sleep(0.1)
        intervals = iter([2.0])
        while not self.stopping.is_set():
            started = time.perf_counter()
            seen = 0
            scan = self.inbox.scan()
            while True:
                batch = await asyncio.to_thread(_take, scan, 500)
                if not batch:
                    break
                for path in batch:
                    await self._note(path)
                seen += len(batch)
            self.log.debug("scanned", files=seen, ms=round((time.perf_counter() - started) * 1000, 1))
            await pause(self.stopping, next(intervals, self.settings.rescan_interval_s))

    async def _note(self, path: Path) -> None:
        async with self._room:
            await self._room.wait_for(lambda: len(self.settler) < MAX_PENDING or self.stopping.is_set())
            self.settler.note(path)

    async def _settle_forever(self) -> None:
        tick = min(max(self.settings.settle_s / 2, 0.05), 0.5)
        while not self.stopping.is_set():
            ready = await asyncio.to_thread(self._ready_now)
            for i in range(0, len(ready), self.settings.publish_batch):
                chunk = ready[i : i + self.settings.publish_batch]
                prepared = await asyncio.to_thread(self._claim_and_prepare, chunk)
                await self._publish(prepared)
            async with self._room:
                self._room.notify_all()
            if not ready:
                await pause(self.stopping, tick)

    def _ready_now(self) -> list[Path]:
        now = time.monotonic()
        ready = []
        for path in self.settler.paths():
            try:
                st = path.lstat()
            except OSError:
                self.settler.forget(path)
                continue
            if not path.is_file() or path.is_symlink():
                self.settler.forget(path)
            elif self.settler.observe(path, st.st_size, st.st_mtime_ns, now):
                ready.append(path)
        return ready

    def _claim_and_prepare(self, paths: list[Path]) -> list[Prepared]:
        out = []
        for path in paths:
            claimed = self.inbox.claim(path)
            if claimed is None:
                self.counters["lost_races"] += 1
                continue
            out.append(self._prepare(claimed))
        return out

    def _prepare(self, claimed: Claimed) -> Prepared:
        try:
            return self._read(claimed)
        except OSError as exc:
            return Prepared(claimed, None, "unreadable", f"{exc.strerror or exc}")

    def _read(self, claimed: Claimed) -> Prepared:
        size = claimed.path.stat().st_size
        if size > self.settings.max_file_bytes:
            return Prepared(
                claimed,
                None,
                "too_large",
                f"{size} bytes, limit NEWSWIRE_MAX_FILE_BYTES={self.settings.max_file_bytes}",
                None,
                size,
            )
        data = claimed.path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        decoded = decode(data)
        if not isinstance(decoded, Decoded):
            return Prepared(claimed, None, decoded.reason, decoded.detail, sha, len(data))
        event = ArticleDiscovered(
            article_id=content_hash(decoded.text),
            correlation_id=new_correlation_id(),
            source_name=claimed.source_name,
            file_sha256=sha,
            size_bytes=len(data),
            encoding=decoded.encoding,
            text=decoded.text,
        )
        return Prepared(claimed, event, file_sha256=sha, size=len(data))

    async def _publish(self, prepared: list[Prepared]) -> None:
        if not prepared:
            return
        started = time.perf_counter()
        entries = [
            (self.streams.raw, encode(p.event)) if p.event else (self.streams.dead, encode(self._rejection(p)))
            for p in prepared
        ]

        async def op() -> None:
            async with self.redis.pipeline(transaction=False) as pipe:
                for stream, fields in entries:
                    pipe.xadd(stream, fields)  # type: ignore[arg-type]  # bytes keys are fine
                await pipe.execute()

        # Files stay in processing/ until Redis has them: a stop here loses nothing.
        await retry_transient(
            op,
            is_transient=lambda e: isinstance(e, TRANSIENT),
            stopping=self.stopping,
            log=self.log,
            what="redis_publish",
        )
        await asyncio.to_thread(self._archive, prepared)
        ms = round((time.perf_counter() - started) * 1000 / len(prepared), 2)
        for p in prepared:
            if p.event is not None:
                self.counters["published"] += 1
                self.log.info(
                    "published",
                    path=p.claimed.source_name,
                    article_id=p.event.article_id,
                    size=p.size,
                    encoding=p.event.encoding,
                    ms=ms,
                )
            else:
                self.counters["rejected"] += 1
                self.log.warning(
                    "rejected", path=p.claimed.source_name, reason=p.reason, detail=p.detail, size=p.size, ms=ms
                )

    def _archive(self, prepared: list[Prepared]) -> None:
        for p in prepared:
            try:
                if p.event is not None:
                    self.inbox.finish(p.claimed)
                else:
                    self.inbox.reject(
                        p.claimed, reason=p.reason or "unknown", detail=p.detail or "", file_sha256=p.file_sha256
                    )
            except OSError as exc:
                # Published already; it stays in processing/ and is re-published (a no-op downstream) at restart.
                self.log.error("archive_failed", path=p.claimed.source_name, error=str(exc))

    def _rejection(self, p: Prepared) -> ArticleRejected:
        return ArticleRejected(
            article_id=p.file_sha256 or hashlib.sha256(p.claimed.source_name.encode()).hexdigest(),
            correlation_id=new_correlation_id(),
            stage="ingest",
            reason=p.reason or "unknown",
            detail=f"{p.claimed.source_name}: {p.detail}",
            source_name=p.claimed.source_name,
        )


def _take(it: Any, n: int) -> list[Path]:
    out = []
    for item in it:
        out.append(item)
        if len(out) >= n:
            break
    return out


def filesystem_type(path: Path) -> str:
    """The filesystem type holding path, from /proc/self/mountinfo ('' where unknown)."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return ""
    target = os.path.realpath(path)
    best, fstype = "", ""
    for line in lines:
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount = fields[4].replace("\\040", " ")
        if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
            best, fstype = mount, right.split()[0]
    return fstype
