"""Keeping Redis tidy: streams trimmed to their retention, consumers of replaced processes forgotten."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from newswire.redisio import trim_bound
from newswire.streams.membership import Membership, name_of
from newswire.waiting import pause

TRIM_EVERY_S = 60  # how often the streams this consumer looks after are trimmed
TRIM_STEP = 10_000  # entries deleted by one XTRIM call at most (then the next call)
FORGET_IDLE_MS = 3_600_000  # a consumer silent this long, holding nothing, is removed from the group
FORGET_EVERY_S = 600


class Housekeeper:
    def __init__(self, member: Membership, *, trim: Sequence[str], retention_ms: int) -> None:
        self.member = member
        self.trim = tuple(trim)  # streams to trim (see trim_streams)
        self.retention_ms = retention_ms

    async def run_forever(self) -> None:
        """Trim soon after start and every TRIM_EVERY_S; forget idle consumers every FORGET_EVERY_S.
        A failed round is logged and tried again at the next."""
        m = self.member
        next_forget = time.monotonic() + 60
        next_trim = time.monotonic() + 5
        while not await pause(m.stopping, max(min(next_forget, next_trim) - time.monotonic(), 0.5)):
            if time.monotonic() >= next_forget:
                next_forget = time.monotonic() + FORGET_EVERY_S
                await self._quietly("forget_failed", self.forget_idle_consumers(FORGET_IDLE_MS))
            if time.monotonic() >= next_trim:
                next_trim = time.monotonic() + TRIM_EVERY_S
                await self._quietly("trim_failed", self.trim_streams())

    async def _quietly(self, what: str, step: Any) -> None:
        try:
            await step
        except Exception as exc:  # noqa: BLE001 - housekeeping failures are logged, retried next time
            await self.member.after_failure(what, exc)

    async def trim_streams(self) -> dict[str, int]:
        """Delete the entries of self.trim that are older than the retention and that every
        consumer group on their stream has acknowledged (newswire.redisio.trim_bound): streams
        are transport, the database keeps the articles. Returns the entries deleted per stream."""
        if self.retention_ms <= 0:
            return {}
        deleted: dict[str, int] = {}
        for stream in self.trim:
            bound = await trim_bound(self.member.redis, stream, self.retention_ms)
            if bound is not None:
                deleted[stream] = await self._trim_below(stream, bound)
        if any(deleted.values()):
            self.member.log.info("streams_trimmed", deleted=deleted, retention_s=self.retention_ms / 1000)
        return deleted

    async def _trim_below(self, stream: str, bound: str) -> int:
        """Delete the entries below bound in bounded steps, so a long backlog (the first trim after an
        upgrade) never holds Redis for long: whole nodes at most TRIM_STEP entries a call (XTRIM ~
        LIMIT), then exactly what is left below bound (less than one node)."""
        r = self.member.redis
        total = 0
        while not self.member.stopping.is_set():
            n = int(await r.xtrim(stream, minid=bound, approximate=True, limit=TRIM_STEP))
            total += n
            if n == 0:  # no whole node below bound any more (a call takes whole nodes, up to the limit)
                break
        return total + int(await r.xtrim(stream, minid=bound, approximate=False))

    async def forget_idle_consumers(self, idle_ms: int) -> None:
        """Remove consumers that hold nothing and were silent for idle_ms (e.g. replaced containers).

        Consumer names are per process, so every restart leaves a name behind; without this,
        XINFO CONSUMERS grows forever. A consumer with pending entries is never removed.
        """
        m = self.member
        for c in await m.redis.xinfo_consumers(m.stream, m.group):
            name = name_of(c["name"])
            if name != m.consumer and int(c["pending"]) == 0 and int(c["idle"]) >= idle_ms:
                await m.redis.xgroup_delconsumer(m.stream, m.group, name)
                m.log.info("consumer_forgotten", consumer=name, idle_s=int(c["idle"]) // 1000)
