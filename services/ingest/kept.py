"""done_policy=keep: what was published stays in the inbox, and a record in Redis says so."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from newswire.waiting import retry_transient
from services.ingest.config import IngestSettings
from services.ingest.folders import Folders
from services.ingest.ledger import transient


class Kept:
    """Which inbox files were published already and left in place (done_policy=keep), so that they
    are not taken again."""

    def __init__(
        self, *, settings: IngestSettings, redis: Any, inbox: Folders, stopping: asyncio.Event, log: Any
    ) -> None:
        self.redis = redis
        self.inbox = inbox
        self.stopping = stopping
        self.log = log
        # done_policy=keep: what was published stays in the inbox; this hash (source name ->
        # "size:mtime_ns") says so, and a local cache of it spares a Redis call per rescan.
        self.kept_key = f"{settings.stream_prefix}ingest:kept"
        self.keep = settings.done_policy == "keep"
        self._kept: dict[str, str] = {}

    def is_kept(self, path: str | Path) -> bool:
        """Published already and unchanged since (done_policy=keep), by the local cache."""
        try:
            st = os.lstat(path)
        except OSError:
            return False
        return self._kept.get(self.inbox.relative(path)) == f"{st.st_size}:{st.st_mtime_ns}"

    async def not_kept(self, paths: list[str]) -> list[str]:
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
        return [p for p in paths if not self.is_kept(p)]

    async def record(self, kept: dict[str, str]) -> None:
        """Files archived under done_policy=keep (source name -> "size:mtime_ns")."""
        await self.redis.hset(self.kept_key, mapping={os.fsencode(k): v for k, v in kept.items()})
        self._kept.update(kept)
