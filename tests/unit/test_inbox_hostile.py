"""services.ingest.inbox under hostile names and files: forged event names stay inside done/ and error/,
no link is followed, nothing but a regular single-link file is opened, any name on disk works, and
scans report what they leave alone. Real folders, links, FIFOs and sockets under tmp_path."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from services.ingest.config import IngestSettings
from services.ingest.files import report_name
from services.ingest.inbox import Claimed, Inbox
from services.ingest.paths import UnsafeName, Unusable, read_regular, safe_relative

T = TypeVar("T")
ARTICLE = b"Headline\n\nBody of the article.\n"


def make_inbox(tmp_path: Path, **overrides: Any) -> Inbox:
    fields: dict[str, Any] = {
        "inbox": tmp_path / "inbox",
        "processing_dir": tmp_path / "data" / "processing",
        "done_dir": tmp_path / "data" / "done",
        "error_dir": tmp_path / "data" / "error",
        "consumer_name": "test-watcher",
        "max_file_bytes": 1 << 20,
    }
    settings = IngestSettings(**(fields | overrides))
    inbox = Inbox(settings)
    inbox.prepare()
    inbox.lock()
    return inbox


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., Inbox]]:
    """make(**settings): an Inbox on tmp_path, released (its lock file closed) after the test."""
    made: list[Inbox] = []

    def build(**overrides: Any) -> Inbox:
        made.append(make_inbox(tmp_path, **overrides))
        return made[-1]

    yield build
    for box in made:
        box.release()


@pytest.fixture
def inbox(make: Callable[..., Inbox]) -> Inbox:
    return make()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the data folders holding one file, as an attacker's target."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "x.txt").write_bytes(ARTICLE)
    return folder


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry below folder (links as their target, files as their bytes, folders as "dir")."""
    seen: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                seen[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                seen[rel] = "dir"
            else:
                seen[rel] = path.read_bytes() if path.is_file() else "special"
    return seen


def within(seconds: float, fn: Callable[[], T], *, unblock: Callable[[], None] = lambda: None) -> T:
    box: list[T] = []
    worker = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        unblock()
        worker.join(5)
        pytest.fail(f"still running after {seconds} s: it blocked")
    return box[0]


def drop(inbox: Inbox, relative: bytes | str, data: bytes = ARTICLE) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(inbox.root), os.fsencode(relative))))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def take(inbox: Inbox, *paths: Path) -> list[Claimed]:
    return inbox.claim(list(paths))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def today(inbox: Inbox) -> Path:
    return inbox.done / time.strftime("%Y-%m-%d", time.gmtime())


def report_of(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((path.parent / report_name(path.name)).read_text())
    return doc


# --- forged names from stream events ------------------------------------------------------------------------------

FORGED = [
    "/etc/hostname",
    "../outside/x.txt",
    "../../outside/x.txt",
    "2024-01-01/../../../outside/x.txt",
    "sub/../../outside/x.txt",
    "./x.txt",
    ".x.txt",
    "x.txt/",
    "x.txt\x00.txt",
    "",
]


@pytest.mark.parametrize("name", FORGED)
def test_a_forged_name_moves_and_creates_nothing_anywhere(
    tmp_path: Path, inbox: Inbox, outside: Path, name: str
) -> None:
    (inbox.done / "2024-01-01").mkdir(parents=True)
    before = snapshot(tmp_path)

    assert inbox.find_archived(name, None) is None
    assert inbox.find_archived(name, sha(ARTICLE)) is None
    with pytest.raises(UnsafeName):
        inbox.to_error_untrusted(None, name, stage="enrich", reason="no_body", detail="forged", file_sha256=None)

    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("relative", ["/etc/x.txt", "../../outside/x.txt", "sub/../../x.txt", "a//x.txt"])
def test_even_a_trusted_relative_name_never_leads_outside_the_error_folder(
    tmp_path: Path, inbox: Inbox, outside: Path, relative: str
) -> None:
    """to_error takes names this process found itself; a bug handing it a bad one still stays confined."""
    before = snapshot(outside)
    [claimed] = take(inbox, drop(inbox, "x.txt", b"bad"))

    dest = inbox.to_error(claimed.path, relative, stage="store", reason="no_body", detail="d", file_sha256=None)

    assert dest == inbox.error / "x.txt"
    assert sorted(p.name for p in inbox.error.iterdir()) == ["x.txt", "x.txt.error.json"]
    assert dest.read_bytes() == b"bad"
    assert report_of(dest)["file"] == "x.txt"
    assert snapshot(outside) == before
    assert not (tmp_path / "x.txt").exists()
    with pytest.raises(UnsafeName):
        inbox.to_error(None, "sub/..", stage="store", reason="no_body", detail="d", file_sha256=None)


def test_a_name_through_a_link_planted_in_done_finds_nothing(inbox: Inbox, outside: Path) -> None:
    day = inbox.done / "2024-01-01"
    day.mkdir(parents=True)
    (day / "sub").symlink_to(outside)  # a folder link
    (day / "x.txt").symlink_to(outside / "x.txt")  # a link as the final component
    (inbox.done / "2099-12-31").symlink_to(outside)  # a link as the day folder

    for name in ("sub/x.txt", "x.txt"):
        assert inbox.find_archived(name, None) is None
        assert inbox.find_archived(name, sha(ARTICLE)) is None
    assert (outside / "x.txt").read_bytes() == ARTICLE


def test_a_report_never_goes_through_a_link_planted_in_error(inbox: Inbox, outside: Path) -> None:
    (inbox.error / "sub").symlink_to(outside)
    before = snapshot(outside)

    dest = inbox.to_error_untrusted(None, "sub/y.txt", stage="enrich", reason="no_body", detail="d", file_sha256=None)

    assert snapshot(outside) == before
    assert dest == inbox.error / "y.txt"  # where a link stands in the way: the error folder's top level
    report = json.loads((inbox.error / "y.txt.error.json").read_text())
    assert (report["source_name"], report["file"], report["reason"]) == ("sub/y.txt", "y.txt", "no_body")


def test_a_link_already_named_like_the_file_in_error_is_neither_followed_nor_replaced(
    inbox: Inbox, outside: Path
) -> None:
    (inbox.error / "x.txt").symlink_to(outside / "x.txt")
    (inbox.error / "x.txt.error.json").symlink_to(outside / "report.json")
    [claimed] = take(inbox, drop(inbox, "x.txt", b"rejected"))

    dest = inbox.reject(claimed, reason="not_text", detail="d", file_sha256=None)

    assert dest == inbox.error / "x.1.txt"
    assert dest.read_bytes() == b"rejected"
    assert json.loads((inbox.error / "x.1.txt.error.json").read_text())["file"] == "x.1.txt"
    assert (outside / "x.txt").read_bytes() == ARTICLE
    assert not (outside / "report.json").exists()


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero", "device node", "socket", "hard link"])
def test_an_archived_name_that_is_not_a_regular_single_link_file_is_never_a_match(
    inbox: Inbox, outside: Path, kind: str
) -> None:
    day = inbox.done / "2024-01-01"
    day.mkdir(parents=True)
    target = day / "x.txt"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "link to /dev/zero":
        target.symlink_to("/dev/zero")
    elif kind == "device node":
        try:
            os.mknod(target, 0o600 | 0o020000, os.makedev(1, 5))  # S_IFCHR: what /dev/zero is
        except PermissionError:
            pytest.skip("making a device node needs privileges this test does not have")
    elif kind == "hard link":
        os.link(outside / "x.txt", target)
    sock = socket.socket(socket.AF_UNIX)
    try:
        if kind == "socket":
            sock.bind(str(target))

        def unblock() -> None:
            os.close(os.open(target, os.O_WRONLY | os.O_NONBLOCK))

        found = within(10, lambda: inbox.find_archived("x.txt", sha(ARTICLE)), unblock=unblock)
        found_by_name = within(10, lambda: inbox.find_archived("x.txt", None), unblock=unblock)
    finally:
        sock.close()

    assert (found, found_by_name) == (None, None)


# --- long names ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relative", ["a" * 246 + ".txt", "b" * 251 + ".txt", "d" * 255 + "/" + "é" * 124 + "abc.txt"], ids=len
)
def test_long_names_are_archived_rejected_and_reported_within_255_bytes(inbox: Inbox, relative: str) -> None:
    first, second = b"first " + ARTICLE, b"second " + ARTICLE
    [one] = take(inbox, drop(inbox, relative, first))
    archived = inbox.finish(one)
    [two] = take(inbox, drop(inbox, relative, second))
    archived_again = inbox.finish(two)
    [bad] = take(inbox, drop(inbox, relative, b"\x00\x01"))
    rejected = inbox.reject(bad, reason="not_text", detail="binary", file_sha256=None)
    [bad_again] = take(inbox, drop(inbox, relative, b"\x00\x02"))
    rejected_again = inbox.reject(bad_again, reason="not_text", detail="binary", file_sha256=None)

    assert archived is not None and archived_again is not None
    assert Path(archived).read_bytes() == first
    assert Path(archived_again).read_bytes() == second  # numbered, and still within 255 bytes
    assert inbox.find_archived(one.source_name, sha(first)) == Path(archived)
    assert inbox.find_archived(one.source_name, sha(second)) == Path(archived_again)
    for path in (Path(archived), Path(archived_again), rejected, rejected_again):
        assert len(os.fsencode(path.name)) <= 255
    assert rejected.read_bytes() == b"\x00\x01"
    assert rejected_again.read_bytes() == b"\x00\x02"
    reports = sorted(p.name for p in rejected.parent.iterdir() if p.name.endswith(".error.json"))
    assert len(reports) == 2
    assert all(len(os.fsencode(r)) <= 255 for r in reports)
    files = {json.loads((rejected.parent / r).read_text())["file"] for r in reports}
    assert files == {rejected.name, rejected_again.name}  # each report names its file


def test_a_forged_long_name_from_an_event_gets_a_shortened_report(inbox: Inbox) -> None:
    name = "n" * 250 + ".txt"  # 254 bytes: <name>.error.json would be 265

    dest = inbox.to_error_untrusted(None, name, stage="enrich", reason="no_body", detail="d", file_sha256=None)
    again = inbox.to_error_untrusted(None, name, stage="enrich", reason="no_body", detail="d", file_sha256=None)

    assert (dest.name, again.name) == (name, "n" * 249 + ".1.txt")  # 255 bytes
    reports = sorted(p for p in inbox.error.iterdir() if p.name.endswith(".error.json"))
    assert sorted(json.loads(p.read_text())["file"] for p in reports) == sorted([again.name, dest.name])
    assert all(len(p.name.encode()) <= 255 and p.name.startswith("n" * 200) for p in reports)


# --- any name on disk ----------------------------------------------------------------------------------------------


def test_an_invalid_utf8_name_round_trips_from_claim_to_the_archived_file(inbox: Inbox) -> None:
    drop(inbox, b"caf\xe9/na\xefve.txt")
    [path] = list(inbox.scan())

    [claimed] = take(inbox, path)
    published = json.dumps({"source_name": claimed.source_name})  # what the event carries
    archived = inbox.finish(claimed)

    assert claimed.source_name == "caf\\xe9/na\\xefve.txt"
    assert os.fsencode(claimed.relative) == b"caf\xe9/na\xefve.txt"
    assert archived is not None
    assert os.fsencode(archived).endswith(b"/caf\xe9/na\xefve.txt")  # its real name on disk
    source_name = json.loads(published)["source_name"]
    assert safe_relative(source_name, max_depth=8) == claimed.relative
    assert inbox.find_archived(source_name, sha(ARTICLE)) == Path(archived)
    dest = inbox.to_error_untrusted(
        Path(archived), source_name, stage="enrich", reason="no_body", detail="d", file_sha256=None
    )
    assert os.fsencode(dest) == os.fsencode(inbox.error) + b"/caf\xe9/na\xefve.txt"
    assert dest.read_bytes() == ARTICLE
    report = json.loads((dest.parent / (dest.name + ".error.json")).read_text())
    assert (report["source_name"], report["file"]) == (source_name, "na\\xefve.txt")


def test_names_with_backslashes_and_line_breaks_are_published_escaped_and_archived_as_they_are(inbox: Inbox) -> None:
    drop(inbox, "win\\style.txt")
    drop(inbox, "two\nlines.txt")

    claimed = take(inbox, *sorted(inbox.scan()))
    for c in claimed:
        inbox.finish(c)

    assert sorted(c.source_name for c in claimed) == ["two\\x0alines.txt", "win\\\\style.txt"]
    assert sorted(p.name for p in today(inbox).iterdir()) == ["two\nlines.txt", "win\\style.txt"]
    for c in claimed:
        assert inbox.find_archived(c.source_name, sha(ARTICLE)) == today(inbox) / c.relative


# --- the inbox's own links and special files -----------------------------------------------------------------------


def test_a_hard_link_to_a_file_outside_is_claimed_but_never_read_and_goes_to_errors(
    inbox: Inbox, outside: Path
) -> None:
    os.link(outside / "x.txt", inbox.root / "x.txt")
    [path] = list(inbox.scan())

    [claimed] = take(inbox, path)
    got = read_regular(claimed.path, inbox.max_file_bytes)
    assert isinstance(got, Unusable)
    dest = inbox.reject(claimed, reason=got.reason, detail=got.detail, file_sha256=None)

    assert got.reason == "hard_link"
    assert dest == inbox.error / "x.txt"
    assert (outside / "x.txt").read_bytes() == ARTICLE
    assert report_of(dest)["reason"] == "hard_link"


def test_a_file_reached_through_a_linked_inbox_folder_is_not_claimed(inbox: Inbox, outside: Path) -> None:
    (inbox.root / "link").symlink_to(outside)
    drop(inbox, "real/y.txt")

    claimed = take(inbox, inbox.root / "link" / "x.txt", inbox.root / "real" / "y.txt")

    assert [c.source_name for c in claimed] == ["real/y.txt"]
    assert (outside / "x.txt").read_bytes() == ARTICLE


def test_scan_reports_links_special_files_and_too_deep_folders_and_yields_the_rest(
    tmp_path: Path, make: Callable[..., Inbox]
) -> None:
    inbox = make(max_depth=1)
    root = inbox.root
    drop(inbox, "a.txt")
    drop(inbox, "sub/b.txt")
    drop(inbox, "sub/deep/c.txt")
    drop(inbox, "sub/deep/deeper/d.txt")
    os.mkfifo(root / "pipe.txt")
    os.mkfifo(root / ".hidden-pipe")  # hidden: passed over without a word, as ever
    (root / "link.txt").symlink_to(root / "a.txt")
    (root / "dirlink").symlink_to(root / "sub")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sub" / "sock.txt"))
    skipped: list[tuple[str, str]] = []
    try:
        found = sorted(str(p.relative_to(root)) for p in inbox.scan(on_skip=lambda p, r: skipped.append((p, r))))
    finally:
        sock.close()

    assert found == ["a.txt", "sub/b.txt"]
    assert sorted((str(Path(p).relative_to(root)), r) for p, r in skipped) == [
        ("dirlink", "symlink"),
        ("link.txt", "symlink"),
        ("pipe.txt", "special_file"),
        ("sub/deep", "too_deep"),  # the folder, once, not its files
        ("sub/sock.txt", "special_file"),
    ]


def test_scan_folder_finds_a_moved_in_tree_with_depth_counted_from_the_inbox(
    tmp_path: Path, make: Callable[..., Inbox]
) -> None:
    inbox = make(max_depth=2)
    staged = tmp_path / "staged"
    for relative in ("one.txt", "a/two.txt", "a/b/three.txt", "a/.hidden/four.txt", "a/draft.tmp"):
        (staged / relative).parent.mkdir(parents=True, exist_ok=True)
        (staged / relative).write_bytes(ARTICLE)
    for i in range(300):
        (staged / "a" / f"many-{i}.txt").write_bytes(ARTICLE)
    os.rename(staged, inbox.root / "moved")  # a folder moved in: one notification, for the folder
    skipped: list[tuple[str, str]] = []

    found = {
        str(p.relative_to(inbox.root))
        for p in inbox.scan_folder(inbox.root / "moved", lambda p, r: skipped.append((p, r)))
    }
    below = {str(p.relative_to(inbox.root)) for p in inbox.scan_folder(str(inbox.root / "moved" / "a"))}

    assert found == {"moved/one.txt", "moved/a/two.txt"} | {f"moved/a/many-{i}.txt" for i in range(300)}
    assert skipped == [(str(inbox.root / "moved" / "a" / "b"), "too_deep")]
    assert below == found - {"moved/one.txt"}
    claimed = inbox.claim(sorted(inbox.scan_folder(inbox.root / "moved")))
    assert len(claimed) == 302


def test_scan_folder_refuses_links_folders_outside_and_its_own_folders(
    tmp_path: Path, outside: Path, make: Callable[..., Inbox]
) -> None:
    settings_inside = {"processing_dir": tmp_path / "inbox" / "_processing"}  # a data folder inside the inbox
    inbox = make(**settings_inside)
    (inbox.root / "linked").symlink_to(outside)
    drop(inbox, "_processing/stray.txt")
    drop(inbox, "a/b/c/d/e/f/g/h/i/deep.txt")
    skipped: list[tuple[str, str]] = []

    def scan(folder: Path | str) -> list[Path]:
        return list(inbox.scan_folder(folder, lambda p, r: skipped.append((p, r))))

    assert scan(inbox.root / "linked") == []
    assert scan(outside) == []
    assert scan(tmp_path) == []
    assert scan(inbox.root / "_processing") == []
    assert scan(inbox.root / "a" / ".." / ".." / "outside") == []
    assert scan(inbox.root / "a/b/c/d/e/f/g/h/i") == []
    assert skipped == [
        (str(inbox.root / "linked"), "symlink"),
        (str(inbox.root / "a/b/c/d/e/f/g/h/i"), "too_deep"),
    ]
    assert [p.name for p in scan(inbox.root)] == []  # the root itself: a full scan (the deep file is too deep)


# --- recovery and putting files back --------------------------------------------------------------------------------


def test_recover_gives_back_what_a_claim_holds_without_following_links(inbox: Inbox, outside: Path) -> None:
    claim = inbox.mine / "0123456789abcdef"
    (claim / "sub").mkdir(parents=True)
    (claim / "sub" / "a.txt").write_bytes(ARTICLE)
    (claim / "link.txt").symlink_to(outside / "x.txt")  # swapped in before the claim's rename
    (claim / "dirlink").symlink_to(outside)
    os.mkfifo(claim / "pipe.txt")

    recovered = {c.relative: c for c in inbox.recover()}

    assert sorted(recovered) == ["dirlink", "link.txt", "pipe.txt", "sub/a.txt"]  # not dirlink/x.txt
    for relative, c in recovered.items():
        got = within(10, lambda c=c: read_regular(c.path, inbox.max_file_bytes))
        if relative == "sub/a.txt":
            assert got == ARTICLE
        else:
            assert isinstance(got, Unusable)
            assert got.reason == "not_regular"
            inbox.reject(c, reason=got.reason, detail=got.detail, file_sha256=None)
    assert (outside / "x.txt").read_bytes() == ARTICLE
    assert (inbox.error / "link.txt").is_symlink()


def test_keep_puts_a_file_back_but_never_through_a_folder_turned_into_a_link(
    tmp_path: Path, outside: Path, make: Callable[..., Inbox]
) -> None:
    inbox = make(done_policy="keep")
    [plain, nested] = take(inbox, drop(inbox, "top.txt"), drop(inbox, "sub/a.txt"))
    (inbox.root / "sub").rmdir()
    (inbox.root / "sub").symlink_to(outside)  # swapped while the file was being published

    back = inbox.finish(plain)
    archived = inbox.finish(nested)

    assert back == str(inbox.root / "top.txt")
    assert archived == str(today(inbox) / "sub" / "a.txt")
    assert sorted(p.name for p in outside.iterdir()) == ["x.txt"]
    assert inbox.find_archived("top.txt", sha(ARTICLE)) == inbox.root / "top.txt"
    assert inbox.find_archived("sub/x.txt", None) is None
