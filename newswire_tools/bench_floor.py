"""The floor's own stages one at a time, for `newswire bench` (run in a process of its own).

    python -m newswire_tools.bench_floor FLOOR_PY REDIS_URL INBOX DB_FILE

Imports the floor script (newswire_tools/floor.py, or the one --floor names) and runs its
`watcher` alone until the raw stream holds every article, then its `store_stage` alone on that
full stream until the stored stream does. Each rate is read off the stage's output stream, first
to last entry id, as newswire's are. Prints one JSON line: {"ingest_alone_aps": ...,
"store_alone_aps": ...}. Exits 3 when the floor script has no such functions (another floor
given with --floor).
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import redis

from newswire_tools.bench.streams import stream_rate  # the same reading as newswire's stages

TIMEOUT_S = 600.0


def _load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("newswire_bench_floor_script", path)
    if spec is None or spec.loader is None:
        raise SystemExit(3)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not all(callable(getattr(module, name, None)) for name in ("watcher", "store_stage")):
        print("the floor script has no watcher and store_stage functions", file=sys.stderr)
        raise SystemExit(3)
    return module


def _until(r: Any, stream: str, n: int, proc: mp.process.BaseProcess) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while int(r.xlen(stream)) < n:
        if not proc.is_alive() and int(r.xlen(stream)) < n and proc.exitcode not in (0, None):
            raise SystemExit(f"the floor's stage exited with status {proc.exitcode}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the floor's stage did not fill {stream} within {TIMEOUT_S:.0f} s")
        time.sleep(0.005)


def main(argv: list[str]) -> int:
    floor_py, url, inbox, db = argv
    floor = _load(floor_py)
    n = sum(1 for e in os.scandir(inbox) if e.name.endswith(".txt"))
    prefix = f"floor-alone{os.getpid()}:"
    r: Any = redis.Redis.from_url(url)
    try:
        watcher = mp.Process(target=floor.watcher, args=(url, inbox, prefix), daemon=True)
        watcher.start()
        _until(r, prefix + "raw", n, watcher)
        watcher.join()
        store = mp.Process(target=floor.store_stage, args=(url, db, prefix), daemon=True)
        store.start()
        try:
            _until(r, prefix + "stored", n, store)
        finally:
            store.terminate()
            store.join()
        print(
            json.dumps(
                {
                    "ingest_alone_aps": stream_rate(r, prefix + "raw"),
                    "store_alone_aps": stream_rate(r, prefix + "stored"),
                }
            )
        )
        return 0
    finally:
        keys = list(r.scan_iter(match=f"{prefix}*"))
        if keys:
            r.delete(*keys)
        r.close()
        Path(db).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
