"""Names and paths from outside the process, and opening files without being led astray.

Display names. A file's name is bytes; events, logs and databases need text that survives JSON.
``display_name`` gives it: the name decoded as UTF-8, where every byte that is not UTF-8, and every
byte of a control character (Unicode category Cc: C0, DEL, C1), is written ``\\xNN`` (two lower-case
hex digits), and a backslash is written ``\\\\``. A UTF-8 name without controls or backslashes is
its own display name. ``fs_name`` maps back (``\\\\`` -> ``\\``, ``\\xNN`` -> byte NN, then
os.fsdecode) and accepts only text display_name produces, so each name has exactly one display form.

Untrusted names (``check_relative``, ``safe_relative``): a display name newswire could have
published: relative, "/"-separated, no empty, "." or ".." component, no hidden component (newswire
never takes those), no NUL, components of at most 255 bytes, at most 4096 bytes in all, at most
max_depth + 1 components, and a last component newswire takes (files.is_candidate).

Confinement (``open_folder``): a folder below a trusted base is reached one component at a time,
each opened with O_DIRECTORY | O_NOFOLLOW relative to the descriptor of the one before, and the
operation on the final name takes that descriptor (``dir_fd=``) and does not follow a link there
either (rename never does; opens use O_NOFOLLOW). So no link below the base is ever followed, and a
component swapped for a link after it was opened changes nothing: the descriptor stays on the real
folder. Not covered: someone who can rename folders inside the data folders themselves could move
an opened folder elsewhere mid-operation; such a user can already do whatever newswire can.

Reading (``read_regular``): O_NOFOLLOW (a link is refused), O_NONBLOCK (a FIFO never blocks the
open), then fstat: only a regular file with exactly one link is read (another link could be a file
from outside the inbox), and never more than the limit and one byte.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from services.ingest.files import NAME_MAX, is_candidate

PATH_MAX = 4096  # bytes in a whole relative name
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NOCTTY: a terminal device opened by mistake must not become the controlling terminal.
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC

_CONTROLS = {c: "".join(f"\\x{b:02x}" for b in chr(c).encode()) for c in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPE = re.compile(rb"\\(?:\\|x([0-9a-f]{2}))")


def display_name(fs_relative: str) -> str:
    """The JSON-safe, lossless text of a name as it is on disk (os.fsdecode form); see the module docstring."""
    if fs_relative.isascii() and fs_relative.isprintable() and "\\" not in fs_relative:
        return fs_relative  # nearly every name: three scans in C, nothing allocated
    raw = os.fsencode(fs_relative).replace(b"\\", b"\\\\")
    return raw.decode("utf-8", "backslashreplace").translate(_CONTROLS)


def fs_name(display: str) -> str | None:
    """The name on disk (os.fsdecode form) whose display_name is display; None when display is not one."""
    if display.isascii() and display.isprintable() and "\\" not in display:
        return display
    try:
        raw = display.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no display name holds one
        return None
    name = os.fsdecode(_ESCAPE.sub(_unescape, raw))
    return name if display_name(name) == display else None


def _unescape(m: re.Match[bytes]) -> bytes:
    return bytes((int(m[1], 16),)) if m[1] else b"\\"


class UnsafeName(ValueError):
    """An untrusted name newswire could not have published; the message says why, on one line."""


def check_relative(name: str, *, max_depth: int) -> str:
    """The name on disk (os.fsdecode form) of an untrusted display name relative to a data folder, or
    UnsafeName (see the module docstring for the rules)."""
    if len(name) > 4 * PATH_MAX:  # an escape is 4 characters a byte: longer cannot fit PATH_MAX bytes
        raise UnsafeName(f"longer than {PATH_MAX} bytes")
    fs = fs_name(name)
    if fs is None:
        raise UnsafeName("not a name as newswire writes it (a stray backslash, a control character or a surrogate)")
    raw = os.fsencode(fs)
    if not raw:
        raise UnsafeName("empty")
    if len(raw) > PATH_MAX:
        raise UnsafeName(f"longer than {PATH_MAX} bytes")
    if b"\0" in raw:
        raise UnsafeName("holds a NUL byte")
    if raw.startswith(b"/"):
        raise UnsafeName("an absolute path")
    parts = raw.split(b"/")
    if len(parts) > max_depth + 1:
        raise UnsafeName(f"{len(parts) - 1} folders deep, more than NEWSWIRE_MAX_DEPTH={max_depth}")
    for i, part in enumerate(parts, 1):
        if not part or part.startswith(b"."):
            raise UnsafeName(f"component {i} is empty, '.', '..' or hidden")
        if len(part) > NAME_MAX:
            raise UnsafeName(f"component {i} is longer than {NAME_MAX} bytes")
    if not is_candidate(os.fsdecode(parts[-1])):
        raise UnsafeName("not a file name newswire takes (hidden, temporary, lock or report file)")
    return fs


def safe_relative(name: str, *, max_depth: int) -> str | None:
    """check_relative, with None for an unsafe name."""
    try:
        return check_relative(name, max_depth=max_depth)
    except UnsafeName:
        return None


def open_folder(base: str | int, parts: Sequence[str] = (), *, create: bool = False) -> int:
    """A descriptor (the caller closes it) of the folder base/parts[0]/parts[1]/..., every part reached
    without following a link (see the module docstring).

    base is trusted: a path (followed as given) or a folder descriptor (left open). create makes missing
    folders (mode 0o777 less the umask). NotADirectoryError when a part is a link, not a folder, or not a
    plain name ("", ".", "..", anything with "/"); FileNotFoundError when one is missing (without create)."""
    for part in parts:  # all of them before anything is made
        if part in ("", ".", "..") or "/" in part or "\0" in part:
            raise NotADirectoryError(errno.ENOTDIR, "not a plain folder name", part)
    fd = os.open(base, DIR_FLAGS & ~os.O_NOFOLLOW) if isinstance(base, str) else os.open(".", DIR_FLAGS, dir_fd=base)
    try:
        for part in parts:
            try:
                step = _open_step(part, fd)
            except FileNotFoundError:
                if not create:
                    raise
                with suppress(FileExistsError):  # made by someone else meanwhile: opened (and checked) below
                    os.mkdir(part, dir_fd=fd)
                step = _open_step(part, fd)
            os.close(fd)
            fd = step
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_step(part: str, fd: int) -> int:
    try:
        return os.open(part, DIR_FLAGS, dir_fd=fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # a link gives either, depending on the kernel
            raise NotADirectoryError(errno.ENOTDIR, "a link or not a folder", part) from None
        raise


@dataclass(frozen=True, slots=True)
class Unusable:
    reason: str  # not_regular | hard_link | too_large | unreadable
    detail: str
    size: int = 0  # bytes, where known (hard_link, too_large)


def read_regular(path: str, limit: int, *, dir_fd: int | None = None) -> bytes | Unusable:
    """The bytes of a regular file with one link and at most limit bytes, or why not; never raises OSError
    and never blocks on a FIFO or device. path is relative to dir_fd when given."""
    got = read_regular_stat(path, limit, dir_fd=dir_fd)
    return got if isinstance(got, Unusable) else got[0]


def read_regular_stat(path: str, limit: int, *, dir_fd: int | None = None) -> tuple[bytes, os.stat_result] | Unusable:
    """read_regular, with the fstat of the file as it was read (its mtime, at no extra system call)."""
    try:
        fd = os.open(path, _READ_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Unusable("not_regular", "is a symbolic link, never followed")
        if exc.errno == errno.ENXIO:
            return Unusable("not_regular", "is a socket or a device, not a regular file")
        return Unusable("unreadable", exc.strerror or str(exc))
    try:
        return _read_open(fd, limit)
    except OSError as exc:
        return Unusable("unreadable", exc.strerror or str(exc))
    finally:
        os.close(fd)


def _read_open(fd: int, limit: int) -> tuple[bytes, os.stat_result] | Unusable:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        return Unusable("not_regular", f"is {_kind(st.st_mode)}, not a regular file")
    if st.st_nlink != 1:
        return Unusable(
            "hard_link",
            f"has {st.st_nlink} links; only a file with one is read (a link may be a file from elsewhere)",
            st.st_size,
        )
    chunks: list[bytes] = []
    got = 0
    if st.st_size <= limit:
        # To the end, never more than the limit and one byte. First the size fstat gave and one byte
        # more: a read that comes back short, at that size, is the end (a regular file reads short
        # only there), so a file in the page cache takes one read, not a second one to see the end.
        # A file that grew meanwhile is read on, up to the limit and one byte.
        want = st.st_size + 1
        while chunk := os.read(fd, want):
            chunks.append(chunk)
            got += len(chunk)
            if got > limit or (len(chunk) < want and got == st.st_size):
                break
            want = min(limit + 1 - got, 1 << 16)
    size = max(st.st_size, got)
    if size > limit:
        return Unusable("too_large", f"{size} bytes, limit NEWSWIRE_MAX_FILE_BYTES={limit}", size)
    return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), st


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")
