"""The bench report's figures from synthetic runs: scale-out, the floor check, memory with workers, the plot line."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from newswire_tools.bench.measure import _memory_keys
from newswire_tools.bench.report import build_report, table
from newswire_tools.bench.run import take_series

STAGES = ("ingest", "store", "enrich", "end_to_end")
FLOOR = Path("/x/newswire_tools/floor.py")
SHARED = Path("/x/shared/bench/floor.py")


def _newswire(rates: dict[str, float], *, stores: int = 1, enrichers: int = 1) -> dict[str, Any]:
    memory = {
        "ingest": {"rss_mib": 80.0, "worker_rss_max_mib": 0.0, "pss_tree_max_mib": 70.0, "workers_seen": 0},
        **{
            (f"store-{i}" if stores > 1 else "store"): {
                "rss_mib": 95.0 + i,
                "worker_rss_max_mib": 45.0,
                "pss_tree_max_mib": 160.0,
                "workers_seen": 1,
            }
            for i in range(1, stores + 1)
        },
        **{
            f"enrich-{i}": {
                "rss_mib": 120.0,
                "worker_rss_max_mib": 250.0 + i,
                "pss_tree_max_mib": 400.0,
                "workers_seen": 1,
            }
            for i in range(1, enrichers + 1)
        },
    }
    service_pss = {"ingest": 70.0, "store": 160.0 * stores, "enrich": 400.0 * enrichers}
    return {
        "articles": 1000,
        "store_procs": stores,
        "enrich_procs": enrichers,
        "stream_prefix": "benchabc:",
        "counts": {"ingest": 1000, "store": 1000, "enrich": 1000, "dead": 0},
        **{f"{s}_aps": rates[s] for s in STAGES},
        **{f"{s}_done_s": 1000 / rates[s] for s in STAGES},
        **_memory_keys(memory, service_pss),
        "rss_mib": {name: m["rss_mib"] for name, m in memory.items()},
        "memory": memory,
        **{f"cpu_s_per_1000_{s}": 1.0 for s in ("ingest", "store", "enrich")},
        "exit_codes": dict.fromkeys(memory, 0),
        "warnings": [],
        "_timeline": {"ingest": [0.1, 0.2], "store": [0.3], "enrich": [0.5]},
    }


def _run(floor_aps: float = 2000.0, check_aps: float = 2100.0, seconds: float = 5.0) -> dict[str, Any]:
    scaled = _newswire({"ingest": 800, "store": 500, "enrich": 180, "end_to_end": 170}, stores=2, enrichers=2)
    scaled["warnings"] = ["enrich-2 exited with 1 after SIGTERM"]
    return {
        "redis": "redis://127.0.0.1:6379/5",
        "redis_kind": "external",
        "newswire": _newswire({"ingest": 900, "store": 400, "enrich": 120, "end_to_end": 110}),
        "newswire_scale_out": scaled,
        "alone": {"stream_prefix": "benchdef:", "ingest_alone_aps": 1500.0, "store_alone_aps": 900.0},
        "latency": {
            "latency_rate": 50.0,
            "latency_files": 250,
            "latency_p50_ms": 200.0,
            "latency_p95_ms": 400.0,
            "latency_p99_ms": 450.0,
            "latency_max_ms": 480.0,
            "latency_mean_ms": 230.0,
            "_latencies_ms": [150.0, 200.0, 480.0],
        },
        "floor": {
            "articles": 1000,
            "seconds": seconds,
            "floor_aps": floor_aps,
            "line": "floor: ...",
            "key_prefix": "floor1:",
            "redis": "redis://127.0.0.1:6379/9",
            "_timeline": {"ingest": [0.0], "store": [0.01], "enrich": [0.02]},
        },
        "check_floor": {"articles": 1000, "seconds": seconds, "floor_aps": check_aps, "script": str(SHARED)},
    }


def _report(results: list[dict[str, Any]]) -> dict[str, Any]:
    for result in results:
        take_series(result)
    return build_report(1000, results, FLOOR, "", check_floor=SHARED, check_label="shipped floor / shared floor")


def test_series_are_taken_out_of_the_results() -> None:
    result = _run()

    series = take_series(result)

    assert set(series) == {
        "newswire_timeline",
        "newswire_scale_out_timeline",
        "latency_latencies_ms",
        "floor_timeline",
    }
    assert not [k for part in result.values() if isinstance(part, dict) for k in part if k.startswith("_")]


def test_scale_out_figures_and_ratios() -> None:
    report = _report([_run()])

    scale = report["scale_out"]
    assert (scale["store_procs"], scale["enrich_procs"]) == (2, 2)
    assert scale["median"]["enrich_aps"] == 180
    assert scale["median"]["scale_out_ratio_enrich"] == 1.5  # 180 / 120
    assert scale["median"]["scale_out_ratio_ingest"] == round(800 / 900, 3)
    assert scale["median"]["ratio_end_to_end"] == round(170 / 2000, 3)  # against the floor
    assert report["warnings"] == ["scale-out run: enrich-2 exited with 1 after SIGTERM"]
    text = table(report)
    assert re.search(r"^\s+enrich\s+120\s+180\s+1\.500\s+0\.090$", text, re.M), text
    assert re.search(r"^\s+end-to-end\s+110\s+170\s+1\.545\s+0\.085$", text, re.M), text


def test_floor_check_ratio_is_in_the_json_and_the_table() -> None:
    report = _report([_run(floor_aps=2000, check_aps=2100), _run(floor_aps=1900, check_aps=1800)])

    m = report["median"]
    assert report["check_floor"] == str(SHARED)
    assert m["check_floor_aps"] == 1950
    assert m["ratio_floor_to_check_floor"] == round((2000 / 2100 + 1900 / 1800) / 2, 3)
    assert [r["floor_check"]["ratio_floor_to_check_floor"] for r in report["per_run"]] == [
        round(2000 / 2100, 3),
        round(1900 / 1800, 3),
    ]
    text = table(report)
    assert re.search(r"^\s+ratio shipped floor / shared floor\s+1\.00\d  \(they agree within noise\)$", text, re.M)
    assert re.search(r"^\s+shared floor \(the check\)\s+1,950\s+5\.00 s$", text, re.M), text


def test_floor_check_outside_the_band_or_too_short_says_so() -> None:
    assert "look again" in table(_report([_run(floor_aps=1500, check_aps=2000)]))
    assert "start-up noise" in table(_report([_run(floor_aps=1500, check_aps=2000, seconds=0.4)]))


def test_without_a_check_floor_there_is_no_check_ratio() -> None:
    result = _run()
    del result["check_floor"]
    take_series(result)

    report = build_report(1000, [result], FLOOR, "", check_note="floor check skipped: no ../shared/bench/floor.py")

    assert report["check_floor"] is None and "ratio_floor_to_check_floor" not in report["median"]
    assert "floor check skipped: no ../shared/bench/floor.py" in table(report)


def test_memory_counts_the_workers() -> None:
    report = _report([_run()])

    m = report["median"]
    # the service process, the largest of its workers, the whole tree's PSS
    assert (m["rss_enrich_mib"], m["rss_enrich_worker_mib"], m["pss_enrich_mib"]) == (120, 251, 400)
    assert (m["rss_store_mib"], m["rss_store_worker_mib"], m["pss_store_mib"]) == (96, 45, 160)
    assert (m["rss_ingest_mib"], m["rss_ingest_worker_mib"]) == (80, 0)
    # scale-out: the largest of the two processes, PSS of both trees together
    sm = report["scale_out"]["median"]
    assert (sm["rss_store_mib"], sm["rss_enrich_worker_mib"], sm["pss_enrich_mib"]) == (97, 252, 800)
    text = table(report)
    assert re.search(r"^\s+enrich\s+120\s+251\s+400$", text, re.M), text
    assert re.search(r"^\s+ingest\s+80\s+no workers\s+70$", text, re.M), text
    assert "memory, 2+2 run: tree PSS store 320 MiB, enrich 800 MiB (all of a service's processes)" in text


def test_plot_line() -> None:
    report = _report([_run()])
    report["plot"], report["plot_note"] = None, "plot skipped: matplotlib is not installed (matplotlib)"
    assert "  plot      plot skipped: matplotlib is not installed" in table(report)
    report["plot"] = "bench.png"
    assert re.search(r"^  plot      bench\.png$", table(report), re.M)


def test_older_keys_still_there() -> None:
    report = _report([copy.deepcopy(_run())])

    m = report["median"]
    for key in ("rss_ingest_mib", "rss_store_mib", "rss_enrich_mib", "floor_aps", "ratio_end_to_end"):
        assert key in m, key
    assert report["per_run"][0]["newswire"]["rss_mib"]["store"] == 96
