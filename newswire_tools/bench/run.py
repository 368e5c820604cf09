"""The `newswire bench` command: the corpus, the runs (each with a Redis server of its own), the report."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from newswire.redisio import redact
from newswire.text import one_line
from newswire_tools.bench.enrichers import enricher_ms
from newswire_tools.bench.latency import measure_latency
from newswire_tools.bench.measure import measure_alone, measure_newswire
from newswire_tools.bench.measure_floor import SHIPPED_FLOOR, measure_floor, measure_floor_alone
from newswire_tools.bench.plot import PlotData, Timeline, write_plot
from newswire_tools.bench.report import build_report, run_summary, table, write_json
from newswire_tools.bench.wait import BenchError
from newswire_tools.corpus import write_corpus
from newswire_tools.server import ServerFactory
from services.ingest.intake import MAX_AWAITING

SHARED_FLOOR = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "floor.py"
SCALE_OUT = (2, 2)  # store and enrich processes of the scale-out run


@dataclass(frozen=True)
class Plan:
    """What each run measures, from the command line."""

    floor: Path | None
    floor_note: str
    check_floor: Path | None  # another floor script measured in the same runs, to check the floor against
    check_note: str
    scale_out: tuple[int, int] | None
    latency: tuple[float, float] | None
    plot: Path | None


def run_bench(args: argparse.Namespace, *, embedded: ServerFactory) -> int:
    n, runs = int(args.articles), int(args.runs)
    if n < 1 or runs < 1:
        print("newswire bench: error: -n and --runs must be at least 1", file=sys.stderr)
        return 2
    plan = make_plan(args)
    if os.environ.get("NEWSWIRE_BENCH_ENRICH_PROCS"):
        _say("NEWSWIRE_BENCH_ENRICH_PROCS is not read any more: the scale-out run (2 store + 2 enrich) replaces it")
    work = Path(tempfile.mkdtemp(prefix="newswire-bench-"))
    keep = False
    try:
        _say(f"writing {n} articles into {work / 'corpus'}")
        corpus = write_corpus(work / "corpus", n)
        results, series = [], []
        for k in range(1, runs + 1):
            result = _one_run(work / f"run-{k}", corpus, plan, embedded, k)
            series.append(take_series(result))
            results.append(result)
            _say(f"run {k}/{runs}: " + run_summary(results[-1]))
        report = build_report(
            n,
            results,
            plan.floor,
            plan.floor_note,
            check_floor=plan.check_floor,
            check_note=plan.check_note,
            check_label=f"{_floor_label(plan.floor)} / {_floor_label(plan.check_floor)}",
        )
        report["enricher_ms"] = enricher_ms(corpus)
        report["plot"], report["plot_note"] = _plot(plan.plot, n, series, results[-1])
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


def make_plan(args: argparse.Namespace) -> Plan:
    """The options, each with its default when the parser does not define it."""
    floor, floor_note = _floor_path(getattr(args, "floor", None))
    check, check_note = _check_floor_path(getattr(args, "check_floor", None), floor)
    return Plan(
        floor=floor,
        floor_note=floor_note,
        check_floor=check,
        check_note=check_note,
        scale_out=SCALE_OUT if getattr(args, "scale_out", True) else None,
        latency=_latency(args),
        plot=plot_path(getattr(args, "plot", None), getattr(args, "json_out", None)),
    )


def _floor_path(arg: str | None) -> tuple[Path | None, str]:
    """The shipped floor unless --floor names another script; --floor '' skips it."""
    if arg == "":
        return None, "floor skipped (--floor '')"
    if arg is None:
        return SHIPPED_FLOOR, ""
    path = Path(arg)
    if not path.is_file():
        raise SystemExit(f"newswire bench: error: --floor: no such file {arg}")
    return path.resolve(), ""


def _check_floor_path(arg: str | None, floor: Path | None) -> tuple[Path | None, str]:
    """--check-floor PATH, else ../shared/bench/floor.py when it exists; '' turns it off."""
    if floor is None:
        return None, "no floor to check"
    if arg == "":
        return None, "floor check skipped (--check-floor '')"
    if arg is None:
        if not SHARED_FLOOR.is_file():
            return None, f"floor check skipped: no {SHARED_FLOOR} (give another floor with --check-floor)"
        path = SHARED_FLOOR
    else:
        path = Path(arg)
        if not path.is_file():
            raise SystemExit(f"newswire bench: error: --check-floor: no such file {arg}")
    if path.resolve() == floor:
        return None, f"floor check skipped: {path} is the floor measured"
    return path.resolve(), ""


def plot_path(arg: str | None, json_out: str | None) -> Path | None:
    """--plot FILE; by default bench.png in the current folder, or next to --json (same name, .png)."""
    if arg == "":
        return None
    if arg:
        return Path(arg)
    if json_out:
        out = Path(json_out)
        return out.with_suffix(".png") if out.suffix != ".png" else out.with_name(out.name + ".png")
    return Path("bench.png")


def _floor_label(path: Path | None) -> str:
    if path == SHIPPED_FLOOR:
        return "shipped floor"
    if path is not None and SHARED_FLOOR.is_file() and path == SHARED_FLOOR.resolve():
        return "shared floor"
    return path.name if path else "-"


def _say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def _latency(args: argparse.Namespace) -> tuple[float, float] | None:
    """(files a second, seconds) of the steady-rate latency measurement, or None when it is off."""
    rate, seconds = float(getattr(args, "latency_rate", 50.0)), float(getattr(args, "latency_seconds", 60.0))
    if rate <= 0 or seconds <= 0:
        return None
    return rate, seconds


def _one_run(folder: Path, corpus: list[Path], plan: Plan, embedded: ServerFactory, k: int = 1) -> dict[str, Any]:
    folder.mkdir(parents=True)
    with _redis_server(folder, embedded) as (url, floor_url):
        result: dict[str, Any] = {
            "redis": redact(url),
            "redis_kind": "external" if os.environ.get("NEWSWIRE_REDIS_URL") else "embedded",
            "newswire": measure_newswire(folder / "nw", corpus, url),
        }
        if plan.scale_out:
            stores, enrichers = plan.scale_out
            result["newswire_scale_out"] = measure_newswire(
                folder / "nw-scale-out", corpus, url, store_procs=stores, enrich_procs=enrichers
            )
        # Ingest alone holds at most MAX_AWAITING published files waiting for a store that is not running.
        alone = corpus[:MAX_AWAITING]
        result["alone"] = measure_alone(folder / "nw-alone", alone, url)
        result["alone"]["alone_articles"] = len(alone)
        if plan.latency is not None:
            rate, seconds = plan.latency
            result["latency"] = measure_latency(folder / "latency", corpus, url, rate=rate, seconds=seconds)
        if plan.floor is not None:
            # the floor and the floor it is checked against back to back, the first of them in turn
            order = [("floor", plan.floor), ("check_floor", plan.check_floor)]
            for key, script in order if k % 2 else order[::-1]:
                if script is not None:
                    result[key] = measure_floor(script, folder / key, corpus, floor_url)
                    result[key]["script"] = str(script)
            result["floor"]["redis"] = redact(floor_url)
            result["alone"].update(measure_floor_alone(plan.floor, folder / "floor-alone", alone, floor_url))
    shutil.rmtree(folder, ignore_errors=True)
    return result


def take_series(result: dict[str, Any]) -> dict[str, Any]:
    """The run's per-entry series (keys starting with "_"), taken out of the result: the plot draws
    them, the report and the JSON keep the figures only."""
    out: dict[str, Any] = {}
    for key in ("newswire", "newswire_scale_out", "latency", "floor", "check_floor"):
        part = result.get(key)
        if isinstance(part, dict):
            for name in [k for k in part if k.startswith("_")]:
                out[f"{key}{name}"] = part.pop(name)
    return out


def _plot(
    path: Path | None, n: int, series: list[dict[str, Any]], last_result: dict[str, Any]
) -> tuple[str | None, str]:
    """Draw the last run's series; (the file written or None, a note when none was)."""
    if path is None:
        return None, "plot skipped (--plot '')"
    last = series[-1]
    runs = len(series)
    timelines: list[Timeline | str] = [
        Timeline("newswire pipelined, 1 store + 1 enrich process", last["newswire_timeline"])
    ]
    if "newswire_scale_out_timeline" in last:
        timelines.append(
            Timeline(
                f"newswire pipelined, {SCALE_OUT[0]} store + {SCALE_OUT[1]} enrich processes",
                last["newswire_scale_out_timeline"],
            )
        )
    else:
        timelines.append("scale-out run not measured (--no-scale-out)")
    if last.get("floor_timeline"):
        timelines.append(
            Timeline(
                "floor (redis-py + sqlite3)",
                last["floor_timeline"],
                x_label="seconds since the floor's first raw entry",
                floor=True,
            )
        )
    elif "floor" in last_result:
        timelines.append("the floor's stages over time: only the shipped floor\nkeeps its streams to read them from")
    else:
        timelines.append("floor not measured (--floor '')")
    latency = last_result.get("latency")
    data = PlotData(
        title=f"newswire bench: {n:,} articles" + (f", run {runs} of {runs}" if runs > 1 else ""),
        timelines=timelines,
        latencies_ms=last.get("latency_latencies_ms") or [],
        latency_note=(
            f"{latency['latency_files']:,} files at {latency['latency_rate']:g} files/s"
            if latency
            else "not measured (--latency-seconds 0)"
        ),
    )
    why = write_plot(path, data)
    if why:
        _say(f"plot skipped: {why}")
        return None, f"plot skipped: {why}"
    _say(f"plot written to {path.absolute()}")
    return str(path.absolute()), ""


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
