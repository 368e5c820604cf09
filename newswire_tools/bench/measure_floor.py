"""The floor measured (newswire_tools/floor.py, or the script given with --floor): end to end, then its
stages alone (newswire_tools.bench_floor).

The shipped floor can leave its streams behind (--keep): the bench then reads each stage's entry
times off them for the plot, and deletes them. Another script is measured end to end only.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

import redis

from newswire_tools.bench.files import copy_all, warm
from newswire_tools.bench.streams import delete_prefix, stage_times
from newswire_tools.bench.wait import BenchError

FLOOR_LINE = re.compile(r"floor: (\d+) articles in ([\d.]+) s = ([\d.]+) articles/s")
SHIPPED_FLOOR = Path(__file__).resolve().parents[1] / "floor.py"


def measure_floor(floor: Path, folder: Path, corpus: list[Path], url: str) -> dict[str, Any]:
    """The floor script end to end on a copy of the corpus: what it prints, and (for the shipped
    floor) each stage's entry times in "_timeline", seconds from its first entry on raw (the
    interpreter's start-up is not part of the time the floor reports either)."""
    inbox = folder / "inbox"
    warm(copy_all(corpus, inbox))
    timeout = 60 + len(corpus) / 200
    keep = floor.resolve() == SHIPPED_FLOOR
    proc = subprocess.Popen(
        [sys.executable, str(floor), url, str(inbox), str(folder / "floor.db"), *(["--keep"] if keep else [])],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_session(proc.pid)
        proc.communicate()
        raise BenchError(f"the floor did not finish within {timeout:.0f} s") from None
    except BaseException:  # e.g. Ctrl-C: its own session does not get the SIGINT, so stop it here
        _kill_session(proc.pid)
        proc.wait()
        raise
    finally:
        prefix = f"floor{proc.pid}:"
        timeline: dict[str, list[float]] = {}
        with redis.Redis.from_url(url) as r:
            try:
                if keep and proc.returncode == 0:
                    keys = {"ingest": f"{prefix}raw", "store": f"{prefix}stored", "enrich": f"{prefix}enriched"}
                    timeline = _from_first(stage_times(r, keys, 0.0))
            finally:
                delete_prefix(r, prefix)
    m = FLOOR_LINE.search(out)
    if proc.returncode != 0 or not m:
        _kill_session(proc.pid)  # its stages are daemons of a process that failed: make sure they are gone
        raise BenchError(f"the floor failed (status {proc.returncode}):\n{out[-1500:]}")
    return {
        "articles": int(m[1]),
        "seconds": float(m[2]),
        "floor_aps": float(m[3]),
        "line": m[0],
        "key_prefix": prefix,
        "_timeline": timeline,
    }


def _from_first(timeline: dict[str, list[float]]) -> dict[str, list[float]]:
    start = min((min(times) for times in timeline.values() if times), default=0.0)
    return {stage: [round(t - start, 3) for t in times] for stage, times in timeline.items()}


def measure_floor_alone(floor: Path, folder: Path, corpus: list[Path], url: str) -> dict[str, Any]:
    """The floor's watcher alone, then its store stage alone (newswire_tools.bench_floor)."""
    inbox = folder / "inbox"
    warm(copy_all(corpus, inbox))
    proc = subprocess.run(
        [sys.executable, "-m", "newswire_tools.bench_floor", str(floor), url, str(inbox), str(folder / "floor.db")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60 + len(corpus) / 100,
        check=False,
    )
    if proc.returncode == 3:
        return {}  # another floor script, without the stage functions: only its end-to-end figure
    if proc.returncode != 0:
        raise BenchError(f"the floor's stages alone failed (status {proc.returncode}):\n{proc.stderr[-1500:]}")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    return {f"floor_{k}": v for k, v in figures.items()}


def _kill_session(pid: int) -> None:
    """Every process of the session the floor was started in (it and its stage processes)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
