"""The watcher on a real folder, real Redis and real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import time

import pytest

from tests.support import SEED, Pipeline, drop, wait_for


def _article(i: int) -> str:
    return (
        f"Monday {1 + i % 28} March 2021 - 10:{i % 60:02d}\n\nHeadline number {i}\n\nStory Code : {1000 + i}\n"
        f"Paragraph one of article {i} says something.\n\nParagraph two of article {i}.\n"
    )


def _ingest_only(pipeline: Pipeline, **env: str) -> None:
    pipeline.start("ingest", env=pipeline.env(**env))
    wait_for(lambda: pipeline.inbox.is_dir() and pipeline.processing.is_dir(), what="the watcher's folders")


def _store(pipeline: Pipeline) -> None:
    """A store beside the watcher: files leave processing/ only once the store has confirmed them."""
    pipeline.start("store", env=pipeline.env(NEWSWIRE_WORKERS="1"))


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_temporary_hidden_and_linked_files_are_left_alone(pipeline: Pipeline, tmp_path: os.PathLike[str]) -> None:
    _ingest_only(pipeline, NEWSWIRE_LOG_LEVEL="debug")
    outside = pipeline.root / "outside.txt"
    outside.write_text(_article(1))
    names = [".hidden.txt", "draft.tmp", "x.part", "y.partial", "z.crdownload", ".a.swp", "~lock.txt", ".~lock.doc#"]
    for name in names:
        (pipeline.inbox / name).write_text(_article(2))
    os.symlink(outside, pipeline.inbox / "link-to-outside.txt")
    drop(pipeline.inbox, "real.txt", _article(3))

    wait_for(lambda: pipeline.xlen("raw") == 1, what="the one real file")
    # the second startup scan (at 2 s) passes over every file again before we look
    wait_for(lambda: pipeline.logs().count('"scanned"') >= 2, timeout=10, what="two full scans")
    assert pipeline.xlen("raw") == 1
    for name in names:
        assert (pipeline.inbox / name).exists(), f"{name} was touched"
    assert (pipeline.inbox / "link-to-outside.txt").is_symlink()
    assert outside.read_text() == _article(1)
    assert pipeline.events("raw")[0]["source_name"] == "real.txt"


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_a_file_written_slowly_without_rename_is_published_once_and_whole(pipeline: Pipeline) -> None:
    _ingest_only(pipeline, NEWSWIRE_SETTLE_S="1.0")
    text = _article(7) + "".join(f"\nMore paragraph {k} of a long article.\n" for k in range(30))
    data = text.encode()
    path = pipeline.inbox / "slow.txt"
    with open(path, "wb") as fh:
        for i in range(0, len(data), len(data) // 6 + 1):
            fh.write(data[i : i + len(data) // 6 + 1])
            fh.flush()
            time.sleep(0.5)  # the writer's pace is the point of this test
    wait_for(lambda: pipeline.xlen("raw") == 1, what="the slow file")
    [event] = pipeline.events("raw")
    assert event["text"] == text
    assert event["size_bytes"] == len(data)


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_empty_binary_and_oversized_files_go_to_errors_with_reason_and_dead_letters(pipeline: Pipeline) -> None:
    _ingest_only(pipeline, NEWSWIRE_MAX_FILE_BYTES="5000")
    drop(pipeline.inbox, "empty.txt", b"")
    drop(pipeline.inbox, "image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    drop(pipeline.inbox, "huge.txt", _article(1) * 100)
    drop(pipeline.inbox, "good.txt", _article(2))
    wait_for(lambda: pipeline.xlen("dead") == 3 and pipeline.xlen("raw") == 1, what="three rejects and one article")
    reasons = {e["source_name"]: e["reason"] for e in pipeline.events("dead")}
    assert reasons == {"empty.txt": "empty", "image.png": "not_text", "huge.txt": "too_large"}
    # the dead letters are published first, then the files moved (a crash in between re-does the move)
    wait_for(
        lambda: all((pipeline.error / f"{name}.error.json").exists() for name in reasons), what="the error reports"
    )
    for name, reason in reasons.items():
        report = json.loads((pipeline.error / f"{name}.error.json").read_text())
        assert report["reason"] == reason and report["stage"] == "ingest"
        assert (pipeline.error / name).exists()
    # The good one waits in processing/ until the store confirms it, then goes to done/.
    assert len(list(pipeline.processing.rglob("good.txt"))) == 1
    assert not list(pipeline.done.rglob("good.txt"))
    _store(pipeline)
    wait_for(lambda: len(list(pipeline.done.rglob("good.txt"))) == 1, what="good.txt archived once stored")
    assert not list(pipeline.processing.rglob("*.txt"))


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_polling_mode_ingests_files(pipeline: Pipeline) -> None:
    _ingest_only(
        pipeline,
        NEWSWIRE_POLL="on",
        NEWSWIRE_POLL_INTERVAL_S="0.3",
        NEWSWIRE_RESCAN_INTERVAL_S="3600",
        NEWSWIRE_LOG_LEVEL="debug",
    )
    # JSON lines as the logger renders them: with or without a space after the colon
    wait_for(lambda: re.search(r'"polling": ?true', pipeline.logs()), what="the watcher in polling mode")
    # past both startup scans (0 s and 2 s; the next is an hour away): only polling can find the file
    wait_for(lambda: pipeline.logs().count('"scanned"') >= 2, timeout=10, what="both startup scans")
    drop(pipeline.inbox, "polled.txt", _article(5))
    wait_for(lambda: pipeline.xlen("raw") == 1, timeout=10, what="the polled file")


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_two_watchers_on_one_inbox_publish_each_file_once(pipeline: Pipeline) -> None:
    for name in ("w1", "w2"):
        pipeline.start("ingest", env=pipeline.env(NEWSWIRE_CONSUMER_NAME=name, NEWSWIRE_SETTLE_S="0"), name=name)
    _store(pipeline)
    wait_for(lambda: len(list(pipeline.processing.glob("w*.lock"))) == 2, what="both watchers")
    for i in range(300):
        drop(pipeline.inbox, f"a{i:04d}.txt", _article(i))
    wait_for(lambda: len(list(pipeline.done.rglob("*.txt"))) == 300, what="300 files archived")
    names = [e["source_name"] for e in pipeline.events("raw")]
    assert len(names) == len(set(names)) == 300


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_a_killed_watcher_claims_are_finished_without_publishing_twice(pipeline: Pipeline) -> None:
    w1 = pipeline.start("ingest", env=pipeline.env(NEWSWIRE_CONSUMER_NAME="w1", NEWSWIRE_SETTLE_S="0"), name="w1")
    _store(pipeline)
    wait_for(lambda: (pipeline.processing / "w1.lock").exists(), what="the first watcher")
    for i in range(400):
        drop(pipeline.inbox, f"b{i:04d}.txt", _article(i))
    wait_for(lambda: pipeline.xlen("raw") >= 50, what="some files published")
    w1.send_signal(signal.SIGKILL)
    w1.wait()
    pipeline.start("ingest", env=pipeline.env(NEWSWIRE_CONSUMER_NAME="w2", NEWSWIRE_SETTLE_S="0"), name="w2")
    wait_for(lambda: len(list(pipeline.done.rglob("*.txt"))) == 400, what="all 400 archived")
    wait_for(lambda: not any(pipeline.processing.rglob("*.txt")), what="processing empty")
    names = [e["source_name"] for e in pipeline.events("raw")]
    assert set(names) == {f"b{i:04d}.txt" for i in range(400)}
    assert len(names) == 400, "a claim published before the kill was published again"
    assert not list(pipeline.inbox.glob("*.txt"))


def test_an_article_the_store_rejects_moves_from_done_to_errors(pipeline: Pipeline) -> None:
    pipeline.start("up")
    wait_for(lambda: pipeline.inbox.is_dir(), what="the inbox")
    drop(
        pipeline.inbox,
        "page.html",
        "<!doctype html><html><head><title>T</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
    )
    drop(pipeline.inbox, SEED.name, SEED.read_bytes())
    wait_for(lambda: (pipeline.error / "page.html.error.json").exists(), what="the error report")
    report = json.loads((pipeline.error / "page.html.error.json").read_text())
    assert report["stage"] == "store" and report["reason"] == "no_body"
    assert (pipeline.error / "page.html").exists()
    assert not list(pipeline.done.rglob("page.html"))
    wait_for(lambda: pipeline.xlen("enriched") == 1, what="the good article still flows")


@pytest.mark.parametrize("database_url", ["sqlite:///unused.db"], indirect=False)
def test_keep_policy_leaves_files_in_place_and_publishes_each_once_across_restarts(pipeline: Pipeline) -> None:
    env = pipeline.env(
        NEWSWIRE_DONE_POLICY="keep", NEWSWIRE_SETTLE_S="0", NEWSWIRE_RESCAN_INTERVAL_S="0.5", NEWSWIRE_LOG_LEVEL="debug"
    )
    first = pipeline.start("ingest", env={**env, "NEWSWIRE_CONSUMER_NAME": "k1"}, name="k1")
    _store(pipeline)
    wait_for(lambda: pipeline.inbox.is_dir(), what="the inbox")
    for i in range(5):
        drop(pipeline.inbox, f"kept-{i}.txt", _article(i))
    wait_for(lambda: pipeline.xlen("raw") == 5, what="five published")
    wait_for(
        lambda: sorted(p.name for p in pipeline.inbox.glob("*.txt")) == [f"kept-{i}.txt" for i in range(5)],
        what="the files back in the inbox",
    )
    scans = pipeline.logs().count('"scanned"')
    wait_for(lambda: pipeline.logs().count('"scanned"') >= scans + 3, what="three more rescans")
    assert pipeline.xlen("raw") == 5, "a kept file was published again by a rescan"

    first.send_signal(signal.SIGKILL)
    first.wait()
    pipeline.start("ingest", env={**env, "NEWSWIRE_CONSUMER_NAME": "k2"}, name="k2")
    wait_for(lambda: pipeline.logs().count('"scanned"') >= scans + 8, what="rescans by the restarted watcher")
    assert pipeline.xlen("raw") == 5, "the restarted watcher published kept files again"

    with open(pipeline.inbox / "kept-0.txt", "a") as fh:
        fh.write("\nA correction added later.\n")
    wait_for(lambda: pipeline.xlen("raw") == 6, what="the changed file published again")
    assert pipeline.events("raw")[-1]["text"].rstrip().endswith("A correction added later.")
    assert not list(pipeline.done.rglob("*.txt"))
