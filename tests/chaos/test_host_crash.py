"""A host crash of Redis loses nothing and duplicates nothing.

Three rounds of 1,000 files: while a round's files flow (ingest publishing, store and
enrich behind it), Redis is killed with -9 and its AOF cut back by one second, as a
host crash with `appendfsync everysec` loses it, then restarted on the same port. The
entries of that last second are gone: files archived meanwhile must be published again,
redelivered articles stored and enriched again, and nothing emitted twice. On Redis 7.0
(no WAITAOF) and on Valkey.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from newswire_tools.hostile import good_article
from tests.chaos.conftest import Chaos, Dropper, exactly_once, scaled, settle

ROUNDS = 3
PER_ROUND = scaled(1000)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("redis_kind", ["redis", "valkey"], indirect=True)
def test_redis_host_crash_loses_and_duplicates_nothing(chaos: Chaos, redis_kind: str) -> None:
    chaos.launch_all()
    texts: dict[str, str] = {}
    cut: list[int] = []
    for r in range(ROUNDS):
        batch = {f"r{r}-{i:05d}.txt": good_article(10_000 * r + i) for i in range(PER_ROUND)}
        texts.update(batch)
        published, began = chaos.xlen("raw"), time.monotonic()
        dropper = Dropper(chaos.inbox, batch, rate=250)
        dropper.start()
        chaos.wait(lambda p=published: chaos.xlen("raw") >= p + PER_ROUND * 0.4, f"round {r}: files flowing")
        time.sleep(max(0.0, began + 1.5 - time.monotonic()))  # so that the second cut away is this round's
        cut.append(chaos.server.crash_host(lost_s=1.0))
        chaos.server.restart()
        dropper.join()
    assert all(cut), f"a crash cut nothing from the AOF (bytes cut per round: {cut}): no host crash was simulated"

    settled = settle(lambda: chaos.finished(len(texts)), 180)
    problems = exactly_once(chaos, texts)
    logs = "".join(Path(p.log_path).read_text(errors="replace") for p in chaos.procs)  # type: ignore[attr-defined]
    republished = sum(json.loads(line).get("files", 0) for line in logs.splitlines() if '"republishing"' in line)
    figures = {
        "redis": redis_kind,
        "files": len(texts),
        "aof_bytes_cut": cut,
        "republished_files": republished,
        "rows": chaos.count("articles"),
        "enriched_events": chaos.xlen("enriched"),
    }
    print(json.dumps(figures))
    if not settled:
        problems.append(f"not quiet 180 s after the last crash: {chaos.state()}")
    assert not problems, f"{redis_kind}, {cut} AOF bytes cut per crash:\n" + "\n".join(problems)
