"""A 9.9 MB article among 100 ordinary ones under `newswire up`: nothing waits behind it.

All three services share one process under `up`, so before enrichment left the event loop the
big article froze the watcher and the store too. Now: the 100 are enriched within 30 s, the big
one is enriched (truncated, saying so) or dead-lettered within 60 s, and the heartbeat, written
by the same event loop, is never more than 10 s old.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from pathlib import Path

import pytest

from newswire_tools import hostile
from tests.support import Pipeline, drop, wait_for

GOOD = 100


class HeartbeatAge:
    """Samples the heartbeat file's age every 0.2 s in a thread; the oldest it saw."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.worst = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            with contextlib.suppress(OSError):
                self.worst = max(self.worst, time.time() - self.path.stat().st_mtime)

    def __enter__(self) -> HeartbeatAge:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=False)
def test_a_99_mb_article_under_up_holds_up_nothing(pipeline: Pipeline, database_url: str) -> None:
    pipeline.database_url = f"sqlite:///{pipeline.root / 'big.db'}"
    beat = pipeline.root / "up.alive"
    pipeline.start("up", env=pipeline.env(NEWSWIRE_HEARTBEAT_FILE=str(beat), NEWSWIRE_SETTLE_S="0.2"))
    wait_for(lambda: beat.exists(), timeout=60, what="the first heartbeat")
    wait_for(lambda: pipeline.logs().count('"consumer_started"') == 2, timeout=60, what="both consumers")
    big = hostile.huge_text()
    good = {f"good-{i:03d}.txt": hostile.good_article(70_000 + i) for i in range(GOOD)}
    with HeartbeatAge(beat) as age:
        started = time.monotonic()
        hostile.drop(pipeline.inbox, big)
        for name, text in good.items():
            drop(pipeline.inbox, name, text)

        def good_enriched() -> bool:
            names = {e["source_name"] for e in pipeline.events("enriched")}
            return set(good) <= names

        wait_for(good_enriched, timeout=30, interval=0.25, what="the 100 ordinary articles enriched within 30 s")
        good_s = time.monotonic() - started

        def big_done() -> list[dict[str, object]]:
            return [
                e
                for stream in ("enriched", "dead")
                for e in pipeline.events(stream)
                if e.get("source_name") == big.name
            ]

        [outcome] = wait_for(big_done, timeout=60, interval=0.5, what="the 9.9 MB article enriched or dead-lettered")
        big_s = time.monotonic() - started
    print(json.dumps({"good_s": round(good_s, 1), "big_s": round(big_s, 1), "heartbeat_worst_s": round(age.worst, 1)}))
    assert age.worst <= 10, f"the heartbeat went {age.worst:.1f} s stale"
    if outcome["event"] == "article.enriched":
        enrichment = outcome["enrichment"]
        assert isinstance(enrichment, dict) and enrichment["truncated"] is True
        assert enrichment["analysed_chars"] < len(str(outcome["body"]))
    else:
        assert outcome["reason"] in ("too_slow",), outcome
