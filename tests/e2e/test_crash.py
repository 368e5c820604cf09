"""kill -9 of any service loses nothing and duplicates nothing: real processes, real folders.

ingest, store and enrich run as separate `newswire` processes (as docker compose runs
them). 3,000 distinct articles are dropped into the inbox in chunks while store and enrich
are SIGKILLed three times each and ingest once, each at a moment chosen by waiting for
progress (a stream has grown since the chunk was dropped, so the victim is mid-work), and
restarted at once under a new consumer name. Entries the dead consumers held are reclaimed
after NEWSWIRE_CLAIM_IDLE_MS; files ingest held are recovered from the processing folder.
"""

from __future__ import annotations

import random
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newswire.contracts import content_hash
from newswire_tools.corpus import article
from tests.support import Pipeline, drop, wait_for

N = 3000
CHUNK = 500
SERVICES = ("ingest", "store", "enrich")
# After dropping chunk k: which services to kill, each once the stream it writes has grown this much.
KILLS: dict[int, list[tuple[str, str, int]]] = {
    0: [("store", "stored", 25), ("enrich", "enriched", 15)],
    1: [("ingest", "raw", 30)],
    2: [("store", "stored", 30), ("enrich", "enriched", 30)],
    3: [("store", "stored", 30)],
    4: [("enrich", "enriched", 30)],
}

# -- the test -------------------------------------------------------------------------------------


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def claims_in_processing(processing: Path) -> list[Path]:
    """Files still claimed; each watcher's <name>.lock (held while it runs) is not a claim."""
    return [p for p in files_under(processing) if not (p.parent == processing and p.suffix == ".lock")]


class Services:
    """ingest, store and enrich as separate processes, each killed and restarted on demand."""

    def __init__(self, pipeline: Pipeline, env: dict[str, str]) -> None:
        self.pipeline = pipeline
        self.env = env
        self.procs: dict[str, subprocess.Popen[bytes]] = {name: pipeline.start(name, env=env) for name in SERVICES}
        self.kills = {name: 0 for name in SERVICES}

    def log_of(self, name: str) -> str:
        return Path(self.procs[name].log_path).read_text(errors="replace")  # type: ignore[attr-defined]

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = 30.0) -> None:
        try:
            wait_for(condition, what=what, timeout=timeout, interval=0.01)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- service logs ---\n{self.pipeline.logs()}") from None

    def kill_and_restart(self, name: str) -> None:
        proc = self.procs[name]
        assert proc.poll() is None, f"{name} exited by itself (rc {proc.returncode})\n{self.log_of(name)[-3000:]}"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        self.kills[name] += 1
        self.procs[name] = self.pipeline.start(name, env=self.env)

    def kill_when_grown(self, service: str, stream: str, baseline: int, growth: int, what: str) -> None:
        """Kill service once stream holds growth more entries than baseline (it is mid-work then)."""
        self.wait(lambda: self.pipeline.xlen(stream) >= baseline + growth, f"{stream} +{growth} {what}")
        self.kill_and_restart(service)

    def stop_all(self) -> None:
        for name in SERVICES:  # a clean stop proves nothing is still in flight
            rc = self.pipeline.stop(self.procs[name], signal.SIGTERM, timeout=30)
            assert rc == 0, f"{name} exit {rc}:\n{self.log_of(name)[-3000:]}"


def test_sigkilled_services_lose_nothing_and_duplicate_nothing(pipeline: Pipeline) -> None:
    rng = random.Random(58)
    corpus = {f"article-{i:04d}.txt": article(rng, i) for i in range(N)}
    names = sorted(corpus)
    expected_ids = {content_hash(t) for t in corpus.values()}
    assert len(expected_ids) == N

    # Small batches keep every service busy for longer, so the kills land mid-work.
    env = pipeline.env(NEWSWIRE_CLAIM_IDLE_MS="1500", NEWSWIRE_BATCH_SIZE="10", NEWSWIRE_PUBLISH_BATCH="10")
    services = Services(pipeline, env)
    services.wait(lambda: '"watching"' in services.log_of("ingest"), "ingest watching")
    services.wait(lambda: '"consumer_started"' in services.log_of("store"), "store started")
    services.wait(lambda: '"consumer_started"' in services.log_of("enrich"), "enrich started")

    for chunk, k in enumerate(range(0, N, CHUNK)):
        baseline = {s: pipeline.xlen(s) for s in ("raw", "stored", "enriched")}
        for name in names[k : k + CHUNK]:
            drop(pipeline.inbox, name, corpus[name])
        for service, stream, growth in KILLS.get(chunk, []):
            services.kill_when_grown(service, stream, baseline[stream], growth, f"after chunk {chunk}: kill {service}")
    assert services.kills == {"ingest": 1, "store": 3, "enrich": 3}

    def settled() -> bool:
        return (
            pipeline.xlen("enriched") >= N
            and pipeline.pending("raw", "store") == 0
            and pipeline.pending("stored", "enrich") == 0
            and not files_under(pipeline.inbox)
            and not claims_in_processing(pipeline.processing)
        )

    services.wait(settled, f"{N} enriched events, nothing pending, inbox and processing empty", timeout=60)
    services.stop_all()
    consumer_logs = "".join(p.read_text() for p in pipeline.root.glob("*.log") if not p.name.startswith("ingest"))
    assert '"reclaimed"' in consumer_logs, "no kill left entries pending: the test did not exercise reclaiming"

    stored, enriched = pipeline.events("stored"), pipeline.events("enriched")
    assert pipeline.events("dead") == []
    assert len(stored) == N, f"{len(stored)} stored events for {len({e['article_id'] for e in stored})} articles"
    assert {e["article_id"] for e in stored} == expected_ids
    assert len(enriched) == N, f"{len(enriched)} enriched events for {len({e['article_id'] for e in enriched})}"
    assert {e["article_id"] for e in enriched} == expected_ids
    assert all(e["event"] == "article.enriched" and e["enrichment"]["word_count"] > 0 for e in enriched)
    # a claim published before the kill is marked in the same transaction, so it is not published again
    assert pipeline.xlen("raw") == N
    assert pipeline.count("articles") == N
    assert pipeline.count("enrichments") == N
    assert {r[0] for r in pipeline.sql("SELECT article_id FROM enrichments")} == expected_ids

    assert files_under(pipeline.inbox) == []
    assert claims_in_processing(pipeline.processing) == []
    assert [p for p in pipeline.processing.glob("*/*") if p.is_dir()] == [], "claim folders left in processing"
    assert sorted(p.name for p in files_under(pipeline.done)) == names
    assert files_under(pipeline.error) == []
