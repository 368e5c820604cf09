"""A folder of 3,000 files moved into the inbox in one rename is published about as fast
as 3,000 files moved in one by one (not at the next full rescan, 30 s later)."""

from __future__ import annotations

import json
import os
import time

import pytest

from newswire_tools.hostile import folder_moved_in, good_article
from tests.chaos.conftest import Chaos, scaled

N = scaled(3000)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_folder_moved_in_is_published_about_as_fast_as_files_moved_one_by_one(chaos: Chaos) -> None:
    chaos.launch("ingest")
    launched = time.monotonic()
    staging = chaos.root / "staging"
    staging.mkdir()
    names = [f"single-{i:05d}.txt" for i in range(N)]
    for i, name in enumerate(names):
        (staging / name).write_text(good_article(60_000 + i))

    started = time.monotonic()
    for name in names:
        os.rename(staging / name, chaos.inbox / name)
    chaos.wait(lambda: chaos.xlen("raw") >= N, f"{N} files moved one by one published", timeout=120)
    one_by_one = time.monotonic() - started

    # past the watcher's early rescans (at start and 2 s later): only notifications or the 30 s rescan remain
    time.sleep(max(0.0, launched + 4 - time.monotonic()))
    folder_moved_in(chaos.inbox, staging, N, stem="moved", first=70_000)
    started = time.monotonic()  # the rename is the last thing folder_moved_in does
    chaos.wait(lambda: chaos.xlen("raw") >= 2 * N, f"{N} files of a folder moved in published", timeout=120)
    folder = time.monotonic() - started
    print(json.dumps({"files": N, "one_by_one_s": round(one_by_one, 2), "folder_s": round(folder, 2)}))

    assert folder < 3 * one_by_one + 5, (
        f"a folder of {N} files moved in took {folder:.1f} s to publish, {N} files moved one by one {one_by_one:.1f} s"
    )
