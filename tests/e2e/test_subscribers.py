"""What a subscriber does, as the README tells it: `eval "$(newswire env)"` beside a running
`newswire up`, then one of the examples in examples/. Also: the embedded server keeps its port
across restarts, so the URL a subscriber was given stays right.

Every `newswire up` here runs as a user runs it, in a folder of its own with NEWSWIRE_REDIS_URL
unset (so it starts the embedded server), on a port of the test's own choosing
(NEWSWIRE_EMBEDDED_PORT) so that tests running at the same time do not meet.

The examples' test runs all of them at once against one pipeline: they start, the stream stays
quiet for NEWSWIRE_TEST_QUIET_S seconds (65: the redis-py subscriber must keep running through a
minute of quiet), then the seed is dropped and each must print its enriched event's headline and
exit (they are given a count of 1).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from tests.support import NEWSWIRE, SEED, wait_for

pytestmark = pytest.mark.timeout(600)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SEED_HEADLINE = "Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman"
STARTED = "Ctrl-C stops cleanly."
QUIET_S = float(os.environ.get("NEWSWIRE_TEST_QUIET_S", "65"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no NEWSWIRE_* setting of the test run's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(extra)
    return env


class Up:
    """`newswire up` processes on one folder, and whatever they leave running, stopped at the end."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.data = root / "data"
        self.port = port
        self.procs: list[subprocess.Popen[bytes]] = []

    def log(self, proc: subprocess.Popen[bytes]) -> str:
        return (self.root / f"up-{self.procs.index(proc)}.log").read_text(errors="replace")

    def start(self) -> subprocess.Popen[bytes]:
        env = clean_env(NEWSWIRE_LOG_FORMAT="json", NEWSWIRE_SETTLE_S="0.2", NEWSWIRE_EMBEDDED_PORT=str(self.port))
        with open(self.root / f"up-{len(self.procs)}.log", "wb") as out:
            proc = subprocess.Popen(
                [NEWSWIRE, "up"], cwd=self.root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs.append(proc)
        wait_for(
            lambda: (
                proc.poll() is not None
                or (STARTED in self.log(proc) and self.log(proc).count('"consumer_started"') == 2)
            ),
            timeout=120,
            what="newswire up started",
        )
        assert proc.poll() is None, self.log(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0, self.log(proc)

    def newswire(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A `newswire` command beside `newswire up`, with no setting at all."""
        return subprocess.run(
            [NEWSWIRE, *args], cwd=self.root, env=clean_env(), capture_output=True, text=True, timeout=60, check=False
        )

    def env_url(self) -> str:
        """NEWSWIRE_REDIS_URL as `eval "$(newswire env)"` sets it."""
        return evaluated(self.root, clean_env())

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        with suppress(OSError, ValueError):
            pid = int((self.data / "redis" / "valkey.pid").read_text())
            if os.readlink(f"/proc/{pid}/exe").endswith("valkey-server"):
                os.kill(pid, signal.SIGKILL)


def evaluated(cwd: Path, env: dict[str, str]) -> str:
    """What a shell has in NEWSWIRE_REDIS_URL after eval "$(newswire env)", and a child of it too."""
    done = subprocess.run(
        ["sh", "-c", 'eval "$("$NEWSWIRE" env)" && exec sh -c \'printf %s "$NEWSWIRE_REDIS_URL"\''],
        cwd=cwd,
        env={**env, "NEWSWIRE": NEWSWIRE},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    u = Up(tmp_path, free_port())
    yield u
    u.close()


# -- newswire env ---------------------------------------------------------------------------------


def test_env_with_nothing_running_and_no_url_is_one_error_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [NEWSWIRE, "env"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("newswire: error: NEWSWIRE_REDIS_URL: not set, and no `newswire up` is running on ")


def test_env_prints_the_url_it_is_given_quoted_for_the_shell(tmp_path: Path) -> None:
    url = "redis://:it's a $(secret)@127.0.0.1:6399/0"
    assert evaluated(tmp_path, clean_env(NEWSWIRE_REDIS_URL=url)) == url
    done = subprocess.run(
        [NEWSWIRE, "env"],
        cwd=tmp_path,
        env=clean_env(NEWSWIRE_REDIS_URL=url, NEWSWIRE_STREAM_PREFIX="test:"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == f"export NEWSWIRE_REDIS_URL={shlex.quote(url)}\nexport NEWSWIRE_STREAM_PREFIX=test:\n"


# -- the embedded server's port -------------------------------------------------------------------


def test_up_keeps_its_port_across_restarts_and_says_so_when_another_program_has_it(up: Up) -> None:
    first = up.start()
    url = up.env_url()
    assert urlsplit(url).port == up.port
    assert url == (up.data / "redis.url").read_text().strip()
    assert "warning" not in up.log(first)
    up.stop(first)

    second = up.start()
    assert up.env_url() == url, "a restart keeps the URL: same port, same password"
    up.stop(second)

    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the last server's connections linger
        squatter.bind(("127.0.0.1", up.port))
        squatter.listen()
        third = up.start()
        other_url = up.env_url()
        other_port = urlsplit(other_url).port
        assert other_port and other_port != up.port
        warnings = [line for line in up.log(third).splitlines() if "warning" in line]
        assert warnings == [
            f"newswire: warning: NEWSWIRE_EMBEDDED_PORT: 127.0.0.1:{up.port} is in use by another program,"
            f" so the embedded Redis listens on {other_port} instead (`newswire env` prints its URL)"
        ]
        # the commands beside it find the server on its other port by themselves
        tail = up.newswire("tail", "articles:dead", "--no-follow")
        assert (tail.returncode, tail.stdout) == (0, ""), tail.stderr
        up.stop(third)

        # still taken: the port of the last start, so the URL handed out then still works
        fourth = up.start()
        assert up.env_url() == other_url
        up.stop(fourth)

    fifth = up.start()
    assert up.env_url() == url, "the port asked for, once it is free again"
    up.stop(fifth)


# -- the examples -----------------------------------------------------------------------------------


@dataclass
class Example:
    name: str
    argv: list[str]
    group: str | None  # its consumer group, None for redis-cli (no group)
    missing: str = ""  # why it cannot run here
    proc: subprocess.Popen[bytes] | None = None
    alive_after_quiet: bool = False
    rc: int | None = None
    out: str = ""
    err: str = ""
    log: Path = field(default=Path())


def _node_example(work: Path) -> Example:
    node_dir = work / "node"
    example = Example("node", ["node", str(node_dir / "subscriber.mjs"), "1"], "example-node")
    if not (shutil.which("node") and shutil.which("npm")):
        example.missing = "node and npm are not on PATH"
        return example
    # npm ci in a copy: the repository keeps no node_modules
    shutil.copytree(EXAMPLES / "node", node_dir, ignore=shutil.ignore_patterns("node_modules"))
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"], cwd=node_dir, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"npm ci failed: {done.stderr[-2000:]}"
    return example


def _examples(work: Path) -> list[Example]:
    python = sys.executable
    cli = Example("redis_cli", ["sh", str(EXAMPLES / "redis_cli.sh"), "1"], None)
    if not shutil.which("redis-cli"):
        cli.missing = "redis-cli is not on PATH"
    return [
        Example("redis_py", [python, str(EXAMPLES / "subscriber_redis_py.py"), "1"], "example-redis-py"),
        Example("faststream", [python, str(EXAMPLES / "subscriber_faststream.py"), "1"], "example-faststream"),
        _node_example(work),
        cli,
    ]


def _has_consumer(r: redis.Redis, group: str | None) -> bool:
    try:
        groups = r.xinfo_groups("articles:enriched")
    except redis.ResponseError:
        return False
    return any(g["name"].decode() == group and g["consumers"] > 0 for g in groups)


@pytest.fixture(scope="module")
def examples_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Example]]:
    """Every example, started beside one `newswire up` with the environment `newswire env` gives,
    through a quiet stream and then the seed."""
    root = tmp_path_factory.mktemp("subscribers")
    up = Up(root, free_port())
    examples = _examples(root / "work")
    try:
        up.start()
        url = up.env_url()
        for ex in examples:
            if ex.missing:
                continue
            ex.log = root / f"{ex.name}.err"
            env = clean_env(NEWSWIRE=NEWSWIRE, PYTHONUNBUFFERED="1", **({"GROUP": ex.group} if ex.group else {}))
            with open(root / f"{ex.name}.out", "wb") as out, open(ex.log, "wb") as err:
                ex.proc = subprocess.Popen(
                    ["sh", "-c", 'eval "$("$NEWSWIRE" env)" && exec "$@"', "sh", *ex.argv],
                    cwd=root,
                    env=env,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                )
        with redis.Redis.from_url(url) as r:
            for ex in examples:
                if ex.proc and ex.group:
                    wait_for(
                        lambda ex=ex: _has_consumer(r, ex.group) or ex.proc.poll() is not None,
                        timeout=60,
                        what=f"{ex.name} reading in its group",
                    )
            # The quiet minute: nothing arrives, and every subscriber must still be waiting at its end.
            assert r.xlen("articles:enriched") == 0
            deadline = time.monotonic() + QUIET_S
            while time.monotonic() < deadline and all(ex.proc.poll() is None for ex in examples if ex.proc):
                time.sleep(0.5)
            for ex in examples:
                ex.alive_after_quiet = ex.proc is not None and ex.proc.poll() is None

            shutil.copy(SEED, root / "inbox" / SEED.name)
            wait_for(lambda: r.xlen("articles:enriched") == 1, timeout=60, what="the seed's enriched event")
        running = [ex.proc for ex in examples if ex.proc and ex.alive_after_quiet]
        with suppress(AssertionError):
            wait_for(lambda: all(p.poll() is not None for p in running), timeout=60, what="the examples done")
        for ex in examples:
            if ex.proc is None:
                continue
            if ex.proc.poll() is None:
                os.killpg(ex.proc.pid, signal.SIGKILL)
            ex.proc.wait(timeout=30)
            ex.rc = ex.proc.returncode
            ex.out = (root / f"{ex.name}.out").read_text(errors="replace")
            ex.err = ex.log.read_text(errors="replace")
        yield {ex.name: ex for ex in examples}
    finally:
        for ex in examples:
            if ex.proc and ex.proc.poll() is None:
                os.killpg(ex.proc.pid, signal.SIGKILL)
                ex.proc.wait(timeout=30)
        up.close()


def _finished(ex: Example) -> list[str]:
    """The example's output lines, once it ran through the quiet and exited cleanly after the seed."""
    if ex.missing:
        if ex.name == "node" and IN_CI:
            pytest.fail(f"the Node example must run in CI: {ex.missing}")
        pytest.skip(f"{ex.name} example not run: {ex.missing}")
    assert ex.alive_after_quiet, f"{ex.name} stopped during {QUIET_S:.0f} s of quiet (exit {ex.rc}): {ex.err[-2000:]}"
    assert ex.rc == 0, f"{ex.name} did not finish after the seed (exit {ex.rc}): {ex.err[-2000:]}"
    return ex.out.splitlines()


@pytest.mark.parametrize("name", ["redis_py", "faststream", "node"])
def test_a_subscriber_example_waits_through_a_quiet_minute_and_receives_the_seed(
    examples_run: dict[str, Example], name: str
) -> None:
    assert f"{SEED_HEADLINE} en" in _finished(examples_run[name])


def test_the_redis_cli_example_prints_the_seeds_enriched_event_as_json(examples_run: dict[str, Example]) -> None:
    [line] = _finished(examples_run["redis_cli"])
    event = json.loads(line)
    assert (event["event"], event["headline"]) == ("article.enriched", SEED_HEADLINE)
