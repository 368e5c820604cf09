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

Names (see services.ingest.paths): a Claimed file carries its path relative to the
inbox as it is on disk (``relative``, what every move uses) and in display form
(``source_name``, JSON-safe and lossless, what events and logs carry). Names that
come back in stream events are untrusted: to_error and find_archived validate them
(paths.check_relative) and reach folders with paths.open_folder, so they never
leave done/ or error/ nor follow a link; nothing but a regular file with one link
is ever opened. Inbox folders are entered the same way when claiming and putting
files back, and scans never follow a link (what they leave alone, they report).

Error reports: <name>.error.json beside the file, or, where that name would be
longer than 255 bytes, <a prefix of the name>.<16 hex digits of the SHA-256 of the
name>.error.json (files.report_name); every report names its file in "file".
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from newswire.settings import ConfigError
from services.ingest.config import IngestSettings
from services.ingest.files import is_candidate, is_numbered, numbered_name, report_name
from services.ingest.paths import (
    DIR_FLAGS,
    UnsafeName,
    check_relative,
    display_name,
    open_folder,
    read_regular,
    safe_relative,
)

__all__ = ["Claimed", "Inbox", "OnSkip", "UnsafeName"]

OnSkip = Callable[[str, str], None]  # (path, reason): what a scan leaves alone on purpose


@dataclass(frozen=True, slots=True)
class Claimed:
    path: str  # where the file is now, inside processing/ (a str: cheaper than a Path, per file)
    source_name: str  # its path relative to the inbox, display form (paths.display_name): what events carry
    claim_dir: Path
    relative: str  # the same path as it is on disk ("/"-separated, os.fsdecode form): what moves use

    @property
    def claim_id(self) -> str:
        return self.claim_dir.name


class Inbox:
    def __init__(self, settings: IngestSettings, *, owner: str = "") -> None:
        self.root = settings.inbox.resolve()
        self._root_prefix = str(self.root) + os.sep
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

    def relative(self, path: Path | str) -> str:
        """path's place in the inbox, display form (as events carry it); ValueError outside the inbox."""
        text, root = os.fspath(path), str(self.root) + os.sep
        if not text.startswith(root):
            raise ValueError(f"{text!r} is not in the inbox {self.root}")
        return display_name(text[len(root) :])

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

    def scan(self, on_skip: OnSkip | None = None) -> Iterator[Path]:
        """Every candidate file, depth-first, streamed (never a whole listing in memory), no link followed.

        What it leaves alone on purpose goes to on_skip(path, reason): "symlink" and "special_file" (FIFO,
        socket, device) for entries with a candidate name, "too_deep" for a folder below NEWSWIRE_MAX_DEPTH
        (the folder, once; not its files). Hidden and temporary names and newswire's own folders are passed
        over without a word, as ever. Called again, it reports again: the caller keeps what it has seen."""
        try:
            fd = os.open(self.root, DIR_FLAGS & ~os.O_NOFOLLOW)
        except OSError:
            return
        yield from self._scan(fd, str(self.root), 0, on_skip)

    def scan_folder(self, folder: Path | str, on_skip: OnSkip | None = None) -> Iterator[Path]:
        """The candidate files in one folder below the inbox (one just moved in, say) and in its subfolders,
        exactly as scan() would find them there: depth counted from the inbox, the same reports. A folder
        outside the inbox, hidden, inside newswire's own folders or gone gives nothing; one that is a link, or
        lies below NEWSWIRE_MAX_DEPTH, gives nothing but its report ("symlink", "too_deep")."""
        text = os.fspath(folder).rstrip(os.sep)
        if text == str(self.root):
            yield from self.scan(on_skip)
            return
        root = str(self.root) + os.sep
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

    def _scan(self, fd: int, folder: str, depth: int, on_skip: OnSkip | None) -> Iterator[Path]:
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
                        elif entry.is_file(follow_symlinks=False):
                            yield Path(path)
                        else:
                            _report(on_skip, path, "symlink" if entry.is_symlink() else "special_file")
                    except OSError:
                        continue
        except OSError:
            return
        finally:
            os.close(fd)

    def _subfolder(self, fd: int, name: str, path: str, depth: int, on_skip: OnSkip | None) -> Iterator[Path]:
        if depth >= self.max_depth:
            _report(on_skip, path, "too_deep")
            return
        try:
            child = open_folder(fd, (name,))
        except NotADirectoryError:  # became a link since it was listed
            _report(on_skip, path, "symlink")
            return
        yield from self._scan(child, path, depth + 1, on_skip)

    def claim(self, paths: list[Path], *, busy: set[Path] | None = None) -> list[Claimed]:
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

    def finish(self, claimed: Claimed) -> str | None:
        """After the entry is in Redis: archive, delete, or put the file back where it was."""
        if self.done_policy == "delete":
            with suppress(FileNotFoundError):
                os.unlink(claimed.path)
            return None
        if self.done_policy == "keep":
            # Back to where the user put it (a rename keeps its mtime, so the watcher's record of
            # what it published still matches); a file that appeared there meanwhile keeps its place.
            put_back = self._put_back(claimed)
            if put_back is not None:
                return put_back
            # Its folder in the inbox is now a link or a file: archived as under done_policy=move.
        day = time.strftime("%Y-%m-%d", time.gmtime())
        dest = os.path.join(self.done, day, claimed.relative)
        parent = os.path.dirname(dest)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        return _move(claimed.path, dest)

    def _put_back(self, claimed: Claimed) -> str | None:
        folder, _, name = claimed.relative.rpartition("/")
        if not folder:
            return _move(claimed.path, os.path.join(self.root, name))
        try:
            fd = open_folder(str(self.root), folder.split("/"), create=True)
        except NotADirectoryError:
            return None
        try:
            return os.path.join(self.root, folder, _move(claimed.path, name, dest_dir_fd=fd))
        finally:
            os.close(fd)

    def reject(self, claimed: Claimed, *, reason: str, detail: str, file_sha256: str | None) -> Path:
        """Move the file to the error folder with its report (<name>.error.json) beside it."""
        return self.to_error(
            claimed.path,
            claimed.relative,
            stage="ingest",
            reason=reason,
            detail=detail,
            file_sha256=file_sha256,
            source_name=claimed.source_name,
        )

    def find_archived(self, source_name: str, sha256: str | None) -> Path | None:
        """The archived copy of a published file: newest day first, its own name before numbered ones; by
        content when sha256 is given (hashed with a read bounded by NEWSWIRE_MAX_FILE_BYTES).

        source_name is untrusted (from a stream event): None when it is not a name newswire could have
        published (paths.check_relative). Only a regular file with one link, reached without following a
        link, is ever a match; nothing else is opened."""
        if self.done_policy == "delete":
            return None
        relative = safe_relative(source_name, max_depth=self.max_depth)
        if relative is None:
            return None
        folder, _, name = relative.rpartition("/")
        parts = folder.split("/") if folder else []
        if self.done_policy == "keep":
            return self._match(str(self.root), parts, name, sha256, numbered=False)
        try:
            with os.scandir(self.done) as it:
                days = sorted((e.name for e in it if e.is_dir(follow_symlinks=False)), reverse=True)
        except OSError:
            return None
        for day in days:
            found = self._match(str(self.done), [day, *parts], name, sha256, numbered=True)
            if found is not None:
                return found
        return None

    def _match(self, base: str, parts: list[str], name: str, sha256: str | None, *, numbered: bool) -> Path | None:
        try:
            fd = open_folder(base, parts)
        except OSError:
            return None
        try:
            candidates = [name]
            if numbered:
                with os.scandir(fd) as it:
                    candidates += sorted(e.name for e in it if e.name != name and is_numbered(e.name, name))
            for candidate in candidates:
                if self._same(fd, candidate, sha256):
                    return Path(base, *parts, candidate)
        finally:
            os.close(fd)
        return None

    def _same(self, fd: int, name: str, sha256: str | None) -> bool:
        """Whether name in the folder open as fd is a regular file with one link (and the content sha256)."""
        if sha256 is None:
            try:
                st = os.lstat(name, dir_fd=fd)
            except OSError:
                return False
            return stat.S_ISREG(st.st_mode) and st.st_nlink == 1
        got = read_regular(name, self.max_file_bytes, dir_fd=fd)
        return isinstance(got, bytes) and hashlib.sha256(got).hexdigest() == sha256

    def to_error(
        self,
        current: str | Path | None,
        relative: str,
        *,
        stage: str,
        reason: str,
        detail: str,
        file_sha256: str | None,
        source_name: str | None = None,
    ) -> Path:
        """Put a file (or, when it is gone, just its report) in the error folder, at relative (a path
        relative to the inbox as it is on disk, that this process found: Claimed.relative), numbered
        when taken; the report says source_name (default: relative's display form). Whatever relative
        holds, nothing is put outside the error folder or through a link: where a folder on the way is a
        link, a file or not a plain name, the file goes to the error folder's top level. current is a
        path this process found (find_archived) or claimed. Returns where the file is (or would be)."""
        folder, _, name = relative.rpartition("/")
        if name in ("", ".", "..") or "\0" in name:
            raise UnsafeName(f"{display_name(relative)!r} does not end in a file name")
        fd, folder = self._error_folder(folder)
        try:
            if current is not None:
                final = _move(os.fspath(current), name, dest_dir_fd=fd)
            else:
                final = _free_name(name, dir_fd=fd, with_report=True)
            report = {
                "reason": reason,
                "detail": detail,
                "stage": stage,
                "source_name": display_name(relative) if source_name is None else source_name,
                "file": display_name(final),
                "file_sha256": file_sha256,
                "rejected_at": datetime.now(UTC).isoformat(),
            }
            _write_report(fd, report_name(final), report)
        finally:
            os.close(fd)
        return Path(self.error, folder, final) if folder else self.error / final

    def to_error_untrusted(
        self,
        current: str | Path | None,
        source_name: str,
        *,
        stage: str,
        reason: str,
        detail: str,
        file_sha256: str | None,
    ) -> Path:
        """to_error for a display name from a stream event (untrusted: anyone who can write to Redis can forge
        one): UnsafeName (a ValueError with a one-line reason) when it is not a name newswire could have
        published (paths.check_relative), before anything is touched."""
        relative = check_relative(source_name, max_depth=self.max_depth)
        return self.to_error(
            current,
            relative,
            stage=stage,
            reason=reason,
            detail=detail,
            file_sha256=file_sha256,
            source_name=source_name,
        )

    def _error_folder(self, folder: str) -> tuple[int, str]:
        """A descriptor of error/<folder> (made where missing), and folder; where a link or a file stands
        where one of its folders should be, of the error folder itself, and ""."""
        os.makedirs(self.error, exist_ok=True)  # it may have been removed while running
        try:
            return open_folder(str(self.error), folder.split("/") if folder else (), create=True), folder
        except NotADirectoryError:
            return open_folder(str(self.error)), ""


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


def _report(on_skip: OnSkip | None, path: str, reason: str) -> None:
    if on_skip is not None:
        on_skip(path, reason)


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


def _write_report(fd: int, name: str, report: dict[str, Any]) -> None:
    """The report as name in the folder open as fd: written to a new hidden file (O_EXCL, O_NOFOLLOW, mode
    from the umask), then renamed over name, so a reader never sees half a report."""
    tmp = f".{uuid.uuid4().hex[:16]}.error.json.tmp"
    data = (json.dumps(report, indent=2) + "\n").encode()
    out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666, dir_fd=fd)
    try:
        with open(out, "wb") as fh:
            fh.write(data)
        os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp, dir_fd=fd)
        raise


def _safe_name(name: str) -> str:
    """A watcher name usable as a folder name."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip(".")
    return cleaned or "watcher"


def _free_name(path: str, *, dir_fd: int | None = None, with_report: bool = False) -> str:
    """path, or path with .1, .2 ... before its suffix when something is there already (or, with_report,
    when the report that name would have is there); path is relative to dir_fd when given."""
    candidate, n = path, 0
    while _exists(candidate, dir_fd) or (with_report and _exists(_report_of(candidate), dir_fd)):
        n += 1
        candidate = _numbered(path, n)
    return candidate


def _exists(path: str, dir_fd: int | None) -> bool:
    try:
        os.lstat(path, dir_fd=dir_fd)
    except FileNotFoundError:
        return False
    return True


def _numbered(path: str, n: int) -> str:
    """name.txt -> name.<n>.txt (the name _free_name and _move give a file whose name was taken), within
    255 bytes (files.numbered_name)."""
    folder, name = os.path.split(path)
    return os.path.join(folder, numbered_name(name, n))


def _report_of(path: str) -> str:
    folder, name = os.path.split(path)
    return os.path.join(folder, report_name(name))


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


def _move(src: str, dest: str, *, dest_dir_fd: int | None = None) -> str:
    """Rename src to dest, or to dest numbered .1, .2 ... when a file is there: never over another
    file, even when two watchers archive the same name at once (RENAME_NOREPLACE: one system call
    instead of a check and a rename). Where the kernel or the filesystem lacks it: check, then rename.
    dest is relative to dest_dir_fd when given; the name used is returned in the same form."""
    global _renameat2  # noqa: PLW0603 - switched off once for good when the filesystem refuses the flag
    if _renameat2 is not None:
        raw_src, candidate, n = os.fsencode(src), dest, 0
        at = _AT_FDCWD if dest_dir_fd is None else dest_dir_fd
        while True:
            if _renameat2(_AT_FDCWD, raw_src, at, os.fsencode(candidate), _RENAME_NOREPLACE) == 0:
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
    final = _free_name(dest, dir_fd=dest_dir_fd)
    os.rename(src, final, dst_dir_fd=dest_dir_fd)
    return final
