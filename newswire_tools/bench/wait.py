"""Waiting on a condition, and what the benchmark raises when it cannot measure."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

READY_TIMEOUT_S = 60.0
STALL_TIMEOUT_S = 60.0
T = TypeVar("T")


class BenchError(Exception):
    """The benchmark could not measure; the message says what went wrong."""


def wait(condition: Callable[[], T], *, timeout: float, what: str, interval: float = 0.02) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
