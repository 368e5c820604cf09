"""One consumer's place in its group: who it is, what it holds, what it read, and the group itself
(recreated when it is lost). The other parts of a consumer share one Membership."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from newswire.health import Progress
from newswire.redisio import ensure_group, entry_id_tuple
from newswire.text import one_line
from newswire.waiting import pause

RECREATE_GRACE_S = 3.0  # a replica that knows nothing lets the others recreate a lost group first


class Membership:
    def __init__(
        self,
        *,
        redis: aioredis.Redis,
        stream: str,
        group: str,
        consumer: str,
        stall_s: float,
        stopping: asyncio.Event,
        log: Any,
    ) -> None:
        # redis-py types replies as unions of every shape a server might send; Any at this edge.
        self.redis: Any = redis
        self.stream, self.group, self.consumer = stream, group, consumer
        self.stopping = stopping
        self.log = log
        self.progress = Progress(stall_s)
        self.held: dict[str, int] = {}  # entry ids in hand -> how many batches hold them
        self.last_read: tuple[int, int] | None = None  # the newest entry id this process read
        self._group_lock = asyncio.Lock()

    async def setup(self) -> None:
        await ensure_group(self.redis, self.stream, self.group)

    def read(self, ids: Iterable[str]) -> None:
        for entry_id in ids:
            key = entry_id_tuple(entry_id)
            if self.last_read is None or key > self.last_read:
                self.last_read = key

    def hold(self, ids: Iterable[str]) -> None:
        for i in ids:
            self.held[i] = self.held.get(i, 0) + 1

    def release(self, ids: Iterable[str]) -> None:
        for i in ids:
            left = self.held.get(i, 0) - 1
            if left > 0:
                self.held[i] = left
            else:
                self.held.pop(i, None)

    # -- a lost group ------------------------------------------------------------------------
    def resume_after(self) -> str:
        """The id the group must resume after so that nothing this consumer has not finished is
        skipped: just before the oldest entry in hand, else the newest entry read, else 0."""
        if self.held:
            ms, seq = min(entry_id_tuple(i) for i in self.held)
            return f"{ms}-{seq - 1}" if seq > 0 else f"{max(ms - 1, 0)}-18446744073709551615"
        if self.last_read is not None:
            return f"{self.last_read[0]}-{self.last_read[1]}"
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
            elif self.held or self.last_read is not None:
                start = self.resume_after()
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
        if not self.held:
            return
        start = self.resume_after()
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
            if name_of(g["name"]) == self.group:
                return entry_id_tuple(g["last-delivered-id"])
        return None

    async def after_failure(self, what: str, exc: Exception) -> None:
        """A background round failed: a lost group is recreated, anything else logged (retried next round)."""
        if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
            try:
                await self.recreate_group()
            except Exception as again:  # noqa: BLE001 - Redis away: the next round tries again
                self.log.warning("group_recreate_failed", error=one_line(again))
        else:
            self.log.warning(what, error=one_line(exc))

    # -- health ------------------------------------------------------------------------------
    async def health_problem(self) -> str | None:
        """Unhealthy when entries wait for this group and this consumer made no progress for stall_s
        (a lost group that could not be recreated counts as waiting)."""
        try:
            groups = await self.redis.xinfo_groups(self.stream)
        except ResponseError:
            groups = []
        mine = next((g for g in groups if name_of(g["name"]) == self.group), None)
        if mine is None:
            return self.progress.problem(1, f"{self.stream}: group {self.group} missing")
        waiting = mine.get("lag")
        if waiting is None:  # Redis < 7 has no lag: entries after the last delivered one, if any
            info = await self.redis.xinfo_stream(self.stream)
            waiting = int(entry_id_tuple(info["last-generated-id"]) > entry_id_tuple(mine["last-delivered-id"]))
        waiting = int(waiting) + len(self.held)
        return self.progress.problem(waiting, f"{self.stream} group {self.group}")


def name_of(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)
