"""Entries other consumers left pending: taken over once idle, or dead-lettered when they keep
killing their consumer.

Entries left pending by a consumer that died are reclaimed (XAUTOCLAIM) once idle for
``claim_idle_ms``; one delivered more than ``max_deliveries`` times (a crash no exception reports)
is dead-lettered as ``max_deliveries``. At start, the entries this consumer name held before a
restart go first, without waiting for them to idle.
"""

from __future__ import annotations

from redis.exceptions import ResponseError

from newswire import metrics
from newswire.streams.entries import Entry
from newswire.streams.membership import Membership
from newswire.streams.processor import Processor
from newswire.text import one_line
from newswire.waiting import Stopping, pause


class Reclaimer:
    def __init__(
        self, member: Membership, processor: Processor, *, batch_size: int, claim_idle_ms: int, max_deliveries: int
    ) -> None:
        self.member = member
        self.processor = processor
        self.batch_size, self.claim_idle_ms, self.max_deliveries = batch_size, claim_idle_ms, max_deliveries

    async def reclaim_forever(self) -> None:
        """Take over entries left pending by consumers that died. Nothing one round meets ends the loop."""
        m = self.member
        start = "0-0"
        while not m.stopping.is_set():
            try:
                start = await self._reclaim_page(start)
                if start != "0-0":
                    continue
            except Exception as exc:  # noqa: BLE001 - a reclaim round must never end the service
                start = "0-0"
                await m.after_failure("reclaim_failed", exc)
            await pause(m.stopping, max(self.claim_idle_ms / 2000, 0.5))

    async def _reclaim_page(self, start: str) -> str:
        m = self.member
        next_id, messages, *_ = await m.redis.xautoclaim(
            m.stream, m.group, m.consumer, min_idle_time=self.claim_idle_ms, start_id=start, count=self.batch_size
        )
        if messages:
            await self.handle_claimed([(i.decode(), f or {}) for i, f in messages])
        return next_id.decode() if isinstance(next_id, bytes) else str(next_id)

    async def drain_own(self) -> None:
        """Entries this consumer name held before a restart: no need to wait for them to idle.
        A page that cannot be handled is left for the reclaim loop; the drain goes on."""
        m = self.member
        cursor = "0"
        while not m.stopping.is_set():
            try:
                resp = await m.redis.xreadgroup(m.group, m.consumer, {m.stream: cursor}, count=self.batch_size)
            except ResponseError as exc:
                if "NOGROUP" in str(exc):
                    await m.recreate_group()
                    return
                raise
            page = [(i.decode(), f or {}) for i, f in (resp[0][1] if resp else [])]
            if not page:
                return
            try:
                await self.handle_claimed(page)
            except Stopping:
                return
            except Exception as exc:  # noqa: BLE001 - a bad page must not stop the service from starting
                m.log.warning("drain_failed", entries=len(page), error=one_line(exc))
            cursor = page[-1][0]

    async def handle_claimed(self, claimed: list[Entry]) -> None:
        counts = await self._delivery_counts([i for i, _ in claimed])
        limit = self.max_deliveries
        poison = [(i, f) for i, f in claimed if counts.get(i, 1) > limit]
        fresh = [(i, f) for i, f in claimed if counts.get(i, 1) <= limit and i not in self.member.held]
        if poison:
            out = [
                self.processor.dead_letter(
                    i,
                    f,
                    reason="max_deliveries",
                    detail=f"delivered {counts.get(i)} times (limit {limit}) and never finished: "
                    "each attempt ended its consumer (a crash no error reports)",
                )
                for i, f in poison
            ]
            await self.processor.commit(out, [i for i, _ in poison])
            self.member.log.error("dead_lettered", count=len(poison), reason="max_deliveries")
        if fresh:
            self.member.log.info("reclaimed", count=len(fresh))
            metrics.ENTRIES_RECLAIMED.labels(self.member.stream, self.member.group).inc(len(fresh))
            await self.processor.handle(fresh)

    async def _delivery_counts(self, ids: list[str]) -> dict[str, int]:
        """How often each entry was delivered (XPENDING per id, pipelined: exact, whatever else is pending)."""
        m = self.member
        async with m.redis.pipeline(transaction=False) as pipe:
            for entry_id in ids:
                pipe.xpending_range(m.stream, m.group, min=entry_id, max=entry_id, count=1)
            replies = await pipe.execute()
        counts = {}
        for entry_id, rows in zip(ids, replies, strict=True):
            if rows:
                counts[entry_id] = int(rows[0]["times_delivered"])
        return counts
