"""The inbox on disk: scanning, claiming by rename, and where files end up.

Lifecycle of a file: inbox -> (atomic rename) processing/<watcher>/<claim>/<name>
-> published -> done/<YYYY-MM-DD>/<name> (or deleted, or renamed back into the inbox
and remembered as published, per done_policy);
or -> error/<name> with <name>.error.json beside it.

Each watcher has its own folder in processing/, guarded by an flock on
processing/<watcher>.lock for as long as it runs. A file sitting in processing
after a crash is picked up again: by the same watcher at its restart, or by any
other watcher once the dead one's lock is free (it adopts the folder's claims
by rename). Whether such a file was already published is known from Redis (see
Watcher); downstream is idempotent on the content hash either way.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from newswire.settings import ConfigError
from services.ingest.config import IngestSettings
from services.ingest.files import is_candidate


@dataclass(frozen=True, slots=True)
class Claimed:
    path: str  # where the file is now, inside processing/ (a str: cheaper than a Path, per file)
    source_name: str  # its path relative to the inbox, as the user dropped it
    claim_dir: Path

    @property
    def claim_id(self) -> str:
        return self.claim_dir.name


class Inbox:
    def __init__(self, settings: IngestSettings, *, owner: str = "") -> None:
        self.root = settings.inbox.resolve()
        self.processing = settings.processing_dir.resolve()
        self.owner = _safe_name(owner or settings.consumer_name)
        self.mine = self.processing / self.owner
        self._lock: IO[str] | None = None
        self.done = settings.done_dir.resolve()
        self.error = settings.error_dir.resolve()
        self.done_policy = settings.done_policy
        self.max_depth = settings.max_depth
        self._own = tuple(str(d) for d in (self.processing, self.done, self.error))
        self._made: set[str] = set()  # done/ subfolders known to exist

    def prepare(self) -> None:
        """Create the folders and check they are usable, or raise ConfigError naming the setting."""
        _usable_dir(self.root, "NEWSWIRE_INBOX")
        for path, setting in (
            (self.processing, "NEWSWIRE_PROCESSING_DIR"),
            (self.done, "NEWSWIRE_DONE_DIR"),
            (self.error, "NEWSWIRE_ERROR_DIR"),
        ):
            _usable_dir(path, setting)
            if path.stat().st_dev != self.root.stat().st_dev:
                raise ConfigError(
                    f"{setting}: {path} is on another filesystem than NEWSWIRE_INBOX {self.root}; "
                    "files move by atomic rename, so put both on the same filesystem"
                )

    def lock(self) -> None:
        """Hold processing/<owner>.lock while this watcher runs (other watchers see it alive)."""
        fh = open(self.processing / f"{self.owner}.lock", "a+")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise ConfigError(
                f"NEWSWIRE_CONSUMER_NAME: a watcher named {self.owner!r} is already running on {self.processing}"
            ) from None
        self._lock = fh
        self.mine.mkdir(parents=True, exist_ok=True)

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def adopt_orphans(self) -> int:
        """Move the claims of watchers that died (their lock is free) into our own folder."""
        adopted = 0
        for folder in self.processing.iterdir():
            if not folder.is_dir() or folder.name == self.owner:
                continue
            with open(self.processing / f"{folder.name}.lock", "a+") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # alive
                for claim_dir in folder.iterdir():
                    try:
                        os.rename(claim_dir, self.mine / claim_dir.name)
                        adopted += 1
                    except OSError:
                        continue  # another watcher adopted it first
                shutil.rmtree(folder, ignore_errors=True)
                (self.processing / f"{folder.name}.lock").unlink(missing_ok=True)
        return adopted

    def owns(self, path: Path | str) -> bool:
        """Whether path lies in one of our own folders (when those sit inside the inbox)."""
        text = os.fspath(path)
        return any(text == d or text.startswith(d + os.sep) for d in self._own)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def accepts(self, path: Path | str) -> bool:
        """Whether a path reported by a notification is a candidate article file (strings: this
        runs for every notification)."""
        text = os.fspath(path)
        root = str(self.root) + os.sep
        if not text.startswith(root) or self.owns(text):
            return False
        parts = text[len(root) :].split(os.sep)
        return (
            is_candidate(parts[-1])
            and len(parts) - 1 <= self.max_depth
            and not any(p.startswith(".") for p in parts[:-1])
        )

    def scan(self) -> Iterator[Path]:
        """Every candidate file, depth-first, streamed (never a whole listing in memory)."""
        yield from self._scan(self.root, 0)

    def _scan(self, folder: Path, depth: int) -> Iterator[Path]:
        try:
            it = os.scandir(folder)
        except OSError:
            return
        with it:
            for entry in it:
                try:
                    if entry.is_symlink():
                        continue  # never followed: a link could lead outside the inbox
                    if entry.is_dir():
                        if (
                            depth < self.max_depth
                            and not entry.name.startswith(".")
                            and not self.owns(Path(entry.path))
                        ):
                            yield from self._scan(Path(entry.path), depth + 1)
                    elif entry.is_file() and is_candidate(entry.name):
                        yield Path(entry.path)
                except OSError:
                    continue

    def claim(self, paths: list[Path], *, busy: set[Path] | None = None) -> list[Claimed]:
        """Take files by atomic rename into one claim folder; files already gone are skipped
        (another watcher took them). One folder per batch: it is published in one transaction.
        The folder is added to busy (before any file is in it) until the caller is done with it."""
        claim_dir = self.mine / uuid.uuid4().hex[:16]
        if busy is not None:
            busy.add(claim_dir)
        claim_dir.mkdir()
        # Plain strings from here on: this runs for every file, and pathlib costs more than the renames.
        root, into = str(self.root) + os.sep, str(claim_dir) + os.sep
        made = {str(claim_dir)}
        claimed = []
        for path in paths:
            text = os.fspath(path)
            if not text.startswith(root):
                continue  # not in the inbox (never handed here: scans and notifications are inside it)
            relative = text[len(root) :]
            target = into + relative
            parent = os.path.dirname(target)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            try:
                os.rename(text, target)
            except FileNotFoundError:
                continue
            claimed.append(Claimed(target, relative.replace(os.sep, "/"), claim_dir))
        if not claimed:
            self.release_claim(claim_dir)
            if busy is not None:
                busy.discard(claim_dir)
        return claimed

    def release_claim(self, claim_dir: Path) -> None:
        """Remove a claim folder's empty folders; a file that could not be archived stays."""
        for folder, _dirs, _files in os.walk(claim_dir, topdown=False):
            with suppress(OSError):
                os.rmdir(folder)

    def recover(self, busy: set[Path] | frozenset[Path] = frozenset()) -> Iterator[Claimed]:
        """Files claimed before a crash or stop (ours or adopted), still waiting to be archived;
        claim folders in busy are this watcher's work in progress and are left alone."""
        if not self.mine.is_dir():
            return
        for claim_dir in sorted(p for p in self.mine.iterdir() if p.is_dir() and p not in busy):
            files = [p for p in claim_dir.rglob("*") if p.is_file() and not p.is_symlink()]
            if not files:
                self.release_claim(claim_dir)
            for path in files:
                yield Claimed(str(path), path.relative_to(claim_dir).as_posix(), claim_dir)

    def finish(self, claimed: Claimed) -> str | None:
        """After the entry is in Redis: archive, delete, or put the file back where it was."""
        if self.done_policy == "delete":
            with suppress(FileNotFoundError):
                os.unlink(claimed.path)
            return None
        if self.done_policy == "keep":
            # Back to where the user put it (a rename keeps its mtime, so the watcher's record of
            # what it published still matches); a file that appeared there meanwhile keeps its place.
            dest = os.path.join(self.root, claimed.source_name)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
        else:
            day = time.strftime("%Y-%m-%d", time.gmtime())
            dest = os.path.join(self.done, day, claimed.source_name)
            parent = os.path.dirname(dest)
            if parent not in self._made:
                os.makedirs(parent, exist_ok=True)
                self._made.add(parent)
        return _move(claimed.path, dest)

    def reject(self, claimed: Claimed, *, reason: str, detail: str, file_sha256: str | None) -> Path:
        """Move the file to the error folder with <name>.error.json beside it."""
        return self.to_error(
            claimed.path, claimed.source_name, stage="ingest", reason=reason, detail=detail, file_sha256=file_sha256
        )

    def find_archived(self, source_name: str, sha256: str | None) -> Path | None:
        """The archived copy of a published file: newest day first; by content when names repeat."""
        if self.done_policy == "delete":
            return None
        if self.done_policy == "keep":
            kept = self.root / source_name
            return kept if kept.is_file() and (sha256 is None or _sha256(kept) == sha256) else None
        if not self.done.is_dir():
            return None
        name = Path(source_name)
        days = sorted((d for d in self.done.iterdir() if d.is_dir()), reverse=True)
        for day in days:
            folder = (day / name).parent
            if not folder.is_dir():
                continue
            stem, suffix = name.stem, name.suffix
            candidates = [p for p in folder.iterdir() if p.name == name.name or _is_renamed(p.name, stem, suffix)]
            for path in candidates:
                if sha256 is None or _sha256(path) == sha256:
                    return path
        return None

    def to_error(
        self,
        current: str | Path | None,
        source_name: str,
        *,
        stage: str,
        reason: str,
        detail: str,
        file_sha256: str | None,
    ) -> Path:
        """Put a file (or, when it is gone, just its report) in the error folder."""
        dest = Path(_free_name(str(self.error / source_name)))
        dest.parent.mkdir(parents=True, exist_ok=True)
        if current is not None:
            os.rename(current, dest)
        report = {
            "reason": reason,
            "detail": detail,
            "stage": stage,
            "source_name": source_name,
            "file_sha256": file_sha256,
            "rejected_at": datetime.now(UTC).isoformat(),
        }
        tmp = dest.with_name(f".{dest.name}.error.json.tmp")
        tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, dest.with_name(dest.name + ".error.json"))
        return dest


def _usable_dir(path: Path, setting: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot create {path}: {exc.strerror}") from None
    if not path.is_dir():
        raise ConfigError(f"{setting}: {path} is not a folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"{setting}: {path} is not writable by this user")
    probe = path / f".newswire-probe-{uuid.uuid4().hex[:8]}"
    try:
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"{setting}: {path} is not writable: {exc.strerror}") from None


def _is_renamed(name: str, stem: str, suffix: str) -> bool:
    """Whether name is stem.N+suffix, the name _free_name gives a file whose name was taken."""
    middle = name[len(stem) + 1 : len(name) - len(suffix)] if suffix else name[len(stem) + 1 :]
    return name.startswith(stem + ".") and name.endswith(suffix) and middle.isdigit()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _safe_name(name: str) -> str:
    """A watcher name usable as a folder name."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip(".")
    return cleaned or "watcher"


def _free_name(path: str) -> str:
    """path, or path with .1, .2 ... before its suffix when something is there already."""
    candidate, n = path, 0
    while os.path.lexists(candidate):
        n += 1
        candidate = _numbered(path, n)
    return candidate


def _numbered(path: str, n: int) -> str:
    """name.txt -> name.<n>.txt (the name _free_name and _move give a file whose name was taken)."""
    taken = Path(path)
    return str(taken.with_name(f"{taken.stem}.{n}{taken.suffix}"))


def _load_renameat2() -> Any:
    """libc's renameat2 (Linux), to rename without replacing in one atomic step; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_renameat2 = _load_renameat2()
_AT_FDCWD, _RENAME_NOREPLACE = -100, 1


def _move(src: str, dest: str) -> str:
    """Rename src to dest, or to dest numbered .1, .2 ... when a file is there: never over another
    file, even when two watchers archive the same name at once (RENAME_NOREPLACE: one system call
    instead of a check and a rename). Where the kernel or the filesystem lacks it: check, then rename."""
    global _renameat2  # noqa: PLW0603 - switched off once for good when the filesystem refuses the flag
    if _renameat2 is not None:
        raw_src, candidate, n = os.fsencode(src), dest, 0
        while True:
            if _renameat2(_AT_FDCWD, raw_src, _AT_FDCWD, os.fsencode(candidate), _RENAME_NOREPLACE) == 0:
                return candidate
            err = ctypes.get_errno()
            if err == errno.EEXIST:
                n += 1
                candidate = _numbered(dest, n)
            elif err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
                _renameat2 = None
                break
            else:
                raise OSError(err, os.strerror(err), src, None, candidate)
    final = _free_name(dest)
    os.rename(src, final)
    return final
