"""Progress of a backlog on a terminal: the figures (files left, rate, ETA), the summary, when it is drawn."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

from services.ingest.progress import Backlog, duration, on_terminal, progress_line, summary_line


def test_durations() -> None:
    assert [duration(s) for s in (0, 4.4, 65, 3723)] == ["0:00", "0:04", "1:05", "1:02:03"]
    assert duration(float("nan")) == duration(-1) == duration(1e9) == "?"


def test_the_progress_line_shows_files_left_rate_and_eta() -> None:
    line = progress_line(left=12_000, published=3_000, rejected=0, rate=250.0)
    assert line == "ingest: 12,000 files left, 3,000 published, 250 files/s, ETA 0:48"
    assert "2 rejected" in progress_line(left=1, published=5, rejected=2, rate=1.0)
    assert progress_line(left=5, published=0, rejected=0, rate=0.0).endswith("ETA ?")


def test_the_summary_line() -> None:
    assert summary_line(published=10_000, rejected=3, seconds=4.0) == (
        "ingest: 10,000 files published (3 rejected) in 0:04, 2,501 files/s"
    )
    assert summary_line(published=1, rejected=0, seconds=0.01) == "ingest: 1 file published in 0:00"


def test_drawn_only_on_a_terminal_with_console_logs(tmp_path: Path) -> None:
    leader, follower = os.openpty()
    with open(follower, "w") as tty, open(tmp_path / "log", "w") as plain:
        assert on_terminal(tty, "auto") and on_terminal(tty, "console")
        assert not on_terminal(tty, "json"), "JSON logs keep a line per file"
        assert not on_terminal(plain, "auto") and not on_terminal(plain, "console")
    os.close(leader)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_backlog_is_one_redrawn_line_then_a_summary() -> None:
    async def run() -> str:
        out, clock, stopping = io.StringIO(), Clock(), asyncio.Event()
        backlog = Backlog(out, enabled=True, clock=clock)
        left = [1_000]
        backlog.left = lambda: left[0]
        for _ in range(4):  # 250 files a second for 4 s
            clock.now += 1.0
            left[0] -= 250
            backlog.advance(248, 2, stopping)
            assert backlog.draw()
        assert backlog.published == 992 and backlog.rejected == 8
        clock.now += 1.0  # nothing left, quiet for a second: through
        assert not backlog.draw()
        stopping.set()
        await asyncio.sleep(0)
        return out.getvalue()

    text = asyncio.run(run())
    lines = text.split("\r")
    drawn = [line for line in lines if "left" in line]
    assert drawn[0] == "ingest: 750 files left, 248 published, 2 rejected, 0 files/s, ETA ?\x1b[K"
    assert drawn[1] == "ingest: 500 files left, 496 published, 4 rejected, 250 files/s, ETA 0:02\x1b[K"
    assert any(line.startswith("ingest: 0 files left") for line in drawn)
    assert text.endswith("\ringest: 992 files published (8 rejected) in 0:03, 333 files/s\x1b[K\n")
    assert text.count("\n") == 1, "one line left behind, not one per file"


def test_disabled_it_writes_nothing() -> None:
    async def run() -> str:
        out = io.StringIO()
        backlog = Backlog(out, enabled=False)
        backlog.advance(10, 0, asyncio.Event())
        assert not backlog.draw()
        return out.getvalue()

    assert asyncio.run(run()) == ""


def test_stopped_mid_backlog_it_leaves_what_went_through() -> None:
    async def run() -> str:
        out, stopping = io.StringIO(), asyncio.Event()
        backlog = Backlog(out, enabled=True)
        backlog.left = lambda: 500
        backlog.advance(100, 0, stopping)
        await asyncio.sleep(0.05)  # the drawing task has drawn once
        stopping.set()
        assert backlog._task is not None
        await backlog._task
        return out.getvalue()

    text = asyncio.run(run())
    assert "ingest: 500 files left, 100 published" in text
    assert text.endswith("\ringest: 100 files published in 0:00\x1b[K\n")
