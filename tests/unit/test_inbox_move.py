"""services.ingest.inbox._move: archive a file under its name, never over another file."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.ingest import inbox


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
