"""What `newswire bench` measures, from its options: the shipped floor by default, the floor check,
the scale-out run and the plot (each option has its default when the parser does not define it)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from newswire_tools.bench import run
from newswire_tools.bench.run import SCALE_OUT, SHIPPED_FLOOR, make_plan


def _args(**options: object) -> argparse.Namespace:
    return argparse.Namespace(articles=10, runs=1, json_out=None, **options)


def test_defaults_from_a_fresh_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "SHARED_FLOOR", tmp_path / "no-shared" / "floor.py")

    plan = make_plan(_args())

    assert plan.floor == SHIPPED_FLOOR and SHIPPED_FLOOR.is_file()
    assert plan.check_floor is None and "floor check skipped" in plan.check_note
    assert plan.scale_out == SCALE_OUT == (2, 2)
    assert plan.plot == Path("bench.png")
    assert plan.latency == (50.0, 60.0)


def test_the_shared_floor_is_the_check_when_it_is_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared" / "bench" / "floor.py"
    shared.parent.mkdir(parents=True)
    shared.write_text("# a floor\n")
    monkeypatch.setattr(run, "SHARED_FLOOR", shared)

    assert make_plan(_args()).check_floor == shared.resolve()
    assert make_plan(_args(check_floor="")).check_floor is None
    other = tmp_path / "other.py"
    other.write_text("# another floor\n")
    assert make_plan(_args(check_floor=str(other))).check_floor == other.resolve()
    # the floor is never checked against itself
    plan = make_plan(_args(floor=str(other), check_floor=str(other)))
    assert plan.floor == other.resolve() and plan.check_floor is None and "is the floor measured" in plan.check_note


def test_switches(tmp_path: Path) -> None:
    plan = make_plan(_args(floor="", scale_out=False, plot="", latency_seconds=0.0))

    assert plan.floor is None and plan.check_floor is None
    assert plan.scale_out is None and plan.plot is None and plan.latency is None


def test_missing_scripts_are_errors(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="--floor: no such file"):
        make_plan(_args(floor=str(tmp_path / "nope.py")))
    with pytest.raises(SystemExit, match="--check-floor: no such file"):
        make_plan(_args(check_floor=str(tmp_path / "nope.py")))
