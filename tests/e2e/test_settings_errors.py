"""A wrong setting: one line on stderr naming it, a non-zero exit, no traceback.

`newswire` runs as a user runs it: a subprocess in a folder of its own, with only the
NEWSWIRE_* variables the case sets. Where Redis is not what the case is about, the test
Redis (with this test's stream prefix) is given, so no embedded server is started.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.support import NEWSWIRE


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(args: list[str], cwd: Path, env_vars: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_LOG_FORMAT="json", **env_vars)
    return subprocess.run(
        [NEWSWIRE, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def assert_one_line_naming(result: subprocess.CompletedProcess[str], setting: str) -> str:
    shown = f"exit {result.returncode}\n--- stderr ---\n{result.stderr}\n--- stdout ---\n{result.stdout}"
    assert result.returncode > 0, shown
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, shown
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{shown}"
    [line] = lines
    assert line.startswith("newswire: error: "), shown
    assert setting in line, shown
    return line


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    return cwd


@pytest.fixture
def redis_env(redis_server_url: str, prefix: str) -> dict[str, str]:
    return {"NEWSWIRE_REDIS_URL": redis_server_url, "NEWSWIRE_STREAM_PREFIX": prefix}


def test_up_with_unreachable_redis(workdir: Path) -> None:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    started = time.monotonic()
    result = run(["up"], workdir, {"NEWSWIRE_REDIS_URL": url, "NEWSWIRE_CONNECT_TIMEOUT_S": "1"})
    line = assert_one_line_naming(result, "NEWSWIRE_REDIS_URL")
    assert url in line
    assert time.monotonic() - started < 30, "NEWSWIRE_CONNECT_TIMEOUT_S=1 should make this quick"


def test_up_with_redis_url_that_is_not_a_url(workdir: Path) -> None:
    result = run(["up"], workdir, {"NEWSWIRE_REDIS_URL": "notaurl", "NEWSWIRE_CONNECT_TIMEOUT_S": "1"})
    assert_one_line_naming(result, "NEWSWIRE_REDIS_URL")


def test_up_with_inbox_that_cannot_be_created(workdir: Path, redis_env: dict[str, str]) -> None:
    (workdir / "afile").write_text("a regular file, so nothing can be created under it\n")
    inbox = workdir / "afile" / "inbox"
    result = run(["up"], workdir, {**redis_env, "NEWSWIRE_INBOX": str(inbox)})
    line = assert_one_line_naming(result, "NEWSWIRE_INBOX")
    assert str(inbox) in line


@pytest.mark.parametrize("url", ["not a url", "mysql+nothing://x", "notaurl"])
def test_up_with_malformed_database_url(workdir: Path, redis_env: dict[str, str], url: str) -> None:
    result = run(["up"], workdir, {**redis_env, "NEWSWIRE_DATABASE_URL": url})
    assert_one_line_naming(result, "NEWSWIRE_DATABASE_URL")


def test_up_with_postgresql_on_a_closed_port(workdir: Path, redis_env: dict[str, str]) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test"
    env = {**redis_env, "NEWSWIRE_DATABASE_URL": url, "NEWSWIRE_CONNECT_TIMEOUT_S": "1"}
    result = run(["up"], workdir, env)
    line = assert_one_line_naming(result, "NEWSWIRE_DATABASE_URL")
    assert "127.0.0.1" in line


def test_up_with_sqlite_file_under_a_regular_file(workdir: Path, redis_env: dict[str, str]) -> None:
    (workdir / "afile").write_text("x\n")
    url = f"sqlite:///{workdir / 'afile' / 'newswire.db'}"
    result = run(["up"], workdir, {**redis_env, "NEWSWIRE_DATABASE_URL": url})
    assert_one_line_naming(result, "NEWSWIRE_DATABASE_URL")


def test_up_with_non_numeric_settle_time(workdir: Path, redis_env: dict[str, str]) -> None:
    result = run(["up"], workdir, {**redis_env, "NEWSWIRE_SETTLE_S": "soon"})
    line = assert_one_line_naming(result, "NEWSWIRE_SETTLE_S")
    assert "soon" in line


@pytest.mark.parametrize(
    "command", [["store"], ["enrich"], ["ingest"], ["tail"], ["tail", "--no-follow"]], ids=" ".join
)
def test_service_without_redis_url_and_no_up_running(workdir: Path, command: list[str]) -> None:
    result = run(command, workdir, {}, timeout=30)
    line = assert_one_line_naming(result, "NEWSWIRE_REDIS_URL")
    assert "newswire up" in line


@pytest.mark.parametrize("url_kind", ["not a url", "unreachable"])
@pytest.mark.parametrize("command", [["store"], ["enrich"], ["ingest"], ["tail", "--no-follow"]], ids=" ".join)
def test_service_with_bad_redis_url(workdir: Path, command: list[str], url_kind: str) -> None:
    url = "notaurl" if url_kind == "not a url" else f"redis://127.0.0.1:{closed_port()}/0"
    result = run(command, workdir, {"NEWSWIRE_REDIS_URL": url, "NEWSWIRE_CONNECT_TIMEOUT_S": "1"}, timeout=30)
    assert_one_line_naming(result, "NEWSWIRE_REDIS_URL")


@pytest.mark.parametrize("command", [["up"], ["store"], ["ingest"], ["tail", "--no-follow"]], ids=" ".join)
def test_redis_password_is_never_printed(workdir: Path, command: list[str]) -> None:
    url = f"redis://reader:s3cr3t-pw@127.0.0.1:{closed_port()}/0"
    result = run(command, workdir, {"NEWSWIRE_REDIS_URL": url, "NEWSWIRE_CONNECT_TIMEOUT_S": "1"}, timeout=30)
    assert result.returncode > 0
    assert "s3cr3t-pw" not in result.stderr + result.stdout, result.stderr
    assert "NEWSWIRE_REDIS_URL" in result.stderr


SECRET = "s3cr3t-pw"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://u:{SECRET}@127.0.0.1:notaport/db",  # a port that is not a number
        f"postgresql://u:{SECRET}@127.0.0.1:99999/db",  # a port out of range
        f"postgresql://u:{SECRET}@127.0.0.1:/var/run/postgresql",  # a path where the port should be
        f"postgresql://u:{SECRET}@[::1/db",  # an IPv6 bracket not closed
        f"postgresql://u:{SECRET}@a..b/db",  # an empty host label (IDNA cannot encode it)
        f"postgresql://u@127.0.0.1:1/db?password={SECRET}",  # the password as a query parameter
        f"postgresql://u:{SECRET}%zz@127.0.0.1:1/db",  # a broken %-escape
        f"postgresql://ü:{SECRET}@127.0.0.1:1/db",  # unicode
        f"mysql://u:{SECRET}@127.0.0.1/db",  # a database newswire does not use
        f"sqlite://u:{SECRET}@host/newswire.db",  # a host in a SQLite URL
        "sqlite://",  # in memory: each connection would have a database of its own
        "sqlite:///:memory:",
    ],
)
def test_malformed_database_url_is_one_line_without_its_password(
    workdir: Path, redis_env: dict[str, str], url: str
) -> None:
    env = {**redis_env, "NEWSWIRE_DATABASE_URL": url, "NEWSWIRE_CONNECT_TIMEOUT_S": "1"}
    result = run(["store"], workdir, env, timeout=30)
    assert_one_line_naming(result, "NEWSWIRE_DATABASE_URL")
    assert result.returncode == 2
    assert SECRET not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "url",
    [
        f"redis://u:{SECRET}@127.0.0.1:notaport/0",  # a port that is not a number
        f"redis://u:{SECRET}@127.0.0.1:99999/0",  # a port out of range
        f"redis://u:{SECRET}@127.0.0.1:６３７９/0",  # unicode digits
        f"redis://u:{SECRET}@[::1/0",  # an IPv6 bracket not closed
        f"redis://u:{SECRET}@a..b:6379/0",  # an empty host label (IDNA cannot encode it)
        f"redis://ｕ:{SECRET}＠x@127.0.0.1:6379/0",  # characters NFKC turns into "@"
        f"redis://127.0.0.1:1/0?password={SECRET}",  # the password as a query parameter
        f"redis://127.0.0.1:1/0?password={SECRET}&nosuchoption=1",  # an option the client does not have
        f"redis://127.0.0.1:1/0?password={SECRET}&db=%zz",  # a broken %-escape
        f"http://u:{SECRET}@127.0.0.1:1/0",  # a scheme that is not Redis
    ],
)
@pytest.mark.parametrize("command", [["store"], ["tail", "--no-follow"]], ids=" ".join)  # up checks as store does
def test_malformed_redis_url_is_one_line_without_its_password(workdir: Path, command: list[str], url: str) -> None:
    result = run(command, workdir, {"NEWSWIRE_REDIS_URL": url, "NEWSWIRE_CONNECT_TIMEOUT_S": "1"}, timeout=30)
    assert_one_line_naming(result, "NEWSWIRE_REDIS_URL")
    assert result.returncode == 2
    assert SECRET not in result.stderr + result.stdout


@pytest.mark.parametrize(("command", "umask"), [(["up"], "999"), (["up"], "rwx"), (["enrich"], "0o1777")])
def test_bad_umask(workdir: Path, redis_env: dict[str, str], command: list[str], umask: str) -> None:
    result = run(command, workdir, {**redis_env, "NEWSWIRE_UMASK": umask})
    line = assert_one_line_naming(result, "NEWSWIRE_UMASK")
    assert result.returncode == 2
    assert repr(umask) in line
