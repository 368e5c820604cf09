"""The files this watcher is working on in processing/: the claim folders in use, and the files
published and waiting for their confirmation (services.ingest.confirm)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.ingest.claims import Claimed
from services.ingest.ledger import Ref


@dataclass(slots=True)
class Awaiting:
    """A published file in processing/, waiting for its confirmation (ledger.py)."""

    claimed: Claimed
    ref: Ref
    size: int
    sha: str | None
    mtime_ns: int
    checked_at: float  # when the entry was published or last looked for
    rejection: tuple[str, str] | None = None  # ingest's own (reason, detail)
    receipt: bytes | None = None
    confirmed_at: float | None = None


class InFlight:
    """The claim folders in use, and the published files waiting for their confirmation."""

    def __init__(self) -> None:
        self.awaiting: dict[str, Awaiting] = {}  # by the file's path in processing/
        self.claims: dict[Path, int] = {}  # claim folders in use -> files of theirs not yet archived

    def __len__(self) -> int:
        """Published files waiting for their confirmation."""
        return len(self.awaiting)

    def add(self, a: Awaiting) -> None:
        self.awaiting[a.claimed.path] = a

    def pop(self, path: str) -> None:
        self.awaiting.pop(path, None)

    def claimed(self, claim_dir: Path, files: int) -> None:
        self.claims[claim_dir] = self.claims.get(claim_dir, 0) + files

    def busy(self) -> set[Path]:
        """The claim folders in use (recovery leaves them alone)."""
        return set(self.claims)

    def archived(self, claim_dir: Path, files: int) -> bool:
        """files of the claim folder are archived; True when none of its files is left (then it is no
        longer in use)."""
        left = self.claims.get(claim_dir, 0) - files
        if left > 0:
            self.claims[claim_dir] = left
            return False
        self.claims.pop(claim_dir, None)
        return True
