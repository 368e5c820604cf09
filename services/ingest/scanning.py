"""Scanning the inbox: which files are candidates, found by a walk that never follows a link and
reports what it leaves alone on purpose (see services.ingest.inbox)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path

from services.ingest.files import is_candidate
from services.ingest.folders import Folders
from services.ingest.paths import DIR_FLAGS, open_folder

OnSkip = Callable[[str, str], None]  # (path, reason): what a scan leaves alone on purpose


class NameFilter:
    """NEWSWIRE_INCLUDE and NEWSWIRE_EXCLUDE: glob patterns (fnmatch: *, ?, [...]), case-insensitive. A pattern
    with a / is matched against the file's path relative to the inbox (a * there spans folders too), one
    without against its name. A file is taken when an include pattern matches and no exclude pattern does."""

    def __init__(self, include: Iterable[str] = ("*",), exclude: Iterable[str] = ()) -> None:
        self.include = tuple(p.lower() for p in include)
        self.exclude = tuple(p.lower() for p in exclude)
        self.everything = self.include == ("*",) and not self.exclude  # the default: no work per file

    def excludes(self, relative: str) -> bool:
        """Whether the file at this path relative to the inbox (os.sep-separated) is left alone."""
        if self.everything:
            return False
        path = relative.lower().replace(os.sep, "/")
        name = path.rpartition("/")[2]
        return not self._matches(self.include, path, name) or self._matches(self.exclude, path, name)

    @staticmethod
    def _matches(patterns: tuple[str, ...], path: str, name: str) -> bool:
        return any(fnmatchcase(path if "/" in p else name, p) for p in patterns)


class Scanner:
    """Which files in the inbox are candidates: from a notification (accepts) or a walk (scan)."""

    def __init__(self, folders: Folders, names: NameFilter | None = None) -> None:
        self.root = folders.root
        self.max_depth = folders.max_depth
        self.owns = folders.owns
        self.names = names or NameFilter()
        self._root_text = str(self.root)
        self._root_prefix = self._root_text + os.sep

    def accepts(self, path: Path | str) -> bool:
        """Whether a path reported by a notification is a candidate article file (strings: this
        runs for every notification)."""
        relative = self._candidate(os.fspath(path))
        return relative is not None and not self.names.excludes(relative)

    def excluded(self, path: Path | str) -> bool:
        """Whether a path reported by a notification would be a candidate but for NEWSWIRE_INCLUDE/EXCLUDE."""
        relative = self._candidate(os.fspath(path))
        return relative is not None and self.names.excludes(relative)

    def _candidate(self, text: str) -> str | None:
        """text's path relative to the inbox if it has a candidate name at a watched place, else None."""
        root = self._root_prefix
        if not text.startswith(root) or self.owns(text):
            return None
        relative = text[len(root) :]
        if os.sep not in relative:  # nearly every notification: a file at the inbox's top level
            return relative if is_candidate(relative) else None
        parts = relative.split(os.sep)
        if (
            is_candidate(parts[-1])
            and len(parts) - 1 <= self.max_depth
            and not any(p.startswith(".") for p in parts[:-1])
        ):
            return relative
        return None

    def scan(self, on_skip: OnSkip | None = None) -> Iterator[Path]:
        """scan_paths, as Paths."""
        return map(Path, self.scan_paths(on_skip))

    def scan_folder(self, folder: Path | str, on_skip: OnSkip | None = None) -> Iterator[Path]:
        """scan_folder_paths, as Paths."""
        return map(Path, self.scan_folder_paths(folder, on_skip))

    def scan_paths(self, on_skip: OnSkip | None = None) -> Iterator[str]:
        """Every candidate file (its path: a string, no pathlib per file), depth-first, streamed (never a whole
        listing in memory), no link followed.

        What it leaves alone on purpose goes to on_skip(path, reason): "excluded" for a candidate name that
        NEWSWIRE_INCLUDE/EXCLUDE leave out (whatever the entry is), "symlink" and "special_file" (FIFO, socket,
        device) for other entries with a candidate name, "too_deep" for a folder below NEWSWIRE_MAX_DEPTH
        (the folder, once; not its files). Hidden and temporary names and newswire's own folders are passed
        over without a word, as ever. Called again, it reports again: the caller keeps what it has seen."""
        try:
            fd = os.open(self.root, DIR_FLAGS & ~os.O_NOFOLLOW)
        except OSError:
            return
        yield from self._scan(fd, self._root_text, 0, on_skip)

    def scan_folder_paths(self, folder: Path | str, on_skip: OnSkip | None = None) -> Iterator[str]:
        """The candidate files (their paths) in one folder below the inbox (one just moved in, say) and in its
        subfolders, exactly as scan_paths() would find them there: depth counted from the inbox, the same
        reports. A folder outside the inbox, hidden, inside newswire's own folders or gone gives nothing; one
        that is a link, or lies below NEWSWIRE_MAX_DEPTH, gives nothing but its report ("symlink",
        "too_deep")."""
        text = os.fspath(folder).rstrip(os.sep)
        if text == self._root_text:
            yield from self.scan_paths(on_skip)
            return
        root = self._root_prefix
        if not text.startswith(root) or self.owns(text):
            return
        parts = text[len(root) :].split(os.sep)
        if any(not p or p.startswith(".") for p in parts):  # "." and ".." too
            return
        if len(parts) > self.max_depth:
            _report(on_skip, text, "too_deep")
            return
        try:
            fd = open_folder(str(self.root), parts)
        except NotADirectoryError:
            if os.path.islink(text):
                _report(on_skip, text, "symlink")
            return
        except OSError:
            return
        yield from self._scan(fd, text, len(parts), on_skip)

    def _scan(self, fd: int, folder: str, depth: int, on_skip: OnSkip | None) -> Iterator[str]:
        """The files below the folder open as fd (closed here), which is depth levels below the inbox."""
        try:
            with os.scandir(fd) as it:
                for entry in it:
                    path = folder + os.sep + entry.name
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if not entry.name.startswith(".") and not self.owns(path):
                                yield from self._subfolder(fd, entry.name, path, depth, on_skip)
                        elif not is_candidate(entry.name):
                            continue
                        elif not self.names.everything and self.names.excludes(path[len(self._root_prefix) :]):
                            _report(on_skip, path, "excluded")
                        elif entry.is_file(follow_symlinks=False):
                            yield path
                        else:
                            _report(on_skip, path, "symlink" if entry.is_symlink() else "special_file")
                    except OSError:
                        continue
        except OSError:
            return
        finally:
            os.close(fd)

    def _subfolder(self, fd: int, name: str, path: str, depth: int, on_skip: OnSkip | None) -> Iterator[str]:
        if depth >= self.max_depth:
            _report(on_skip, path, "too_deep")
            return
        try:
            child = open_folder(fd, (name,))
        except NotADirectoryError:  # became a link since it was listed
            _report(on_skip, path, "symlink")
            return
        yield from self._scan(child, path, depth + 1, on_skip)


def _report(on_skip: OnSkip | None, path: str, reason: str) -> None:
    if on_skip is not None:
        on_skip(path, reason)
