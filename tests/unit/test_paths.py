"""services.ingest.paths: untrusted names checked, names escaped losslessly for JSON, folders reached
without links, and only regular single-link files read (on real files, links, FIFOs, sockets)."""

from __future__ import annotations

import json
import os
import socket
import threading
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.ingest.paths import (
    UnsafeName,
    Unusable,
    check_relative,
    display_name,
    fs_name,
    open_folder,
    read_regular,
    read_regular_stat,
    safe_relative,
)

T = TypeVar("T")
PROPS = settings(max_examples=300, deadline=None)


def within(seconds: float, fn: Callable[[], T], *, unblock: Callable[[], None] = lambda: None) -> T:
    """fn's result, failing the test when it takes longer than seconds (then unblock() frees the thread)."""
    box: list[T] = []
    worker = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        unblock()
        worker.join(5)
        pytest.fail(f"still running after {seconds} s: it blocked")
    return box[0]


# --- display names -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["story.txt", "sub/dir/story one.txt", "Пресс-релиз.txt", "日本語/記事.html", "a~b"])
def test_a_utf8_name_without_controls_or_backslashes_is_its_own_display_name(name: str) -> None:
    assert display_name(name) == name
    assert fs_name(name) == name


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b"caf\xe9.txt", "caf\\xe9.txt"),  # Latin-1 é: not UTF-8
        (b"a\\b.txt", "a\\\\b.txt"),  # a backslash is doubled, so "\xe9" typed by a user stays itself
        (b"a\\xe9.txt", "a\\\\xe9.txt"),
        (b"line\nbreak.txt", "line\\x0abreak.txt"),  # controls are escaped: one line in logs
        (b"esc\x1b[31m.txt", "esc\\x1b[31m.txt"),
        (b"c1-\xc2\x85.txt", "c1-\\xc2\\x85.txt"),  # NEL (U+0085), a C1 control, as its UTF-8 bytes
        (b"caf\xc3\xa9-\xff.txt", "café-\\xff.txt"),
    ],
)
def test_undecodable_bytes_controls_and_backslashes_are_escaped_and_map_back(raw: bytes, shown: str) -> None:
    name = os.fsdecode(raw)

    assert display_name(name) == shown
    assert fs_name(shown) == name
    json.dumps(shown, ensure_ascii=False).encode("utf-8")  # no lone surrogate left: strict UTF-8 JSON works


@given(st.binary(min_size=1, max_size=80))
@example(b"\\\xe9")
@example(b"\\\\x41")
@example(b"\xc2")
@PROPS
def test_every_name_has_one_json_safe_display_name_that_maps_back_to_it(raw: bytes) -> None:
    name = os.fsdecode(raw)
    shown = display_name(name)

    assert fs_name(shown) == name
    assert os.fsencode(fs_name(shown) or "") == raw
    assert not any(unicodedata.category(c) == "Cc" for c in shown)  # one line, whatever the name
    assert json.loads(json.dumps(shown)) == shown
    shown.encode("utf-8")  # strict: no surrogate escapes survive


@pytest.mark.parametrize(
    "text",
    [
        "a\\b.txt",  # a single backslash: display names double it
        "a\\x41.txt",  # an escape of a printable byte: it would be written as itself
        "a\\xc3\\xa9.txt",  # an escape of valid UTF-8: it would be written as é
        "a\\xE9.txt",  # upper-case hex: display names write lower case
        "line\nbreak.txt",  # a raw control character
        "lone\udce9surrogate.txt",  # what os.fsdecode gives, not a display name
        "trailing\\",
    ],
)
def test_text_that_no_name_displays_as_maps_to_nothing(text: str) -> None:
    assert fs_name(text) is None


# --- untrusted relative names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "empty"),
        ("/etc/passwd", "absolute"),
        ("//etc/x.txt", "absolute"),
        ("../x.txt", "component 1"),
        ("a/../../x.txt", "component 2"),
        ("a/./x.txt", "component 2"),
        ("a//x.txt", "component 2"),
        ("a/x.txt/", "component 3"),
        (".ssh/authorized_keys", "component 1"),
        ("a/.hidden.txt", "component 2"),
        ("nul\\x00.txt", "NUL"),
        ("x" * 256, "longer than 255"),
        ("d/" * 9 + "x.txt", "folders deep"),
        ("/".join(["d" * 255] * 16) + "/x.txt", "longer than 4096"),
        ("a\\b.txt", "not a name as newswire writes it"),
        ("x.txt\n", "not a name as newswire writes it"),
        ("x.txt.error.json", "not a file name newswire takes"),
        ("draft.tmp", "not a file name newswire takes"),
        ("~lock.txt", "not a file name newswire takes"),
    ],
)
def test_an_unsafe_name_is_refused_with_its_reason(name: str, why: str) -> None:
    with pytest.raises(UnsafeName, match=why) as refused:
        check_relative(name, max_depth=8)
    assert "\n" not in str(refused.value)
    assert safe_relative(name, max_depth=8) is None


@pytest.mark.parametrize(
    ("name", "on_disk"),
    [
        ("x.txt", "x.txt"),
        ("a/b/c.txt", "a/b/c.txt"),
        ("caf\\xe9.txt", os.fsdecode(b"caf\xe9.txt")),
        ("d" * 255 + "/" + "f" * 251 + ".txt", "d" * 255 + "/" + "f" * 251 + ".txt"),
        ("d/" * 8 + "x.txt", "d/" * 8 + "x.txt"),  # NEWSWIRE_MAX_DEPTH=8: eight folders
        ("~dir/x.txt", "~dir/x.txt"),  # only the file's own name must be one newswire takes
    ],
)
def test_a_name_newswire_could_have_published_gives_its_name_on_disk(name: str, on_disk: str) -> None:
    assert check_relative(name, max_depth=8) == on_disk


def test_the_depth_limit_counts_folders() -> None:
    assert safe_relative("x.txt", max_depth=0) == "x.txt"
    assert safe_relative("a/x.txt", max_depth=0) is None
    assert safe_relative("a/x.txt", max_depth=1) == "a/x.txt"


# --- folders reached without links ---------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Path]:
    """base/real/inner/, base/link -> outside/, base/real/file-link -> outside/, base/real/file; outside/ beside."""
    base, outside = tmp_path / "base", tmp_path / "outside"
    (base / "real" / "inner").mkdir(parents=True)
    outside.mkdir()
    (base / "link").symlink_to(outside)
    (base / "real" / "dir-link").symlink_to(outside)
    (base / "real" / "file").write_text("x")
    yield base


def _folder_of(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


def test_a_folder_is_reached_and_made_below_the_base(tree: Path) -> None:
    fd = open_folder(str(tree), ["real", "inner"])
    try:
        assert _folder_of(fd) == str(tree / "real" / "inner")
    finally:
        os.close(fd)
    fd = open_folder(str(tree), ["real", "new", "deeper"], create=True)
    os.close(fd)
    assert (tree / "real" / "new" / "deeper").is_dir()
    with pytest.raises(FileNotFoundError):
        open_folder(str(tree), ["real", "missing"])


@pytest.mark.parametrize(
    "parts", [["link"], ["link", "x"], ["real", "dir-link"], ["real", "file"], [".."], ["real", ".."], ["a/b"], [""]]
)
@pytest.mark.parametrize("create", [False, True])
def test_no_link_non_folder_or_non_name_is_ever_passed_through(tree: Path, parts: list[str], create: bool) -> None:
    outside = tree.parent / "outside"

    with pytest.raises(NotADirectoryError):
        open_folder(str(tree), parts, create=create)

    assert list(outside.iterdir()) == []  # nothing made through a link


def test_a_descriptor_base_is_walked_from_and_left_open(tree: Path) -> None:
    base = os.open(tree, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd = open_folder(base, ["real"])
        os.close(fd)
        with pytest.raises(NotADirectoryError):
            open_folder(base, ["link"])
        assert _folder_of(base) == str(tree)  # still open
    finally:
        os.close(base)


# --- reading only regular files ------------------------------------------------------------------------------------


def test_a_regular_file_is_read_whole_with_its_mtime(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")

    got = read_regular_stat(str(path), 5)

    assert read_regular(str(path), 5) == b"hello"
    assert isinstance(got, tuple)
    assert (got[0], got[1].st_mtime_ns) == (b"hello", path.stat().st_mtime_ns)
    assert read_regular(str(tmp_path / "missing"), 5) == Unusable("unreadable", "No such file or directory")


def test_a_file_over_the_limit_is_too_large_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"123456")

    got = read_regular(str(path), 5)

    assert isinstance(got, Unusable)
    assert (got.reason, got.size) == ("too_large", 6)
    assert "NEWSWIRE_MAX_FILE_BYTES=5" in got.detail


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes asked of each os.read the reader makes from here on."""
    asked: list[int] = []
    real = os.read

    def read(fd: int, n: int) -> bytes:
        asked.append(n)
        return real(fd, n)

    monkeypatch.setattr("services.ingest.paths.os.read", read)
    return asked


def test_a_file_is_read_in_one_system_call_asking_one_byte_more_than_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 1000)
    asked = _counting_reads(monkeypatch)

    assert read_regular(str(path), 10_000) == b"x" * 1000
    assert asked == [1001]  # the short read is the end: no second read to see it


@pytest.mark.parametrize(
    ("real", "said", "limit"), [(3000, 1000, 10_000), (100_000, 10, 1 << 20), (70_000, 0, 1 << 20)]
)
def test_a_file_longer_than_fstat_said_is_read_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real: int, said: int, limit: int
) -> None:
    """Grown between the fstat and the read (a writer still at it): read on, to the end."""
    path = tmp_path / "a.txt"
    data = os.urandom(real)
    path.write_bytes(data)
    real_fstat = os.fstat

    def fstat(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        return os.stat_result((*st[:6], said, *st[7:]))

    monkeypatch.setattr("services.ingest.paths.os.fstat", fstat)

    assert read_regular(str(path), limit) == data


def test_a_file_that_grows_past_the_limit_is_too_large_and_never_read_past_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"y" * 200_000)
    real_fstat = os.fstat
    monkeypatch.setattr(
        "services.ingest.paths.os.fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 10, *real_fstat(fd)[7:]))
    )
    asked = _counting_reads(monkeypatch)

    got = read_regular(str(path), 100_000)

    assert isinstance(got, Unusable)
    assert (got.reason, got.size) == ("too_large", 100_001)
    assert sum(asked) == 100_001  # the limit and one byte, no more


def test_a_file_shorter_than_fstat_said_is_read_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"short")
    real_fstat = os.fstat
    monkeypatch.setattr(
        "services.ingest.paths.os.fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 50, *real_fstat(fd)[7:]))
    )

    assert read_regular(str(path), 100) == b"short"


def test_a_file_relative_to_a_folder_descriptor_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"x")
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        got = read_regular("a.txt", 10, dir_fd=fd)
    finally:
        os.close(fd)
    assert got == b"x"


def test_a_symbolic_link_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_text("secret")
    (tmp_path / "link.txt").symlink_to(target)

    got = read_regular(str(tmp_path / "link.txt"), 100)

    assert isinstance(got, Unusable)
    assert got.reason == "not_regular"
    assert "symbolic link" in got.detail


def test_a_fifo_is_refused_at_once_without_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    def unblock() -> None:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    got = within(10, lambda: read_regular(str(fifo), 100), unblock=unblock)

    assert got == Unusable("not_regular", "is a FIFO, not a regular file")


def test_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    got = within(10, lambda: read_regular("/dev/zero", 1 << 40))

    assert got == Unusable("not_regular", "is a character device, not a regular file")


def test_a_socket_and_a_folder_are_refused(tmp_path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock.txt"))
        got = read_regular(str(tmp_path / "sock.txt"), 100)
    assert isinstance(got, Unusable)
    assert got.reason == "not_regular"

    (tmp_path / "dir.txt").mkdir()
    assert read_regular(str(tmp_path / "dir.txt"), 100) == Unusable("not_regular", "is a folder, not a regular file")


def test_a_hard_link_is_refused_before_a_byte_is_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.write_bytes(b"secret content")
    # An access time before the modification time: any read updates it (relatime), so an unchanged
    # access time shows nothing was read.
    os.utime(outside, ns=(1_000_000_000, 2_000_000_000))
    link = tmp_path / "inbox-file.txt"
    os.link(outside, link)

    got = read_regular(str(link), 1000)

    assert got == Unusable("hard_link", got.detail, len(b"secret content"))
    assert "2 links" in got.detail
    assert outside.stat().st_atime_ns == 1_000_000_000
    # The same file with one link left is read, and that read shows in the access time.
    outside.unlink()
    got = read_regular(str(link), 1000)
    assert got == b"secret content"
    if link.stat().st_atime_ns == 1_000_000_000:
        pytest.skip("this filesystem does not record access times: the no-read half is unproven here")
