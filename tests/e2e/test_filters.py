"""Inbox filters and tables, with a real watcher and store: a CSV dropped with the default settings ends on
articles:dead (unsupported_layout); a file NEWSWIRE_INCLUDE/EXCLUDE leave out stays in the inbox, logged once."""

from __future__ import annotations

import json

import pytest

from tests.support import SEED, Pipeline, drop, wait_for

CSV = "id,title,body\n1,Gas deal signed,The ministers signed it.\n2,Talks go on,They met again on Monday.\n"


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_a_csv_dropped_with_the_defaults_is_dead_lettered_unsupported_layout(pipeline: Pipeline) -> None:
    pipeline.start("ingest")
    pipeline.start("store", env=pipeline.env(NEWSWIRE_WORKERS="1"))
    wait_for(lambda: pipeline.inbox.is_dir(), what="the inbox")
    drop(pipeline.inbox, "articles.csv", CSV)
    drop(pipeline.inbox, "seed.txt", SEED.read_bytes())

    wait_for(lambda: pipeline.xlen("dead") == 1 and pipeline.xlen("stored") == 1, what="one dead, one stored")
    [dead] = pipeline.events("dead")
    assert (dead["source_name"], dead["stage"], dead["reason"]) == ("articles.csv", "store", "unsupported_layout")
    assert dead["detail"].endswith("a table (CSV), not an article"), dead["detail"]
    wait_for(lambda: (pipeline.error / "articles.csv.error.json").exists(), what="the CSV in the error folder")
    assert json.loads((pipeline.error / "articles.csv.error.json").read_text())["reason"] == "unsupported_layout"


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_files_left_out_by_the_patterns_stay_in_the_inbox_and_are_logged_once(pipeline: Pipeline) -> None:
    pipeline.start(
        "ingest",
        env=pipeline.env(NEWSWIRE_INCLUDE="*.txt,*.html", NEWSWIRE_EXCLUDE="drafts/*", NEWSWIRE_LOG_LEVEL="debug"),
    )
    wait_for(lambda: pipeline.inbox.is_dir() and pipeline.processing.is_dir(), what="the watcher's folders")
    drop(pipeline.inbox, "table.csv", CSV)
    drop(pipeline.inbox / "drafts", "draft.txt", SEED.read_bytes())
    drop(pipeline.inbox, "seed.TXT", SEED.read_bytes())

    wait_for(lambda: pipeline.xlen("raw") == 1, what="the one included file")
    # two full scans (at start and 2 s later) pass over the left-out files: still one line each
    wait_for(lambda: pipeline.logs().count('"scanned"') >= 2, timeout=10, what="two full scans")
    assert [e["source_name"] for e in pipeline.events("raw")] == ["seed.TXT"]
    assert (pipeline.inbox / "table.csv").read_text() == CSV
    assert (pipeline.inbox / "drafts" / "draft.txt").exists()
    assert pipeline.xlen("dead") == 0
    skipped = [json.loads(line) for line in pipeline.logs().splitlines() if '"skipped"' in line]
    assert sorted((s["path"].rpartition("inbox/")[2], s["reason"]) for s in skipped) == [
        ("drafts/draft.txt", "excluded"),
        ("table.csv", "excluded"),
    ]
