"""The `newswire bench` command: the corpus, the runs (each with a Redis server of its own), the report."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from newswire.redisio import redact
from newswire.text import one_line
from newswire_tools.bench.enrichers import enricher_ms
from newswire_tools.bench.latency import measure_latency
from newswire_tools.bench.measure import measure_alone, measure_newswire
from newswire_tools.bench.measure_floor import measure_floor, measure_floor_alone
from newswire_tools.bench.report import build_report, run_summary, table, write_json
from newswire_tools.bench.wait import BenchError
from newswire_tools.corpus import write_corpus
from newswire_tools.server import ServerFactory

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FLOOR = ROOT.parent / "shared" / "bench" / "floor.py"


def run_bench(args: argparse.Namespace, *, embedded: ServerFactory) -> int:
    n, runs = int(args.articles), int(args.runs)
    if n < 1 or runs < 1:
        print("newswire bench: error: -n and --runs must be at least 1", file=sys.stderr)
        return 2
    floor, floor_note = _floor_path(args.floor)
    enrich_variant = _enrich_variant()
    work = Path(tempfile.mkdtemp(prefix="newswire-bench-"))
    keep = False
    try:
        _say(f"writing {n} articles into {work / 'corpus'}")
        corpus = write_corpus(work / "corpus", n)
        results = []
        for k in range(1, runs + 1):
            results.append(_one_run(work / f"run-{k}", corpus, floor, enrich_variant, embedded, _latency(args)))
            _say(f"run {k}/{runs}: " + run_summary(results[-1]))
        report = build_report(n, results, floor, floor_note, enrich_variant)
        report["enricher_ms"] = enricher_ms(corpus)
        print(table(report))
        if args.json_out:
            write_json(Path(args.json_out), report)
        return 0
    except (BenchError, redis.RedisError) as exc:
        text = str(exc) if isinstance(exc, BenchError) else f"Redis: {one_line(exc)}"
        print(f"newswire bench: error: {text}", file=sys.stderr)
        keep = isinstance(exc, BenchError)
        if keep:
            print(f"newswire bench: files and service logs kept in {work}", file=sys.stderr)
        return 1
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def _floor_path(arg: str | None) -> tuple[Path | None, str]:
    if arg == "":
        return None, "floor skipped (--floor '')"
    path = Path(arg) if arg else DEFAULT_FLOOR
    if path.is_file():
        return path.resolve(), ""
    if arg:
        raise SystemExit(f"newswire bench: error: --floor: no such file {arg}")
    return None, f"floor skipped: {DEFAULT_FLOOR} not found (give its path with --floor)"


def _enrich_variant() -> int:
    raw = os.environ.get("NEWSWIRE_BENCH_ENRICH_PROCS", "").strip()
    try:
        procs = int(raw) if raw else 1
    except ValueError:
        raise SystemExit(f"newswire bench: error: NEWSWIRE_BENCH_ENRICH_PROCS: not a number: {raw!r}") from None
    return procs if procs > 1 else 0


def _say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def _latency(args: argparse.Namespace) -> tuple[float, float] | None:
    """(files a second, seconds) of the steady-rate latency measurement, or None when it is off."""
    rate, seconds = float(getattr(args, "latency_rate", 50.0)), float(getattr(args, "latency_seconds", 60.0))
    if rate <= 0 or seconds <= 0:
        return None
    return rate, seconds


def _one_run(
    folder: Path,
    corpus: list[Path],
    floor: Path | None,
    enrich_variant: int,
    embedded: ServerFactory,
    latency: tuple[float, float] | None,
) -> dict[str, Any]:
    folder.mkdir(parents=True)
    with _redis_server(folder, embedded) as (url, floor_url):
        result: dict[str, Any] = {
            "redis": redact(url),
            "redis_kind": "external" if os.environ.get("NEWSWIRE_REDIS_URL") else "embedded",
            "newswire": measure_newswire(folder / "nw", corpus, url),
        }
        if enrich_variant:
            result["newswire_enrich_procs"] = measure_newswire(
                folder / f"nw-enrich{enrich_variant}", corpus, url, enrich_procs=enrich_variant
            )
        result["alone"] = measure_alone(folder / "nw-alone", corpus, url)
        if latency is not None:
            rate, seconds = latency
            result["latency"] = measure_latency(folder / "latency", corpus, url, rate=rate, seconds=seconds)
        if floor is not None:
            result["floor"] = measure_floor(floor, folder / "floor", corpus, floor_url)
            result["floor"]["redis"] = redact(floor_url)
            result["alone"].update(measure_floor_alone(floor, folder / "floor-alone", corpus, floor_url))
    shutil.rmtree(folder, ignore_errors=True)
    return result


@contextmanager
def _redis_server(folder: Path, embedded: ServerFactory) -> Iterator[tuple[str, str]]:
    """(newswire's URL, the floor's URL): NEWSWIRE_REDIS_URL, else an embedded server of this run's own."""
    url = os.environ.get("NEWSWIRE_REDIS_URL")
    if url:
        yield url, os.environ.get("NEWSWIRE_BENCH_FLOOR_REDIS_URL") or _unused_db(url)
        return
    server = embedded(folder / "embedded")
    try:
        url = server.start()
        yield url, _with_db(url, 1)
    finally:
        server.stop()


def _unused_db(url: str) -> str:
    """The same server, on the first empty database number that is not newswire's."""
    ours = redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0)
    for db in (9, 10, 11, 12, 13, 14, 15, 1, 2, 3, 4, 5, 6, 7, 8):
        candidate = _with_db(url, db)
        if db == ours or candidate == url:
            continue
        try:
            with redis.Redis.from_url(candidate, socket_timeout=5) as r:
                if int(r.dbsize()) == 0:
                    return candidate
        except redis.ResponseError:
            break  # fewer databases (or none to choose): the floor's key prefix keeps it apart
    return url


def _with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return url
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "db"])
    return urlunsplit(parts._replace(path=f"/{db}", query=query))
