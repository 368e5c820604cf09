"""Helpers for tests that run newswire for real: folders, processes, waiting on conditions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import redis
from sqlalchemy import create_engine, text

T = TypeVar("T")
NEWSWIRE = str(Path(sys.executable).with_name("newswire"))
SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_d7b03ab2b022693d.txt"


def wait_for(
    condition: Callable[[], T], *, timeout: float = 30.0, what: str = "condition", interval: float = 0.05
) -> T:
    """Poll condition until it returns something truthy; fail with `what` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {value!r})")
        time.sleep(interval)


def drop(folder: Path, name: str, data: bytes | str) -> Path:
    """Write a file into folder by atomic rename, as a well-behaved writer does."""
    folder.mkdir(parents=True, exist_ok=True)
    payload = data.encode() if isinstance(data, str) else data
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(payload)
    os.rename(tmp, folder / name)
    return folder / name


class Pipeline:
    def __init__(self, *, root: Path, redis_url: str, prefix: str, database_url: str) -> None:
        self.root = root
        self.redis_url = redis_url
        self.prefix = prefix
        self.database_url = database_url
        self.inbox = root / "inbox"
        self.data = root / "data"
        self.done = self.data / "done"
        self.error = self.data / "error"
        self.processing = self.data / "processing"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.redis = redis.Redis.from_url(redis_url)
        self._engine: Any = None

    # -- processes ------------------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
        env.update(
            NEWSWIRE_INBOX=str(self.inbox),
            NEWSWIRE_DATA_DIR=str(self.data),
            NEWSWIRE_DONE_DIR=str(self.done),
            NEWSWIRE_ERROR_DIR=str(self.error),
            NEWSWIRE_PROCESSING_DIR=str(self.processing),
            NEWSWIRE_REDIS_URL=self.redis_url,
            NEWSWIRE_DATABASE_URL=self.database_url,
            NEWSWIRE_STREAM_PREFIX=self.prefix,
            NEWSWIRE_SETTLE_S="0.2",
            NEWSWIRE_CLAIM_IDLE_MS="1500",
            NEWSWIRE_LOG_FORMAT="json",
        )
        env.update(extra)
        return env

    def start(
        self, command: str, *, env: dict[str, str] | None = None, name: str | None = None
    ) -> subprocess.Popen[bytes]:
        log = self.root / f"{name or command}-{len(self.procs)}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [NEWSWIRE, command],
                env=env if env is not None else self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
            )
        proc.log_path = log  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if proc.poll() is None:
            proc.send_signal(sig)
        return proc.wait(timeout=timeout)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        self.redis.close()
        if self._engine is not None:
            self._engine.dispose()

    def logs(self) -> str:
        return "\n".join(Path(p.log_path).read_text(errors="replace")[-4000:] for p in self.procs)  # type: ignore[attr-defined]

    # -- streams --------------------------------------------------------------------------
    def stream(self, name: str) -> str:
        return f"{self.prefix}articles:{name}"

    def xlen(self, name: str) -> int:
        return int(self.redis.xlen(self.stream(name)))

    def events(self, name: str) -> list[dict[str, Any]]:
        return [json.loads(f[b"__data__"]) for _id, f in self.redis.xrange(self.stream(name))]

    def pending(self, name: str, group: str) -> int:
        try:
            return int(self.redis.xpending(self.stream(name), group)["pending"])
        except redis.ResponseError:
            return 0

    # -- database -------------------------------------------------------------------------
    def sql(self, query: str) -> list[Any]:
        if self._engine is None:
            self._engine = create_engine(self.database_url)
        try:
            with self._engine.connect() as conn:
                return list(conn.execute(text(query)))
        except Exception as exc:
            if "no such table" in str(exc) or "does not exist" in str(exc):
                return []
            raise

    def count(self, table: str) -> int:
        rows = self.sql(f"SELECT count(*) FROM {table}")
        return int(rows[0][0]) if rows else 0


def parsed_article(text: str) -> Any:
    """parse(text), which must be an article (the parser tests' helper)."""
    from services.store.parser import ParsedArticle, parse

    result = parse(text)
    assert isinstance(result, ParsedArticle), result
    return result


def parse_rejection(text: str) -> Any:
    """parse(text), which must be a rejection."""
    from services.store.parser import Rejection, parse

    result = parse(text)
    assert isinstance(result, Rejection), result
    return result
