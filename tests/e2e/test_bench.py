"""`newswire bench` as a user runs it: real services, real Redis, the floor beside it. No speed asserted."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import redis

from tests.support import NEWSWIRE

FLOOR = Path(__file__).resolve().parents[3] / "shared" / "bench" / "floor.py"
N = 300
STAGES = ("ingest", "store", "enrich", "end_to_end")


def test_bench_measures_every_stage_and_compares_with_the_floor(tmp_path: Path, redis_server_url: str) -> None:
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env["NEWSWIRE_REDIS_URL"] = redis_server_url
    cmd = [NEWSWIRE, "bench", "-n", str(N), "--runs", "1", "--json", str(out), "--latency-seconds", "2"]
    with_floor = FLOOR.is_file()
    cmd += ["--floor", str(FLOOR) if with_floor else ""]

    proc = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=150, check=False)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text())
    assert report["articles"] == N and report["runs"] == 1
    # every enricher of the registry is timed
    from services.enrich import enrichers, registry

    assert enrichers.ENRICHER_VERSION  # importing it registers every enricher

    assert set(report["enricher_ms"]) == set(registry.names())
    assert all(ms > 0 for ms in report["enricher_ms"].values())
    [run] = report["per_run"]
    nw = run["newswire"]
    assert nw["counts"] == {"ingest": N, "store": N, "enrich": N, "dead": 0}
    assert nw["enrich_procs"] == 1
    for stage in STAGES:
        assert report["median"][f"{stage}_aps"] > 0, stage
        assert report["median"][f"{stage}_done_s"] > 0, stage
    assert nw["ingest_done_s"] <= nw["store_done_s"] <= nw["enrich_done_s"]
    for service in ("ingest", "store", "enrich"):
        assert report["median"][f"rss_{service}_mib"] > 0, service
        assert report["median"][f"cpu_s_per_1000_{service}"] > 0, service
    # drop-to-enriched latency at a steady rate: 50 files/s for 2 s, every file timed
    latency = run["latency"]
    assert latency["latency_files"] == 100
    assert 0 < latency["latency_p50_ms"] <= latency["latency_p95_ms"] <= latency["latency_p99_ms"]
    assert latency["latency_p99_ms"] <= latency["latency_max_ms"]
    assert re.search(r"^\s+latency\s+drop to enriched at 50 files/s .* p99 \d+ ms", proc.stdout, re.M), proc.stdout
    assert all(code == 0 for code in nw["exit_codes"].values()), nw["exit_codes"]

    # each stage alone: its own pass, every article through, nothing dead
    alone = run["alone"]
    for stage in ("ingest", "store"):
        assert report["median"][f"{stage}_alone_aps"] > 0, stage
        assert re.search(rf"^\s+{stage} alone\s+[\d,]+", proc.stdout, re.M), proc.stdout

    table = proc.stdout
    for label in ("ingest", "store", "enrich", "end-to-end"):
        assert re.search(rf"^\s+{label}\b.*\d+ s$", table, re.M), f"no {label} line in:\n{table}"
    if with_floor:
        assert run["floor"]["articles"] == N and run["floor"]["floor_aps"] > 0
        for stage in STAGES:
            assert report["median"][f"ratio_{stage}"] > 0, stage
        for label in ("ingest", "store", "enrich", "end-to-end"):
            assert re.search(rf"^\s+ratio {label}\b.* / floor\s+\d+\.\d+$", table, re.M), f"no ratio line:\n{table}"
        for stage in ("ingest", "store"):
            assert alone[f"floor_{stage}_alone_aps"] > 0, stage
            assert report["median"][f"ratio_{stage}_alone"] > 0, stage
            assert report["median"][f"ratio_{stage}_alone_to_floor_{stage}_alone"] > 0, stage
    else:
        assert "floor skipped" in table

    _nothing_left_behind(redis_server_url, run, with_floor=with_floor)


def _nothing_left_behind(redis_server_url: str, run: dict[str, Any], *, with_floor: bool) -> None:
    """Nothing of the bench stays in the shared Redis: its stream prefixes and the floor's keys are gone."""
    r = redis.Redis.from_url(redis_server_url)
    try:
        assert not list(r.scan_iter(match=f"{run['newswire']['stream_prefix']}*"))
        assert not list(r.scan_iter(match=f"{run['alone']['stream_prefix']}*"))
    finally:
        r.close()
    if with_floor:
        floor_db = redis.Redis.from_url(run["floor"]["redis"])
        try:
            assert not list(floor_db.scan_iter(match=f"{run['floor']['key_prefix']}*"))
            assert not list(floor_db.scan_iter(match="floor-alone*"))
        finally:
            floor_db.close()
