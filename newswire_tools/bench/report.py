"""The report of the runs: ratios to the floor, the median of each figure, the table and the JSON."""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any

STAGES = ("ingest", "store", "enrich", "end_to_end")
ALONE = ("ingest", "store")  # stages also measured alone (enrich is the slowest: the pipelined figure is its own)


def run_summary(result: dict[str, Any]) -> str:
    nw = result["newswire"]
    text = ", ".join(f"{s} {nw[f'{s}_aps']:,.0f}/s" for s in STAGES)
    if "floor" in result:
        text += f"; floor {result['floor']['floor_aps']:,.0f}/s"
    return text


def _ratios(nw: dict[str, Any], floor: dict[str, Any] | None) -> dict[str, float]:
    if floor is None:
        return {}
    return {f"ratio_{s}": round(nw[f"{s}_aps"] / floor["floor_aps"], 3) for s in STAGES}


def _alone_ratios(alone: dict[str, Any], floor: dict[str, Any] | None) -> dict[str, float]:
    """Each stage alone against the floor's end-to-end figure, and against the same floor stage alone."""
    if floor is None:
        return {}
    out = {f"ratio_{s}_alone": round(alone[f"{s}_alone_aps"] / floor["floor_aps"], 3) for s in ALONE}
    for s in ALONE:
        if alone.get(f"floor_{s}_alone_aps"):
            out[f"ratio_{s}_alone_to_floor_{s}_alone"] = round(
                alone[f"{s}_alone_aps"] / alone[f"floor_{s}_alone_aps"], 3
            )
    return out


def _median(rows: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k, v in rows[0].items() if isinstance(v, int | float) and not isinstance(v, bool)]
    return {k: round(statistics.median(row[k] for row in rows), 3) for k in keys if all(k in row for row in rows)}


def build_report(
    n: int, results: list[dict[str, Any]], floor: Path | None, floor_note: str, enrich_variant: int
) -> dict[str, Any]:
    for res in results:
        res["ratios"] = _ratios(res["newswire"], res.get("floor"))
        res["ratios_alone"] = _alone_ratios(res["alone"], res.get("floor"))
        if enrich_variant:
            res["ratios_enrich_procs"] = _ratios(res["newswire_enrich_procs"], res.get("floor"))
    report: dict[str, Any] = {
        "articles": n,
        "runs": len(results),
        "redis": results[0]["redis"],
        "redis_kind": results[0]["redis_kind"],
        "database": "sqlite (a fresh file per run)",
        "floor": str(floor) if floor else None,
        "floor_note": floor_note,
        "enrich_procs": 1,
        "median": {
            **_median([r["newswire"] for r in results]),
            **(_median([r["floor"] for r in results]) if floor else {}),
            **(_median([r["ratios"] for r in results]) if floor else {}),
            **_median([r["alone"] for r in results]),
            **(_median([r["latency"] for r in results]) if all("latency" in r for r in results) else {}),
            **(_median([r["ratios_alone"] for r in results]) if floor else {}),
        },
        "per_run": results,
        "warnings": [
            w
            for r in results
            for key in ("newswire", "newswire_enrich_procs")
            for w in r.get(key, {}).get("warnings", [])
        ],
    }
    if enrich_variant:
        report["enrich_procs_variant"] = {
            "enrich_procs": enrich_variant,
            "median": {
                **_median([r["newswire_enrich_procs"] for r in results]),
                **(_median([r["ratios_enrich_procs"] for r in results]) if floor else {}),
            },
        }
    return report


def table(report: dict[str, Any]) -> str:
    m = report["median"]
    runs = report["runs"]
    floor_where = report["per_run"][0].get("floor", {}).get("redis", "")
    if report["redis_kind"] == "embedded":
        floor_where = "the run's embedded server, database 1"
    lines = [
        f"newswire bench: {report['articles']:,} articles, {runs} run{'s' if runs > 1 else ''}, median of each figure",
        f"  redis     {report['redis']} (a stream prefix per run, its keys deleted after)"
        if report["redis_kind"] == "external"
        else "  redis     embedded Valkey, one per run (NEWSWIRE_REDIS_URL is unset)",
        f"  database  {report['database']}",
        "  services  newswire ingest | store | enrich, one process each, NEWSWIRE_SETTLE_S=0",
        f"  floor     {report['floor']} on {floor_where}" if report["floor"] else f"  floor     {report['floor_note']}",
        "",
        f"  {'stage':<28}{'articles/s':>12}{'done after':>13}",
    ]
    labels = {"ingest": "ingest", "store": "store", "enrich": "enrich (1 process)", "end_to_end": "end-to-end"}
    for s in STAGES:
        lines.append(f"  {labels[s]:<28}{m[f'{s}_aps']:>12,.0f}{m[f'{s}_done_s']:>11.2f} s")
    variant = report.get("enrich_procs_variant")
    if variant:
        vm, k = variant["median"], variant["enrich_procs"]
        lines.append(f"  {f'enrich ({k} processes)':<28}{vm['enrich_aps']:>12,.0f}{vm['enrich_done_s']:>11.2f} s")
        lines.append(
            f"  {f'end-to-end ({k} enrich)':<28}{vm['end_to_end_aps']:>12,.0f}{vm['end_to_end_done_s']:>11.2f} s"
        )
    if report["floor"]:
        lines.append(f"  {'floor (redis-py + sqlite3)':<28}{m['floor_aps']:>12,.0f}{m['seconds']:>11.2f} s")
        lines += ["", "  ratio newswire / floor (same run, median over runs)"]
        for s in STAGES:
            lines.append(f"  ratio {labels[s] + ' / floor':<33}{m[f'ratio_{s}']:>7.3f}")
        if variant:
            vm, k = variant["median"], variant["enrich_procs"]
            lines.append(f"  ratio {f'enrich ({k} processes) / floor':<33}{vm['ratio_enrich']:>7.3f}")
            lines.append(f"  ratio {f'end-to-end ({k} enrich) / floor':<33}{vm['ratio_end_to_end']:>7.3f}")
    lines += ["", "  each stage alone (its input already waiting, nothing downstream running)"]
    lines.append(f"  {'stage':<28}{'articles/s':>12}{'/ floor':>9}{'/ floor stage alone':>21}")
    for s in ALONE:
        floor_stage = m.get(f"floor_{s}_alone_aps")
        lines.append(
            f"  {s + ' alone':<28}{m[f'{s}_alone_aps']:>12,.0f}"
            + (f"{m[f'ratio_{s}_alone']:>9.3f}" if report["floor"] else "")
            + (
                f"{m[f'ratio_{s}_alone_to_floor_{s}_alone']:>9.3f} (floor {floor_stage:,.0f}/s)"
                if floor_stage and f"ratio_{s}_alone_to_floor_{s}_alone" in m
                else ""
            )
        )
    lines += [
        "",
        f"  peak RSS  ingest {m['rss_ingest_mib']:.0f} MiB, store {m['rss_store_mib']:.0f} MiB, "
        f"enrich {m['rss_enrich_mib']:.0f} MiB (the service process; its workers not counted)",
        f"  CPU s per 1,000 articles (service and workers)  ingest {m['cpu_s_per_1000_ingest']:.2f}, "
        f"store {m['cpu_s_per_1000_store']:.2f}, enrich {m['cpu_s_per_1000_enrich']:.2f}",
        "  stage rate: entries/s on the stage's output stream, first to last entry (bounded by the stage before)",
    ]
    if "latency_p50_ms" in m:
        lines.append(
            f"  latency   drop to enriched at {m['latency_rate']:.0f} files/s ({m['latency_files']:.0f} files, "
            f"NEWSWIRE_SETTLE_S=0): p50 {m['latency_p50_ms']:.0f} ms, p95 {m['latency_p95_ms']:.0f} ms, "
            f"p99 {m['latency_p99_ms']:.0f} ms, max {m['latency_max_ms']:.0f} ms"
        )
    timings = report.get("enricher_ms") or {}
    if timings:
        ordered = sorted(timings.items(), key=lambda kv: -kv[1])
        lines.append(
            f"  enrichers (ms per article, in-process, {min(500, report['articles'])} articles, total "
            f"{sum(timings.values()):.2f}): " + ", ".join(f"{k} {v:.2f}" for k, v in ordered)
        )
    lines += [f"  warning: {w}" for w in report["warnings"]]
    return "\n".join(lines)


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
