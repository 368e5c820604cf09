"""Where files end up: done/ (or deleted, or put back into the inbox, per done_policy), error/ with a
report beside each file, and finding an archived file again (see services.ingest.inbox).

Nothing is ever renamed over another file: a taken name gets a number (_move).

Error reports: <name>.error.json beside the file, or, where that name would be
longer than 255 bytes, <a prefix of the name>.<16 hex digits of the SHA-256 of the
name>.error.json (files.report_name); every report names its file in "file".
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import stat
import sys
import time
import uuid
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.ingest.claims import Claimed
from services.ingest.files import is_numbered, numbered_name, report_name
from services.ingest.folders import Folders
from services.ingest.paths import UnsafeName, check_relative, display_name, open_folder, read_regular, safe_relative


class Archive:
    """Where a file ends up once its entry is confirmed, and finding it there again."""

    def __init__(self, folders: Folders) -> None:
        self.root = folders.root
        self.done = folders.done
        self.error = folders.error
        self.done_policy = folders.done_policy
        self.max_depth = folders.max_depth
        self.max_file_bytes = folders.max_file_bytes
        self._made: set[str] = set()  # done/ subfolders known to exist

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
