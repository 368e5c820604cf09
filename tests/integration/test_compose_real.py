"""docker-compose.yml run for real: a Docker engine, Compose v2, the image built from our Dockerfile.

The compose lab (`../shared/compose-lab/lab`, beside this repository) gives a private Docker
engine with Compose v2 and local stand-ins for python:3.11-slim, redis:7 and postgres:16
(nothing is pulled from a registry). The test starts it when it is not running (it needs
root) and stops it afterwards only if it started it. Where the lab is absent the test is
skipped with the reason, except under CI=true, where it fails: CI must run it.

One test, in the order a deployment lives: build; ingest refusing a folder it cannot write
(one line, exit 2); the six containers healthy; the seed through to PostgreSQL and
articles:enriched, and on the live page (service web, on the host's loopback); three store and
two enrich replicas on 200 files; a Redis restart and `kill -9` of replicas while 300 more files
flow; `down` then `up` keeping the data. After each step every file is one row and one enriched
event, and nothing is left pending. The figures (times, files, replicas) are printed as one JSON
line.

It runs a temporary copy of the repository's files (tracked, and untracked ones git does
not ignore), so that nothing local (.venv, data/, var/, .env) reaches Compose or the build.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from newswire_tools.corpus import write_corpus
from tests.support import wait_for

ROOT = Path(__file__).resolve().parents[2]
# Where the lab is: NEWSWIRE_COMPOSE_LAB, else `shared/compose-lab/lab` beside this checkout or beside
# one of its parent folders (CI runs a fresh clone elsewhere), else where these machines keep it.
_LAB_CANDIDATES = [
    *([Path(os.environ["NEWSWIRE_COMPOSE_LAB"])] if os.environ.get("NEWSWIRE_COMPOSE_LAB") else []),
    *(parent / "shared" / "compose-lab" / "lab" for parent in ROOT.parents),
    Path("/work/shared/compose-lab/lab"),
]
LAB = next((c for c in _LAB_CANDIDATES if c.is_file()), _LAB_CANDIDATES[0])
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# The user ingest runs as (NEWSWIRE_UID:NEWSWIRE_GID): the host folder is made theirs.
UID, GID = 1000, 1000
APP_SERVICES = ("ingest", "store", "enrich")
# The services' NEWSWIRE_CLAIM_IDLE_MS: entries a killed replica held are reclaimed after it.
CLAIM_IDLE_S = 30

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must run docker-compose.yml for real: {reason}")
    pytest.skip(reason)


def _lab_env() -> dict[str, str]:
    """DOCKER_HOST and DOCKER_CONFIG of the lab's engine (`lab env` prints them as one export line)."""
    out = subprocess.run([str(LAB), "env"], capture_output=True, text=True, timeout=30, check=True).stdout
    words = out.split()
    assert words and words[0] == "export", f"unexpected `lab env` output: {out!r}"
    return dict(word.split("=", 1) for word in words[1:])


def _engine_answers(env: dict[str, str]) -> bool:
    if shutil.which("docker") is None:
        return False
    proc = subprocess.run(["docker", "info"], env={**os.environ, **env}, capture_output=True, timeout=30, check=False)
    return proc.returncode == 0


@pytest.fixture(scope="module")
def lab() -> Iterator[dict[str, Any]]:
    """The lab's engine: running already (left running), or started here (stopped afterwards)."""
    if not LAB.exists():
        _unavailable(f"the compose lab is not at {LAB}")
    env = _lab_env()
    figures: dict[str, Any] = {"lab_started_here": False, "lab_start_s": 0.0}
    if not _engine_answers(env):
        if os.geteuid() != 0:
            _unavailable("starting the compose lab (dockerd, debootstrap) needs root")
        began = time.monotonic()
        proc = subprocess.run(
            [str(LAB), "start"], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=1800, check=False
        )
        figures.update(lab_started_here=True, lab_start_s=round(time.monotonic() - began, 1))
        if proc.returncode != 0 or not _engine_answers(env):
            subprocess.run([str(LAB), "stop"], capture_output=True, timeout=120, check=False)
            pytest.fail(f"`lab start` failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    elif os.geteuid() != 0:
        _unavailable("the host folder must be chowned to the container user, which needs root")
    try:
        yield {"env": env, "figures": figures}
    finally:
        if figures["lab_started_here"]:
            subprocess.run([str(LAB), "stop"], capture_output=True, timeout=120, check=False)


class Stack:
    """One compose project of a temporary copy of the repository, with its own host folder."""

    def __init__(self, tmp: Path, docker_env: dict[str, str]) -> None:
        self.project = f"nwtest{uuid.uuid4().hex[:8]}"
        self.repo = tmp / "repo"
        self.host_dir = tmp / "host"
        self.host_dir.mkdir()
        os.chown(self.host_dir, UID, GID)
        _copy_repository(self.repo)
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWIRE_", "POSTGRES_", "COMPOSE_"))}
        self.env = {
            **clean,
            **docker_env,
            "NEWSWIRE_HOST_DIR": str(self.host_dir),
            "NEWSWIRE_UID": str(UID),
            "NEWSWIRE_GID": str(GID),
            "NEWSWIRE_WEB_PORT": str(_free_port()),
        }

    @property
    def inbox(self) -> Path:
        return self.host_dir / "inbox"

    def compose(
        self, *args: str, timeout: float = 180, check: bool = True, **env: str
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            ["docker", "compose", "--ansi", "never", "-p", self.project, "--project-directory", str(self.repo), *args],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"docker compose {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stderr}")
        return proc

    def containers(self) -> list[dict[str, Any]]:
        out = self.compose("ps", "--all", "--format", "json").stdout.strip()
        if out.startswith("["):  # Compose before 2.21 prints one array, later ones one object a line
            return list(json.loads(out))
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def wait_healthy(self, count: int, timeout: float = 180) -> float:
        """Seconds until `count` containers are all running and healthy (every service has a healthcheck)."""
        began = time.monotonic()

        def healthy() -> bool:
            containers = self.containers()
            return len(containers) == count and all(c.get("Health") == "healthy" for c in containers)

        try:
            wait_for(healthy, timeout=timeout, interval=1, what=f"{count} healthy containers")
        except AssertionError as exc:
            states = [(c["Name"], c["State"], c.get("Health"), c.get("Status")) for c in self.containers()]
            logs = self.compose("logs", "--no-color", "--tail", "15", check=False).stdout
            raise AssertionError(f"{exc}\n{states}\n{logs}") from None
        return round(time.monotonic() - began, 1)

    def redis(self, *command: str) -> str | None:
        """redis-cli's raw output, or None while Redis does not answer (restarting)."""
        proc = self.compose("exec", "-T", "redis", "redis-cli", *command, check=False, timeout=60)
        if proc.returncode != 0 or proc.stdout.startswith(("ERR", "LOADING", "Could not connect")):
            return None
        return proc.stdout

    def sql(self, query: str) -> str | None:
        proc = self.compose(
            "exec", "-T", "postgres", "psql", "-U", "newswire", "-d", "newswire", "-tAc", query, check=False, timeout=60
        )
        return proc.stdout.strip() if proc.returncode == 0 else None

    def enriched_ids(self) -> list[str] | None:
        """The article_id of every entry on articles:enriched, in order.

        redis-cli prints each element on a line of its own (id, field, value); the value is the
        event as one line of JSON, so the lines that open a JSON object are the events."""
        out = self.redis("XRANGE", "articles:enriched", "-", "+")
        if out is None:
            return None
        return [json.loads(line)["article_id"] for line in out.split("\n") if line.startswith("{")]

    def pending(self, stream: str, group: str) -> int | None:
        out = self.redis("XPENDING", stream, group)
        return int(out.split("\n")[0]) if out and out.split("\n")[0].isdigit() else None

    def pending_by_consumer(self) -> dict[str, int]:
        """Entries each consumer holds unacknowledged, in the groups store and enrich."""
        held: dict[str, int] = {}
        for stream, group in (("articles:raw", "store"), ("articles:stored", "enrich")):
            # XPENDING's summary: count, first and last id, then consumer and count, one a line.
            lines = (self.redis("XPENDING", stream, group) or "").split("\n")[3:]
            for consumer, n in zip(lines[0::2], lines[1::2], strict=False):
                if n.isdigit():
                    held[consumer] = held.get(consumer, 0) + int(n)
        return held

    def row_count(self) -> int | None:
        out = self.sql("SELECT count(*) FROM articles")
        return int(out) if out and out.isdigit() else None

    def settled(self, files: int) -> bool:
        """Every file one row and one enriched event, and nothing pending in either group."""
        return (
            self.row_count() == files
            and self.redis("XLEN", "articles:enriched") == f"{files}\n"
            and self.pending("articles:raw", "store") == 0
            and self.pending("articles:stored", "enrich") == 0
        )

    def check_each_once(self, files: int) -> None:
        ids = self.enriched_ids()
        assert ids is not None
        assert len(ids) == files, f"{len(ids)} enriched events for {files} files"
        assert len(set(ids)) == files, f"duplicated enriched events: {len(ids) - len(set(ids))}"
        rows = self.sql("SELECT article_id FROM articles")
        assert rows is not None
        assert set(rows.split()) == set(ids), "the rows and the enriched events are not the same articles"
        assert self.redis("XLEN", "articles:dead") == "0\n", self.redis("XRANGE", "articles:dead", "-", "+")
        # A file leaves processing/ for done/ once ingest has read the store's receipt for it.
        wait_for(
            lambda: len([p for p in (self.host_dir / "done").rglob("*") if p.is_file()]) == files,
            timeout=60,
            interval=0.5,
            what=f"{files} files in done/",
        )


def _write_slowly(inbox: Path, start: int, total: int, per_second: int) -> None:
    for first in range(start, start + total, per_second):
        write_corpus(inbox, min(per_second, start + total - first), start=first)
        time.sleep(1)


def _copy_repository(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is not part of it
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _page(stack: Stack, path: str) -> Any:
    """The live page's JSON answer at `path`, asked on the host's loopback where compose publishes it."""
    url = f"http://127.0.0.1:{stack.env['NEWSWIRE_WEB_PORT']}{path}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture
def stack(lab: dict[str, Any], tmp_path: Path) -> Iterator[Stack]:
    s = Stack(tmp_path, lab["env"])
    try:
        yield s
    finally:
        s.compose("down", "-v", "--remove-orphans", "--timeout", "10", check=False, timeout=300)


def test_compose_file_runs_for_real(lab: dict[str, Any], stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    figures: dict[str, Any] = dict(lab["figures"], project=stack.project)
    began = time.monotonic()
    with _timed(figures, "build_s"):
        stack.compose("build", timeout=1500)
    _ingest_refuses_a_folder_it_cannot_write(stack)
    with _timed(figures, "healthy_s"):
        stack.compose("up", "-d", timeout=300)
        stack.wait_healthy(6)  # redis, postgres, ingest, store, enrich, web
    assert stack.inbox.is_dir() and stack.inbox.stat().st_uid == UID
    with _timed(figures, "seed_s"):
        files = _seed_through_to_postgres_and_the_stream(stack)
    # the live page, published on the host's loopback, shows the seed from PostgreSQL and the stream
    assert _page(stack, "/healthz")["status"] == "ok"
    assert _page(stack, "/api/count")["enriched"] == files
    assert len(_page(stack, "/api/feed?limit=5")["items"]) == files

    # Three store and two enrich replicas in the two consumer groups: 200 files, each once.
    with _timed(figures, "scaled_healthy_s"):
        stack.compose("up", "-d", "--scale", "store=3", "--scale", "enrich=2", "--no-recreate", timeout=300)
        stack.wait_healthy(9)  # redis, postgres, ingest, 3 store, 2 enrich, web
    with _timed(figures, "scaled_s"):
        write_corpus(stack.inbox, 200, start=0)
        files += 200
        wait_for(lambda: stack.settled(files), timeout=300, interval=1, what=f"{files} files stored and enriched")
    stack.check_each_once(files)

    with _timed(figures, "chaos_s"):
        figures.update(_restart_redis_and_kill_replicas_while_files_flow(stack, files, first=200, count=300))
        files += 300
    stack.check_each_once(files)

    # `down` keeps the volumes: after `up` the rows and streams are there, and nothing is redone.
    with _timed(figures, "down_s"):
        stack.compose("down", "--timeout", "45", timeout=600)
    with _timed(figures, "up_again_healthy_s"):
        stack.compose("up", "-d", timeout=300)
        stack.wait_healthy(6)
    wait_for(lambda: stack.settled(files), timeout=60, interval=1, what="the data kept across down and up")
    stack.check_each_once(files)

    figures.update(
        files=files,
        scaled_files=200,
        chaos_files=300,
        replicas={"store": 3, "enrich": 2},
        rows=stack.row_count(),
        enriched=len(stack.enriched_ids() or []),
        total_s=round(time.monotonic() - began, 1),
    )
    with capsys.disabled():
        print("\ncompose_real " + json.dumps(figures))


@contextmanager
def _timed(figures: dict[str, Any], key: str) -> Iterator[None]:
    began = time.monotonic()
    yield
    figures[key] = round(time.monotonic() - began, 1)


def _ingest_refuses_a_folder_it_cannot_write(stack: Stack) -> None:
    """One line that says who runs and whose the folder is, exit 2, no traceback."""
    denied = stack.host_dir.parent / "root-owned"
    denied.mkdir()
    refused = stack.compose("run", "--rm", "--no-deps", "-T", "ingest", check=False, NEWSWIRE_HOST_DIR=str(denied))
    assert refused.returncode == 2, refused.stderr
    said = [line for line in refused.stderr.splitlines() if line.startswith("newswire:")]
    assert said == [
        "newswire: error: NEWSWIRE_INBOX: cannot create /srv/newswire/inbox: Permission denied "
        f"(newswire runs as uid {UID} gid {GID}; /srv/newswire is owned by uid 0 gid 0, mode 755)"
    ], refused.stderr
    assert "Traceback" not in refused.stderr


def _seed_through_to_postgres_and_the_stream(stack: Stack) -> int:
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    for seed in seeds:
        tmp = stack.inbox / f".{seed.name}.tmp"
        shutil.copyfile(seed, tmp)
        tmp.rename(stack.inbox / seed.name)
    wait_for(lambda: stack.settled(len(seeds)), timeout=120, interval=1, what="the seed stored and enriched")
    latest = stack.redis("XREVRANGE", "articles:enriched", "+", "-", "COUNT", str(len(seeds)))
    assert latest is not None
    events = [json.loads(line) for line in latest.split("\n") if line.startswith("{")]
    [event] = [e for e in events if e["source_name"] == "000_d7b03ab2b022693d.txt"]
    assert event["event"] == "article.enriched"
    assert event["story_code"] == "924469"
    assert stack.sql(f"SELECT story_code FROM articles WHERE article_id = '{event['article_id']}'") == "924469"
    stack.check_each_once(len(seeds))
    return len(seeds)


def _restart_redis_and_kill_replicas_while_files_flow(
    stack: Stack, files: int, first: int, count: int
) -> dict[str, Any]:
    """`docker compose restart redis` while files arrive 20 a second, then kill -9 of store-2 and
    enrich-1 while a burst of files is worked through (so both hold entries when they die)."""
    victims = [f"{stack.project}-store-2", f"{stack.project}-enrich-1"]
    names = {c["Name"] for c in stack.containers()}
    assert set(victims) <= names, names
    trickle = 100
    writer = threading.Thread(target=_write_slowly, args=(stack.inbox, first, trickle, 20))
    writer.start()
    try:
        wait_for(lambda: (stack.row_count() or 0) >= files + 40, timeout=60, interval=0.5, what="files flowing")
        stack.compose("restart", "redis", timeout=120)
    finally:
        writer.join(timeout=120)
    assert not writer.is_alive()

    # A burst: both groups have a backlog, so the replicas are in the middle of batches. The kills
    # come as soon as the store has begun on it; what the victims held stays pending under their
    # names until it is reclaimed, so XPENDING just after the kills tells what they held.
    before = stack.row_count() or 0
    write_corpus(stack.inbox, count - trickle, start=first + trickle)
    wait_for(lambda: (stack.row_count() or 0) > before, timeout=120, interval=0.1, what="the burst flowing")
    for victim in victims:
        subprocess.run(
            ["docker", "kill", "-s", "KILL", victim], env=stack.env, capture_output=True, timeout=60, check=True
        )
    enriched_at_kill = int(stack.redis("XLEN", "articles:enriched") or 0)
    hosts = tuple(_hostname(stack, victim) for victim in victims)
    held_by_killed = sum(n for consumer, n in stack.pending_by_consumer().items() if consumer.startswith(hosts))
    assert enriched_at_kill < files + count, "every file was enriched before the kills: nothing was in flight"
    assert held_by_killed > 0, "the killed replicas held no entries: nothing for the others to reclaim"
    # Entries the killed replicas held are reclaimed by the others once idle CLAIM_IDLE_S.
    wait_for(
        lambda: stack.settled(files + count),
        timeout=CLAIM_IDLE_S + 300,
        interval=1,
        what=f"{files + count} files after the chaos",
    )
    return {"killed": victims, "enriched_at_kill": enriched_at_kill, "pending_held_by_killed": held_by_killed}


def _hostname(stack: Stack, container: str) -> str:
    """A consumer is named after its container's hostname (then its process id)."""
    proc = subprocess.run(
        ["docker", "inspect", "-f", "{{.Config.Hostname}}", container],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout.strip()
