"""What a newswire process counts, for Prometheus (`/metrics`, served by newswire.http).

Counters and histograms are incremented where the work happens (the watcher's publisher and
archiver, the consumers' Processor and Reclaimer). The stream gauges (length, lag, pending, the age
of the oldest pending entry) are read from Redis by a task every few seconds
(`StreamStats.refresh_forever`), never at scrape time: a scrape costs no Redis round trip, takes
the same time however often it comes, and answers while Redis does not (the gauges of a stream
Redis did not answer for are left out rather than shown stale).

Everything is registered in prometheus_client's default registry, with the process's own metrics
(`process_*`, `python_*`) and FastStream's (`faststream_*`, newswire.service.make_broker). In
`newswire up` the three services share it: the stream and group labels tell them apart.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from newswire.text import one_line
from newswire.waiting import pause

# The *_created series double every counter for a timestamp a restart resets anyway.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in prometheus_client

# -- ingest ---------------------------------------------------------------------------------------
FILES_CLAIMED = Counter(
    "newswire_ingest_files_claimed", "Files ingest took from the inbox (moved into processing/ to be published)"
)
FILES_LOST_RACES = Counter("newswire_ingest_files_lost_races", "Files another watcher took from the inbox first")
FILES_PUBLISHED = Counter("newswire_ingest_files_published", "Files published to articles:raw as article.discovered")
FILES_REJECTED = Counter(
    "newswire_ingest_files_rejected", "Files ingest could not use, dead-lettered with the reason", ["reason"]
)
FILES_ARCHIVED = Counter(
    "newswire_ingest_files_archived",
    "Files confirmed by the store and moved out of processing/: to done (or deleted, or kept) or to error",
    ["to"],
)
FILES_REPUBLISHED = Counter(
    "newswire_ingest_files_republished", "Entries Redis lost before their receipt, published again"
)

# -- consumers (store, enrich) ---------------------------------------------------------------------
ENTRIES_HANDLED = Counter(
    "newswire_entries_handled",
    "Entries this process committed and acknowledged (events emitted, or dead-lettered)",
    ["stream", "group"],
)
ENTRIES_FAILED = Counter(
    "newswire_entries_failed",
    "Entries whose handler raised (isolated to the one entry, then dead-lettered with the reason)",
    ["stream", "group", "reason"],
)
ENTRIES_DEAD_LETTERED = Counter(
    "newswire_entries_dead_lettered",
    "Entries this process committed as dead letters on articles:dead, by reason",
    ["stream", "group", "reason"],
)
ENTRIES_RECLAIMED = Counter(
    "newswire_entries_reclaimed", "Entries taken over from consumers that left them pending", ["stream", "group"]
)
# Per batch, not per entry: the batch is the unit the handler works on (one database commit, one
# emit-and-ack script), so its time is what a slow database or a slow worker shows up in.
BATCH_SECONDS = Histogram(
    "newswire_batch_duration_seconds",
    "Time a batch of entries took from hand-over to its commit: the handler (workers, database) and the "
    "emit-and-ack step, failed entries isolated included",
    ["stream", "group"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)

REFRESH_EVERY_S = 5.0
REFRESH_TIMEOUT_S = 3.0


@dataclass(eq=False)
class Watched:
    """Streams and groups one service asked to be measured, on its own Redis connection."""

    redis: Any
    streams: tuple[str, ...]
    groups: tuple[tuple[str, str], ...]
    failing: str | None = field(default=None)


@dataclass(frozen=True, slots=True)
class GroupStats:
    lag: int | None
    pending: int
    consumers: int
    oldest_pending_age_s: float | None


class StreamStats(Collector):
    """The stream gauges: read by refresh() every few seconds, served from that snapshot at scrape time."""

    def __init__(self) -> None:
        self._watched: list[Watched] = []
        self._lengths: dict[str, int] = {}
        self._groups: dict[tuple[str, str], GroupStats] = {}

    def watch(self, redis: Any, *, streams: Iterable[str], groups: Iterable[tuple[str, str]] = ()) -> Watched:
        w = Watched(redis, tuple(dict.fromkeys(streams)), tuple(dict.fromkeys(groups)))
        self._watched.append(w)
        return w

    def unwatch(self, watched: Watched) -> None:
        with suppress(ValueError):
            self._watched.remove(watched)

    async def refresh_forever(self, stopping: asyncio.Event, *, log: Any) -> None:
        while not stopping.is_set():
            await self.refresh(log=log)
            await pause(stopping, REFRESH_EVERY_S)

    async def refresh(self, *, log: Any = None) -> None:
        """One round: each watcher's streams and groups, in one pipeline each, within REFRESH_TIMEOUT_S."""
        lengths: dict[str, int] = {}
        groups: dict[tuple[str, str], GroupStats] = {}
        for w in list(self._watched):
            try:
                found_lengths, found_groups = await asyncio.wait_for(_read(w), timeout=REFRESH_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - Redis away or slow: those gauges are left out until it answers
                problem = one_line(exc) or type(exc).__name__
                if log is not None and w.failing is None:
                    log.warning("stream_stats_failed", error=problem)
                w.failing = problem
                continue
            w.failing = None
            lengths.update(found_lengths)
            groups.update(found_groups)
        self._lengths, self._groups = lengths, groups

    def collect(self) -> Iterator[Metric]:
        lengths, groups = self._lengths, self._groups
        length = GaugeMetricFamily("newswire_stream_length", "Entries in the stream (XLEN)", labels=["stream"])
        for stream, n in sorted(lengths.items()):
            length.add_metric([stream], n)
        yield length
        names = ["stream", "group"]
        lag = GaugeMetricFamily(
            "newswire_group_lag", "Entries in the stream the group has not read yet (XINFO GROUPS lag)", labels=names
        )
        pending = GaugeMetricFamily(
            "newswire_group_pending", "Entries the group read and has not acknowledged (XPENDING)", labels=names
        )
        consumers = GaugeMetricFamily("newswire_group_consumers", "Consumers the group knows", labels=names)
        oldest = GaugeMetricFamily(
            "newswire_group_oldest_pending_age_seconds",
            "Age of the oldest pending entry (since it was added to the stream)",
            labels=names,
        )
        for (stream, group), g in sorted(groups.items()):
            if g.lag is not None:
                lag.add_metric([stream, group], g.lag)
            pending.add_metric([stream, group], g.pending)
            consumers.add_metric([stream, group], g.consumers)
            oldest.add_metric([stream, group], g.oldest_pending_age_s or 0.0)
        yield from (lag, pending, consumers, oldest)

    def describe(self) -> Iterable[Metric]:
        # Described empty so that registering does not run collect() (no snapshot yet).
        return []


async def _read(w: Watched) -> tuple[dict[str, int], dict[tuple[str, str], GroupStats]]:
    group_streams = list(dict.fromkeys(stream for stream, _ in w.groups))
    async with w.redis.pipeline(transaction=False) as pipe:
        pipe.time()
        for stream in w.streams:
            pipe.xlen(stream)
        for stream in group_streams:
            pipe.xinfo_groups(stream)
        for stream, group in w.groups:
            pipe.xpending(stream, group)
        replies: list[Any] = await pipe.execute(raise_on_error=False)
    now, rest = replies[0], replies[1:]
    if isinstance(now, Exception):
        raise now
    now_ms = int(now[0]) * 1000 + int(now[1]) // 1000
    lengths = {
        s: int(n) for s, n in zip(w.streams, rest[: len(w.streams)], strict=True) if not isinstance(n, Exception)
    }
    rest = rest[len(w.streams) :]
    infos = dict(zip(group_streams, rest[: len(group_streams)], strict=True))
    summaries = rest[len(group_streams) :]
    groups: dict[tuple[str, str], GroupStats] = {}
    for (stream, group), summary in zip(w.groups, summaries, strict=True):
        info = infos.get(stream)
        mine = None
        if not isinstance(info, Exception) and info:
            mine = next((g for g in info if _text(g.get("name")) == group), None)
        if mine is None or isinstance(summary, Exception):
            continue  # no stream or no group (yet): /readyz says so; no gauge rather than a made-up zero
        oldest_id = summary.get("min")
        age = None
        if oldest_id:
            age = max(0.0, (now_ms - int(_text(oldest_id).split("-")[0])) / 1000)
        raw_lag = mine.get("lag")
        groups[(stream, group)] = GroupStats(
            lag=int(raw_lag) if raw_lag is not None else None,  # Redis < 7 does not say, nor after some trims
            pending=int(summary.get("pending") or 0),
            consumers=int(mine.get("consumers") or 0),
            oldest_pending_age_s=age,
        )
    return lengths, groups


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


STREAM_STATS = StreamStats()
REGISTRY.register(STREAM_STATS)


def reason_of(payload: bytes | str) -> str:
    """The reason of a dead letter's JSON, for a label ("unknown" if it has none)."""
    try:
        reason = json.loads(payload).get("reason")
    except (ValueError, AttributeError):
        return "unknown"
    return reason if isinstance(reason, str) and reason else "unknown"
