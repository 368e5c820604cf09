"""ingest on a terminal (stderr a pseudo-terminal, console logs): a backlog is one redrawn line and a summary,
not a line per file; with JSON logs each file keeps its line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading

import pytest

from tests.support import NEWSWIRE, Pipeline, drop, wait_for

FILES = 300


def _article(i: int) -> str:
    return f"Headline number {i}\n\nParagraph one of article {i} says something.\n\nParagraph two of article {i}.\n"


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_a_backlog_on_a_terminal_is_one_line_and_a_summary(pipeline: Pipeline) -> None:
    staging = pipeline.root / "staging"
    for i in range(FILES):
        drop(staging, f"a{i}.txt", _article(i))
    pipeline.inbox.parent.mkdir(parents=True, exist_ok=True)
    os.rename(staging, pipeline.inbox)  # the backlog is there at start
    leader, follower = os.openpty()
    env = pipeline.env(NEWSWIRE_LOG_FORMAT="auto")
    proc = subprocess.Popen([NEWSWIRE, "ingest"], env=env, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    seen: list[bytes] = []

    def read() -> None:  # drain the terminal, or the writer blocks when its buffer is full
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_for(lambda: pipeline.xlen("raw") == FILES, what="the backlog published")
        wait_for(lambda: b"files published in" in b"".join(seen), what="the summary line")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        reader.join(timeout=5)
        os.close(leader)
    text = b"".join(seen).decode(errors="replace")
    assert f"ingest: {FILES:,} files published in" in text
    assert "files left" in text and "files/s" in text
    assert text.count(" published ") <= 5, "no line per file: each file's line is at DEBUG on a terminal"


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_with_json_logs_each_file_keeps_its_line(pipeline: Pipeline) -> None:
    pipeline.start("ingest")
    wait_for(lambda: pipeline.inbox.is_dir(), what="the inbox")
    for i in range(20):
        drop(pipeline.inbox, f"a{i}.txt", _article(i))
    wait_for(lambda: pipeline.xlen("raw") == 20, what="20 files published")
    log = pipeline.root / "ingest-0.log"
    wait_for(lambda: log.read_text().count('"published"') == 20, what="20 published lines")
    published = [json.loads(line) for line in log.read_text().splitlines() if '"published"' in line]
    assert sorted(p["path"] for p in published) == sorted(f"a{i}.txt" for i in range(20))
    assert "files left" not in log.read_text()
