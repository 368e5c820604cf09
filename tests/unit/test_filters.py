"""NEWSWIRE_INCLUDE / NEWSWIRE_EXCLUDE: parsed from the environment, matched on the name or the relative path;
a scan reports what they leave out as skipped (excluded) and never yields it."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswire.settings import ConfigError, load
from services.ingest.config import IngestSettings
from services.ingest.inbox import Inbox
from services.ingest.scanning import NameFilter


def settings(tmp_path: Path, **env: str) -> IngestSettings:
    return IngestSettings(
        inbox=tmp_path / "inbox",
        processing_dir=tmp_path / "processing",
        done_dir=tmp_path / "done",
        error_dir=tmp_path / "error",
        **env,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("*.txt,*.html", ("*.txt", "*.html")),
        (" *.txt , news/*.json ,", ("*.txt", "news/*.json")),
        ('["*.txt", "a,b.txt"]', ("*.txt", "a,b.txt")),
    ],
)
def test_patterns_come_comma_separated_or_as_a_json_array(
    raw: str, parsed: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWIRE_INCLUDE", raw)
    monkeypatch.setenv("NEWSWIRE_EXCLUDE", raw)
    loaded = load(IngestSettings)
    assert loaded.include == parsed and loaded.exclude == parsed


def test_the_defaults_take_every_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWIRE_INCLUDE", raising=False)
    monkeypatch.delenv("NEWSWIRE_EXCLUDE", raising=False)
    loaded = load(IngestSettings)
    assert (loaded.include, loaded.exclude) == (("*",), ())
    assert NameFilter(loaded.include, loaded.exclude).everything


@pytest.mark.parametrize(("name", "value"), [("NEWSWIRE_INCLUDE", " , "), ("NEWSWIRE_EXCLUDE", "[1,")])
def test_a_wrong_pattern_list_is_one_line_naming_the_setting(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"^{name}: ") as err:
        load(IngestSettings)
    assert "\n" not in str(err.value)


def test_name_and_path_patterns() -> None:
    names = NameFilter(include=["*.txt", "*.HTML", "feeds/*.json"], exclude=["draft-*", "*/private/*"])
    assert not names.excludes("story.txt")
    assert not names.excludes("a/b/STORY.TXT"), "case-insensitive, and a name pattern matches in any folder"
    assert not names.excludes("page.html")
    assert not names.excludes("feeds/one.json") and not names.excludes("feeds/sub/two.json")
    assert names.excludes("other/one.json"), "a pattern with a / is matched against the relative path"
    assert names.excludes("table.csv") and names.excludes("README")
    assert names.excludes("draft-story.txt"), "exclude wins over include"
    assert names.excludes("desk/private/story.txt")


def test_a_scan_reports_excluded_files_and_yields_the_others(tmp_path: Path) -> None:
    inbox = Inbox(settings(tmp_path, include="*.txt,*.csv", exclude="old/*"))  # type: ignore[arg-type]
    inbox.prepare()
    root = inbox.root
    (root / "old").mkdir()
    for name in ("a.txt", "b.csv", "c.pdf", "old/d.txt", ".hidden.pdf", "e.txt.part"):
        (root / name).write_text("x")
    skipped: list[tuple[str, str]] = []
    found = sorted(str(p.relative_to(root)) for p in inbox.scan(on_skip=lambda p, r: skipped.append((p, r))))
    assert found == ["a.txt", "b.csv"]
    assert sorted((str(Path(p).relative_to(root)), r) for p, r in skipped) == [
        ("c.pdf", "excluded"),
        ("old/d.txt", "excluded"),
    ], "hidden and temporary files are passed over without a word, as ever"
    assert inbox.accepts(root / "a.txt") and not inbox.accepts(root / "c.pdf")
    assert inbox.scanner.excluded(root / "c.pdf") and inbox.scanner.excluded(root / "old" / "d.txt")
    assert not inbox.scanner.excluded(root / "a.txt") and not inbox.scanner.excluded(root / ".hidden.pdf")
