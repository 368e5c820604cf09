"""The bench's PNG, drawn from synthetic series: a real PNG when matplotlib is there, one line of why when not."""

from __future__ import annotations

import builtins
import random
from pathlib import Path
from typing import Any

import pytest

from newswire_tools.bench.plot import BIN_S, PlotData, Timeline, bin_width, per_second, write_plot
from newswire_tools.bench.run import plot_path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _stage(rng: random.Random, n: int, rate: float, lag: float) -> list[float]:
    return sorted(lag + i / rate + rng.random() * 0.05 for i in range(n))


def _data(with_latency: bool = True) -> PlotData:
    rng = random.Random(7)
    newswire = {
        "ingest": _stage(rng, 600, 900, 0.0),
        "store": _stage(rng, 600, 400, 0.2),
        "enrich": _stage(rng, 600, 120, 0.4),
    }
    scaled = {
        "ingest": _stage(rng, 600, 800, 0.0),
        "store": _stage(rng, 600, 450, 0.2),
        "enrich": _stage(rng, 600, 150, 0.4),
    }
    floor = {
        "ingest": _stage(rng, 600, 6000, 0.0),
        "store": _stage(rng, 600, 4000, 0.02),
        "enrich": _stage(rng, 600, 3000, 0.05),
    }
    return PlotData(
        title="newswire bench: 600 articles",
        timelines=[
            Timeline("newswire pipelined, 1 store + 1 enrich process", newswire),
            Timeline("newswire pipelined, 2 store + 2 enrich processes", scaled),
            Timeline(
                "floor (redis-py + sqlite3)", floor, x_label="seconds since the floor's first raw entry", floor=True
            ),
        ],
        latencies_ms=sorted(rng.lognormvariate(5, 0.4) for _ in range(250)) if with_latency else [],
        latency_note="250 files at 50 files/s" if with_latency else "not measured (--latency-seconds 0)",
    )


@pytest.mark.slow  # importing matplotlib and drawing four panels: seconds on a busy machine
def test_the_plot_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (the dev dependency group has it)")
    out = tmp_path / "plots" / "bench.png"

    assert write_plot(out, _data()) is None

    data = out.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000  # four drawn panels, not an empty canvas
    assert not list(out.parent.glob(".*.tmp"))  # written by rename, nothing left beside it


@pytest.mark.slow
def test_empty_panels_say_why(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (the dev dependency group has it)")
    data = _data(with_latency=False)
    data.timelines[1] = "scale-out run not measured (--no-scale-out)"
    out = tmp_path / "bench.png"

    assert write_plot(out, data) is None
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_without_matplotlib_the_plot_is_skipped_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    out = tmp_path / "bench.png"

    why = write_plot(out, _data())

    assert why is not None and "matplotlib is not installed" in why and "\n" not in why
    assert not out.exists()


@pytest.mark.slow
def test_a_drawing_error_is_reported_not_raised(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (the dev dependency group has it)")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the plot's folder should be")

    why = write_plot(blocker / "bench.png", _data())

    assert why is not None and why.startswith("drawing failed:")


def test_per_second_counts_entries_per_bin() -> None:
    edges, rates = per_second([0.0, 0.1, 0.4, 0.6, 1.2], 0.5)

    assert edges == [0.0, 0.5, 1.0]
    assert rates == [6.0, 2.0, 2.0]  # 3, 1 and 1 entries in 0.5 s
    assert per_second([]) == ([], [])


def test_bins_are_half_a_second_unless_the_run_is_short() -> None:
    assert bin_width({"enrich": [0.0, 30.0]}) == BIN_S
    assert bin_width({"enrich": [0.0, 2.5]}) == 0.2
    assert bin_width({"enrich": [0.0, 0.3]}) == 0.02
    assert bin_width({"enrich": [0.0, 0.05]}) == 0.01
    assert bin_width({"enrich": []}) == 0.01


@pytest.mark.parametrize(
    ("plot", "json_out", "expected"),
    [
        (None, None, Path("bench.png")),
        (None, "out/run3.json", Path("out/run3.png")),
        ("", "out/run3.json", None),
        ("elsewhere/p.png", "out/run3.json", Path("elsewhere/p.png")),
    ],
)
def test_where_the_plot_goes(plot: str | None, json_out: str | None, expected: Path | None) -> None:
    assert plot_path(plot, json_out) == expected
