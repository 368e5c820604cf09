"""services.ingest.archive._move: archive a file under its name, never over another file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.ingest import archive as inbox


@pytest.fixture(params=["renameat2", "check-then-rename"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "renameat2":
        if inbox._renameat2 is None:
            pytest.skip("renameat2 is not available on this system")
    else:
        monkeypatch.setattr(inbox, "_renameat2", None)
    return str(request.param)


def test_a_taken_name_gets_the_next_number_and_nothing_is_overwritten(tmp_path: Path, mode: str) -> None:
    sources = []
    for i in range(3):
        src = tmp_path / f"claimed-{i}"
        src.write_text(f"content {i}")
        sources.append(src)
    (tmp_path / "done").mkdir()
    dest = tmp_path / "done" / "story.txt"

    moved = [inbox._move(str(src), str(dest)) for src in sources]

    assert [Path(m).name for m in moved] == ["story.txt", "story.1.txt", "story.2.txt"], mode
    assert [Path(m).read_text() for m in moved] == ["content 0", "content 1", "content 2"]
    assert not any(src.exists() for src in sources)


def test_a_name_without_suffix_and_a_dangling_link_are_not_overwritten(tmp_path: Path, mode: str) -> None:
    (tmp_path / "README").symlink_to(tmp_path / "nowhere")  # a dangling link is a taken name too
    src = tmp_path / "claimed"
    src.write_text("x")

    moved = inbox._move(str(src), str(tmp_path / "README"))

    assert Path(moved).name == "README.1", mode
    assert (tmp_path / "README").is_symlink()
    assert Path(moved).read_text() == "x"


def test_a_taken_255_byte_name_gets_a_numbered_name_that_still_fits(tmp_path: Path, mode: str) -> None:
    name = "n" * 251 + ".txt"
    (tmp_path / name).write_text("first")
    src = tmp_path / "claimed"
    src.write_text("second")

    moved = inbox._move(str(src), str(tmp_path / name))

    assert Path(moved).name == "n" * 249 + ".1.txt", mode
    assert Path(moved).read_text() == "second"
    assert (tmp_path / name).read_text() == "first"


def test_a_destination_relative_to_a_folder_descriptor_is_moved_into_that_folder(tmp_path: Path, mode: str) -> None:
    folder = tmp_path / "done"
    folder.mkdir()
    (folder / "story.txt").write_text("taken")
    src = tmp_path / "claimed"
    src.write_text("x")
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        moved = inbox._move(str(src), "story.txt", dest_dir_fd=fd)
    finally:
        os.close(fd)

    assert moved == "story.1.txt", mode  # the name in the folder, as given
    assert (folder / "story.1.txt").read_text() == "x"
    assert not (tmp_path / "story.1.txt").exists()
