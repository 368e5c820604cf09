"""The watcher: discovers files (scan, notifications, rescans), settles, claims,
publishes in pipelined batches, and archives only after Redis accepted them."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from watchfiles import Change, awatch

from newswire.contracts import (
    GROUP_STORE,
    ArticleDiscovered,
    ArticleRejected,
    Streams,
    as_json,
    content_hash,
    encode,
    new_correlation_id,
)
from newswire.redisio import TRANSIENT, ensure_group
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
MARKER_TTL_S = 7 * 24 * 3600  # how long Redis remembers that a claim was published


def _redis_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A claimed file, read and decoded (event) or found unusable (rejection)."""

    claimed: Claimed
    event: ArticleDiscovered | None
    reason: str | None = None
    detail: str | None = None
    file_sha256: str | None = None
    size: int = 0
    already_published: bool = False  # recovered after a crash that came after the publish
    mtime_ns: int = 0


class Watcher:
    def __init__(self, *, settings: IngestSettings, redis: aioredis.Redis, stopping: asyncio.Event, log: Any) -> None:
        self.settings = settings
        self.redis: Any = redis  # redis-py types replies as wide unions; Any at this edge
        self.stopping = stopping
        self.log = log
        self.streams: Streams = settings.streams
        self.inbox = Inbox(settings)
        self.marker_prefix = f"{settings.stream_prefix}ingest:published:"
        # done_policy=keep: what was published stays in the inbox; this hash (source name ->
        # "size:mtime_ns") says so, and a local cache of it spares a Redis call per rescan.
        self.kept_key = f"{settings.stream_prefix}ingest:kept"
        self.keep = settings.done_policy == "keep"
        self._kept: dict[str, str] = {}
        self.settler = Settler(settings.settle_s)
        self._room = asyncio.Condition()
        self._probe_name = ""
        self._probe_seen = asyncio.Event()
        self.counters = {"published": 0, "rejected": 0, "lost_races": 0}
        self._busy: set[Path] = set()  # claim folders being read, published or archived right now

    def polling(self) -> bool:
        if self.settings.poll != "auto":
            return self.settings.poll == "on"
        return filesystem_type(self.inbox.root) in NETWORK_FILESYSTEMS

    async def run(self) -> None:
        await asyncio.to_thread(self.inbox.prepare)
        await asyncio.to_thread(self.inbox.lock)
        try:
            await self._recover()
            polling = self.polling()
            self.log.info("watching", inbox=str(self.inbox.root), polling=polling, settle_s=self.settings.settle_s)
            tasks = [
                asyncio.create_task(self._watch_with_probe(polling), name="ingest-watch"),
                asyncio.create_task(self._rescan_forever(), name="ingest-scan"),
                asyncio.create_task(self._follow_dead(), name="ingest-dead"),
            ]
            try:
                await self._settle_forever()
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self.inbox.release()

    async def _recover(self) -> None:
        """Finish what a crash interrupted: our own claims, and those of dead watchers."""
        adopted = await asyncio.to_thread(self.inbox.adopt_orphans)
        busy = set(self._busy)
        recovered = await asyncio.to_thread(lambda: list(self.inbox.recover(busy)))
        if not recovered:
            return
        self.log.info("recovering", files=len(recovered), adopted=adopted)
        # One claim folder at a time: its marker says whether all of it was published.
        by_claim: dict[str, list[Claimed]] = {}
        for c in recovered:
            by_claim.setdefault(c.claim_id, []).append(c)
        self._busy.update(c.claim_dir for c in recovered)  # until archived (see _publish)
        for claim_id, claims in by_claim.items():

            async def marker(key: str = self.marker_prefix + claim_id) -> bool:
                return bool(await self.redis.exists(key))

            published = await retry_transient(
                marker, is_transient=_redis_transient, stopping=self.stopping, log=self.log, what="redis_recover"
            )
            prepared = await asyncio.to_thread(self._prepare_all, claims)
            await self._publish([replace(p, already_published=published) for p in prepared])

    async def _watch_with_probe(self, polling: bool) -> None:
        """OS notifications where they work; polling where they do not (checked with a probe file)."""
        if polling:
            await self._watch(True)
            return
        watch = asyncio.create_task(self._watch(False))
        if await self._probe():
            await watch
            return
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
        self.log.warning("notifications_missing", inbox=str(self.inbox.root), action="polling")
        await self._watch(True)

    async def _probe(self) -> bool:
        """Touch a hidden file in the inbox and see whether a notification for it arrives."""
        probe = self.inbox.root / f".newswire-probe-{uuid.uuid4().hex[:8]}"
        self._probe_name = probe.name
        self._probe_seen.clear()
        try:
            for _attempt in range(3):
                await asyncio.to_thread(probe.write_text, str(time.time()))
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._probe_seen.wait(), timeout=1.0)
                if self._probe_seen.is_set() or self.stopping.is_set():
                    return True
            return False
        finally:
            probe.unlink(missing_ok=True)

    async def _watch(self, polling: bool) -> None:
        async for changes in awatch(
            self.inbox.root,
            stop_event=self.stopping,
            force_polling=polling,
            poll_delay_ms=int(self.settings.poll_interval_s * 1000),
            recursive=True,
            watch_filter=None,  # Inbox.accepts decides, as it does for scans
            debounce=200,
            step=50,
        ):
            for change, raw in changes:
                if change == Change.deleted:
                    continue  # files leaving (our own claims, mostly): nothing to take
                if self._probe_name and raw.endswith(os.sep + self._probe_name):
                    self._probe_seen.set()
                elif self.inbox.accepts(raw):
                    await self._note(Path(raw))

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
            if await asyncio.to_thread(self.inbox.adopt_orphans):
                await self._recover()
            await pause(self.stopping, next(intervals, self.settings.rescan_interval_s))

    async def _note(self, path: Path) -> None:
        if self.keep and self._is_kept(path):
            return
        if len(self.settler) >= MAX_PENDING:
            async with self._room:
                await self._room.wait_for(lambda: len(self.settler) < MAX_PENDING or self.stopping.is_set())
        self.settler.note(path)  # no await between the check and this: nothing else noted meanwhile

    async def _settle_forever(self) -> None:
        tick = min(max(self.settings.settle_s / 2, 0.05), 0.5)
        while not self.stopping.is_set():
            ready = await asyncio.to_thread(self._ready_now)
            if self.keep and ready:
                ready = await self._not_kept(ready)
            for i in range(0, len(ready), self.settings.publish_batch):
                chunk = ready[i : i + self.settings.publish_batch]
                prepared = await asyncio.to_thread(self._claim_and_prepare, chunk)
                await self._publish(prepared)
            async with self._room:
                self._room.notify_all()
            if not ready:
                await pause(self.stopping, tick)

    def _is_kept(self, path: Path) -> bool:
        """Published already and unchanged since (done_policy=keep), by the local cache."""
        try:
            st = path.lstat()
        except OSError:
            return False
        return self._kept.get(self.inbox.relative(path)) == f"{st.st_size}:{st.st_mtime_ns}"

    async def _not_kept(self, paths: list[Path]) -> list[Path]:
        """Drop files another watcher (or this one before a restart) published and left in place."""
        unknown = [self.inbox.relative(p) for p in paths if self.inbox.relative(p) not in self._kept]
        if unknown:

            async def lookup() -> list[Any]:
                return list(await self.redis.hmget(self.kept_key, unknown))

            found = await retry_transient(
                lookup, is_transient=_redis_transient, stopping=self.stopping, log=self.log, what="redis_kept"
            )
            for name, value in zip(unknown, found, strict=True):
                if value is not None:
                    self._kept[name] = value.decode() if isinstance(value, bytes) else str(value)
        return [p for p in paths if not self._is_kept(p)]

    def _ready_now(self) -> list[Path]:
        now = time.monotonic()
        ready = []
        for path in self.settler.paths():
            try:
                st = path.lstat()
            except OSError:
                self.settler.forget(path)
                continue
            if not stat.S_ISREG(st.st_mode):  # gone, a folder, or a symbolic link: never followed
                self.settler.forget(path)
            elif self.settler.observe(path, st.st_size, st.st_mtime_ns, now):
                ready.append(path)
        return ready

    def _prepare_all(self, claims: list[Claimed]) -> list[Prepared]:
        return [self._prepare(c) for c in claims]

    def _claim_and_prepare(self, paths: list[Path]) -> list[Prepared]:
        claimed = self.inbox.claim(paths, busy=self._busy)
        self.counters["lost_races"] += len(paths) - len(claimed)
        return [self._prepare(c) for c in claimed]

    def _prepare(self, claimed: Claimed) -> Prepared:
        try:
            return self._read(claimed)
        except OSError as exc:
            return Prepared(claimed, None, "unreadable", f"{exc.strerror or exc}")

    def _read(self, claimed: Claimed) -> Prepared:
        limit = self.settings.max_file_bytes
        fd = os.open(claimed.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            st = os.fstat(fd)
            chunks: list[bytes] = []
            got = 0
            if st.st_size <= limit:
                # To the end (one read for a file in the page cache), never more than the limit and one byte.
                while got <= limit and (chunk := os.read(fd, max(min(st.st_size, limit) + 1 - got, 1 << 16))):
                    chunks.append(chunk)
                    got += len(chunk)
        finally:
            os.close(fd)
        size = max(st.st_size, got)
        if size > limit:
            return Prepared(
                claimed, None, "too_large", f"{size} bytes, limit NEWSWIRE_MAX_FILE_BYTES={limit}", None, size
            )
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
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
        return Prepared(claimed, event, file_sha256=sha, size=len(data), mtime_ns=st.st_mtime_ns)

    async def _publish(self, prepared: list[Prepared]) -> None:
        if not prepared:
            return
        started = time.perf_counter()
        fresh = [p for p in prepared if not p.already_published]
        kept = {p.claimed.source_name: f"{p.size}:{p.mtime_ns}" for p in prepared if self.keep and p.event is not None}
        if fresh:
            await self._wait_for_room()

            async def op() -> None:
                # One transaction: the entries, and markers saying their claims were published,
                # so a crash before the files are archived does not publish them again.
                async with self.redis.pipeline(transaction=True) as pipe:
                    for p in fresh:
                        if p.event is not None:
                            pipe.xadd(self.streams.raw, encode(p.event))
                        else:
                            pipe.xadd(self.streams.dead, encode(self._rejection(p)))
                    for claim_id in {p.claimed.claim_id for p in fresh}:
                        pipe.set(self.marker_prefix + claim_id, "1", ex=MARKER_TTL_S)
                    if kept:
                        pipe.hset(self.kept_key, mapping=kept)
                    await pipe.execute()

            # Files stay in processing/ until Redis has them: a stop here loses nothing.
            await retry_transient(
                op, is_transient=_redis_transient, stopping=self.stopping, log=self.log, what="redis_publish"
            )
        self._kept.update(kept)
        try:
            await asyncio.to_thread(self._archive, prepared)
        finally:
            self._busy.difference_update(p.claimed.claim_dir for p in prepared)
        ms = round((time.perf_counter() - started) * 1000 / len(prepared), 2)
        for p in prepared:
            if p.event is not None:
                self.counters["published"] += 1
                self.log.info(
                    "published",
                    path=p.claimed.source_name,
                    article_id=p.event.article_id,
                    sha256=p.file_sha256,
                    size=p.size,
                    encoding=p.event.encoding,
                    recovered=p.already_published or None,
                    ms=ms,
                )
            else:
                self.counters["rejected"] += 1
                self.log.warning(
                    "rejected", path=p.claimed.source_name, reason=p.reason, detail=p.detail, size=p.size, ms=ms
                )

    async def _wait_for_room(self) -> None:
        """Back-pressure: hold intake while the store group lags more than NEWSWIRE_MAX_LAG entries."""
        if self.settings.max_lag <= 0:
            return
        paused_at = None
        while not self.stopping.is_set():
            lag = await self._store_lag()
            if lag is None or lag <= self.settings.max_lag:
                break
            if paused_at is None:
                paused_at = time.monotonic()
                self.log.info("intake_paused", store_lag=lag, max_lag=self.settings.max_lag)
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

    def _archive(self, prepared: list[Prepared]) -> list[tuple[Prepared, str | None]]:
        archived = []
        for p in prepared:
            try:
                if p.event is not None:
                    archived.append((p, self.inbox.finish(p.claimed)))
                else:
                    self.inbox.reject(
                        p.claimed, reason=p.reason or "unknown", detail=p.detail or "", file_sha256=p.file_sha256
                    )
            except OSError as exc:
                # Published already; it stays in processing/ and is archived at the next start.
                self.log.error("archive_failed", path=p.claimed.source_name, error=str(exc))
        for claim_dir in {p.claimed.claim_dir for p in prepared}:
            self.inbox.release_claim(claim_dir)
        return archived

    async def _follow_dead(self) -> None:
        """Files whose article store or enrich dead-lettered move from done/ to the error folder."""
        stream, group = self.streams.dead, "ingest"
        # One consumer name for every watcher: entries a dead watcher left pending are read again
        # (id 0) by whichever watcher starts next; moving a file twice is harmless (the second fails).
        consumer = "watchers"
        await ensure_group(self.redis, stream, group)
        cursor = "0"
        while not self.stopping.is_set():
            try:
                resp = await self.redis.xreadgroup(group, consumer, {stream: cursor}, count=100, block=2000)
                entries = resp[0][1] if resp else []
                if cursor == "0" and not entries:
                    cursor = ">"
                    continue
                for entry_id, fields in entries:
                    await self._dead_letter_to_errors(as_json(fields or {}))
                    await self.redis.xack(stream, group, entry_id)
            except Exception as exc:  # noqa: BLE001 - following dead letters must never stop intake
                self.log.warning("follow_dead_failed", error=str(exc)[:200])
                await pause(self.stopping, 2.0)

    async def _dead_letter_to_errors(self, doc: dict[str, Any]) -> None:
        source_name = doc.get("source_name")
        if doc.get("stage") not in ("store", "enrich") or not isinstance(source_name, str):
            return
        sha = await self._file_sha(doc)
        current = await asyncio.to_thread(self.inbox.find_archived, source_name, sha)
        dest = await asyncio.to_thread(
            self.inbox.to_error,
            current,
            source_name,
            stage=str(doc["stage"]),
            reason=str(doc.get("reason")),
            detail=str(doc.get("detail")),
            file_sha256=sha,
        )
        self.log.warning(
            "moved_to_errors", path=source_name, stage=doc["stage"], reason=doc.get("reason"), dest=str(dest)
        )

    async def _file_sha(self, doc: dict[str, Any]) -> str | None:
        """The file hash from the raw entry the dead letter names (None when it was trimmed away)."""
        entry_id = doc.get("source_entry_id")
        if doc.get("source_stream") != self.streams.raw or not isinstance(entry_id, str):
            return None
        rows = await self.redis.xrange(self.streams.raw, min=entry_id, max=entry_id, count=1)
        sha = as_json(rows[0][1]).get("file_sha256") if rows else None
        return sha if isinstance(sha, str) else None

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
