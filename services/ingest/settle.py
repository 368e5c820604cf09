"""Is a file complete? Pure bookkeeping: the caller stats, this decides."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(slots=True)
class _Seen:
    size: int
    mtime_ns: int
    since: float  # when this (size, mtime) was first observed
    checks: int  # how many times in a row it was observed unchanged


class Settler:
    """A file is ready once its size and mtime held across two checks spanning settle_s.

    With settle_s == 0 (writers that rename complete files into place) a file is
    ready as soon as it is seen.

    Paths are plain strings (os.fspath form): this runs for every file, and a string hashes
    for nothing where a pathlib.Path costs more than the rest of the bookkeeping.
    """

    def __init__(self, settle_s: float) -> None:
        self.settle_s = settle_s
        self._seen: dict[str, _Seen | None] = {}
        # The lstat whoever noted a path took just then (a notification's folder check): its first
        # check uses it rather than a system call of its own (see pending).
        self._fresh: dict[str, os.stat_result] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def note(self, path: str, st: os.stat_result | None = None) -> None:
        """A path to watch (from a scan or a notification), with its lstat where the caller took one."""
        if st is not None:
            self._fresh[path] = st
        self._seen.setdefault(path, None)

    def paths(self) -> list[str]:
        return list(self._seen)

    def pending(self) -> list[tuple[str, os.stat_result | None]]:
        """Each path to check now, with the lstat noted with it where that may stand for the check.

        Only for a path not observed yet: a stat taken a moment ago may start the clock (whose start
        is then recorded later than the stat was taken: only ever later than it should be), but it
        never decides that a file held still, which takes a stat at the time of the check."""
        paths = list(self._seen)  # at once (notes come from another thread meanwhile)
        fresh = self._fresh
        if not fresh:
            return [(p, None) for p in paths]
        self._fresh = {}
        seen = self._seen
        return [(p, fresh.get(p) if seen.get(p) is None else None) for p in paths]

    def forget(self, path: str) -> None:
        self._seen.pop(path, None)
        self._fresh.pop(path, None)

    def observe(self, path: str, size: int, mtime_ns: int, now: float) -> bool:
        """Record a stat of path; True (and forgotten) when the file is ready to take."""
        if self.settle_s == 0:
            self._seen.pop(path, None)
            return True
        prev = self._seen.get(path)
        if prev is None or (prev.size, prev.mtime_ns) != (size, mtime_ns):
            self._seen[path] = _Seen(size, mtime_ns, now, 1)
            return False
        prev.checks += 1
        if prev.checks >= 2 and now - prev.since >= self.settle_s:
            del self._seen[path]
            return True
        return False
