"""Health that tells the truth: a process is healthy while it makes the progress it should make.

Each part of a service (a consumer, the watcher) keeps a `Progress`: it notes every step forward
(a batch read, an article done, a commit, a file published) and, when asked, says whether work
has been waiting longer than ``stall_s`` with no step forward. The heartbeat task asks every part
every few seconds and writes the verdict to NEWSWIRE_HEARTBEAT_FILE as one JSON line; `newswire
health` (the compose healthcheck) fails when that file is stale (the process or its event loop is
stuck, or Redis does not answer) or says a part is stalled.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from newswire.text import one_line
from newswire.waiting import pause

BEAT_EVERY_S = 5.0


class Progress:
    def __init__(self, stall_s: float) -> None:
        self.stall_s = stall_s
        self.last_step = time.monotonic()
        self._waiting_since: float | None = None

    def step(self) -> None:
        """Something moved forward (safe to call from any thread)."""
        self.last_step = time.monotonic()

    def problem(self, waiting: int | None, what: str) -> str | None:
        """A reason to be unhealthy, given how many items are waiting (None: unknown, counts as 0).

        Work that arrives after a long quiet spell starts the clock afresh: a consumer idle for an
        hour is not stalled the moment an entry lands."""
        now = time.monotonic()
        if not waiting:
            self._waiting_since = None
            return None
        if self._waiting_since is None:
            self._waiting_since = now
        quiet = now - max(self._waiting_since, self.last_step)
        if quiet > self.stall_s:
            return f"{what}: {waiting} waiting and no progress for {quiet:.0f} s"
        return None


Check = Callable[[], Awaitable[str | None]]


async def heartbeat(path: Path, *, stopping: asyncio.Event, checks: list[Check], service: str, log: Any) -> None:
    """Write the verdict every BEAT_EVERY_S while the loop turns; remove the file at stop."""
    path.parent.mkdir(parents=True, exist_ok=True)
    last_problems: list[str] = []
    try:
        while not stopping.is_set():
            problems: list[str] = []
            for check in checks:
                try:
                    found = await asyncio.wait_for(check(), timeout=BEAT_EVERY_S)
                except Exception as exc:  # noqa: BLE001 - a check that cannot run is a problem to report
                    found = f"health check failed: {one_line(exc)}"
                if found:
                    problems.append(found)
            if problems != last_problems:
                if problems:
                    log.warning("unhealthy", problems=problems)
                else:
                    log.info("healthy")
                last_problems = problems
            _write(path, {"ok": not problems, "service": service, "pid": os.getpid(), "problems": problems})
            await pause(stopping, BEAT_EVERY_S)
    finally:
        path.unlink(missing_ok=True)


def _write(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(json.dumps(doc) + "\n")
        os.replace(tmp, path)
    except OSError:
        pass  # a full or read-only disk: the file goes stale, which reads as unhealthy


def verdict(path: Path, max_age_s: float) -> tuple[bool, str]:
    """(healthy, one line) from a heartbeat file."""
    try:
        age = time.time() - path.stat().st_mtime
        text = path.read_text()
    except OSError:
        return False, f"unhealthy: no heartbeat at {path}"
    if age > max_age_s:
        return False, f"unhealthy: last heartbeat {age:.0f}s ago"
    try:
        doc = json.loads(text)
    except ValueError:
        doc = {"ok": True}  # an older newswire wrote an empty file: its age is all it says
    if isinstance(doc, dict) and doc.get("ok") is False:
        problems = doc.get("problems") or ["stalled"]
        return False, "unhealthy: " + "; ".join(str(p) for p in problems)
    return True, f"healthy: last heartbeat {age:.1f}s ago"
