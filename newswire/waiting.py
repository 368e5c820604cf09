"""Waiting without blocking shutdown: pauses that end at stop, retries with backoff."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, TypeVar

from newswire.text import one_line

T = TypeVar("T")


async def pause(stopping: asyncio.Event, seconds: float) -> bool:
    """Sleep up to seconds, returning early (True) once stopping is set."""
    with suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    return stopping.is_set()


class Stopping(Exception):
    """Raised out of a retry loop at shutdown: the batch stays pending for later."""


async def retry_transient(
    op: Callable[[], Awaitable[T]],
    *,
    is_transient: Callable[[BaseException], bool],
    stopping: asyncio.Event,
    log: Any,
    what: str,
) -> T:
    """Run op until it succeeds, backing off (0.2 s doubling to 5 s, jittered) on transient errors."""
    delay = 0.2
    attempt = 0
    while True:
        try:
            return await op()
        except Exception as exc:
            if not is_transient(exc):
                raise
            attempt += 1
            if stopping.is_set():
                raise Stopping(what) from exc
            log.warning("retrying", what=what, attempt=attempt, error=one_line(exc, 200), delay_s=round(delay, 2))
            await pause(stopping, delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, 5.0)


async def supervised(
    name: str,
    run: Callable[[], Awaitable[None]],
    *,
    stopping: asyncio.Event,
    log: Any,
    limit: int = 5,
    window_s: float = 300.0,
) -> None:
    """Run a service's task until stopping is set; restart it when it fails, after a growing pause.

    A task that fails ``limit`` times within ``window_s`` raises: the process goes down with the
    error (and its supervisor, compose or systemd, starts it again) rather than stays up without
    that task. A task that returns while the service runs counts as a failure."""
    failures: list[float] = []
    delay = 1.0
    while not stopping.is_set():
        try:
            await run()
            if stopping.is_set():
                return
            raise RuntimeError(f"the {name} task ended while the service runs")
        except Exception as exc:
            now = time.monotonic()
            failures = [t for t in failures if now - t < window_s] + [now]
            log.error("task_failed", task=name, error=f"{type(exc).__name__}: {one_line(exc)}", failures=len(failures))
            if len(failures) >= limit:
                raise
            await pause(stopping, delay)
            delay = min(delay * 2, 30.0)
