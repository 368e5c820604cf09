"""Consumer-group plumbing shared by store and enrich.

A batch is read by a FastStream subscriber (manual ack) and handed to the
service's handler, which commits to the database before it returns ("ack
after commit") and says which events each entry yields. Then one Lua script
does, per entry and atomically: if this consumer still owns the entry (it is
in our pending list), add its events and XACK it; otherwise nothing. So an
entry's events are emitted exactly once even when two consumers processed it
(one was slow, the other reclaimed it) or a reply was lost and the commit is
retried. A redelivered entry is recognised by the database row it created
(see newswire.db.tables) and re-emits; a duplicate from another entry does not.

Entries left pending by a dead consumer are reclaimed with XAUTOCLAIM once
idle for ``claim_idle_ms``; an entry delivered ``max_deliveries`` times is
dead-lettered with its reason instead of being tried again, so a poison
message never blocks the ones behind it.
"""

from __future__ import annotations

import asyncio
import hashlib
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
from newswire.redisio import TRANSIENT, ensure_group, trim_bound
from newswire.waiting import Stopping, pause, retry_transient

Entry = tuple[str, dict[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Outbound:
    """An event to add to ``stream`` when, and only when, ``entry_id`` is acknowledged."""

    entry_id: str
    stream: str
    fields: dict[bytes, bytes]


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

IN_FLIGHT = 2  # batches a consumer works on at once: one is parsed while another is written and acked
TRIM_EVERY_S = 60  # how often the streams this consumer looks after are trimmed
TRIM_STEP = 10_000  # entries deleted by one XTRIM call at most (then the next call)
FORGET_IDLE_MS = 3_600_000  # a consumer silent this long, holding nothing, is removed from the group
FORGET_EVERY_S = 600

# KEYS: source stream, then output streams. ARGV: group, consumer, entry count, then per
# entry: id, number of outputs, and per output: KEYS index, payload.
_COMMIT = """
local src, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local n, i, committed = tonumber(ARGV[3]), 4, 0
for _ = 1, n do
  local id, nout = ARGV[i], tonumber(ARGV[i + 1])
  i = i + 2
  if #redis.call('XPENDING', src, group, id, id, 1, consumer) == 1 then
    for o = 0, nout - 1 do
      redis.call('XADD', KEYS[tonumber(ARGV[i + 2 * o])], '*', '__data__', ARGV[i + 2 * o + 1])
    end
    redis.call('XACK', src, group, id)
    committed = committed + 1
  end
  i = i + 2 * nout
end
return committed
"""


class BatchHandler(Protocol):
    async def __call__(self, entries: Sequence[Entry]) -> list[Outbound]: ...


def dead_letter(
    *, stage: str, stream: str, dead: str, entry_id: str, fields: dict[bytes, bytes], reason: str, detail: str
) -> Outbound:
    """An articles:dead entry for a stream entry that cannot be processed."""
    doc = as_json(fields)
    article_id = doc.get("article_id") if isinstance(doc.get("article_id"), str) else None
    if not article_id:
        article_id = hashlib.sha256(b"".join(fields.values())).hexdigest()
    event = ArticleRejected(
        article_id=article_id,
        correlation_id=str(doc.get("correlation_id") or entry_id),
        stage=stage,
        reason=reason,
        detail=detail[:500],
        source_name=doc.get("source_name") if isinstance(doc.get("source_name"), str) else None,
        source_stream=stream,
        source_entry_id=entry_id,
    )
    return Outbound(entry_id, dead, encode(event))


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
        batch_size: int,
        claim_idle_ms: int,
        max_deliveries: int,
        stopping: asyncio.Event,
        log: Any,
        trim: Sequence[str] = (),
        retention_ms: int = 0,
    ) -> None:
        # redis-py types replies as unions of every shape a server might send; Any at this edge.
        self.redis: Any = redis
        self.stream = stream
        self.dead = dead
        self.group = group
        self.consumer = consumer
        self.stage = stage
        self.handler = handler
        self.batch_size = batch_size
        self.claim_idle_ms = claim_idle_ms
        self.max_deliveries = max_deliveries
        self.stopping = stopping
        self.log = log
        self.trim = tuple(trim)  # streams to trim (see trim_streams); 0 retention: never
        self.retention_ms = retention_ms
        self._commit = redis.register_script(_COMMIT)
        self._refresh = redis.register_script(_REFRESH)
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._in_flight: set[asyncio.Task[None]] = set()

    async def setup(self) -> None:
        await ensure_group(self.redis, self.stream, self.group)

    def subscribe(self, broker: RedisBroker) -> None:
        """Register the FastStream batch subscriber that feeds handle()."""
        sub = StreamSub(
            self.stream,
            group=self.group,
            consumer=self.consumer,
            batch=True,
            max_records=self.batch_size,
            polling_interval=1000,
        )

        @broker.subscriber(stream=sub, ack_policy=AckPolicy.MANUAL, parser=_raw_entries, decoder=_not_decoded)
        async def on_batch(msg: RedisBatchStreamMessage) -> None:
            raw = msg.raw_message
            ids = [i.decode() if isinstance(i, bytes) else str(i) for i in raw["message_ids"]]
            await self.start_batch(list(zip(ids, raw["data"], strict=True)))

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
            self.log.error("batch_failed", entries=len(entries), error=_one_line(exc))

    async def finish_in_flight(self) -> None:
        """Wait for the batches in hand (at stop, after the subscriber stopped reading)."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def handle(self, entries: Sequence[Entry]) -> None:
        """Process, then emit and ack in one transaction; isolate failures to single entries.

        While a batch is in hand (a database outage can hold it for long), its entries are
        re-claimed to ourselves now and then without counting a delivery (XCLAIM JUSTID), so
        no other consumer takes over work that is alive, and a transient outage never pushes
        an entry towards max_deliveries.
        """
        keeper = asyncio.create_task(self._keep_claimed([entry_id for entry_id, _ in entries]))  # noqa: RUF006 - kept in `keeper`, cancelled below
        try:
            await self._handle(entries)
        finally:
            keeper.cancel()
            with suppress(asyncio.CancelledError):
                await keeper

    async def _keep_claimed(self, ids: list[str]) -> None:
        while True:
            await asyncio.sleep(self.claim_idle_ms / 3000)
            with suppress(*TRANSIENT, ResponseError):
                await self._refresh(keys=[self.stream], args=[self.group, self.consumer, *ids])

    async def _handle(self, entries: Sequence[Entry]) -> None:
        try:
            out = await self.handler(entries)
        except Stopping:
            return
        except Exception as exc:  # noqa: BLE001 - any failure of one entry must not stop the others
            if len(entries) == 1:
                # Left pending: it is reclaimed later and dead-lettered after max_deliveries.
                self.log.error("entry_failed", entry_id=entries[0][0], error=repr(exc)[:300])
                return
            for entry in entries:
                await self._handle([entry])
            return
        try:
            await self.commit(out, [entry_id for entry_id, _ in entries])
        except Stopping:
            return

    async def commit(self, out: Sequence[Outbound], ack_ids: Sequence[str]) -> None:
        """Emit each entry's events and ack it, atomically, for the entries this consumer still owns."""
        keys = [self.stream]
        index: dict[str, int] = {}
        per_entry: dict[str, list[Outbound]] = {i: [] for i in ack_ids}
        for o in out:
            per_entry.setdefault(o.entry_id, []).append(o)
            if o.stream not in index:
                keys.append(o.stream)
                index[o.stream] = len(keys)
        args: list[str | bytes] = [self.group, self.consumer, str(len(per_entry))]
        for entry_id, outs in per_entry.items():
            args += [entry_id, str(len(outs))]
            for o in outs:
                args += [str(index[o.stream]), o.fields[DATA_FIELD]]

        async def op() -> int:
            return int(await self._commit(keys=keys, args=args))

        committed = await retry_transient(
            op,
            is_transient=lambda e: isinstance(e, TRANSIENT),
            stopping=self.stopping,
            log=self.log,
            what="redis_commit",
        )
        if committed < len(per_entry):
            # Another consumer reclaimed them meanwhile; it emits them (once) instead of us.
            self.log.info("not_owner", skipped=len(per_entry) - committed)

    async def reclaim_forever(self) -> None:
        """Take over entries left pending by consumers that died (idle for claim_idle_ms)."""
        start = "0-0"
        next_forget = time.monotonic() + 60
        next_trim = time.monotonic() + 5
        while not self.stopping.is_set():
            try:
                next_id, messages, *_ = await self.redis.xautoclaim(
                    self.stream,
                    self.group,
                    self.consumer,
                    min_idle_time=self.claim_idle_ms,
                    start_id=start,
                    count=self.batch_size,
                )
                start = next_id.decode() if isinstance(next_id, bytes) else str(next_id)
                if messages:
                    await self._handle_claimed([(i.decode(), f or {}) for i, f in messages])
                if start != "0-0":
                    continue
                if time.monotonic() >= next_forget:
                    next_forget = time.monotonic() + FORGET_EVERY_S
                    await self.forget_idle_consumers(FORGET_IDLE_MS)
                if time.monotonic() >= next_trim:
                    next_trim = time.monotonic() + TRIM_EVERY_S
                    await self.trim_streams()
            except Exception as exc:  # noqa: BLE001 - a reclaim round must never end the service
                self.log.warning("reclaim_failed", error=_one_line(exc))
            await pause(self.stopping, max(self.claim_idle_ms / 2000, 0.5))

    async def drain_own_pending(self) -> None:
        """Entries this consumer name held before a restart: no need to wait for them to idle."""
        cursor = "0"
        while not self.stopping.is_set():
            resp = await self.redis.xreadgroup(self.group, self.consumer, {self.stream: cursor}, count=self.batch_size)
            page = [(i.decode(), f or {}) for i, f in (resp[0][1] if resp else [])]
            if not page:
                return
            await self._handle_claimed(page)
            cursor = page[-1][0]

    async def _handle_claimed(self, claimed: list[Entry]) -> None:
        counts = await self._delivery_counts([i for i, _ in claimed])
        poison = [(i, f) for i, f in claimed if counts.get(i, 1) > self.max_deliveries]
        fresh = [(i, f) for i, f in claimed if counts.get(i, 1) <= self.max_deliveries]
        if poison:
            out = [
                dead_letter(
                    stage=self.stage,
                    stream=self.stream,
                    dead=self.dead,
                    entry_id=i,
                    fields=f,
                    reason="max_deliveries",
                    detail=f"failed {counts.get(i)} deliveries (limit {self.max_deliveries}); see the service log",
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

    async def trim_streams(self) -> dict[str, int]:
        """Delete the entries of self.trim that are older than the retention and that every
        consumer group on their stream has acknowledged (newswire.redisio.trim_bound): streams
        are transport, the database keeps the articles. Returns the entries deleted per stream."""
        if self.retention_ms <= 0:
            return {}
        deleted: dict[str, int] = {}
        for stream in self.trim:
            bound = await trim_bound(self.redis, stream, self.retention_ms)
            if bound is not None:
                deleted[stream] = await self._trim_below(stream, bound)
        if any(deleted.values()):
            self.log.info("streams_trimmed", deleted=deleted, retention_s=self.retention_ms / 1000)
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
            name = c["name"].decode() if isinstance(c["name"], bytes) else str(c["name"])
            if name != self.consumer and int(c["pending"]) == 0 and int(c["idle"]) >= idle_ms:
                await self.redis.xgroup_delconsumer(self.stream, self.group, name)
                self.log.info("consumer_forgotten", consumer=name, idle_s=int(c["idle"]) // 1000)


async def _raw_entries(message: Any) -> StreamMessage[Any]:
    """Hand the entries over as read. FastStream's own parser JSON-decodes every entry several
    times (envelope probing, body, batch re-encoding); the handler decodes each entry once."""
    return StreamMessage(raw_message=message, body=b"")


async def _not_decoded(_msg: Any) -> None:
    return None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else repr(exc)
