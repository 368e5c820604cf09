"""Drop-to-enriched latency at a steady arrival rate: files dropped one at a time on a schedule
(default 50 a second for 60 s), each one's time from its rename into the inbox to its
article.enriched entry (the entry id's time, on the same machine's clock). Every file's latency is
kept for the plot ("_latencies_ms"); the report has the quantiles."""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import redis

from newswire.contracts import DATA_FIELD, Streams, content_hash
from newswire_tools.bench.files import copy_all
from newswire_tools.bench.measure import probe, wait_complete, wait_ready
from newswire_tools.bench.procs import Services, service_env
from newswire_tools.bench.streams import delete_prefix


def measure_latency(folder: Path, corpus: list[Path], redis_url: str, *, rate: float, seconds: float) -> dict[str, Any]:
    files = corpus[: max(1, min(len(corpus), round(rate * seconds)))]
    prefix = f"bench{uuid.uuid4().hex[:10]}:"
    streams = Streams.with_prefix(prefix)
    inbox = folder / "inbox"
    staged = copy_all(files, folder / "staging")
    inbox.mkdir(parents=True)
    ids = [content_hash(path.read_text(encoding="utf-8")) for path in staged]
    services = Services(folder, service_env(folder, redis_url, prefix))
    r: Any = redis.Redis.from_url(redis_url)  # Any: redis-py types replies as wide unions
    dropped_ms: dict[str, float] = {}
    try:
        services.start("ingest", "ingest")
        services.start("store", "store")
        services.start("enrich-1", "enrich")
        wait_ready(r, services, streams)
        probe(r, services, streams, inbox)
        began = time.monotonic()
        for i, (path, article_id) in enumerate(zip(staged, ids, strict=True)):
            delay = began + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            os.rename(path, inbox / path.name)
            dropped_ms[article_id] = time.time() * 1000
        wait_complete(r, services, streams, len(staged) + 1)
        enriched_ms: dict[str, float] = {}
        for entry_id, fields in r.xrange(streams.enriched):
            doc = json.loads(fields[DATA_FIELD])
            enriched_ms.setdefault(doc["article_id"], float(entry_id.decode().split("-")[0]))
    finally:
        services.stop()
        delete_prefix(r, prefix)
        r.close()
    latencies = sorted(enriched_ms[a] - t for a, t in dropped_ms.items() if a in enriched_ms)
    return {
        "latency_rate": rate,
        "latency_files": len(staged),
        "latency_p50_ms": round(quantile(latencies, 0.50), 1),
        "latency_p95_ms": round(quantile(latencies, 0.95), 1),
        "latency_p99_ms": round(quantile(latencies, 0.99), 1),
        "latency_max_ms": round(latencies[-1], 1),
        "latency_mean_ms": round(statistics.fmean(latencies), 1),
        "_latencies_ms": latencies,  # every file's, for the plot (taken out before the report)
    }


def quantile(sorted_values: list[float], q: float) -> float:
    """The value below which a fraction q of the values lie (nearest rank)."""
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]
