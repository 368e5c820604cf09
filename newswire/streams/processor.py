"""A batch in hand: the service's handler, failures isolated to single entries, then the commit.

The handler commits to the database before it returns ("ack after commit") and says which events
each entry yields; the Committer then emits and acknowledges them in one atomic step.
- An entry that fails deterministically (undecodable, rejected by the parser or the database,
  over its time budget) is dead-lettered on its first failure with the real reason: the handler
  dead-letters what it recognises, and a batch that raises is split until the entry that raises
  is alone, then dead-lettered with the error (`rejection_reason`). The others go on.
- Transient failures (the database or Redis away) are retried with backoff inside the handler or
  the commit, and never count as a delivery: the entries in hand are re-claimed to ourselves
  meanwhile, so no other consumer takes over work that is alive.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from contextlib import suppress

from redis.exceptions import ResponseError

from newswire import metrics
from newswire.contracts import DATA_FIELD, encode
from newswire.redisio import TRANSIENT
from newswire.streams.committer import Committer
from newswire.streams.entries import BatchHandler, Entry, Outbound, dead_letter, rejected, rejection_reason
from newswire.streams.membership import Membership
from newswire.text import one_line
from newswire.waiting import Stopping, pause, retry_transient

REFRESH_SCRIPT = """
local src, group, consumer = KEYS[1], ARGV[1], ARGV[2]
for i = 3, #ARGV do
  if #redis.call('XPENDING', src, group, ARGV[i], ARGV[i], 1, consumer) == 1 then
    redis.call('XCLAIM', src, group, consumer, 0, ARGV[i], 'JUSTID')
  end
end
return 0
"""


class Processor:
    def __init__(
        self,
        member: Membership,
        *,
        handler: BatchHandler,
        committer: Committer,
        stage: str,
        dead: str,
        claim_idle_ms: int,
    ) -> None:
        self.member = member
        self.handler = handler
        self.committer = committer
        self.stage, self.dead = stage, dead
        self.claim_idle_ms = claim_idle_ms
        # Resets the idle time of entries we still own, without counting a delivery; an entry
        # another consumer took over meanwhile is left alone (XCLAIM alone would take it back).
        self._refresh = member.redis.register_script(REFRESH_SCRIPT)
        labels = (member.stream, member.group)
        self._handled = metrics.ENTRIES_HANDLED.labels(*labels)
        self._batch_seconds = metrics.BATCH_SECONDS.labels(*labels)

    async def handle(self, entries: Sequence[Entry]) -> None:
        """Process, then emit and ack in one atomic step; isolate failures to single entries.

        While a batch is in hand (a database outage can hold it for long), its entries are
        re-claimed to ourselves now and then without counting a delivery (XCLAIM JUSTID), so
        no other consumer takes over work that is alive, and a transient outage never pushes
        an entry towards max_deliveries.
        """
        ids = [entry_id for entry_id, _ in entries]
        self.member.hold(ids)
        # Stopped by an event, never cancelled: redis-py can turn a cancellation in mid-command into
        # a connection error, which the keeper would swallow and then run (and be awaited) forever.
        done = asyncio.Event()
        keeper = asyncio.create_task(self._keep_claimed(ids, done))
        started = time.perf_counter()
        try:
            await self._handle(entries)
        finally:
            self._batch_seconds.observe(time.perf_counter() - started)
            done.set()
            await keeper
            self.member.release(ids)

    async def _keep_claimed(self, ids: list[str], done: asyncio.Event) -> None:
        m = self.member
        while not await pause(done, self.claim_idle_ms / 3000):
            with suppress(*TRANSIENT, ResponseError):
                await self._refresh(keys=[m.stream], args=[m.group, m.consumer, *ids])

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
            event = rejected(
                stage=self.stage,
                stream=self.member.stream,
                entry_id=entry_id,
                fields=fields,
                reason=reason,
                detail=detail,
            )
            self.member.log.error(
                "entry_failed",
                entry_id=entry_id,
                correlation_id=event.correlation_id,
                article_id=event.article_id,
                reason=reason,
                error=detail,
            )
            metrics.ENTRIES_FAILED.labels(self.member.stream, self.member.group, reason).inc()
            out = [Outbound(entry_id, self.dead, encode(event))]
        self.member.progress.step()
        try:
            await self.commit(out, [entry_id for entry_id, _ in entries])
        except Stopping:
            return

    def dead_letter(self, entry_id: str, fields: dict[bytes, bytes], *, reason: str, detail: str) -> Outbound:
        return dead_letter(
            stage=self.stage,
            stream=self.member.stream,
            dead=self.dead,
            entry_id=entry_id,
            fields=fields,
            reason=reason,
            detail=detail,
        )

    async def commit(self, out: Sequence[Outbound], ack_ids: Sequence[str]) -> None:
        """Emit each entry's events and ack it, atomically, for the entries this consumer still owns."""
        m = self.member
        call = self.committer.prepare(out, ack_ids)

        async def op() -> int:
            return await self.committer.run(call)

        try:
            committed = await retry_transient(
                op, is_transient=lambda e: isinstance(e, TRANSIENT), stopping=m.stopping, log=m.log, what="redis_commit"
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The group vanished with our pending list: these entries are read again once it is back.
            await m.recreate_group()
            return
        m.progress.step()
        self._count(out, committed, call.entries)
        if committed < call.entries:
            # Another consumer reclaimed them meanwhile; it emits them (once) instead of us.
            m.log.info("not_owner", skipped=call.entries - committed)

    def _count(self, out: Sequence[Outbound], committed: int, entries: int) -> None:
        self._handled.inc(committed)
        if committed < entries:
            return  # which of them were ours is not known: the consumer that commits the rest counts them
        for o in out:
            if o.stream == self.dead:
                reason = metrics.reason_of(o.fields.get(DATA_FIELD, b""))
                metrics.ENTRIES_DEAD_LETTERED.labels(self.member.stream, self.member.group, reason).inc()
