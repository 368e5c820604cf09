"""Waiting without blocking shutdown: pauses that end at stop, retries with backoff."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, TypeVar

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
            log.warning(
                "retrying", what=what, attempt=attempt, error=str(exc).splitlines()[0][:200], delay_s=round(delay, 2)
            )
            await pause(stopping, delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, 5.0)
