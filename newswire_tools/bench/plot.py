"""The bench's PNG: each stage's throughput over time (newswire 1+1, newswire scale-out, the floor)
and the drop-to-enriched latency distribution.

matplotlib is imported only here and only when a plot is written (it is in the dev dependency
group, not a runtime dependency), with the Agg backend: no display is needed. Without it, or when
drawing fails, write_plot says why in one line and the bench goes on.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newswire_tools.bench.latency import quantile

BIN_S = 0.5  # the bin width; a run shorter than SHORT_S gets finer bins (at least MIN_BINS of them)
SHORT_S = 5.0
MIN_BINS = 10
STAGE_LABELS = {
    "ingest": "ingest → articles:raw",
    "store": "store → articles:stored",
    "enrich": "enrich → articles:enriched",
}
FLOOR_LABELS = {"ingest": "watcher → raw", "store": "store → stored", "enrich": "enrich → enriched"}
COLOURS = {"ingest": "tab:blue", "store": "tab:orange", "enrich": "tab:green"}


@dataclass
class Timeline:
    """One pipelined measurement: per stage, the seconds from t0 to each entry on its output stream."""

    title: str
    stages: dict[str, list[float]]
    x_label: str = "seconds since the articles were dropped"
    floor: bool = False


@dataclass
class PlotData:
    title: str
    timelines: list[Timeline | str] = field(default_factory=list)  # a str: why that panel is empty
    latencies_ms: list[float] | None = None  # sorted
    latency_note: str = ""  # e.g. the arrival rate, for the latency panel's title


def per_second(times_s: list[float], bin_s: float = BIN_S) -> tuple[list[float], list[float]]:
    """(left edge of each bin, entries per second in it) from 0 to the last entry, bins of bin_s."""
    if not times_s:
        return [], []
    bins = max(1, math.ceil(max(*times_s, 0.0) / bin_s + 1e-9))
    counts = [0] * bins
    for t in times_s:
        counts[min(bins - 1, max(0, int(t / bin_s)))] += 1
    return [i * bin_s for i in range(bins)], [c / bin_s for c in counts]


def bin_width(timelines: dict[str, list[float]]) -> float:
    """BIN_S, or for a short run (a fast floor on a few articles) a finer round width."""
    span = max((max(times) for times in timelines.values() if times), default=0.0)
    if span >= SHORT_S:
        return BIN_S
    for width in (0.2, 0.1, 0.05, 0.02, 0.01):
        if span / width >= MIN_BINS:
            return width
    return 0.01


def write_plot(path: Path, data: PlotData) -> str | None:
    """Write the PNG at path; None when written, else one line saying why it was not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        return f"matplotlib is not installed ({exc.name or exc}); `uv sync --locked` installs it with the dev group"
    try:
        panels = len(data.timelines) + (1 if data.latencies_ms is not None else 0)
        columns = 2 if panels > 1 else 1
        rows = math.ceil(panels / columns)
        fig = Figure(figsize=(7 * columns, 4.2 * rows + 0.6), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        fig.suptitle(data.title, fontsize=13)
        axes = [fig.add_subplot(rows, columns, i + 1) for i in range(panels)]
        for ax, timeline in zip(axes, data.timelines, strict=False):
            if isinstance(timeline, str):
                _empty(ax, "stage throughput", timeline)
            else:
                _throughput(ax, timeline)
        if data.latencies_ms is not None:
            _latency(axes[-1], data.latencies_ms, data.latency_note)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        fig.savefig(tmp, format="png")
        os.replace(tmp, path)
    except Exception as exc:  # noqa: BLE001 - a plot must never fail the bench: say why instead
        return f"drawing failed: {type(exc).__name__}: {exc}"
    return None


def _throughput(ax: Any, timeline: Timeline) -> None:
    labels = FLOOR_LABELS if timeline.floor else STAGE_LABELS
    width = bin_width(timeline.stages)
    drawn = False
    for k, (stage, times) in enumerate(timeline.stages.items()):
        edges, rates = per_second(times, width)
        if not edges:
            continue
        # a step per bin, closed at the right edge of the last one; earlier stages drawn wider, so
        # a later one at the same rate does not hide them
        ax.step(
            [*edges, edges[-1] + width],
            [*rates, rates[-1]],
            where="post",
            color=COLOURS.get(stage),
            lw=max(1.0, 2.8 - 0.7 * k),
            alpha=0.85,
            label=f"{labels.get(stage, stage)} ({len(times):,} entries)",
        )
        drawn = True
    ax.set_title(timeline.title, fontsize=11)
    ax.set_xlabel(f"{timeline.x_label} (s)")
    ax.set_ylabel(f"articles/s (entries per {width:g} s bin)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    if drawn:
        ax.legend(loc="best", fontsize=8)


def _latency(ax: Any, latencies_ms: list[float], note: str) -> None:
    if not latencies_ms:
        _empty(ax, "drop-to-enriched latency", note or "no latency samples")
        return
    ordered = sorted(latencies_ms)
    ax.hist(
        ordered,
        bins=min(60, max(10, len(ordered) // 20)),
        color="tab:purple",
        alpha=0.55,
        label=f"files ({len(ordered):,})",
    )
    ax.set_xlabel("drop-to-enriched latency (ms)")
    ax.set_ylabel("files per bin")
    cdf = ax.twinx()
    cdf.plot(
        ordered,
        [(i + 1) / len(ordered) for i in range(len(ordered))],
        color="black",
        lw=1.2,
        label="cumulative fraction",
    )
    cdf.set_ylim(0, 1.02)
    cdf.set_ylabel("cumulative fraction of files")
    for q, style in ((0.50, "-"), (0.95, "--"), (0.99, ":")):
        value = quantile(ordered, q)
        ax.axvline(value, color="tab:red", ls=style, lw=1.4, label=f"p{round(q * 100)} {value:,.0f} ms")
    handles, labels = ax.get_legend_handles_labels()
    more_h, more_l = cdf.get_legend_handles_labels()
    ax.legend(handles + more_h, labels + more_l, loc="center right", fontsize=8)
    ax.set_title(f"drop-to-enriched latency{f', {note}' if note else ''}", fontsize=11)
    ax.set_xlim(left=0)
    ax.grid(True, alpha=0.3)


def _empty(ax: Any, title: str, why: str) -> None:
    ax.set_title(title, fontsize=11)
    ax.text(0.5, 0.5, why, ha="center", va="center", transform=ax.transAxes, fontsize=10, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])
