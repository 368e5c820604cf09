"""newswire's folders for one watcher: the inbox, processing/ (its own claim folder, held by a lock
while it runs), done/ and error/; whether they are usable, and the claims of watchers that died.

See services.ingest.inbox for the lifecycle of a file through these folders.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from pathlib import Path
from typing import IO

from newswire.settings import ConfigError
from services.ingest.config import IngestSettings
from services.ingest.paths import display_name


class Folders:
    """Where the inbox and newswire's own folders are, whether they are usable, this watcher's lock,
    and adopting the claims of dead watchers."""

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
        self.max_file_bytes = settings.max_file_bytes
        self._own = tuple(str(d) for d in (self.processing, self.done, self.error))
        self._own_prefixes = tuple(d + os.sep for d in self._own)

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
        return text.startswith(self._own_prefixes) or text in self._own

    def relative(self, path: Path | str) -> str:
        """path's place in the inbox, display form (as events carry it); ValueError outside the inbox."""
        text, root = os.fspath(path), str(self.root) + os.sep
        if not text.startswith(root):
            raise ValueError(f"{text!r} is not in the inbox {self.root}")
        return display_name(text[len(root) :])


def _usable_dir(path: Path, setting: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot create {path}: {exc.strerror}{_who(path, exc)}") from None
    if not path.is_dir():
        raise ConfigError(f"{setting}: {path} is not a folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"{setting}: {path} is not writable by this user{_who(path)}")
    probe = path / f".newswire-probe-{uuid.uuid4().hex[:8]}"
    try:
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"{setting}: {path} is not writable: {exc.strerror}{_who(path, exc)}") from None


def _who(path: Path, exc: OSError | None = None) -> str:
    """Who this process is and who owns the folder in its way: what to chown, or which user to run as.

    In a container the user is set from outside (compose's NEWSWIRE_UID) and the folder is a bind
    mount, so neither is obvious from the message alone."""
    if exc is not None and not isinstance(exc, PermissionError):
        return ""
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None:
        return ""
    try:
        st = existing.stat()
    except OSError:
        return ""
    return (
        f" (newswire runs as uid {os.getuid()} gid {os.getgid()}; {existing} is owned by"
        f" uid {st.st_uid} gid {st.st_gid}, mode {st.st_mode & 0o777:o})"
    )


def _safe_name(name: str) -> str:
    """A watcher name usable as a folder name."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip(".")
    return cleaned or "watcher"
