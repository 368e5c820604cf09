"""The watcher: discovers files (scan, notifications, rescans), settles, claims, publishes in
batches, and archives each file only once the store confirmed its article (services.ingest.ledger).

Its tasks run supervised (newswire.waiting.supervised): one that fails is restarted, and one that
keeps failing brings the process down rather than leaving it up and doing nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import stat
import time
import uuid
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from watchfiles import Change, awatch

from newswire.contracts import GROUP_STORE, ArticleDiscovered, ArticleRejected, Streams, content_hash, encode
from newswire.health import Progress
from newswire.text import one_line
from newswire.waiting import pause, retry_transient, supervised
from services.ingest.config import IngestSettings
from services.ingest.files import Decoded, decode
from services.ingest.follower import follow_dead_letters
from services.ingest.inbox import Claimed, Inbox
from services.ingest.ledger import Ledger, Ref, correlation_id, transient
from services.ingest.paths import Unusable, read_regular_stat
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
MAX_AWAITING = 50_000  # files published and waiting for the store's receipt; intake waits beyond this
CONFIRM_EVERY_S = 0.2
CONFIRM_CHUNK = 5_000  # receipts looked up per round (oldest first)
LOSS_CHECK_S = 5.0  # an entry without a receipt this long is looked for on its stream (lost with Redis?)
LOSS_CHECKS = 1_000  # entries looked for per round at most (a backlog while the store is down is long)
SKIPPED_REMEMBERED = 10_000  # paths whose skip was logged (each is logged once)


@dataclass(slots=True)
class Awaiting:
    """A published file in processing/, waiting for its confirmation (ledger.py)."""

    claimed: Claimed
    ref: Ref
    size: int
    sha: str | None
    mtime_ns: int
    checked_at: float  # when the entry was published or last looked for
    rejection: tuple[str, str] | None = None  # ingest's own (reason, detail)
    receipt: bytes | None = None
    confirmed_at: float | None = None


@dataclass(frozen=True, slots=True)
class _Read:
    kind: str  # "raw" or "dead"
    payload: bytes
    size: int
    sha: str | None
    mtime_ns: int
    rejection: tuple[str, str] | None
    article_id: str | None = None
    encoding: str | None = None


class Watcher:
    def __init__(self, *, settings: IngestSettings, redis: aioredis.Redis, stopping: asyncio.Event, log: Any) -> None:
        self.settings = settings
        self.redis: Any = redis  # redis-py types replies as wide unions; Any at this edge
        self.stopping = stopping
        self.log = log
        self.streams: Streams = settings.streams
        self.inbox = Inbox(settings)
        self.ledger = Ledger(
            redis,
            streams=self.streams,
            prefix=settings.stream_prefix,
            grace_s=settings.durability_grace_s,
            waitaof=settings.waitaof,
        )
        # done_policy=keep: what was published stays in the inbox; this hash (source name ->
        # "size:mtime_ns") says so, and a local cache of it spares a Redis call per rescan.
        self.kept_key = f"{settings.stream_prefix}ingest:kept"
        self.keep = settings.done_policy == "keep"
        self._kept: dict[str, str] = {}
        self.settler = Settler(settings.settle_s)
        self.progress = Progress(settings.stall_s)
        self._room = asyncio.Condition()
        self._probe_name = ""
        self._probe_seen = asyncio.Event()
        self._rescan_now = asyncio.Event()
        self.counters = {"published": 0, "rejected": 0, "archived": 0, "republished": 0, "lost_races": 0, "skipped": 0}
        self._skipped: OrderedDict[str, str] = OrderedDict()
        self._awaiting: dict[str, Awaiting] = {}  # by the file's path in processing/
        self._claims: dict[Path, int] = {}  # claim folders in use -> files of theirs not yet archived
        self._ready: int = 0  # files settled and not yet published (for health)
        self._confirm_from = 0  # where the next round of receipt lookups starts, when many wait

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
            common = {"stopping": self.stopping, "log": self.log}
            tasks = [
                asyncio.create_task(supervised("notifications", lambda: self._watch_with_probe(polling), **common)),
                asyncio.create_task(supervised("rescans", self._rescan_forever, **common)),
                asyncio.create_task(supervised("confirmations", self._confirm_forever, **common)),
                asyncio.create_task(supervised("dead_letters", self._follow_dead, **common)),
                asyncio.create_task(supervised("intake", self._settle_forever, **common)),
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
        return self.progress.problem(self._ready, "ingest: files ready in the inbox")

    # -- recovery ------------------------------------------------------------------------------
    async def _recover(self) -> None:
        """Finish what a crash interrupted: our own claims, and those of dead watchers."""
        adopted = await asyncio.to_thread(self.inbox.adopt_orphans)
        busy = set(self._claims)
        recovered = await asyncio.to_thread(lambda: list(self.inbox.recover(busy)))
        if not recovered:
            return
        self.log.info("recovering", files=len(recovered), adopted=adopted)
        by_claim: dict[Path, list[Claimed]] = {}
        for c in recovered:
            by_claim.setdefault(c.claim_dir, []).append(c)
        for claim_dir, claims in by_claim.items():
            self._claims[claim_dir] = self._claims.get(claim_dir, 0) + len(claims)
            recorded, legacy = await retry_transient(
                lambda d=claim_dir.name: self.ledger.recorded(d),  # type: ignore[misc]  # default binds the loop value
                is_transient=transient,
                stopping=self.stopping,
                log=self.log,
                what="redis_recover",
            )
            unpublished = []
            stale = time.monotonic() - LOSS_CHECK_S  # look for their entries at once
            for c in claims:
                ref = recorded.get(c.relative)
                if legacy:  # an older newswire published the whole claim, and had no receipts
                    self._await(Awaiting(c, Ref("raw", "legacy"), 0, None, 0, stale, receipt=b"ok"))
                elif ref is None:
                    unpublished.append(c)
                else:
                    self._await(Awaiting(c, ref, 0, None, 0, stale))
            if unpublished:
                await self._publish_claimed(unpublished)

    # -- discovery -----------------------------------------------------------------------------
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
        """Notifications until stop. watchfiles fails on a name that is not UTF-8 (the whole batch of
        changes with it is lost): then a rescan finds what the batch held, and watching resumes."""
        while not self.stopping.is_set():
            try:
                await self._watch_once(polling)
            except Exception as exc:  # noqa: BLE001 - notifications are an optimisation; rescans are the truth
                self.log.warning("notifications_failed", error=one_line(exc), action="rescan")
                await pause(self.stopping, 0.5)
                # What arrived while nothing watched (and what the failed batch held) is found by a scan.
                self._rescan_now.set()

    async def _watch_once(self, polling: bool) -> None:
        folders: list[str] = []
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
                elif change == Change.added and self._is_folder(raw):
                    folders.append(raw)  # moved or copied in whole: no notification for what it holds
                elif self.inbox.accepts(raw):
                    await self._note(Path(raw))
            for folder in folders:
                await self._scan_into_settler(lambda f=folder: self.inbox.scan_folder(Path(f), on_skip=self._skip))
            folders.clear()

    def _is_folder(self, raw: str) -> bool:
        try:
            return stat.S_ISDIR(os.lstat(raw).st_mode) and not self.inbox.owns(raw)
        except OSError:
            return False

    def _skip(self, path: str, reason: str) -> None:
        """A file left alone on purpose: logged once with the reason, counted (thread-safe enough:
        a dict assignment)."""
        if self._skipped.get(path) == reason:
            return
        self._skipped[path] = reason
        if len(self._skipped) > SKIPPED_REMEMBERED:
            self._skipped.popitem(last=False)
        self.counters["skipped"] += 1
        self.log.warning("skipped", path=path, reason=reason)

    async def _rescan_forever(self) -> None:
        # The notifier starts in its own task; a file dropped before it was watching but after
        # the first scan passed is caught by a second scan soon after, not a full interval later.
        await asyncio.sleep(0.1)
        intervals = iter([2.0])
        while not self.stopping.is_set():
            started = time.perf_counter()
            self._rescan_now.clear()
            seen = await self._scan_into_settler(lambda: self.inbox.scan(on_skip=self._skip))
            self.log.debug("scanned", files=seen, ms=round((time.perf_counter() - started) * 1000, 1))
            if await asyncio.to_thread(self.inbox.adopt_orphans):
                await self._recover()
            wait = next(intervals, self.settings.rescan_interval_s)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._either(self.stopping, self._rescan_now), timeout=wait)

    @staticmethod
    async def _either(a: asyncio.Event, b: asyncio.Event) -> None:
        waits = [asyncio.create_task(a.wait()), asyncio.create_task(b.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def _scan_into_settler(self, make_scan: Any) -> int:
        seen = 0
        scan = make_scan()
        while True:
            batch = await asyncio.to_thread(_take, scan, 500)
            if not batch:
                return seen
            for path in batch:
                await self._note(path)
            seen += len(batch)

    async def _note(self, path: Path) -> None:
        if self.keep and self._is_kept(path):
            return
        if len(self.settler) >= MAX_PENDING:
            async with self._room:
                await self._room.wait_for(lambda: len(self.settler) < MAX_PENDING or self.stopping.is_set())
        self.settler.note(path)  # no await between the check and this: nothing else noted meanwhile

    # -- intake --------------------------------------------------------------------------------
    async def _settle_forever(self) -> None:
        tick = min(max(self.settings.settle_s / 2, 0.05), 0.5)
        while not self.stopping.is_set():
            ready = await asyncio.to_thread(self._ready_now)
            if self.keep and ready:
                ready = await self._not_kept(ready)
            self._ready = len(ready)
            if not ready:
                self.progress.step()  # nothing waits: nothing is stalled
            for i in range(0, len(ready), self.settings.publish_batch):
                await self._wait_for_room()
                if self.stopping.is_set():
                    return
                chunk = ready[i : i + self.settings.publish_batch]
                claimed = await asyncio.to_thread(self._claim, chunk)
                await self._publish_claimed(claimed)
                self._ready = max(0, self._ready - len(chunk))
            async with self._room:
                self._room.notify_all()
            if not ready:
                await pause(self.stopping, tick)

    def _claim(self, paths: list[Path]) -> list[Claimed]:
        claimed = self.inbox.claim(paths, busy=set())
        self.counters["lost_races"] += len(paths) - len(claimed)
        if claimed:
            claim_dir = claimed[0].claim_dir
            self._claims[claim_dir] = self._claims.get(claim_dir, 0) + len(claimed)
        return claimed

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
                return list(await self.redis.hmget(self.kept_key, [os.fsencode(u) for u in unknown]))

            found = await retry_transient(
                lookup, is_transient=transient, stopping=self.stopping, log=self.log, what="redis_kept"
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
            if stat.S_ISDIR(st.st_mode):
                self.settler.forget(path)
            elif not stat.S_ISREG(st.st_mode):  # a symbolic link, a FIFO, a socket, a device: never taken
                self.settler.forget(path)
                self._skip(str(path), "symlink" if stat.S_ISLNK(st.st_mode) else "special_file")
            elif self.settler.observe(path, st.st_size, st.st_mtime_ns, now):
                ready.append(path)
        return ready

    def _read(self, claimed: Claimed) -> _Read:
        """The file's entry: its article.discovered event, or ingest's own rejection."""
        cid = correlation_id(claimed.claim_id, claimed.relative)
        got = read_regular_stat(claimed.path, self.settings.max_file_bytes)
        if isinstance(got, Unusable):
            return self._rejected(claimed, cid, got.reason, got.detail, None, got.size, 0)
        data, st = got
        mtime_ns = st.st_mtime_ns
        sha = hashlib.sha256(data).hexdigest()
        decoded = decode(data)
        if not isinstance(decoded, Decoded):
            return self._rejected(claimed, cid, decoded.reason, decoded.detail, sha, len(data), mtime_ns)
        event = ArticleDiscovered(
            article_id=content_hash(decoded.text),
            correlation_id=cid,
            source_name=claimed.source_name,
            file_sha256=sha,
            size_bytes=len(data),
            encoding=decoded.encoding,
            text=decoded.text,
        )
        return _Read(
            "raw",
            encode(event)[b"__data__"],
            len(data),
            sha,
            mtime_ns,
            None,
            event.article_id,
            decoded.encoding,
        )

    def _rejected(
        self, claimed: Claimed, cid: str, reason: str, detail: str, sha: str | None, size: int, mtime_ns: int
    ) -> _Read:
        event = ArticleRejected(
            article_id=sha or hashlib.sha256(os.fsencode(claimed.relative)).hexdigest(),
            correlation_id=cid,
            stage="ingest",
            reason=reason,
            detail=f"{claimed.source_name}: {detail}",
            source_name=claimed.source_name,
        )
        return _Read("dead", encode(event)[b"__data__"], size, sha, mtime_ns, (reason, detail))

    def _read_some(self, claims: list[Claimed], budget: int) -> tuple[list[tuple[Claimed, _Read]], list[Claimed]]:
        """Read files until about budget bytes are in memory; what is read, and what is left."""
        out: list[tuple[Claimed, _Read]] = []
        total = 0
        for n, c in enumerate(claims):
            if out and total >= budget:
                return out, claims[n:]
            read = self._read(c)
            out.append((c, read))
            total += len(read.payload)
        return out, []

    async def _publish_claimed(self, claimed: list[Claimed]) -> None:
        """Read and publish claimed files a few megabytes at a time, then wait for their receipts."""
        rest = claimed
        while rest:
            reads, rest = await asyncio.to_thread(self._read_some, rest, 32 * 1024 * 1024)
            await self._publish(reads)

    async def _publish(self, reads: list[tuple[Claimed, _Read]]) -> None:
        if not reads:
            return
        started = time.perf_counter()
        by_claim: dict[str, list[tuple[Claimed, _Read]]] = {}
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
                self._await(Awaiting(c, ref, r.size, r.sha, r.mtime_ns, now, r.rejection))
        self.progress.step()
        ms = round((time.perf_counter() - started) * 1000 / len(reads), 2)
        for c, r in reads:
            if r.rejection is None:
                self.counters["published"] += 1
                self.log.info(
                    "published",
                    path=c.source_name,
                    article_id=r.article_id,
                    sha256=r.sha,
                    size=r.size,
                    encoding=r.encoding,
                    ms=ms,
                )
            else:
                self.counters["rejected"] += 1
                reason, detail = r.rejection
                self.log.warning("rejected", path=c.source_name, reason=reason, detail=detail, size=r.size, ms=ms)

    def _await(self, a: Awaiting) -> None:
        self._awaiting[a.claimed.path] = a

    async def _wait_for_room(self) -> None:
        """Back-pressure: hold intake while the store group lags more than NEWSWIRE_MAX_LAG entries,
        or while too many published files wait for their receipts."""
        paused_at = None
        while not self.stopping.is_set():
            lag = await self._store_lag() if self.settings.max_lag > 0 else None
            over_lag = lag is not None and lag > self.settings.max_lag
            if not over_lag and len(self._awaiting) < MAX_AWAITING:
                break
            if paused_at is None:
                paused_at = time.monotonic()
                self.log.info(
                    "intake_paused", store_lag=lag, max_lag=self.settings.max_lag, awaiting=len(self._awaiting)
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

    # -- confirmation --------------------------------------------------------------------------
    async def _confirm_forever(self) -> None:
        while not self.stopping.is_set():
            if self._awaiting:
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
        look = [a for a in batch if a.receipt is None]
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
            await self._archive(durable)

    def _next_to_confirm(self) -> list[Awaiting]:
        """Up to CONFIRM_CHUNK waiting files, oldest first, taking turns when more wait (a round
        looks up each one's receipt: a long backlog is looked at a chunk at a time)."""
        waiting = list(self._awaiting.values())
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
            self._awaiting.pop(c.path, None)
        self.counters["republished"] += len(again)
        await self._publish_claimed(again)

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

    async def _archive(self, done: list[Awaiting]) -> None:
        results = await asyncio.to_thread(self._archive_files, done)
        kept = {
            a.claimed.relative: f"{a.size}:{a.mtime_ns}"
            for a, ok in results
            if ok and self.keep and a.rejection is None and a.receipt == b"ok"
        }
        if kept:
            await self.redis.hset(self.kept_key, mapping={os.fsencode(k): v for k, v in kept.items()})
            self._kept.update(kept)
        by_claim: dict[Path, list[Awaiting]] = {}
        for a, _ok in results:
            by_claim.setdefault(a.claimed.claim_dir, []).append(a)
        for claim_dir, group in by_claim.items():
            await self.ledger.forget(claim_dir.name, [a.claimed.relative for a in group])
            left = self._claims.get(claim_dir, 0) - len(group)
            if left > 0:
                self._claims[claim_dir] = left
            else:
                self._claims.pop(claim_dir, None)
                await asyncio.to_thread(self.inbox.release_claim, claim_dir)
                await self.ledger.forget_claim(claim_dir.name)
        self.progress.step()

    def _archive_files(self, done: list[Awaiting]) -> list[tuple[Awaiting, bool]]:
        out = []
        for a in done:
            self._awaiting.pop(a.claimed.path, None)
            try:
                self._archive_one(a)
                self.counters["archived"] += 1
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

    # -- dead letters of enrich ----------------------------------------------------------------
    async def _follow_dead(self) -> None:
        await follow_dead_letters(
            redis=self.redis, inbox=self.inbox, streams=self.streams, stopping=self.stopping, log=self.log
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
