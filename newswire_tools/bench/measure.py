"""newswire measured: the three services pipelined, and each stage alone."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from newswire.contracts import Streams
from newswire_tools.bench.files import copy_all, warm
from newswire_tools.bench.procs import Services, service_env
from newswire_tools.bench.streams import delete_prefix, server_ms, stage_figures, stage_times, stream_rate
from newswire_tools.bench.wait import READY_TIMEOUT_S, STALL_TIMEOUT_S, BenchError, wait
from newswire_tools.corpus import article

DROP_FOLDER = "batch"  # the corpus is staged in a folder beside the inbox and moved in whole, by one rename
PROBE_NUMBER = 99_000_000  # story code far from the corpus's, so the probe is never a duplicate


def measure_newswire(
    folder: Path, corpus: list[Path], redis_url: str, *, store_procs: int = 1, enrich_procs: int = 1
) -> dict[str, Any]:
    """Start the services, drop the corpus, and read each stage's figures off its stream.

    One ingest process, store_procs store processes (`store`, or `store-1`.. when more than one)
    and enrich_procs enrich processes (`enrich-1`..); each consumer is named bench-<process name>.
    The per-entry times of each stage ("_timeline", seconds from the drop) are for the plot: run
    takes them out of the result before the report."""
    prefix = f"bench{uuid.uuid4().hex[:10]}:"
    streams = Streams.with_prefix(prefix)
    inbox, staging = folder / "inbox", folder / "staging"
    staged = copy_all(corpus, staging)
    inbox.mkdir(parents=True)
    env = service_env(folder, redis_url, prefix)
    services = Services(folder, env)
    r: Any = redis.Redis.from_url(redis_url)  # Any: redis-py types replies as wide unions
    codes: dict[str, int | None] = {}
    try:
        started = time.perf_counter()
        services.start("ingest", "ingest")
        for name in store_names(store_procs):
            services.start(name, "store")
        for i in range(1, enrich_procs + 1):
            services.start(f"enrich-{i}", "enrich")
        wait_ready(r, services, streams)
        ready_s = time.perf_counter() - started
        probe_ids = probe(r, services, streams, inbox)
        probe_s = time.perf_counter() - started - ready_s
        warm(staged)
        cpu_before = services.cpu_s()
        services.sample_memory(force=True)
        t0_ms = server_ms(r)
        dropped = time.perf_counter()
        os.rename(staging, inbox / DROP_FOLDER)  # the whole batch lands by one rename
        drop_s = time.perf_counter() - dropped
        wait_complete(r, services, streams, len(corpus) + 1)
        figures = stage_figures(r, streams, probe_ids, t0_ms)
        cpu_after = services.cpu_s()
        services.sample_memory(force=True)
        memory = services.memory_figures()
        timeline = stage_times(
            r, {"ingest": streams.raw, "store": streams.stored, "enrich": streams.enriched}, t0_ms, probe_ids
        )
    finally:
        codes = services.stop()
        delete_prefix(r, prefix)
        r.close()
    bad = {name: rc for name, rc in codes.items() if rc != 0}
    return {
        "articles": len(corpus),
        "store_procs": store_procs,
        "enrich_procs": enrich_procs,
        "stream_prefix": prefix,
        **figures,
        "ready_s": round(ready_s, 2),
        "probe_s": round(probe_s, 2),
        "drop_s": round(drop_s, 3),
        **_memory_keys(memory, services.service_pss_mib),
        "rss_mib": {name: m["rss_mib"] for name, m in memory.items()},
        "memory": memory,
        "memory_samples": services.memory_samples,
        **{
            f"cpu_s_per_1000_{service}": round(
                sum(cpu_after[n] - cpu_before[n] for n in cpu_after if n.split("-")[0] == service) * 1000 / len(corpus),
                3,
            )
            for service in SERVICES
        },
        "exit_codes": codes,
        "warnings": [f"{name} exited with {rc} after SIGTERM" for name, rc in bad.items()],
        "_timeline": timeline,
    }


SERVICES = ("ingest", "store", "enrich")


def store_names(store_procs: int) -> list[str]:
    return ["store"] if store_procs == 1 else [f"store-{i}" for i in range(1, store_procs + 1)]


def _memory_keys(memory: dict[str, dict[str, float]], service_pss: dict[str, float]) -> dict[str, float]:
    """Per service: rss_<s>_mib (the service process's peak RSS, the largest over its processes),
    rss_<s>_worker_mib (the largest peak RSS of one of its worker processes) and pss_<s>_mib (the
    largest total PSS of all its process trees at one sample)."""
    out: dict[str, float] = {}
    for service in SERVICES:
        mine = [m for name, m in memory.items() if name.split("-")[0] == service]
        out[f"rss_{service}_mib"] = max((m["rss_mib"] for m in mine), default=0.0)
        out[f"rss_{service}_worker_mib"] = max((m["worker_rss_max_mib"] for m in mine), default=0.0)
        out[f"pss_{service}_mib"] = service_pss.get(service, 0.0)
    return out


def measure_alone(folder: Path, corpus: list[Path], redis_url: str) -> dict[str, Any]:
    """Each stage's own throughput, with its input already waiting and nothing downstream running:
    ingest on the whole corpus (no store yet), then store on the full raw stream (no enrich)."""
    prefix = f"bench{uuid.uuid4().hex[:10]}:"
    streams = Streams.with_prefix(prefix)
    inbox, staging = folder / "inbox", folder / "staging"
    staged = copy_all(corpus, staging)
    inbox.mkdir(parents=True)
    services = Services(folder, service_env(folder, redis_url, prefix))
    r: Any = redis.Redis.from_url(redis_url)
    n = len(corpus)
    try:
        services.start("ingest", "ingest")
        wait(lambda: _alive_and(services, services.heartbeat("ingest").exists), timeout=READY_TIMEOUT_S, what="ingest")
        warm(staged)
        os.rename(staging, inbox / DROP_FOLDER)
        _wait_count(r, services, streams, streams.raw, n)
        services.start("store", "store")
        _wait_count(r, services, streams, streams.stored, n)
        figures = {
            "stream_prefix": prefix,
            "ingest_alone_aps": stream_rate(r, streams.raw),
            "store_alone_aps": stream_rate(r, streams.stored),
        }
    finally:
        services.stop()
        delete_prefix(r, prefix)
        r.close()
    return figures


def _alive_and(services: Services, condition: Callable[[], bool]) -> bool:
    services.check_alive()
    return condition()


def _wait_count(r: Any, services: Services, streams: Streams, stream: str, target: int) -> None:
    """Until stream holds target entries; fail on a dead letter, a dead service or a stall."""
    last, changed = -1, time.monotonic()
    while (count := int(r.xlen(stream))) < target:
        services.check_alive()
        _no_dead(r, streams)
        if count != last:
            last, changed = count, time.monotonic()
        elif time.monotonic() - changed > STALL_TIMEOUT_S:
            raise BenchError(f"no progress for {STALL_TIMEOUT_S:.0f} s: {stream} holds {count} of {target}")
        time.sleep(0.02)


def wait_ready(r: Any, services: Services, streams: Streams) -> None:
    """Until every process has its heartbeat and every store and enrich process is a consumer of its group."""
    storers = {f"bench-{name}" for name in services.procs if name.split("-")[0] == "store"}
    enrichers = {f"bench-{name}" for name in services.procs if name.split("-")[0] == "enrich"}

    def ready() -> bool:
        services.check_alive()
        services.sample_memory()
        return (
            all(services.heartbeat(name).exists() for name in services.procs)
            and _consumers(r, streams.raw, "store") >= storers
            and _consumers(r, streams.stored, "enrich") >= enrichers
        )

    wait(ready, timeout=READY_TIMEOUT_S, what="the services (heartbeats and consumer groups)")


def _consumers(r: Any, stream: str, group: str) -> set[str]:
    try:
        return {c["name"].decode() for c in r.xinfo_consumers(stream, group)}
    except redis.ResponseError:  # no stream or no group yet
        return set()


def probe(r: Any, services: Services, streams: Streams, inbox: Path) -> dict[str, str]:
    """One article through all three stages; the entry ids it left on each stream."""
    import random

    tmp = inbox / ".bench-probe.tmp"
    tmp.write_text(article(random.Random(PROBE_NUMBER), PROBE_NUMBER), encoding="utf-8")
    os.rename(tmp, inbox / "bench-probe.txt")

    def through() -> bool:
        services.check_alive()
        services.sample_memory()
        _no_dead(r, streams)
        return int(r.xlen(streams.enriched)) >= 1

    wait(through, timeout=READY_TIMEOUT_S, what="the probe article to reach articles:enriched")
    return {s: r.xrevrange(s, count=1)[0][0].decode() for s in (streams.raw, streams.stored, streams.enriched)}


def _no_dead(r: Any, streams: Streams) -> None:
    first = r.xrange(streams.dead, count=1)
    if first:
        raise BenchError(f"an entry went to {streams.dead}: {first[0][1].get(b'__data__', b'')[:500]!r}")


def wait_complete(r: Any, services: Services, streams: Streams, target: int) -> None:
    """Until articles:enriched holds target entries; fail on a dead letter, a dead service or a stall."""
    last: tuple[int, ...] = ()
    changed = time.monotonic()
    while True:
        services.check_alive()
        services.sample_memory()
        pipe = r.pipeline(transaction=False)
        for s in (streams.raw, streams.stored, streams.enriched, streams.dead):
            pipe.xlen(s)
        counts = tuple(int(c) for c in pipe.execute())
        if counts[3]:
            _no_dead(r, streams)
        if counts[2] >= target:
            return
        if counts != last:
            last, changed = counts, time.monotonic()
        elif time.monotonic() - changed > STALL_TIMEOUT_S:
            raise BenchError(
                f"no progress for {STALL_TIMEOUT_S:.0f} s: raw {counts[0]}, stored {counts[1]}, "
                f"enriched {counts[2]} of {target} (the probe included)"
            )
        time.sleep(0.05)
