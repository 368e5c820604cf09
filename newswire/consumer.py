"""Consumer-group plumbing shared by store and enrich.

A batch is read by a FastStream subscriber (manual ack) and handed to the service's handler,
which commits to the database before it returns ("ack after commit") and says which events each
entry yields. Then one Lua script (`Committer`) does, per entry and atomically: if this consumer
still owns the entry (it is in our pending list), add its events, acknowledge it and (store only)
leave a receipt for the watcher; otherwise nothing. So an entry's events are emitted exactly once
even when two consumers processed it (one was slow, the other reclaimed it) or a reply was lost.

What can go wrong, and what happens:
- An entry that fails deterministically (undecodable, rejected by the parser or the database,
  over its time budget) is dead-lettered on its first failure with the real reason: the handler
  dead-letters what it recognises, and a batch that raises is split until the entry that raises
  is alone, then dead-lettered with the error (`rejection_reason`). The others go on.
- Transient failures (the database or Redis away) are retried with backoff inside the handler or
  the commit, and never count as a delivery: the entries in hand are re-claimed to ourselves
  meanwhile, so no other consumer takes over work that is alive.
- Entries left pending by a consumer that died are reclaimed (XAUTOCLAIM) once idle for
  ``claim_idle_ms``; one delivered more than ``max_deliveries`` times (it kept killing its
  consumer: a crash no exception reports) is dead-lettered as ``max_deliveries``.
- The group is gone (Redis came back empty, FLUSHALL, XGROUP DESTROY): it is recreated from the
  last entry this consumer knows it finished (0 when it knows none, or the stream is new) and the
  subscriber restarted.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from redis.exceptions import ResponseError

from newswire.contracts import DATA_FIELD, ArticleRejected, as_json, encode
from newswire.health import Progress
from newswire.redisio import TRANSIENT, ensure_group, entry_id_tuple, trim_bound
from newswire.text import clean_text, one_line
from newswire.waiting import Stopping, pause, retry_transient

Entry = tuple[str, dict[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Outbound:
    """An event to add to ``stream`` when, and only when, ``entry_id`` is acknowledged."""

    entry_id: str
    stream: str
    fields: dict[bytes, bytes]


@dataclass(frozen=True, slots=True)
class Options:
    batch_size: int = 100
    claim_idle_ms: int = 30_000
    max_deliveries: int = 5
    retention_ms: int = 0  # 0: streams are never trimmed
    stall_s: float = 60.0


class BatchHandler(Protocol):
    async def __call__(self, entries: Sequence[Entry]) -> list[Outbound]: ...


IN_FLIGHT = 2  # batches a consumer works on at once: one is parsed while another is written and acked
TRIM_EVERY_S = 60  # how often the streams this consumer looks after are trimmed
TRIM_STEP = 10_000  # entries deleted by one XTRIM call at most (then the next call)
FORGET_IDLE_MS = 3_600_000  # a consumer silent this long, holding nothing, is removed from the group
FORGET_EVERY_S = 600
MARKER_TTL_NO_RETENTION_S = 7 * 24 * 3600  # how long markers live where streams are never trimmed
RECREATE_GRACE_S = 3.0  # a replica that knows nothing lets the others recreate a lost group first
_HEX64 = re.compile(r"[0-9a-f]{64}")


def dead_letter(
    *, stage: str, stream: str, dead: str, entry_id: str, fields: dict[bytes, bytes], reason: str, detail: str
) -> Outbound:
    """An articles:dead entry for a stream entry that cannot be processed. Never raises, whatever
    the entry holds (deep nesting, invalid UTF-8, lone surrogates, megabytes of junk)."""
    doc = as_json(fields)
    article_id = doc.get("article_id")
    if not isinstance(article_id, str) or not _HEX64.fullmatch(article_id):
        article_id = hashlib.sha256(b"".join(v for v in fields.values() if isinstance(v, bytes))).hexdigest()
    correlation_id = doc.get("correlation_id")
    source_name = doc.get("source_name")
    event = ArticleRejected(
        article_id=article_id,
        correlation_id=clean_text(correlation_id)[:64] if isinstance(correlation_id, str) else entry_id,
        stage=stage,
        reason=reason,
        detail=clean_text(detail)[:500],
        source_name=clean_text(source_name)[:4096] if isinstance(source_name, str) else None,
        source_stream=stream,
        source_entry_id=entry_id,
    )
    return Outbound(entry_id, dead, encode(event))


def rejection_reason(exc: BaseException) -> str:
    """The dead-letter reason for an error that one entry alone raises (not a transient one)."""
    from sqlalchemy.exc import SQLAlchemyError, StatementError

    if isinstance(exc, UnicodeError) or isinstance(getattr(exc, "orig", None), UnicodeError):
        return "invalid_text"
    if isinstance(exc, StatementError | SQLAlchemyError):
        return "database_rejected"
    return "processing_failed"


# KEYS: source stream, then output streams. ARGV: group, consumer, marker prefix ("" for none),
# marker ttl, entry count, then per entry: id, marker value, number of outputs, and per output:
# KEYS index, payload. With markers, an entry whose marker exists has had its events emitted
# already (it is read again: its group was lost and recreated behind it): acknowledged only.
_COMMIT = """
local src, group, consumer, markers, ttl = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local n, i, committed = tonumber(ARGV[5]), 6, 0
for _ = 1, n do
  local id, mark, nout = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  i = i + 3
  if #redis.call('XPENDING', src, group, id, id, 1, consumer) == 1 then
    if markers == '' or redis.call('EXISTS', markers .. id) == 0 then
      for o = 0, nout - 1 do
        redis.call('XADD', KEYS[tonumber(ARGV[i + 2 * o])], '*', '__data__', ARGV[i + 2 * o + 1])
      end
      if markers ~= '' then
        redis.call('SET', markers .. id, mark, 'EX', ttl)
      end
    end
    redis.call('XACK', src, group, id)
    committed = committed + 1
  end
  i = i + 2 * nout
end
return committed
"""

# Reset the idle time of entries we still own, without counting a delivery; an entry another
# consumer took over meanwhile is left alone (XCLAIM alone would take it back).
_REFRESH = """
local src, group, consumer = KEYS[1], ARGV[1], ARGV[2]
for i = 3, #ARGV do
  if #redis.call('XPENDING', src, group, ARGV[i], ARGV[i], 1, consumer) == 1 then
    redis.call('XCLAIM', src, group, consumer, 0, ARGV[i], 'JUSTID')
  end
end
return 0
"""


@dataclass(frozen=True, slots=True)
class _Call:
    keys: list[str]
    args: list[str | bytes]
    entries: int


class Committer:
    """Emit each entry's events and ack it, atomically, for the entries this consumer still owns.

    With ``markers``, each committed entry also leaves ``<markers><entry id>``, set in the same
    atomic step as its events and lost with them (a Redis host crash loses both or neither): an
    entry read again whose marker exists is acknowledged without emitting twice. For the store the
    marker is the file's receipt ("ok", or the dead letter's JSON): the watcher archives a file
    once it has one (services.ingest.ledger). Markers live as long as the entries they stand for
    may be read again: the stream retention and an hour (a week without retention)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        stream: str,
        group: str,
        consumer: str,
        dead: str,
        markers: str | None,
        marker_ttl_s: int,
    ) -> None:
        self._script = redis.register_script(_COMMIT)
        self.stream, self.group, self.consumer, self.dead = stream, group, consumer, dead
        self.markers = markers or ""
        self.marker_ttl_s = marker_ttl_s

    def prepare(self, out: Sequence[Outbound], ack_ids: Sequence[str]) -> _Call:
        keys = [self.stream]
        index: dict[str, int] = {}
        per_entry: dict[str, list[Outbound]] = {i: [] for i in ack_ids}
        for o in out:
            per_entry.setdefault(o.entry_id, []).append(o)
            if o.stream not in index:
                keys.append(o.stream)
                index[o.stream] = len(keys)
        args: list[str | bytes] = [
            self.group,
            self.consumer,
            self.markers,
            str(self.marker_ttl_s),
            str(len(per_entry)),
        ]
        for entry_id, outs in per_entry.items():
            dead = next((o.fields[DATA_FIELD] for o in outs if o.stream == self.dead), None)
            args += [entry_id, dead or b"ok", str(len(outs))]
            for o in outs:
                args += [str(index[o.stream]), o.fields[DATA_FIELD]]
        return _Call(keys, args, len(per_entry))

    async def run(self, call: _Call) -> int:
        """How many of the entries were this consumer's to commit (and are now committed)."""
        return int(await self._script(keys=call.keys, args=call.args))


class GroupConsumer:
    def __init__(
        self,
        *,
        redis: aioredis.Redis,
        stream: str,
        dead: str,
        group: str,
        consumer: str,
        stage: str,
        handler: BatchHandler,
        options: Options,
        stopping: asyncio.Event,
        log: Any,
        trim: Sequence[str] = (),
        markers: str | None = None,
    ) -> None:
        # redis-py types replies as unions of every shape a server might send; Any at this edge.
        self.redis: Any = redis
        self.stream = stream
        self.dead = dead
        self.group = group
        self.consumer = consumer
        self.stage = stage
        self.handler = handler
        self.options = options
        self.stopping = stopping
        self.log = log
        self.trim = tuple(trim)  # streams to trim (see trim_streams)
        self.progress = Progress(options.stall_s)
        retention_s = options.retention_ms // 1000
        self.committer = Committer(
            redis,
            stream=stream,
            group=group,
            consumer=consumer,
            dead=dead,
            markers=markers,
            marker_ttl_s=retention_s + 3600 if retention_s > 0 else MARKER_TTL_NO_RETENTION_S,
        )
        self._refresh = redis.register_script(_REFRESH)
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._held: dict[str, int] = {}  # entry ids in hand -> how many batches hold them
        self._last_read: tuple[int, int] | None = None  # the newest entry id this process read
        self._group_lock = asyncio.Lock()
        self._subscriber: Any = None

    # -- compatibility accessors (tests and the bench read these) ---------------------------
    @property
    def batch_size(self) -> int:
        return self.options.batch_size

    @property
    def claim_idle_ms(self) -> int:
        return self.options.claim_idle_ms

    @property
    def max_deliveries(self) -> int:
        return self.options.max_deliveries

    async def setup(self) -> None:
        await ensure_group(self.redis, self.stream, self.group)

    def subscribe(self, broker: RedisBroker) -> None:
        """Register the FastStream batch subscriber that feeds handle()."""
        sub = StreamSub(
            self.stream,
            group=self.group,
            consumer=self.consumer,
            batch=True,
            max_records=self.options.batch_size,
            polling_interval=1000,
        )
        subscriber = broker.subscriber(
            stream=sub, ack_policy=AckPolicy.MANUAL, parser=_raw_entries, decoder=_not_decoded
        )

        @subscriber
        async def on_batch(msg: RedisBatchStreamMessage) -> None:
            raw = msg.raw_message
            ids = [i.decode() if isinstance(i, bytes) else str(i) for i in raw["message_ids"]]
            await self.start_batch(list(zip(ids, raw["data"], strict=True)))

        self._subscriber = subscriber

    async def start_batch(self, entries: Sequence[Entry]) -> None:
        """Hand a batch to a task of its own and return, so the subscriber reads the next batch
        while this one is written and acked; at most IN_FLIGHT batches at once. Order across
        batches is not kept (nor is it across replicas); each entry is still acked only after
        its commit, and an entry whose task dies stays pending and is reclaimed."""
        await self._slots.acquire()
        if self.stopping.is_set():
            # Shutting down: left pending, for this name's next start (drain_own_pending) or a reclaim.
            self._slots.release()
            return
        self.progress.step()
        for entry_id, _ in entries:
            key = entry_id_tuple(entry_id)
            if self._last_read is None or key > self._last_read:
                self._last_read = key
        task = asyncio.create_task(self._batch_task(entries))
        self._in_flight.add(task)
        task.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._slots.release()

    async def _batch_task(self, entries: Sequence[Entry]) -> None:
        try:
            await self.handle(entries)
        except Exception as exc:  # noqa: BLE001 - the entries stay pending and are reclaimed; keep consuming
            self.log.error("batch_failed", entries=len(entries), error=one_line(exc))

    async def finish_in_flight(self) -> None:
        """Wait for the batches in hand (at stop, after the subscriber stopped reading)."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def handle(self, entries: Sequence[Entry]) -> None:
        """Process, then emit and ack in one atomic step; isolate failures to single entries.

        While a batch is in hand (a database outage can hold it for long), its entries are
        re-claimed to ourselves now and then without counting a delivery (XCLAIM JUSTID), so
        no other consumer takes over work that is alive, and a transient outage never pushes
        an entry towards max_deliveries.
        """
        ids = [entry_id for entry_id, _ in entries]
        for i in ids:
            self._held[i] = self._held.get(i, 0) + 1
        # Stopped by an event, never cancelled: redis-py can turn a cancellation in mid-command into
        # a connection error, which the keeper would swallow and then run (and be awaited) forever.
        done = asyncio.Event()
        keeper = asyncio.create_task(self._keep_claimed(ids, done))
        try:
            await self._handle(entries)
        finally:
            done.set()
            await keeper
            for i in ids:
                left = self._held.get(i, 0) - 1
                if left > 0:
                    self._held[i] = left
                else:
                    self._held.pop(i, None)

    async def _keep_claimed(self, ids: list[str], done: asyncio.Event) -> None:
        while not await pause(done, self.options.claim_idle_ms / 3000):
            with suppress(*TRANSIENT, ResponseError):
                await self._refresh(keys=[self.stream], args=[self.group, self.consumer, *ids])

    async def _handle(self, entries: Sequence[Entry]) -> None:
        try:
            out = await self.handler(entries)
        except Stopping:
            return
        except Exception as exc:  # noqa: BLE001 - any failure of one entry must not stop the others
            if len(entries) > 1:
                # Halves until the entry that fails is alone: the good ones go on at once.
                middle = len(entries) // 2
                await self._handle(entries[:middle])
                await self._handle(entries[middle:])
                return
            entry_id, fields = entries[0]
            reason = rejection_reason(exc)
            detail = f"{type(exc).__name__}: {one_line(exc)}"
            self.log.error("entry_failed", entry_id=entry_id, reason=reason, error=detail)
            out = [
                dead_letter(
                    stage=self.stage,
                    stream=self.stream,
                    dead=self.dead,
                    entry_id=entry_id,
                    fields=fields,
                    reason=reason,
                    detail=detail,
                )
            ]
        self.progress.step()
        try:
            await self.commit(out, [entry_id for entry_id, _ in entries])
        except Stopping:
            return

    async def commit(self, out: Sequence[Outbound], ack_ids: Sequence[str]) -> None:
        """Emit each entry's events and ack it, atomically, for the entries this consumer still owns."""
        call = self.committer.prepare(out, ack_ids)

        async def op() -> int:
            return await self.committer.run(call)

        try:
            committed = await retry_transient(
                op,
                is_transient=lambda e: isinstance(e, TRANSIENT),
                stopping=self.stopping,
                log=self.log,
                what="redis_commit",
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The group vanished with our pending list: these entries are read again once it is back.
            await self.recreate_group()
            return
        self.progress.step()
        if committed < call.entries:
            # Another consumer reclaimed them meanwhile; it emits them (once) instead of us.
            self.log.info("not_owner", skipped=call.entries - committed)

    # -- a lost group ------------------------------------------------------------------------
    def _resume_after(self) -> str:
        """The id the group must resume after so that nothing this consumer has not finished is
        skipped: just before the oldest entry in hand, else the newest entry read, else 0."""
        if self._held:
            ms, seq = min(entry_id_tuple(i) for i in self._held)
            return f"{ms}-{seq - 1}" if seq > 0 else f"{max(ms - 1, 0)}-18446744073709551615"
        if self._last_read is not None:
            return f"{self._last_read[0]}-{self._last_read[1]}"
        return "0"

    async def recreate_group(self) -> None:
        """The group is gone (NOGROUP): create it again, no later than what we know is finished.

        Every replica meets the NOGROUP; the first creates the group, from where it knows all
        before is finished. The others only move it back if they hold entries it would skip (their
        commits now fail the ownership check: the entries must be read again). A replica that has
        read nothing yet knows nothing: it gives the others a moment, and creates the group from
        the start of the stream only if none did (no loss; what was done is emitted again)."""
        async with self._group_lock:
            if await self._group_last_delivered() is not None:
                await self._rewind_for_held()
                return
            if await self._stream_is_empty():
                start = "0"
            elif self._held or self._last_read is not None:
                start = self._resume_after()
            else:
                await pause(self.stopping, RECREATE_GRACE_S)
                if await self._group_last_delivered() is not None:
                    return
                start = "0"
            try:
                await self.redis.xgroup_create(self.stream, self.group, id=start, mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
                await self._rewind_for_held()
                return
            self.log.warning("group_recreated", stream=self.stream, group=self.group, after=start)

    async def _rewind_for_held(self) -> None:
        """The group exists again: make sure it delivers anew the entries this consumer still holds."""
        if not self._held:
            return
        start = self._resume_after()
        last = await self._group_last_delivered()
        if last is not None and entry_id_tuple(start) < last:
            await self.redis.xgroup_setid(self.stream, self.group, start)
            self.log.warning("group_rewound", stream=self.stream, group=self.group, to=start)

    async def _stream_is_empty(self) -> bool:
        try:
            return int(await self.redis.xlen(self.stream)) == 0
        except ResponseError:
            return True

    async def _group_last_delivered(self) -> tuple[int, int] | None:
        try:
            groups = await self.redis.xinfo_groups(self.stream)
        except ResponseError:
            return None
        for g in groups:
            name = g["name"].decode() if isinstance(g["name"], bytes) else str(g["name"])
            if name == self.group:
                return entry_id_tuple(g["last-delivered-id"])
        return None

    async def watch_subscriber_forever(self) -> None:
        """FastStream stops a subscriber whose group vanished: bring the group back and restart it.
        Checked twice a second, so every replica notices within the grace a replica that knows
        nothing gives the others (RECREATE_GRACE_S)."""
        while not await pause(self.stopping, 0.5):
            sub = self._subscriber
            if sub is None or sub.running:
                continue
            try:
                await self.recreate_group()
                await sub.start()
            except Exception as exc:  # noqa: BLE001 - Redis away: tried again in half a second
                self.log.warning("subscriber_restart_failed", error=one_line(exc))
                await pause(self.stopping, 2.0)
                continue
            self.log.warning("subscriber_restarted", stream=self.stream, group=self.group)

    # -- reclaiming --------------------------------------------------------------------------
    async def reclaim_forever(self) -> None:
        """Take over entries left pending by consumers that died (idle for claim_idle_ms); trim and
        tidy now and then. Nothing one round meets ends the loop."""
        start = "0-0"
        next_forget = time.monotonic() + 60
        next_trim = time.monotonic() + 5
        while not self.stopping.is_set():
            try:
                start = await self._reclaim_page(start)
                if start != "0-0":
                    continue
            except Exception as exc:  # noqa: BLE001 - a reclaim round must never end the service
                start = "0-0"
                await self._after_failure("reclaim_failed", exc)
            if time.monotonic() >= next_forget:
                next_forget = time.monotonic() + FORGET_EVERY_S
                await self._quietly("forget_failed", self.forget_idle_consumers(FORGET_IDLE_MS))
            if time.monotonic() >= next_trim:
                next_trim = time.monotonic() + TRIM_EVERY_S
                await self._quietly("trim_failed", self.trim_streams())
            await pause(self.stopping, max(self.options.claim_idle_ms / 2000, 0.5))

    async def _reclaim_page(self, start: str) -> str:
        next_id, messages, *_ = await self.redis.xautoclaim(
            self.stream,
            self.group,
            self.consumer,
            min_idle_time=self.options.claim_idle_ms,
            start_id=start,
            count=self.options.batch_size,
        )
        if messages:
            await self._handle_claimed([(i.decode(), f or {}) for i, f in messages])
        return next_id.decode() if isinstance(next_id, bytes) else str(next_id)

    async def _after_failure(self, what: str, exc: Exception) -> None:
        if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
            await self._quietly("group_recreate_failed", self.recreate_group())
        else:
            self.log.warning(what, error=one_line(exc))

    async def _quietly(self, what: str, step: Any) -> None:
        try:
            await step
        except Exception as exc:  # noqa: BLE001 - housekeeping failures are logged, retried next time
            await self._after_failure(what, exc)

    async def drain_own_pending(self) -> None:
        """Entries this consumer name held before a restart: no need to wait for them to idle.
        A page that cannot be handled is left for the reclaim loop; the drain goes on."""
        cursor = "0"
        while not self.stopping.is_set():
            try:
                resp = await self.redis.xreadgroup(
                    self.group, self.consumer, {self.stream: cursor}, count=self.options.batch_size
                )
            except ResponseError as exc:
                if "NOGROUP" in str(exc):
                    await self.recreate_group()
                    return
                raise
            page = [(i.decode(), f or {}) for i, f in (resp[0][1] if resp else [])]
            if not page:
                return
            try:
                await self._handle_claimed(page)
            except Stopping:
                return
            except Exception as exc:  # noqa: BLE001 - a bad page must not stop the service from starting
                self.log.warning("drain_failed", entries=len(page), error=one_line(exc))
            cursor = page[-1][0]

    async def _handle_claimed(self, claimed: list[Entry]) -> None:
        counts = await self._delivery_counts([i for i, _ in claimed])
        limit = self.options.max_deliveries
        poison = [(i, f) for i, f in claimed if counts.get(i, 1) > limit]
        fresh = [(i, f) for i, f in claimed if counts.get(i, 1) <= limit and i not in self._held]
        if poison:
            out = [
                dead_letter(
                    stage=self.stage,
                    stream=self.stream,
                    dead=self.dead,
                    entry_id=i,
                    fields=f,
                    reason="max_deliveries",
                    detail=f"delivered {counts.get(i)} times (limit {limit}) and never finished: "
                    "each attempt ended its consumer (a crash no error reports)",
                )
                for i, f in poison
            ]
            await self.commit(out, [i for i, _ in poison])
            self.log.error("dead_lettered", count=len(poison), reason="max_deliveries")
        if fresh:
            self.log.info("reclaimed", count=len(fresh))
            await self.handle(fresh)

    async def _delivery_counts(self, ids: list[str]) -> dict[str, int]:
        """How often each entry was delivered (XPENDING per id, pipelined: exact, whatever else is pending)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry_id in ids:
                pipe.xpending_range(self.stream, self.group, min=entry_id, max=entry_id, count=1)
            replies = await pipe.execute()
        counts = {}
        for entry_id, rows in zip(ids, replies, strict=True):
            if rows:
                counts[entry_id] = int(rows[0]["times_delivered"])
        return counts

    # -- health ------------------------------------------------------------------------------
    async def health_problem(self) -> str | None:
        """Unhealthy when entries wait for this group and this consumer made no progress for stall_s
        (a lost group that could not be recreated counts as waiting)."""
        try:
            groups = await self.redis.xinfo_groups(self.stream)
        except ResponseError:
            groups = []
        mine = next((g for g in groups if _name(g["name"]) == self.group), None)
        if mine is None:
            return self.progress.problem(1, f"{self.stream}: group {self.group} missing")
        waiting = mine.get("lag")
        if waiting is None:  # Redis < 7 has no lag: entries after the last delivered one, if any
            info = await self.redis.xinfo_stream(self.stream)
            waiting = int(entry_id_tuple(info["last-generated-id"]) > entry_id_tuple(mine["last-delivered-id"]))
        waiting = int(waiting) + len(self._held)
        return self.progress.problem(waiting, f"{self.stream} group {self.group}")

    # -- trimming and tidying ----------------------------------------------------------------
    async def trim_streams(self) -> dict[str, int]:
        """Delete the entries of self.trim that are older than the retention and that every
        consumer group on their stream has acknowledged (newswire.redisio.trim_bound): streams
        are transport, the database keeps the articles. Returns the entries deleted per stream."""
        if self.options.retention_ms <= 0:
            return {}
        deleted: dict[str, int] = {}
        for stream in self.trim:
            bound = await trim_bound(self.redis, stream, self.options.retention_ms)
            if bound is not None:
                deleted[stream] = await self._trim_below(stream, bound)
        if any(deleted.values()):
            self.log.info("streams_trimmed", deleted=deleted, retention_s=self.options.retention_ms / 1000)
        return deleted

    async def _trim_below(self, stream: str, bound: str) -> int:
        """Delete the entries below bound in bounded steps, so a long backlog (the first trim after an
        upgrade) never holds Redis for long: whole nodes at most TRIM_STEP entries a call (XTRIM ~
        LIMIT), then exactly what is left below bound (less than one node)."""
        total = 0
        while not self.stopping.is_set():
            n = int(await self.redis.xtrim(stream, minid=bound, approximate=True, limit=TRIM_STEP))
            total += n
            if n == 0:  # no whole node below bound any more (a call takes whole nodes, up to the limit)
                break
        return total + int(await self.redis.xtrim(stream, minid=bound, approximate=False))

    async def forget_idle_consumers(self, idle_ms: int) -> None:
        """Remove consumers that hold nothing and were silent for idle_ms (e.g. replaced containers).

        Consumer names are per process, so every restart leaves a name behind; without this,
        XINFO CONSUMERS grows forever. A consumer with pending entries is never removed.
        """
        for c in await self.redis.xinfo_consumers(self.stream, self.group):
            name = _name(c["name"])
            if name != self.consumer and int(c["pending"]) == 0 and int(c["idle"]) >= idle_ms:
                await self.redis.xgroup_delconsumer(self.stream, self.group, name)
                self.log.info("consumer_forgotten", consumer=name, idle_s=int(c["idle"]) // 1000)


def _name(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


async def _raw_entries(message: Any) -> StreamMessage[Any]:
    """Hand the entries over as read. FastStream's own parser JSON-decodes every entry several
    times (envelope probing, body, batch re-encoding); the handler decodes each entry once."""
    return StreamMessage(raw_message=message, body=b"")


async def _not_decoded(_msg: Any) -> None:
    return None
