"""The report of the runs: ratios to the floor, the median of each figure, the table and the JSON."""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any

STAGES = ("ingest", "store", "enrich", "end_to_end")
SHORT_FLOOR_S = 2.0  # a floor run shorter than this is mostly start-up: the check says so
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


def _scale_out_ratios(base: dict[str, Any], scaled: dict[str, Any], floor: dict[str, Any] | None) -> dict[str, float]:
    """Each stage of the scale-out run against the same stage of the 1+1 run (and, end to end, the floor)."""
    out = {f"scale_out_ratio_{s}": round(scaled[f"{s}_aps"] / base[f"{s}_aps"], 3) for s in STAGES if base[f"{s}_aps"]}
    if floor is not None:
        out.update({f"ratio_{s}": round(scaled[f"{s}_aps"] / floor["floor_aps"], 3) for s in STAGES})
    return out


def _check_figures(floor: dict[str, Any], check: dict[str, Any]) -> dict[str, float]:
    return {
        "check_floor_aps": check["floor_aps"],
        "check_floor_seconds": check["seconds"],
        "ratio_floor_to_check_floor": round(floor["floor_aps"] / check["floor_aps"], 3),
    }


def build_report(
    n: int,
    results: list[dict[str, Any]],
    floor: Path | None,
    floor_note: str,
    *,
    check_floor: Path | None = None,
    check_note: str = "",
    check_label: str = "floor / check floor",
) -> dict[str, Any]:
    scaled = all("newswire_scale_out" in r for r in results)
    checked = floor is not None and all("check_floor" in r for r in results)
    for res in results:
        res["ratios"] = _ratios(res["newswire"], res.get("floor"))
        res["ratios_alone"] = _alone_ratios(res["alone"], res.get("floor"))
        if scaled:
            res["ratios_scale_out"] = _scale_out_ratios(res["newswire"], res["newswire_scale_out"], res.get("floor"))
        if checked:
            res["floor_check"] = _check_figures(res["floor"], res["check_floor"])
    report: dict[str, Any] = {
        "articles": n,
        "runs": len(results),
        "redis": results[0]["redis"],
        "redis_kind": results[0]["redis_kind"],
        "database": "sqlite (a fresh file per run)",
        "floor": str(floor) if floor else None,
        "floor_note": floor_note,
        "check_floor": str(check_floor) if checked else None,
        "check_floor_note": check_note,
        "check_label": check_label,
        "enrich_procs": 1,
        "median": {
            **_median([r["newswire"] for r in results]),
            **(_median([r["floor"] for r in results]) if floor else {}),
            **(_median([r["ratios"] for r in results]) if floor else {}),
            **(_median([r["floor_check"] for r in results]) if checked else {}),
            **_median([r["alone"] for r in results]),
            **(_median([r["latency"] for r in results]) if all("latency" in r for r in results) else {}),
            **(_median([r["ratios_alone"] for r in results]) if floor else {}),
        },
        "per_run": results,
        "warnings": [
            f"{label}{w}"
            for r in results
            for key, label in (("newswire", ""), ("newswire_scale_out", "scale-out run: "))
            for w in r.get(key, {}).get("warnings", [])
        ],
    }
    if scaled:
        first = results[0]["newswire_scale_out"]
        report["scale_out"] = {
            "store_procs": first["store_procs"],
            "enrich_procs": first["enrich_procs"],
            "median": {
                **_median([r["newswire_scale_out"] for r in results]),
                **_median([r["ratios_scale_out"] for r in results]),
            },
        }
    return report


LABELS = {"ingest": "ingest", "store": "store", "enrich": "enrich (1 process)", "end_to_end": "end-to-end"}


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
        "  services  newswire ingest | store | enrich, one process each, NEWSWIRE_SETTLE_S=0; the articles land"
        " in the inbox by one rename (their folder moved in)",
        f"  floor     {report['floor']} on {floor_where}" if report["floor"] else f"  floor     {report['floor_note']}",
    ]
    if report["floor"]:
        lines.append(
            f"  check     {report['check_floor']}, measured in the same runs"
            if report.get("check_floor")
            else f"  check     {report.get('check_floor_note') or 'none'}"
        )
    lines += ["", f"  {'stage':<28}{'articles/s':>12}{'done after':>13}"]
    for s in STAGES:
        lines.append(f"  {LABELS[s]:<28}{m[f'{s}_aps']:>12,.0f}{m[f'{s}_done_s']:>11.2f} s")
    if report["floor"]:
        lines.append(f"  {'floor (redis-py + sqlite3)':<28}{m['floor_aps']:>12,.0f}{m['seconds']:>11.2f} s")
        if report.get("check_floor"):
            checked = f"{report['check_label'].rpartition(' / ')[2]} (the check)"
            lines.append(f"  {checked:<28}{m['check_floor_aps']:>12,.0f}{m['check_floor_seconds']:>11.2f} s")
        lines += ["", "  ratio newswire / floor (same run, median over runs)"]
        for s in STAGES:
            lines.append(f"  ratio {LABELS[s] + ' / floor':<33}{m[f'ratio_{s}']:>7.3f}")
        if report.get("check_floor"):
            ratio = m["ratio_floor_to_check_floor"]
            verdict = "they agree within noise" if 0.9 <= ratio <= 1.1 else "outside 0.9-1.1: look again"
            if min(m["seconds"], m["check_floor_seconds"]) < SHORT_FLOOR_S:
                verdict = f"under {SHORT_FLOOR_S:.0f} s a run: start-up noise, more articles to compare"
            lines.append(f"  ratio {report['check_label']:<33}{ratio:>7.3f}  ({verdict})")
    lines += _scale_out_lines(report)
    lines += _alone_lines(report)
    lines += ["", *_memory_lines(m, report.get("scale_out"))]
    lines += [
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
    if "plot" in report:
        lines.append(f"  plot      {report['plot']}" if report["plot"] else f"  plot      {report['plot_note']}")
    lines += [f"  warning: {w}" for w in report["warnings"]]
    return "\n".join(lines)


def _scale_out_lines(report: dict[str, Any]) -> list[str]:
    scale = report.get("scale_out")
    if not scale:
        return []
    m, sm = report["median"], scale["median"]
    k = f"{scale['store_procs']}+{scale['enrich_procs']}"
    lines = [
        "",
        f"  scale-out: pipelined with 1 store + 1 enrich process (1+1) and with {scale['store_procs']} store + "
        f"{scale['enrich_procs']} enrich processes ({k})",
        f"  {'stage':<28}{'1+1 art/s':>12}{f'{k} art/s':>12}{f'{k} / 1+1':>12}"
        + (f"{f'{k} / floor':>13}" if report["floor"] else ""),
    ]
    for s in STAGES:
        label = "end-to-end" if s == "end_to_end" else s
        ratio = sm.get(f"scale_out_ratio_{s}")
        lines.append(
            f"  {label:<28}{m[f'{s}_aps']:>12,.0f}{sm[f'{s}_aps']:>12,.0f}"
            + (f"{ratio:>12.3f}" if ratio is not None else f"{'-':>12}")
            + (f"{sm[f'ratio_{s}']:>13.3f}" if report["floor"] and f"ratio_{s}" in sm else "")
        )
    return lines


def _alone_lines(report: dict[str, Any]) -> list[str]:
    m = report["median"]
    lines = ["", "  each stage alone (its input already waiting, nothing downstream running)"]
    if m.get("alone_articles") and m["alone_articles"] < report["articles"]:
        lines.append(
            f"  (on the first {m['alone_articles']:,.0f} articles: ingest holds no more published files waiting"
            " for a store that is not running)"
        )
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
    return lines


def _memory_lines(m: dict[str, Any], scale: dict[str, Any] | None) -> list[str]:
    """Per service: the service process's peak RSS, its largest worker's, and its tree's PSS (1+1 run)."""
    lines = [
        f"  {'memory, MiB (1+1 run)':<28}{'process peak RSS':>18}{'largest worker':>16}{'tree PSS':>11}",
    ]
    for service in ("ingest", "store", "enrich"):
        worker = m.get(f"rss_{service}_worker_mib", 0.0)
        pss = m.get(f"pss_{service}_mib", 0.0)
        lines.append(
            f"  {service:<28}{m[f'rss_{service}_mib']:>18.0f}"
            + (f"{worker:>16.0f}" if worker else f"{'no workers':>16}")
            + (f"{pss:>11.0f}" if pss else f"{'-':>11}")
        )
    lines.append(
        "  (peak RSS: VmHWM of the service process, and the largest of its worker processes (the fork server's"
    )
    lines.append("  children); tree PSS: the service, its fork server and workers together, the largest total sampled)")
    if scale:
        sm, k = scale["median"], f"{scale['store_procs']}+{scale['enrich_procs']}"
        lines.append(
            f"  memory, {k} run: tree PSS store {sm.get('pss_store_mib', 0.0):.0f} MiB, "
            f"enrich {sm.get('pss_enrich_mib', 0.0):.0f} MiB (all of a service's processes); largest worker "
            f"store {sm.get('rss_store_worker_mib', 0.0):.0f} MiB, "
            f"enrich {sm.get('rss_enrich_worker_mib', 0.0):.0f} MiB"
        )
    return lines


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
