"""The articles of a measurement: copied into its folder, read once right before it starts."""

from __future__ import annotations

import shutil
from pathlib import Path


def warm(paths: list[Path]) -> None:
    """Read every file once, right before a measurement: each one starts with the articles in the
    page cache, as freshly dropped files are (a memory manager may drop idle file pages meanwhile)."""
    for path in paths:
        path.read_bytes()


def copy_all(corpus: list[Path], folder: Path) -> list[Path]:
    """Copies of the corpus files in folder (not hard links: newswire reads only files with one
    link, since a second name may be a file from elsewhere)."""
    folder.mkdir(parents=True)
    out = []
    for src in corpus:
        dest = folder / src.name
        shutil.copyfile(src, dest)
        out.append(dest)
    return out
