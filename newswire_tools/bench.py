"""`newswire bench`: the end-to-end benchmark, measured against the plain-Python floor in the same run.

Each run, in a temporary folder:

1. a private Redis: NEWSWIRE_REDIS_URL when set (with a stream prefix of the run's own, whose keys are
   deleted afterwards), else an embedded server on a temporary data folder; and a fresh SQLite file.
   The bench always uses SQLite (NEWSWIRE_DATABASE_URL is ignored): the floor uses SQLite too, so the
   ratio compares like with like. Other NEWSWIRE_* settings (e.g. NEWSWIRE_BATCH_SIZE) reach the services.
2. `newswire ingest`, `newswire store` and `newswire enrich` as separate processes, as deployed, with
   NEWSWIRE_SETTLE_S=0 (the files arrive by rename). Ready means: each process's heartbeat file exists,
   both consumer groups have their consumer, and one probe article went all the way to articles:enriched
   (which proves the watcher is watching and warms every stage up).
3. N synthetic articles (newswire_tools.corpus, generated once, hard-linked per run) are read once (so each
   measurement starts with them in the page cache, as freshly dropped files are) and renamed into the inbox.
   Each stage's rate is read off its output stream: entries between its first and its last entry id
   (Redis stamps ids with its clock in ms), so every stage reports its own rate. A stage cannot outrun
   the stage before it, so a rate close to the upstream one means "at least this fast". "done after" is
   the time from the first rename to the stream's N-th entry; end-to-end is N / that time for enriched.
4. Peak RSS (VmHWM) of each service, then SIGTERM.
5. Each stage alone, on fresh streams and a fresh database: `newswire ingest` with nothing downstream
   until articles:raw holds the N articles, then `newswire store` on that full stream (enrich is not
   run: it is the slowest stage, so its pipelined figure is already its own). In the pipelined run a
   stage is bounded by the one before it and shares the CPU with all of them; alone, the figure is
   the stage's own throughput.
6. The floor (bench/floor.py: the same three stages with nothing but redis-py and sqlite3) on a copy of
   the same articles, on a Redis database number nothing else uses; then its watcher alone and its
   store stage alone (newswire_tools.bench_floor). Ratios are newswire / floor within the run, against the
   floor's end-to-end figure (what floor.py reports) and, for the stages alone, against the same floor
   stage alone too; the table shows the median of each figure over the runs.

`--floor ""` skips the floor. NEWSWIRE_BENCH_ENRICH_PROCS=2 also measures newswire with two enrich
processes (a second line). NEWSWIRE_BENCH_FLOOR_REDIS_URL chooses the floor's Redis database.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from newswire.contracts import Streams
from newswire.redisio import redact
from newswire.text import one_line
from newswire_tools.corpus import article, write_corpus
from newswire_tools.server import ServerFactory

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FLOOR = ROOT.parent / "shared" / "bench" / "floor.py"
FLOOR_LINE = re.compile(r"floor: (\d+) articles in ([\d.]+) s = ([\d.]+) articles/s")
STAGES = ("ingest", "store", "enrich", "end_to_end")
ALONE = ("ingest", "store")  # stages also measured alone (enrich is the slowest: the pipelined figure is its own)
READY_TIMEOUT_S = 60.0
STALL_TIMEOUT_S = 60.0
PROBE_NUMBER = 99_000_000  # story code far from the corpus's, so the probe is never a duplicate
T = TypeVar("T")


class BenchError(Exception):
    """The benchmark could not measure; the message says what went wrong."""


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
            results.append(_one_run(work / f"run-{k}", corpus, floor, enrich_variant, embedded))
            _say(f"run {k}/{runs}: " + _run_summary(results[-1]))
        report = _report(n, results, floor, floor_note, enrich_variant)
        report["enricher_ms"] = _enricher_ms(corpus)
        print(_table(report))
        if args.json_out:
            _write_json(Path(args.json_out), report)
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


# -- one run ------------------------------------------------------------------------------------


def _one_run(
    folder: Path, corpus: list[Path], floor: Path | None, enrich_variant: int, embedded: ServerFactory
) -> dict[str, Any]:
    folder.mkdir(parents=True)
    with _redis_server(folder, embedded) as (url, floor_url):
        result: dict[str, Any] = {
            "redis": redact(url),
            "redis_kind": "external" if os.environ.get("NEWSWIRE_REDIS_URL") else "embedded",
            "newswire": _measure_newswire(folder / "nw", corpus, url),
        }
        if enrich_variant:
            result["newswire_enrich_procs"] = _measure_newswire(
                folder / f"nw-enrich{enrich_variant}", corpus, url, enrich_procs=enrich_variant
            )
        result["alone"] = _measure_alone(folder / "nw-alone", corpus, url)
        if floor is not None:
            result["floor"] = _measure_floor(floor, folder / "floor", corpus, floor_url)
            result["floor"]["redis"] = redact(floor_url)
            result["alone"].update(_measure_floor_alone(floor, folder / "floor-alone", corpus, floor_url))
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


# -- newswire -----------------------------------------------------------------------------------


def _newswire_command() -> list[str]:
    script = Path(sys.executable).parent / "newswire"
    return [str(script)] if script.exists() else [sys.executable, "-m", "newswire_cli"]


@dataclass
class Services:
    """The service processes of one measurement, each with its log file and heartbeat file."""

    folder: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: str) -> None:
        env = {
            **self.env,
            "NEWSWIRE_HEARTBEAT_FILE": str(self.heartbeat(name)),
            "NEWSWIRE_CONSUMER_NAME": f"bench-{name}",
        }
        with open(self.folder / f"{name}.log", "ab") as log:
            # A session of its own: Ctrl-C reaches the bench, which then stops each service once.
            self.procs[name] = subprocess.Popen(
                [*_newswire_command(), command],
                env=env,
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def heartbeat(self, name: str) -> Path:
        return self.folder / "heartbeat" / f"{name}.alive"

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            rc = proc.poll()
            if rc is not None:
                tail = (self.folder / f"{name}.log").read_text(errors="replace")[-1500:]
                raise BenchError(f"`newswire {name.split('-')[0]}` exited with status {rc}:\n{tail}")

    def peak_rss_mib(self) -> dict[str, float]:
        return {name: _vm_hwm_mib(proc.pid) for name, proc in self.procs.items()}

    def stop(self) -> dict[str, int | None]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
                codes[name] = None
        return codes


def _vm_hwm_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _measure_newswire(folder: Path, corpus: list[Path], redis_url: str, *, enrich_procs: int = 1) -> dict[str, Any]:
    """Start the services, drop the corpus, and read each stage's figures off its stream."""
    prefix = f"bench{uuid.uuid4().hex[:10]}:"
    streams = Streams.with_prefix(prefix)
    inbox, staging = folder / "inbox", folder / "staging"
    staged = _copy_all(corpus, staging)
    inbox.mkdir(parents=True)
    env = _service_env(folder, redis_url, prefix)
    services = Services(folder, env)
    r: Any = redis.Redis.from_url(redis_url)  # Any: redis-py types replies as wide unions
    codes: dict[str, int | None] = {}
    try:
        started = time.perf_counter()
        services.start("ingest", "ingest")
        services.start("store", "store")
        for i in range(1, enrich_procs + 1):
            services.start(f"enrich-{i}", "enrich")
        _wait_ready(r, services, streams, enrich_procs)
        ready_s = time.perf_counter() - started
        probe_ids = _probe(r, services, streams, inbox)
        probe_s = time.perf_counter() - started - ready_s
        _warm(staged)
        t0_ms = _server_ms(r)
        dropped = time.perf_counter()
        for path in staged:
            os.rename(path, inbox / path.name)
        drop_s = time.perf_counter() - dropped
        _wait_complete(r, services, streams, len(corpus) + 1)
        figures = _stage_figures(r, streams, probe_ids, t0_ms)
        rss = services.peak_rss_mib()
    finally:
        codes = services.stop()
        _delete_prefix(r, prefix)
        r.close()
    bad = {name: rc for name, rc in codes.items() if rc != 0}
    return {
        "articles": len(corpus),
        "enrich_procs": enrich_procs,
        "stream_prefix": prefix,
        **figures,
        "ready_s": round(ready_s, 2),
        "probe_s": round(probe_s, 2),
        "drop_s": round(drop_s, 3),
        "rss_ingest_mib": rss["ingest"],
        "rss_store_mib": rss["store"],
        "rss_enrich_mib": max(v for k, v in rss.items() if k.startswith("enrich")),
        "rss_mib": rss,
        "exit_codes": codes,
        "warnings": [f"{name} exited with {rc} after SIGTERM" for name, rc in bad.items()],
    }


def _measure_alone(folder: Path, corpus: list[Path], redis_url: str) -> dict[str, Any]:
    """Each stage's own throughput, with its input already waiting and nothing downstream running:
    ingest on the whole corpus (no store yet), then store on the full raw stream (no enrich)."""
    prefix = f"bench{uuid.uuid4().hex[:10]}:"
    streams = Streams.with_prefix(prefix)
    inbox, staging = folder / "inbox", folder / "staging"
    staged = _copy_all(corpus, staging)
    inbox.mkdir(parents=True)
    services = Services(folder, _service_env(folder, redis_url, prefix))
    r: Any = redis.Redis.from_url(redis_url)
    n = len(corpus)
    try:
        services.start("ingest", "ingest")
        _wait(lambda: _alive_and(services, services.heartbeat("ingest").exists), timeout=READY_TIMEOUT_S, what="ingest")
        _warm(staged)
        for path in staged:
            os.rename(path, inbox / path.name)
        _wait_count(r, services, streams, streams.raw, n)
        services.start("store", "store")
        _wait_count(r, services, streams, streams.stored, n)
        figures = {
            "stream_prefix": prefix,
            "ingest_alone_aps": _stream_rate(r, streams.raw),
            "store_alone_aps": _stream_rate(r, streams.stored),
        }
    finally:
        services.stop()
        _delete_prefix(r, prefix)
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


def _stream_rate(r: Any, stream: str, after: str | None = None) -> float:
    """Entries per second between the stream's first entry (after `after`) and its last."""
    first = r.xrange(stream, min=f"({after}" if after else "-", count=1)
    last = r.xrevrange(stream, count=1)
    count = int(r.xlen(stream)) - (1 if after else 0)
    span_ms = _id_ms(last[0][0]) - _id_ms(first[0][0])
    # (count - 1) intervals between first and last
    return round((count - 1) * 1000 / span_ms, 1) if count > 1 and span_ms > 0 else 0.0


def _service_env(folder: Path, redis_url: str, prefix: str) -> dict[str, str]:
    data = folder / "data"
    return {
        **os.environ,
        "NEWSWIRE_INBOX": str(folder / "inbox"),
        "NEWSWIRE_DATA_DIR": str(data),
        "NEWSWIRE_PROCESSING_DIR": str(data / "processing"),
        "NEWSWIRE_DONE_DIR": str(data / "done"),
        "NEWSWIRE_ERROR_DIR": str(data / "error"),
        "NEWSWIRE_REDIS_URL": redis_url,
        "NEWSWIRE_DATABASE_URL": f"sqlite:///{data / 'newswire.db'}",
        "NEWSWIRE_STREAM_PREFIX": prefix,
        "NEWSWIRE_SETTLE_S": "0",
        "NEWSWIRE_LOG_LEVEL": "warning",
        "NEWSWIRE_LOG_FORMAT": "json",
    }


def _warm(paths: list[Path]) -> None:
    """Read every file once, right before a measurement: each one starts with the articles in the
    page cache, as freshly dropped files are (a memory manager may drop idle file pages meanwhile)."""
    for path in paths:
        path.read_bytes()


def _copy_all(corpus: list[Path], folder: Path) -> list[Path]:
    """Copies of the corpus files in folder (not hard links: newswire reads only files with one
    link, since a second name may be a file from elsewhere)."""
    folder.mkdir(parents=True)
    out = []
    for src in corpus:
        dest = folder / src.name
        shutil.copyfile(src, dest)
        out.append(dest)
    return out


def _wait(condition: Callable[[], T], *, timeout: float, what: str, interval: float = 0.02) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _wait_ready(r: Any, services: Services, streams: Streams, enrich_procs: int) -> None:
    enrichers = {f"bench-enrich-{i}" for i in range(1, enrich_procs + 1)}

    def ready() -> bool:
        services.check_alive()
        return (
            all(services.heartbeat(name).exists() for name in services.procs)
            and _consumers(r, streams.raw, "store") >= {"bench-store"}
            and _consumers(r, streams.stored, "enrich") >= enrichers
        )

    _wait(ready, timeout=READY_TIMEOUT_S, what="the services (heartbeats and consumer groups)")


def _consumers(r: Any, stream: str, group: str) -> set[str]:
    try:
        return {c["name"].decode() for c in r.xinfo_consumers(stream, group)}
    except redis.ResponseError:  # no stream or no group yet
        return set()


def _probe(r: Any, services: Services, streams: Streams, inbox: Path) -> dict[str, str]:
    """One article through all three stages; the entry ids it left on each stream."""
    import random

    tmp = inbox / ".bench-probe.tmp"
    tmp.write_text(article(random.Random(PROBE_NUMBER), PROBE_NUMBER), encoding="utf-8")
    os.rename(tmp, inbox / "bench-probe.txt")

    def through() -> bool:
        services.check_alive()
        _no_dead(r, streams)
        return int(r.xlen(streams.enriched)) >= 1

    _wait(through, timeout=READY_TIMEOUT_S, what="the probe article to reach articles:enriched")
    return {s: r.xrevrange(s, count=1)[0][0].decode() for s in (streams.raw, streams.stored, streams.enriched)}


def _no_dead(r: Any, streams: Streams) -> None:
    first = r.xrange(streams.dead, count=1)
    if first:
        raise BenchError(f"an entry went to {streams.dead}: {first[0][1].get(b'__data__', b'')[:500]!r}")


def _server_ms(r: Any) -> float:
    seconds, micros = r.time()
    return float(seconds) * 1000 + float(micros) / 1000


def _wait_complete(r: Any, services: Services, streams: Streams, target: int) -> None:
    """Until articles:enriched holds target entries; fail on a dead letter, a dead service or a stall."""
    last: tuple[int, ...] = ()
    changed = time.monotonic()
    while True:
        services.check_alive()
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


def _stage_figures(r: Any, streams: Streams, probe_ids: dict[str, str], t0_ms: float) -> dict[str, Any]:
    out: dict[str, Any] = {"counts": {}}
    for stage, stream in (("ingest", streams.raw), ("store", streams.stored), ("enrich", streams.enriched)):
        after = probe_ids[stream]
        first = r.xrange(stream, min=f"({after}", count=1)
        last = r.xrevrange(stream, count=1)
        count = int(r.xlen(stream)) - 1
        first_ms, last_ms = _id_ms(first[0][0]), _id_ms(last[0][0])
        done_ms = max(last_ms - t0_ms, 1.0)
        span_ms = last_ms - first_ms
        # (count - 1) intervals between first and last; with no span to measure, fall back to time from the drop.
        rate = (count - 1) * 1000 / span_ms if count > 1 and span_ms > 0 else count * 1000 / done_ms
        out[f"{stage}_aps"] = round(rate, 1)
        out[f"{stage}_done_s"] = round(done_ms / 1000, 3)
        out["counts"][stage] = count
    out["counts"]["dead"] = int(r.xlen(streams.dead))
    out["end_to_end_aps"] = round(out["counts"]["enrich"] / out["enrich_done_s"], 1)
    out["end_to_end_done_s"] = out["enrich_done_s"]
    return out


def _id_ms(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def _delete_prefix(r: Any, prefix: str) -> None:
    with suppress(redis.RedisError):
        keys = list(r.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            r.delete(*keys)


# -- the floor ----------------------------------------------------------------------------------


def _measure_floor(floor: Path, folder: Path, corpus: list[Path], url: str) -> dict[str, Any]:
    inbox = folder / "inbox"
    _warm(_copy_all(corpus, inbox))
    timeout = 60 + len(corpus) / 200
    proc = subprocess.Popen(
        [sys.executable, str(floor), url, str(inbox), str(folder / "floor.db")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_session(proc.pid)
        proc.communicate()
        raise BenchError(f"the floor did not finish within {timeout:.0f} s") from None
    except BaseException:  # e.g. Ctrl-C: its own session does not get the SIGINT, so stop it here
        _kill_session(proc.pid)
        proc.wait()
        raise
    finally:
        with redis.Redis.from_url(url) as r:
            _delete_prefix(r, f"floor{proc.pid}:")
    m = FLOOR_LINE.search(out)
    if proc.returncode != 0 or not m:
        _kill_session(proc.pid)  # its stages are daemons of a process that failed: make sure they are gone
        raise BenchError(f"the floor failed (status {proc.returncode}):\n{out[-1500:]}")
    return {
        "articles": int(m[1]),
        "seconds": float(m[2]),
        "floor_aps": float(m[3]),
        "line": m[0],
        "key_prefix": f"floor{proc.pid}:",
    }


def _measure_floor_alone(floor: Path, folder: Path, corpus: list[Path], url: str) -> dict[str, Any]:
    """The floor's watcher alone, then its store stage alone (newswire_tools.bench_floor)."""
    inbox = folder / "inbox"
    _warm(_copy_all(corpus, inbox))
    proc = subprocess.run(
        [sys.executable, "-m", "newswire_tools.bench_floor", str(floor), url, str(inbox), str(folder / "floor.db")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60 + len(corpus) / 100,
        check=False,
    )
    if proc.returncode == 3:
        return {}  # another floor script, without the stage functions: only its end-to-end figure
    if proc.returncode != 0:
        raise BenchError(f"the floor's stages alone failed (status {proc.returncode}):\n{proc.stderr[-1500:]}")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    return {f"floor_{k}": v for k, v in figures.items()}


def _kill_session(pid: int) -> None:
    """Every process of the session the floor was started in (it and its stage processes)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# -- report -------------------------------------------------------------------------------------


def _run_summary(result: dict[str, Any]) -> str:
    nw = result["newswire"]
    text = ", ".join(f"{s} {nw[f'{s}_aps']:,.0f}/s" for s in STAGES)
    if "floor" in result:
        text += f"; floor {result['floor']['floor_aps']:,.0f}/s"
    return text


def _ratios(nw: dict[str, Any], floor: dict[str, Any] | None) -> dict[str, float]:
    if floor is None:
        return {}
    return {f"ratio_{s}": round(nw[f"{s}_aps"] / floor["floor_aps"], 3) for s in STAGES}


def _alone_ratios(alone: dict[str, Any], floor: dict[str, Any] | None) -> dict[str, float]:
    """Each stage alone against the floor's end-to-end figure, and against the same floor stage alone."""
    if floor is None:
        return {}
    out = {f"ratio_{s}_alone": round(alone[f"{s}_alone_aps"] / floor["floor_aps"], 3) for s in ALONE}
    for s in ALONE:
        if alone.get(f"floor_{s}_alone_aps"):
            out[f"ratio_{s}_alone_to_floor_{s}_alone"] = round(
                alone[f"{s}_alone_aps"] / alone[f"floor_{s}_alone_aps"], 3
            )
    return out


def _median(rows: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k, v in rows[0].items() if isinstance(v, int | float) and not isinstance(v, bool)]
    return {k: round(statistics.median(row[k] for row in rows), 3) for k in keys if all(k in row for row in rows)}


def _report(
    n: int, results: list[dict[str, Any]], floor: Path | None, floor_note: str, enrich_variant: int
) -> dict[str, Any]:
    for res in results:
        res["ratios"] = _ratios(res["newswire"], res.get("floor"))
        res["ratios_alone"] = _alone_ratios(res["alone"], res.get("floor"))
        if enrich_variant:
            res["ratios_enrich_procs"] = _ratios(res["newswire_enrich_procs"], res.get("floor"))
    report: dict[str, Any] = {
        "articles": n,
        "runs": len(results),
        "redis": results[0]["redis"],
        "redis_kind": results[0]["redis_kind"],
        "database": "sqlite (a fresh file per run)",
        "floor": str(floor) if floor else None,
        "floor_note": floor_note,
        "enrich_procs": 1,
        "median": {
            **_median([r["newswire"] for r in results]),
            **(_median([r["floor"] for r in results]) if floor else {}),
            **(_median([r["ratios"] for r in results]) if floor else {}),
            **_median([r["alone"] for r in results]),
            **(_median([r["ratios_alone"] for r in results]) if floor else {}),
        },
        "per_run": results,
        "warnings": [
            w
            for r in results
            for key in ("newswire", "newswire_enrich_procs")
            for w in r.get(key, {}).get("warnings", [])
        ],
    }
    if enrich_variant:
        report["enrich_procs_variant"] = {
            "enrich_procs": enrich_variant,
            "median": {
                **_median([r["newswire_enrich_procs"] for r in results]),
                **(_median([r["ratios_enrich_procs"] for r in results]) if floor else {}),
            },
        }
    return report


def _table(report: dict[str, Any]) -> str:
    m = report["median"]
    runs = report["runs"]
    floor_where = report["per_run"][0].get("floor", {}).get("redis", "")
    if report["redis_kind"] == "embedded":
        floor_where = "the run's embedded server, database 1"
    lines = [
        f"newswire bench: {report['articles']:,} articles, {runs} run{'s' if runs > 1 else ''}, median of each figure",
        f"  redis     {report['redis']} (a stream prefix per run, its keys deleted after)"
        if report["redis_kind"] == "external"
        else "  redis     embedded Valkey, one per run (NEWSWIRE_REDIS_URL is unset)",
        f"  database  {report['database']}",
        "  services  newswire ingest | store | enrich, one process each, NEWSWIRE_SETTLE_S=0",
        f"  floor     {report['floor']} on {floor_where}" if report["floor"] else f"  floor     {report['floor_note']}",
        "",
        f"  {'stage':<28}{'articles/s':>12}{'done after':>13}",
    ]
    labels = {"ingest": "ingest", "store": "store", "enrich": "enrich (1 process)", "end_to_end": "end-to-end"}
    for s in STAGES:
        lines.append(f"  {labels[s]:<28}{m[f'{s}_aps']:>12,.0f}{m[f'{s}_done_s']:>11.2f} s")
    variant = report.get("enrich_procs_variant")
    if variant:
        vm, k = variant["median"], variant["enrich_procs"]
        lines.append(f"  {f'enrich ({k} processes)':<28}{vm['enrich_aps']:>12,.0f}{vm['enrich_done_s']:>11.2f} s")
        lines.append(
            f"  {f'end-to-end ({k} enrich)':<28}{vm['end_to_end_aps']:>12,.0f}{vm['end_to_end_done_s']:>11.2f} s"
        )
    if report["floor"]:
        lines.append(f"  {'floor (redis-py + sqlite3)':<28}{m['floor_aps']:>12,.0f}{m['seconds']:>11.2f} s")
        lines += ["", "  ratio newswire / floor (same run, median over runs)"]
        for s in STAGES:
            lines.append(f"  ratio {labels[s] + ' / floor':<33}{m[f'ratio_{s}']:>7.3f}")
        if variant:
            vm, k = variant["median"], variant["enrich_procs"]
            lines.append(f"  ratio {f'enrich ({k} processes) / floor':<33}{vm['ratio_enrich']:>7.3f}")
            lines.append(f"  ratio {f'end-to-end ({k} enrich) / floor':<33}{vm['ratio_end_to_end']:>7.3f}")
    lines += ["", "  each stage alone (its input already waiting, nothing downstream running)"]
    lines.append(f"  {'stage':<28}{'articles/s':>12}{'/ floor':>9}{'/ floor stage alone':>21}")
    for s in ALONE:
        floor_stage = m.get(f"floor_{s}_alone_aps")
        lines.append(
            f"  {s + ' alone':<28}{m[f'{s}_alone_aps']:>12,.0f}"
            + (f"{m[f'ratio_{s}_alone']:>9.3f}" if report["floor"] else "")
            + (
                f"{m[f'ratio_{s}_alone_to_floor_{s}_alone']:>9.3f} (floor {floor_stage:,.0f}/s)"
                if floor_stage and f"ratio_{s}_alone_to_floor_{s}_alone" in m
                else ""
            )
        )
    lines += [
        "",
        f"  peak RSS  ingest {m['rss_ingest_mib']:.0f} MiB, store {m['rss_store_mib']:.0f} MiB, "
        f"enrich {m['rss_enrich_mib']:.0f} MiB",
        "  stage rate: entries/s on the stage's output stream, first to last entry (bounded by the stage before)",
    ]
    timings = report.get("enricher_ms") or {}
    if timings:
        ordered = sorted(timings.items(), key=lambda kv: -kv[1])
        lines.append(
            f"  enrichers (ms per article, in-process, {min(500, report['articles'])} articles, total "
            f"{sum(timings.values()):.2f}): " + ", ".join(f"{k} {v:.2f}" for k, v in ordered)
        )
    lines += [f"  warning: {w}" for w in report["warnings"]]
    return "\n".join(lines)


def _enricher_ms(corpus: list[Path], sample: int = 500) -> dict[str, float]:
    """Mean milliseconds per article of each enricher, measured in this process on the run's articles."""
    from services.enrich import registry
    from services.enrich.enrichers import enrich, warm_up
    from services.store.parser import Rejection, parse

    warm_up()
    registry.reset_timings()
    for path in corpus[:sample]:
        article = parse(path.read_text(encoding="utf-8"))
        if not isinstance(article, Rejection):
            enrich(article.headline, article.body, article.published_iso)
    return registry.timings()


def _write_json(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
