"""Functions the worker-pool tests run in worker processes (importable by the fork server).

An item is a string: "n:<k>" returns k * 2; "sleep" never returns in time; "slow:<s>" returns
"<s>" after s seconds; "crash" kills its worker; "crash-once:<path>" kills its worker the first
time (it leaves <path> behind) and returns "survived" the second; "niceness" returns the worker's
niceness; "raise" raises; "unpicklable" returns a value pickle refuses.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def run(item: str) -> Any:
    kind, _, arg = item.partition(":")
    if kind == "n":
        return int(arg) * 2
    if kind == "sleep":
        time.sleep(60)
    if kind == "slow":
        time.sleep(float(arg))
        return arg
    if kind == "crash":
        os._exit(9)
    if kind == "crash-once":
        marker = Path(arg)
        if not marker.exists():
            marker.touch()
            os._exit(9)
        return "survived"
    if kind == "niceness":
        return os.nice(0)
    if kind == "raise":
        raise ValueError("this item is bad")
    if kind == "unpicklable":
        return lambda: None
    raise AssertionError(item)
