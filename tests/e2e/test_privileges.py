"""Least privilege: `newswire up`'s embedded Redis wants a password, and what newswire writes is
its user's alone (NEWSWIRE_UMASK, default 077).

`newswire up` runs as a user runs it: in a folder of its own, NEWSWIRE_REDIS_URL unset (so it
starts the embedded server), the default data folder and SQLite file. Each `newswire up` runs in
a session of its own so that a test can kill it the way a crash does, workers included.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from newswire_cli.embedded import running_url
from tests.support import NEWSWIRE, drop, wait_for

STARTED = "Ctrl-C stops cleanly."


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def password_of(url: str) -> str:
    return unquote(urlsplit(url).password or "")


def unauthenticated_reply(url: str, command: bytes = b"PING\r\n") -> bytes:
    """What the server answers a client that sends no password."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(command)
        return s.recv(200)


class Ups:
    """`newswire up` processes on one folder, and whatever they leave running, stopped at the end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.procs: list[subprocess.Popen[bytes]] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
        env.update(NEWSWIRE_LOG_FORMAT="json", NEWSWIRE_SETTLE_S="0.2", **extra)
        return env

    def log(self, proc: subprocess.Popen[bytes]) -> str:
        return (self.root / f"up-{self.procs.index(proc)}.log").read_text(errors="replace")

    def start(self, cwd: Path | None = None, **settings: str) -> subprocess.Popen[bytes]:
        """Start `newswire up` (in the folder, else in root) and wait until its services run."""
        with open(self.root / f"up-{len(self.procs)}.log", "wb") as out:
            proc = subprocess.Popen(
                [NEWSWIRE, "up"],
                cwd=cwd or self.root,
                env=self.env(**settings),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
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
        """Ctrl-C: a clean stop."""
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0, self.log(proc)

    def crash(self, proc: subprocess.Popen[bytes]) -> None:
        """kill -9 of newswire (and its workers), as a crash does; the embedded server lives on."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def tail(self, stream: str) -> list[dict[str, object]]:
        """`newswire tail STREAM --no-follow` beside `newswire up`, with no setting at all."""
        done = subprocess.run(
            [NEWSWIRE, "tail", stream, "--no-follow"],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    def server_pid(self) -> int | None:
        """The embedded server's pid while it runs."""
        try:
            pid = int((self.data / "redis" / "valkey.pid").read_text())
            return pid if os.readlink(f"/proc/{pid}/exe").endswith("valkey-server") else None
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        pid = self.server_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def ups(tmp_path: Path) -> Iterator[Ups]:
    u = Ups(tmp_path)
    yield u
    u.close()


def test_up_runs_redis_with_a_password_and_keeps_its_files_to_its_user(ups: Ups) -> None:
    # folders from before, open to everyone: the data folder is newswire's, the inbox the user's
    ups.data.mkdir(mode=0o755)
    ups.data.chmod(0o755)
    inbox = ups.root / "inbox"
    inbox.mkdir()
    inbox.chmod(0o755)
    up = ups.start()
    url = running_url(ups.data)
    assert url, "data/redis.url must name the running server"
    password = (ups.data / "redis" / "password").read_text().strip()
    assert len(password) >= 32 and password_of(url) == password

    # nobody without the password may use the server
    assert unauthenticated_reply(url).startswith(b"-NOAUTH"), "an unauthenticated PING must be refused"
    assert unauthenticated_reply(url, b"XADD articles:raw * __data__ {}\r\n").startswith(b"-NOAUTH")

    # a file newswire rejects: its report is written by newswire, into folders newswire made
    drop(inbox, "empty.txt", b"")
    [rejected] = wait_for(lambda: ups.tail("articles:dead"), what="the rejection on articles:dead, read by tail")
    assert rejected["reason"] == "empty"
    [report] = wait_for(lambda: list((ups.data / "error").rglob("*.error.json")), what="the error report")

    for private_file in (
        ups.data / "redis.url",
        ups.data / "redis" / "password",
        ups.data / "redis" / "valkey.conf",
        ups.data / "newswire.db",
        report,
    ):
        assert mode(private_file) == 0o600, private_file
    aof = ups.data / "redis" / "appendonlydir"
    assert [p.name for p in aof.iterdir() if mode(p) != 0o600] == []
    assert any(p.suffix == ".aof" for p in aof.iterdir())
    for private_folder in (ups.data, ups.data / "redis", aof, ups.data / "error", ups.data / "done"):
        assert mode(private_folder) == 0o700, private_folder
    assert mode(inbox) == 0o755, "the user's own inbox keeps its permissions"

    assert password not in ups.log(up)
    port = urlsplit(url).port
    assert f"redis     redis://default:***@127.0.0.1:{port}/0 (embedded;" in ups.log(up)

    # a client given the password by hand, as a query parameter: it works, and prints no password
    beside = ups.root / "beside"
    (beside / "data").mkdir(parents=True, mode=0o755)
    (beside / "data").chmod(0o755)
    other = ups.start(
        beside,
        NEWSWIRE_REDIS_URL=f"redis://127.0.0.1:{port}/0?password={password}",
        NEWSWIRE_DATABASE_URL=f"sqlite:///{beside / 'newswire.db'}?password={password}",
        NEWSWIRE_STREAM_PREFIX="beside:",
    )
    ups.stop(other)
    assert password not in ups.log(other)
    assert f"redis     redis://127.0.0.1:{port}/0?password=***\n" in ups.log(other)
    assert "newswire.db?password=***\n" in ups.log(other)
    assert mode(beside / "data") == 0o700, "up makes its data folder private, whichever Redis it uses"
    assert mode(beside / "newswire.db") == 0o600

    # a clean stop shuts the server down with the password; a restart keeps the password
    ups.stop(up)
    assert "User requested shutdown" in (ups.data / "redis" / "valkey.log").read_text()
    assert not (ups.data / "redis.url").exists()
    again = ups.start()
    url = running_url(ups.data) or ""
    assert password_of(url) == password
    assert unauthenticated_reply(url).startswith(b"-NOAUTH")
    assert [e["reason"] for e in ups.tail("articles:dead")] == ["empty"], "the AOF kept the stream"
    assert password not in ups.log(again)


def test_a_server_left_by_a_killed_up_is_adopted_with_its_password(ups: Ups) -> None:
    first = ups.start()
    url = running_url(ups.data)
    assert url
    ups.crash(first)
    assert running_url(ups.data) == url, "the server outlives a killed newswire"
    assert ups.tail("articles:dead") == []

    # the next `newswire up` adopts it: same server, same password
    second = ups.start()
    assert running_url(ups.data) == url
    assert f"127.0.0.1:{urlsplit(url).port}/0 (embedded;" in ups.log(second)
    ups.crash(second)

    # the password file lost while the server ran: the adopted server takes the new password
    (ups.data / "redis" / "password").unlink()
    third = ups.start()
    new_url = running_url(ups.data)
    assert new_url and urlsplit(new_url).port == urlsplit(url).port
    new_password = (ups.data / "redis" / "password").read_text().strip()
    assert password_of(new_url) == new_password != password_of(url)
    assert unauthenticated_reply(url, f"AUTH {password_of(url)}\r\n".encode()).startswith(b"-WRONGPASS")
    assert unauthenticated_reply(url).startswith(b"-NOAUTH")
    assert ups.tail("articles:dead") == []
    assert mode(ups.data / "redis.url") == 0o600

    ups.stop(third)
    wait_for(lambda: ups.server_pid() is None, what="the adopted server shut down")


def test_a_configured_umask_applies_to_what_a_service_creates(
    tmp_path: Path, redis_server_url: str, prefix: str
) -> None:
    db = tmp_path / "db" / "sub" / "newswire.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(
        NEWSWIRE_REDIS_URL=redis_server_url,
        NEWSWIRE_STREAM_PREFIX=prefix,
        NEWSWIRE_DATABASE_URL=f"sqlite:///{db}",
        NEWSWIRE_UMASK="027",
        NEWSWIRE_LOG_FORMAT="json",
    )
    log = tmp_path / "store.log"
    with open(log, "wb") as out:
        store = subprocess.Popen([NEWSWIRE, "store"], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: '"consumer_started"' in log.read_text(), timeout=90, what="store started")
        assert mode(db) == 0o640
        assert mode(db.parent) == 0o750
        assert mode(tmp_path / "db") == 0o750
    finally:
        store.send_signal(signal.SIGTERM)
        store.wait(timeout=60)
