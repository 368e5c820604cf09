"""/api/stats: where each stream stands, the consumer groups, and the drop-to-enriched latency.

The latency of an article is the time of its articles:enriched entry minus the time of the articles:raw
entry that brought its file (both by Redis's clock, which stamps the entry ids): the raw entry is the
articles row's source_entry_id. Over the newest WINDOW enriched entries, replays left out. The ids of new
enriched entries are read by a script (never the entries), the raw entries' ids from the database once per
article; one round serves every page that polls within CACHE_S."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from newswire.contracts import Streams
from newswire.db.tables import ARTICLES
from services.web.reading import Scripts, groups, id_ms, text, where

WINDOW = 200
_UNKNOWN = -1
CACHE_S = 1.0
STREAMS = ("raw", "stored", "enriched", "dead")


class Stats:
    def __init__(
        self, r: Any, scripts: Scripts, streams: Streams, engine: Engine, *, threaded: Callable[..., Any]
    ) -> None:
        self.r, self.scripts, self.streams, self.engine = r, scripts, streams, engine
        self.threaded = threaded  # runs a blocking function off the event loop
        self._lock = asyncio.Lock()
        self._doc: dict[str, Any] | None = None
        self._at = 0.0
        self._window: deque[tuple[str, int, str]] = deque(maxlen=WINDOW)  # (enriched id, its ms, article id)
        self._raw_ms: dict[str, int] = {}  # article id -> its raw entry's ms
        self._seen: str | None = None  # the newest enriched entry id read

    async def get(self) -> dict[str, Any]:
        async with self._lock:
            if self._doc is None or time.monotonic() - self._at >= CACHE_S:
                self._doc = await self._round()
                self._at = time.monotonic()
            return self._doc

    async def _round(self) -> dict[str, Any]:
        names = {name: getattr(self.streams, name) for name in STREAMS}
        streams = {}
        found_groups = []
        for name, key in names.items():
            w = await where(self.scripts, key)
            streams[name] = {"length": w["length"], "last_id": w["last_id"], "added": w["added"]}
            found_groups += [{"stream": name, **g} for g in await groups(self.r, key)]
        return {
            "streams": streams,
            "groups": found_groups,
            "latency_ms": await self._latency(),
            "at": time.time(),
        }

    async def _latency(self) -> dict[str, Any]:
        low = f"({self._seen}" if self._seen else "-"
        new = await self.scripts.article_ids(keys=[self.streams.enriched], args=[low, WINDOW])
        for raw_id, article, replay in reversed(new):  # oldest first
            entry_id = text(raw_id)
            self._seen = entry_id
            if article and not replay:
                self._window.append((entry_id, id_ms(entry_id), text(article)))
        wanted = {article for _, _, article in self._window}
        self._raw_ms = {a: ms for a, ms in self._raw_ms.items() if a in wanted}
        missing = sorted(wanted - self._raw_ms.keys())
        if missing:
            try:
                found = await self.threaded(_raw_entry_ms, self.engine, missing)
            except SQLAlchemyError:  # the database away: the latency of the articles known, until it is back
                found = None
            if found is not None:
                # An article the database does not have (a forged entry) is not asked for again.
                self._raw_ms.update({article: found.get(article, _UNKNOWN) for article in missing})
        samples = sorted(
            ms - raw
            for _, ms, article in self._window
            if (raw := self._raw_ms.get(article, _UNKNOWN)) != _UNKNOWN and ms >= raw
        )
        return {
            "p50": _percentile(samples, 50),
            "p95": _percentile(samples, 95),
            "p99": _percentile(samples, 99),
            "n": len(samples),
        }


def _raw_entry_ms(engine: Engine, article_ids: list[str]) -> dict[str, int]:
    """Article id -> the time of the articles:raw entry that stored it."""
    a = ARTICLES
    found: dict[str, int] = {}
    with engine.connect() as conn:
        rows = conn.execute(select(a.c.article_id, a.c.source_entry_id).where(a.c.article_id.in_(article_ids)))
        for article_id, entry_id in rows:
            try:
                found[str(article_id)] = id_ms(str(entry_id))
            except ValueError:  # not an entry id: no latency for it
                continue
    return found


def _percentile(sorted_samples: list[int], p: int) -> int | None:
    """Nearest rank."""
    if not sorted_samples:
        return None
    rank = max(1, -(-p * len(sorted_samples) // 100))
    return sorted_samples[rank - 1]
