"""A backlog on a terminal: one line redrawn in place (files left, rate, ETA) and a summary once it is through,
instead of a `published` line per file. Only where a person watches: stderr a terminal and the console log
format; JSON logs keep their line per file (services.ingest.publisher decides which it logs)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress
from typing import IO

REDRAW_S = 0.25  # at most four redraws a second
QUIET_S = 1.0  # a backlog is through once nothing is left and nothing was published this long
RATE_WINDOW_S = 5.0  # the rate shown is over the last few seconds (the ETA follows the current pace)


def on_terminal(stream: IO[str], log_format: str) -> bool:
    """Whether progress is drawn: the stream is a terminal and logs are not JSON."""
    try:
        return log_format != "json" and stream.isatty()
    except (ValueError, OSError):  # closed
        return False


def duration(seconds: float) -> str:
    """1:05, 1:02:03; '?' for an unknown or absurd time."""
    if not 0 <= seconds <= 99 * 3600:  # NaN too
        return "?"
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_line(*, left: int, published: int, rejected: int, rate: float) -> str:
    """The line redrawn while a backlog goes through."""
    eta = duration(left / rate) if rate > 0 else "?"
    rejects = f", {rejected:,} rejected" if rejected else ""
    return f"ingest: {_files(left)} left, {published:,} published{rejects}, {rate:,.0f} files/s, ETA {eta}"


def summary_line(*, published: int, rejected: int, seconds: float) -> str:
    """The line left behind once the backlog is through (its rate once it took a second or more)."""
    rejects = f" ({rejected:,} rejected)" if rejected else ""
    rate = f", {(published + rejected) / seconds:,.0f} files/s" if seconds >= 1 else ""
    return f"ingest: {_files(published)} published{rejects} in {duration(seconds)}{rate}"


def _files(n: int) -> str:
    return f"{n:,} file" if n == 1 else f"{n:,} files"


class Backlog:
    """Counts what is published and draws the line. left() says how many files wait (set by the watcher:
    settling and ready); the drawing runs in its own task, started at the first file."""

    def __init__(self, stream: IO[str], *, enabled: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.enabled = enabled
        self.clock = clock
        self.left: Callable[[], int] = lambda: 0
        self._task: asyncio.Task[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self.published = self.rejected = 0
        self.started: float | None = None
        self.last_at = 0.0
        self._window: list[tuple[float, int]] = []  # (when, published so far), for the rate

    def advance(self, published: int, rejected: int, stopping: asyncio.Event) -> None:
        if not self.enabled:
            return
        now = self.clock()
        self.published += published
        self.rejected += rejected
        self.last_at = now
        if self.started is None:  # the rate is measured from the first batch on: its own time is unknown
            self.started = now
            self._window = [(now, self.published + self.rejected)]
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._draw_forever(stopping), name="progress")

    def rate(self, now: float) -> float:
        """Files a second over the last RATE_WINDOW_S."""
        self._window.append((now, self.published + self.rejected))
        while len(self._window) > 2 and now - self._window[1][0] >= RATE_WINDOW_S:
            self._window.pop(0)
        (t0, n0), (t1, n1) = self._window[0], self._window[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def draw(self) -> bool:
        """Redraw the line, or write the summary when the backlog is through; False once it is."""
        if self.started is None:
            return False
        now = self.clock()
        left = self.left()
        if left == 0 and now - self.last_at >= QUIET_S:
            text = summary_line(published=self.published, rejected=self.rejected, seconds=self.last_at - self.started)
            self._write(f"\r{text}\x1b[K\n")
            self._reset()
            return False
        line = progress_line(left=left, published=self.published, rejected=self.rejected, rate=self.rate(now))
        # Back to the line's start afterwards: a log line written meanwhile starts at the left margin.
        self._write(f"\r{line}\x1b[K\r")
        return True

    async def _draw_forever(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set() and self.draw():
            with suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=REDRAW_S)
        if stopping.is_set() and self.started is not None:  # stopped mid-backlog: what went through
            text = summary_line(published=self.published, rejected=self.rejected, seconds=self.last_at - self.started)
            self._write(f"\r{text}\x1b[K\n")
            self._reset()

    def _write(self, text: str) -> None:
        with suppress(OSError, ValueError):
            self.stream.write(text)
            self.stream.flush()
