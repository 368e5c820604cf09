"""Claims: files taken from the inbox by atomic rename into a claim folder of this watcher's own in
processing/, and found there again after a crash (see services.ingest.inbox)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from services.ingest.folders import Folders
from services.ingest.paths import display_name, open_folder


@dataclass(frozen=True, slots=True)
class Claimed:
    path: str  # where the file is now, inside processing/ (a str: cheaper than a Path, per file)
    source_name: str  # its path relative to the inbox, display form (paths.display_name): what events carry
    claim_dir: Path
    relative: str  # the same path as it is on disk ("/"-separated, os.fsdecode form): what moves use

    @property
    def claim_id(self) -> str:
        return self.claim_dir.name


class Claims:
    """Taking inbox files into a claim folder of this watcher's, and finding them there again."""

    def __init__(self, folders: Folders) -> None:
        self.root = folders.root
        self._root_prefix = str(self.root) + os.sep
        self.mine = folders.mine
        self.max_depth = folders.max_depth

    def claim(self, paths: Sequence[str | Path], *, busy: set[Path] | None = None) -> list[Claimed]:
        """Take files by atomic rename into one claim folder; files already gone are skipped
        (another watcher took them), and so are files whose inbox folder is a link (never followed).
        One folder per batch: it is published in one transaction. The folder is added to busy
        (before any file is in it) until the caller is done with it."""
        claim_dir = self.mine / uuid.uuid4().hex[:16]
        if busy is not None:
            busy.add(claim_dir)
        claim_dir.mkdir()
        # Plain strings from here on: this runs for every file, and pathlib costs more than the renames.
        into = str(claim_dir) + os.sep
        made = {str(claim_dir)}
        folders: dict[str, int | None] = {}  # inbox subfolder -> its descriptor, opened once a batch
        claimed = []
        try:
            for path in paths:
                relative = self._claim_one(os.fspath(path), into, made, folders)
                if relative is not None:
                    claimed.append(Claimed(into + relative, display_name(relative), claim_dir, relative))
        finally:
            for fd in folders.values():
                if fd is not None:
                    os.close(fd)
        if not claimed:
            self.release_claim(claim_dir)
            if busy is not None:
                busy.discard(claim_dir)
        return claimed

    def _claim_one(self, text: str, into: str, made: set[str], folders: dict[str, int | None]) -> str | None:
        """Rename one inbox file into the claim folder into; its relative path, or None when it is not
        there (taken by another watcher) or its folder is reached only through a link."""
        root = self._root_prefix
        if not text.startswith(root):
            return None  # not in the inbox (never handed here: scans and notifications are inside it)
        relative = text[len(root) :]
        folder, _, name = relative.rpartition(os.sep)
        source, source_fd = text, None
        if folder:
            if folder not in folders:
                folders[folder] = self._inbox_folder(folder)
            source, source_fd = name, folders[folder]
            if source_fd is None:
                return None
        target = into + relative
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        try:
            os.rename(source, target, src_dir_fd=source_fd)
        except FileNotFoundError:
            return None
        return relative

    def _inbox_folder(self, folder: str) -> int | None:
        """A descriptor of a subfolder of the inbox reached without a link; None when it cannot be."""
        parts = folder.split(os.sep)
        if len(parts) > self.max_depth or any(p.startswith(".") for p in parts):
            return None
        try:
            return open_folder(str(self.root), parts)
        except (ValueError, OSError):
            return None

    def release_claim(self, claim_dir: Path) -> None:
        """Remove a claim folder's empty folders; a file that could not be archived stays."""
        for folder, _dirs, _files in os.walk(claim_dir, topdown=False):
            with suppress(OSError):
                os.rmdir(folder)

    def recover(self, busy: set[Path] | frozenset[Path] = frozenset()) -> Iterator[Claimed]:
        """Files claimed before a crash or stop (ours or adopted), still waiting to be archived;
        claim folders in busy are this watcher's work in progress and are left alone. No link is
        followed, and everything that is not a folder is given back, links and special files too:
        reading refuses those, and they go to the error folder instead of staying here for ever."""
        try:
            with os.scandir(self.mine) as it:
                claim_dirs = sorted(Path(e.path) for e in it if e.is_dir(follow_symlinks=False))
        except OSError:
            return
        for claim_dir in claim_dirs:
            if claim_dir in busy:
                continue
            files = list(_files_below(str(claim_dir)))
            if not files:
                self.release_claim(claim_dir)
            for path, relative in files:
                yield Claimed(path, display_name(relative), claim_dir, relative)


def _files_below(top: str) -> Iterator[tuple[str, str]]:
    """(path, path relative to top) of everything below top that is not a folder; no link followed, any depth."""
    stack = [""]
    while stack:
        relative = stack.pop()
        try:
            it = os.scandir(os.path.join(top, relative) if relative else top)
        except OSError:
            continue
        with it:
            for entry in it:
                child = f"{relative}/{entry.name}" if relative else entry.name
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    stack.append(child)
                else:
                    yield entry.path, child
