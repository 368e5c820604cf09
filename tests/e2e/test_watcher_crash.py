"""3,000 files while the watcher is SIGKILLed at random moments: each stored and enriched exactly once."""

from __future__ import annotations

import random
import signal
import subprocess

import pytest

from tests.support import Pipeline, drop, wait_for

N = 3000


def _article(i: int) -> str:
    return (
        f"Tuesday {1 + i % 28} June 2021 - {i % 24:02d}:{i % 60:02d}\n\nWatcher crash article {i}\n\n"
        f"Story Code : {700000 + i}\nFirst paragraph of article {i}.\n\nSecond paragraph, number {i * 7}.\n"
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=False)
def test_watcher_killed_at_random_moments_loses_and_duplicates_nothing(pipeline: Pipeline, database_url: str) -> None:
    pipeline.database_url = f"sqlite:///{pipeline.root / 'crash.db'}"
    env = pipeline.env(NEWSWIRE_SETTLE_S="0", NEWSWIRE_CONSUMER_NAME="watcher", NEWSWIRE_LOG_LEVEL="warning")
    pipeline.start("store", env=pipeline.env(NEWSWIRE_LOG_LEVEL="warning"))
    pipeline.start("enrich", env=pipeline.env(NEWSWIRE_LOG_LEVEL="warning"))
    rng = random.Random(20261128)
    watcher: subprocess.Popen[bytes] = pipeline.start("ingest", env=env)
    kills = 0
    written = 0
    for chunk_end in range(500, N + 1, 500):
        while written < chunk_end:
            drop(pipeline.inbox, f"c{written:05d}.txt", _article(written))
            written += 1
        # kill once the watcher has made some random amount of progress into this chunk
        target = chunk_end - 500 + rng.randint(1, 450)
        wait_for(lambda t=target: pipeline.xlen("raw") >= t, timeout=60, what=f"{target} published")
        watcher.send_signal(signal.SIGKILL)
        watcher.wait()
        kills += 1
        watcher = pipeline.start("ingest", env=env)
    assert kills == N // 500

    wait_for(lambda: pipeline.xlen("enriched") >= N, timeout=120, what=f"{N} enriched")
    wait_for(
        lambda: pipeline.pending("raw", "store") == 0 and pipeline.pending("stored", "enrich") == 0,
        what="nothing pending",
    )
    wait_for(lambda: len(list(pipeline.done.rglob("*.txt"))) == N, what=f"{N} files in done")
    assert pipeline.count("articles") == N
    assert pipeline.count("enrichments") == N
    assert pipeline.xlen("stored") == N
    enriched = pipeline.events("enriched")
    assert len(enriched) == N and len({e["article_id"] for e in enriched}) == N
    assert pipeline.xlen("dead") == 0
    assert not list(pipeline.inbox.glob("*.txt"))
    assert not any(pipeline.processing.rglob("*.txt"))
    # the markers mean a claim published before a kill is not published again
    assert pipeline.xlen("raw") == N
