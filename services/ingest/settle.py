"""Is a file complete? Pure bookkeeping: the caller stats, this decides."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
    """

    def __init__(self, settle_s: float) -> None:
        self.settle_s = settle_s
        self._seen: dict[Path, _Seen | None] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def note(self, path: Path) -> None:
        """A path to watch (from a scan or a notification)."""
        self._seen.setdefault(path, None)

    def paths(self) -> list[Path]:
        return list(self._seen)

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)

    def observe(self, path: Path, size: int, mtime_ns: int, now: float) -> bool:
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
