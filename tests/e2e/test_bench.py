"""`newswire bench` as a user runs it: real services, real Redis, the shipped floor beside it (and the shared
one, when the checkout has ../shared/bench/floor.py, as the floor's check). No speed asserted."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import redis

from tests.support import NEWSWIRE

SHARED_FLOOR = Path(__file__).resolve().parents[3] / "shared" / "bench" / "floor.py"
N = 300
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STAGES = ("ingest", "store", "enrich", "end_to_end")


def test_bench_measures_every_stage_and_compares_with_the_floor(tmp_path: Path, redis_server_url: str) -> None:
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env["NEWSWIRE_REDIS_URL"] = redis_server_url
    # the floor by default: the one shipped in newswire_tools, so no ../shared is needed
    cmd = [NEWSWIRE, "bench", "-n", str(N), "--runs", "1", "--json", str(out), "--latency-seconds", "2"]
    with_check = SHARED_FLOOR.is_file()

    proc = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text())
    assert '"_' not in out.read_text()  # the per-entry series are for the plot, not the JSON
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
    _check_memory(report, nw, proc.stdout)
    _check_scale_out(report, run, proc.stdout)
    _check_plot(report, tmp_path / "bench.png", proc.stdout)
    # drop-to-enriched latency at a steady rate: 50 files/s for 2 s, every file timed
    latency = run["latency"]
    assert latency["latency_files"] == 100
    assert 0 < latency["latency_p50_ms"] <= latency["latency_p95_ms"] <= latency["latency_p99_ms"]
    assert latency["latency_p99_ms"] <= latency["latency_max_ms"]
    assert re.search(r"^\s+latency\s+drop to enriched at 50 files/s .* p99 \d+ ms", proc.stdout, re.M), proc.stdout
    assert all(code == 0 for code in nw["exit_codes"].values()), nw["exit_codes"]

    # each stage alone: its own pass, every article through, nothing dead
    for stage in ("ingest", "store"):
        assert report["median"][f"{stage}_alone_aps"] > 0, stage
        assert re.search(rf"^\s+{stage} alone\s+[\d,]+", proc.stdout, re.M), proc.stdout

    table = proc.stdout
    for label in ("ingest", "store", "enrich", "end-to-end"):
        assert re.search(rf"^\s+{label}\b.*\d+ s$", table, re.M), f"no {label} line in:\n{table}"
    _check_floor(report, run, table, with_check=with_check)
    _nothing_left_behind(redis_server_url, run, with_floor=True)


def _check_memory(report: dict[str, Any], nw: dict[str, Any], table: str) -> None:
    for service in ("ingest", "store", "enrich"):
        assert report["median"][f"rss_{service}_mib"] > 0, service
        assert report["median"][f"cpu_s_per_1000_{service}"] > 0, service
        assert report["median"][f"pss_{service}_mib"] > 0, service  # the whole tree, sampled during the run
    for service in ("store", "enrich"):  # their workers are counted too
        assert report["median"][f"rss_{service}_worker_mib"] > 0, service
        assert nw["memory"][f"{service}-1" if service == "enrich" else service]["workers_seen"] >= 1, service
    assert nw["memory_samples"] >= 2
    assert re.search(r"^\s+enrich\s+\d+\s+\d+\s+\d+$", table, re.M), table  # the memory table


def _check_scale_out(report: dict[str, Any], run: dict[str, Any], table: str) -> None:
    # the scale-out run: 2 store + 2 enrich processes, every article through, each stage against 1+1
    scaled = run["newswire_scale_out"]
    assert (scaled["store_procs"], scaled["enrich_procs"]) == (2, 2)
    assert scaled["counts"] == {"ingest": N, "store": N, "enrich": N, "dead": 0}
    assert set(scaled["exit_codes"]) == {"ingest", "store-1", "store-2", "enrich-1", "enrich-2"}
    assert all(code == 0 for code in scaled["exit_codes"].values()), scaled["exit_codes"]
    for stage in STAGES:
        assert report["scale_out"]["median"][f"scale_out_ratio_{stage}"] > 0, stage
    assert re.search(r"^\s+end-to-end\s+[\d,]+\s+[\d,]+\s+\d+\.\d{3}\s+\d+\.\d{3}$", table, re.M), table


def _check_plot(report: dict[str, Any], plot: Path, table: str) -> None:
    # the plot, next to the JSON
    if report["plot"]:
        assert report["plot"] == str(plot) and plot.read_bytes().startswith(PNG_SIGNATURE)
    else:  # no matplotlib: one line says so, and the bench still succeeds
        assert "matplotlib" in report["plot_note"] and "plot skipped" in table


def _check_floor(report: dict[str, Any], run: dict[str, Any], table: str, *, with_check: bool) -> None:
    assert run["floor"]["articles"] == N and run["floor"]["floor_aps"] > 0
    assert report["floor"].endswith("newswire_tools/floor.py")
    for stage in STAGES:
        assert report["median"][f"ratio_{stage}"] > 0, stage
    for label in ("ingest", "store", "enrich", "end-to-end"):
        assert re.search(rf"^\s+ratio {label}\b.* / floor\s+\d+\.\d+$", table, re.M), f"no ratio line:\n{table}"
    for stage in ("ingest", "store"):
        assert run["alone"][f"floor_{stage}_alone_aps"] > 0, stage
        assert report["median"][f"ratio_{stage}_alone"] > 0, stage
        assert report["median"][f"ratio_{stage}_alone_to_floor_{stage}_alone"] > 0, stage
    if with_check:  # the shared floor, measured in the same run: shipped / shared
        assert run["check_floor"]["articles"] == N
        assert report["median"]["ratio_floor_to_check_floor"] > 0
        assert re.search(r"^\s+ratio shipped floor / shared floor\s+\d+\.\d{3}  \(", table, re.M), table
    else:
        assert "floor check skipped" in table


def _nothing_left_behind(redis_server_url: str, run: dict[str, Any], *, with_floor: bool) -> None:
    """Nothing of the bench stays in the shared Redis: its stream prefixes and the floor's keys are gone."""
    r = redis.Redis.from_url(redis_server_url)
    try:
        assert not list(r.scan_iter(match=f"{run['newswire']['stream_prefix']}*"))
        assert not list(r.scan_iter(match=f"{run['newswire_scale_out']['stream_prefix']}*"))
        assert not list(r.scan_iter(match=f"{run['alone']['stream_prefix']}*"))
    finally:
        r.close()
    if with_floor:
        floor_db = redis.Redis.from_url(run["floor"]["redis"])
        try:
            assert not list(floor_db.scan_iter(match=f"{run['floor']['key_prefix']}*"))
            if "check_floor" in run:
                assert not list(floor_db.scan_iter(match=f"{run['check_floor']['key_prefix']}*"))
            assert not list(floor_db.scan_iter(match="floor-alone*"))
        finally:
            floor_db.close()
