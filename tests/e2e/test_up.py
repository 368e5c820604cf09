"""`newswire up` as a user runs it: a subprocess, a real folder, real Redis and database."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess

from tests.support import NEWSWIRE, SEED, Pipeline, drop, wait_for

SEED_HEADLINE = "Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman"


def test_seed_dropped_into_inbox_is_stored_once_and_enriched_once(pipeline: Pipeline) -> None:
    # default settle time (1 s), as a user runs it: the article must be through within 5 s
    env = pipeline.env()
    del env["NEWSWIRE_SETTLE_S"]
    up = pipeline.start("up", env=env)
    pipeline.inbox.mkdir(parents=True, exist_ok=True)
    wait_for(
        lambda: (pipeline.root / "up-0.log").read_text().count('"consumer_started"') == 2, what="both consumers up"
    )
    shutil.copy(SEED, pipeline.inbox / SEED.name)

    wait_for(lambda: pipeline.xlen("enriched") == 1, timeout=5, what="the enriched event within 5 s")
    [event] = pipeline.events("enriched")
    assert event["event"] == "article.enriched"
    assert event["schema_version"] >= 1 and event["correlation_id"]
    assert event["headline"] == SEED_HEADLINE
    assert event["story_code"] == "924469"
    assert event["published_at"].startswith("2021-03-31T11:59")
    assert event["source_name"] == SEED.name
    assert event["enrichment"]["language"] == "en"
    assert event["enrichment"]["word_count"] > 250
    rows = pipeline.sql("SELECT article_id, headline, story_code, published_at FROM articles")
    assert len(rows) == 1
    assert rows[0][0] == event["article_id"]
    assert (rows[0][1], rows[0][2]) == (SEED_HEADLINE, "924469")
    assert str(rows[0][3]).startswith("2021-03-31 11:59")

    # the same content under another name changes neither count
    shutil.copy(SEED, pipeline.inbox / "copy-of-seed.txt")
    wait_for(lambda: len(list(pipeline.done.rglob("copy-of-seed.txt"))) == 1, what="the copy archived")
    wait_for(lambda: pipeline.pending("raw", "store") == 0 and pipeline.xlen("raw") == 2, what="the copy consumed")
    assert pipeline.count("articles") == 1
    assert pipeline.xlen("stored") == 1
    assert pipeline.xlen("enriched") == 1

    assert pipeline.stop(up, signal.SIGINT) == 0
    assert not any(pipeline.processing.rglob("*.txt")), "nothing may stay in processing after a clean stop"


def test_tail_prints_the_enriched_event_as_one_json_line(pipeline: Pipeline) -> None:
    pipeline.start("up")
    wait_for(lambda: pipeline.inbox.is_dir(), what="inbox created")
    shutil.copy(SEED, pipeline.inbox / SEED.name)
    wait_for(lambda: pipeline.xlen("enriched") == 1, timeout=15, what="the enriched event")

    out = subprocess.run(
        [NEWSWIRE, "tail", f"{pipeline.prefix}articles:enriched", "--no-follow"],
        env=pipeline.env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    lines = out.splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["event"] == "article.enriched"
    assert doc["headline"] == SEED_HEADLINE


def test_streams_are_trimmed_once_acknowledged_and_a_subscribers_group_keeps_its_entries(pipeline: Pipeline) -> None:
    """With a tiny retention, store trims articles:raw and enrich trims articles:stored once their groups
    acknowledged everything; articles:enriched keeps what a subscriber's own group has not read yet.
    The database keeps every article."""
    import random

    from newswire_tools.corpus import article

    enriched = f"{pipeline.prefix}articles:enriched"
    pipeline.redis.xgroup_create(enriched, "my-app", id="0", mkstream=True)
    pipeline.start("up", env=pipeline.env(NEWSWIRE_STREAM_RETENTION_S="0.001"))
    wait_for(lambda: pipeline.inbox.is_dir(), what="inbox created")
    for i in range(5):
        drop(pipeline.inbox, f"a{i}.txt", article(random.Random(i), 7_000 + i))
    wait_for(lambda: pipeline.xlen("enriched") == 5, timeout=30, what="5 enriched events")

    wait_for(
        lambda: pipeline.xlen("raw") == 0 and pipeline.xlen("stored") == 0,
        timeout=30,
        what="articles:raw and articles:stored trimmed (first trim about 5 s after start)",
    )
    assert pipeline.count("articles") == 5
    assert pipeline.count("enrichments") == 5
    assert pipeline.xlen("enriched") == 5, "my-app has read nothing: its entries must stay"


def test_one_ctrl_c_delivered_twice_at_once_still_drains(pipeline: Pipeline) -> None:
    """`uv run` forwards the terminal's SIGINT to newswire, which the terminal has signalled already: the
    two arrive together and are one Ctrl-C, a clean stop (exit 0), not "stop at once" (exit 130)."""
    up = pipeline.start("up")
    log = pipeline.root / "up-0.log"
    wait_for(lambda: log.read_text().count('"consumer_started"') == 2, what="both consumers up")
    up.send_signal(signal.SIGINT)
    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=60) == 0
    assert "stopping now" not in log.read_text()
