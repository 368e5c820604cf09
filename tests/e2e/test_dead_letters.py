"""The dead-letter tools as a user runs them beside `newswire up`: `newswire dead` lists what was rejected,
`newswire requeue` puts a fixed file or an entry back, `newswire replay` emits enriched events again."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newswire.contracts import ArticleRejected, ArticleStored, encode
from tests.support import NEWSWIRE, SEED, Pipeline, drop, wait_for


def _cli(pipeline: Pipeline, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NEWSWIRE, *args],
        env=pipeline.env(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=pipeline.root,
        check=False,
    )


def _up(pipeline: Pipeline) -> None:
    pipeline.start("up")
    wait_for(lambda: pipeline.logs().count('"consumer_started"') == 2, timeout=60, what="store and enrich running")


def _dead(pipeline: Pipeline) -> list[dict[str, Any]]:
    """`newswire dead --json -n 0`: every dead letter, newest first."""
    out = _cli(pipeline, "dead", "--json", "-n", "0")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def _records(pipeline: Pipeline) -> list[dict[bytes, bytes]]:
    return [fields for _id, fields in pipeline.redis.xrange(f"{pipeline.prefix}newswire:requeues")]


def test_a_rejected_file_fixed_in_the_error_folder_and_requeued_is_stored_once(pipeline: Pipeline) -> None:
    _up(pipeline)
    drop(pipeline.inbox, "headline-only.txt", "Just a headline\n")
    [letter] = wait_for(lambda: _dead(pipeline), timeout=30, what="the dead letter in `newswire dead --json`")
    assert (letter["stage"], letter["reason"], letter["source_name"]) == ("store", "no_body", "headline-only.txt")
    in_error = pipeline.error / "headline-only.txt"
    report = pipeline.error / "headline-only.txt.error.json"
    wait_for(lambda: in_error.is_file() and report.is_file(), timeout=30, what="the file and its report in error/")
    assert pipeline.count("articles") == 0

    in_error.write_bytes(SEED.read_bytes())  # the user fixes the file where it lies
    out = _cli(pipeline, "requeue", letter["entry_id"])
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines() == [f"requeued {letter['entry_id']} file headline-only.txt -> inbox"]
    assert not in_error.exists() and not report.exists()

    wait_for(lambda: pipeline.xlen("enriched") == 1, timeout=30, what="the fixed article enriched")
    wait_for(lambda: any(pipeline.done.rglob("headline-only.txt")), timeout=30, what="the file archived in done/")
    [event] = pipeline.events("enriched")
    assert event["source_name"] == "headline-only.txt" and event["replay"] is False
    assert pipeline.count("articles") == 1
    assert pipeline.xlen("stored") == 1
    [record] = _records(pipeline)
    assert record[b"dead_id"].decode() == letter["entry_id"]
    assert record[b"action"] == b"file" and record[b"target"] == b"inbox/headline-only.txt"
    assert b"@" in record[b"by"]

    again = _cli(pipeline, "requeue", letter["entry_id"])
    assert again.returncode == 1
    assert again.stdout.startswith(f"skipped {letter['entry_id']}: requeued already")
    assert "--force" in again.stdout
    assert len(_records(pipeline)) == 1
    # Forced, with the file gone on to done/: the store's entry is put back instead (what a fixed parser
    # would want); it holds the text as it was, so the store rejects it again.
    forced = _cli(pipeline, "requeue", "--force", letter["entry_id"])
    assert forced.returncode == 0, forced.stdout + forced.stderr
    source = letter["source_entry_id"]
    assert forced.stdout.startswith(f"requeued {letter['entry_id']} entry {source} -> {pipeline.stream('raw')} as ")
    copy_id = forced.stdout.split()[-1]
    wait_for(lambda: len(_dead(pipeline)) == 2, timeout=30, what="the copy dead-lettered again")
    assert [d["source_entry_id"] for d in _dead(pipeline)] == [copy_id, source]
    assert pipeline.count("articles") == 1 and pipeline.xlen("enriched") == 1


def test_an_entry_requeued_once_its_article_is_in_the_database_is_enriched(pipeline: Pipeline) -> None:
    """enrich dead-letters an article.stored for an article the database does not have (unknown_article);
    once the row is there (a database restored, say), requeueing the entry gets it enriched."""
    from newswire.db.engine import make_engine
    from newswire.db.tables import ARTICLES

    _up(pipeline)
    article_id, correlation_id = uuid.uuid4().hex * 2, uuid.uuid4().hex
    body = "The first paragraph says something.\n\nThe second paragraph says more about it."
    stored = ArticleStored(
        article_id=article_id,
        correlation_id=correlation_id,
        headline="An article the database lost",
        story_code=None,
        published_at="2021-03-31T11:59:00",
        body=body,
        source_name="lost.txt",
    )
    source_id = pipeline.redis.xadd(pipeline.stream("stored"), encode(stored)).decode()  # type: ignore[union-attr]
    [letter] = wait_for(lambda: _dead(pipeline), timeout=30, what="enrich's dead letter")
    assert (letter["stage"], letter["reason"], letter["source_entry_id"]) == ("enrich", "unknown_article", source_id)

    engine = make_engine(pipeline.database_url)
    with engine.begin() as conn:
        conn.execute(
            ARTICLES.insert(),
            {
                "article_id": article_id,
                "headline": stored.headline,
                "story_code": None,
                "published_at": datetime(2021, 3, 31, 11, 59),
                "published_utc_offset_min": None,
                "body": body,
                "source_name": "lost.txt",
                "language": None,
                "url": None,
                "encoding": "utf-8",
                "file_sha256": "0" * 64,
                "correlation_id": correlation_id,
                "source_entry_id": "0-1",
                "stored_at": datetime.now(UTC),
            },
        )
    engine.dispose()

    dry = _cli(pipeline, "requeue", "--reason", "unknown_article", "--dry-run")
    assert dry.stdout.splitlines() == [
        f"would requeue {letter['entry_id']} entry {source_id} -> {pipeline.stream('stored')}"
    ]
    assert pipeline.xlen("stored") == 1 and _records(pipeline) == []

    out = _cli(pipeline, "requeue", "--reason", "unknown_article")
    assert out.returncode == 0, out.stdout + out.stderr
    [line] = out.stdout.splitlines()
    assert line.startswith(f"requeued {letter['entry_id']} entry {source_id} -> {pipeline.stream('stored')} as ")
    [(_first, first), (copy_id, copy)] = pipeline.redis.xrange(pipeline.stream("stored"))
    assert copy == first and line.endswith(copy_id.decode())

    wait_for(lambda: pipeline.xlen("enriched") == 1, timeout=30, what="the requeued entry enriched")
    [event] = pipeline.events("enriched")
    assert (event["article_id"], event["correlation_id"]) == (article_id, correlation_id)
    assert len(_dead(pipeline)) == 1, "the requeued entry must not be dead-lettered again"
    again = _cli(pipeline, "requeue", "--reason", "unknown_article")
    assert again.stdout.splitlines() == ["skipped 1 requeued already; --force to requeue them again"]
    assert pipeline.xlen("stored") == 2


def test_replay_emits_the_committed_enrichment_again_marked_as_a_replay(pipeline: Pipeline) -> None:
    _up(pipeline)
    drop(pipeline.inbox, SEED.name, SEED.read_bytes())
    wait_for(lambda: pipeline.xlen("enriched") == 1, timeout=30, what="the seed enriched")
    [original] = pipeline.events("enriched")
    article_id = original["article_id"]

    out = _cli(pipeline, "replay", "--article", article_id)
    assert out.returncode == 0, out.stdout + out.stderr
    [line] = out.stdout.splitlines()
    assert line.startswith(f"replayed {article_id} -> {pipeline.stream('enriched')} ")
    assert pipeline.xlen("enriched") == 2
    replayed = pipeline.events("enriched")[1]
    assert original["replay"] is False and replayed["replay"] is True
    assert replayed["enrichment"] == original["enrichment"]
    same = {k: v for k, v in original.items() if k not in ("emitted_at", "replay")}
    assert {k: v for k, v in replayed.items() if k not in ("emitted_at", "replay")} == same

    by_time = _cli(pipeline, "replay", "--since", "1h")
    assert by_time.returncode == 0 and by_time.stdout.splitlines()[-1] == "replayed 1 articles"
    before = _cli(pipeline, "replay", "--until", "2000-01-01T00:00")
    assert before.returncode == 0 and before.stdout.splitlines() == ["replayed 0 articles"]
    unknown = _cli(pipeline, "replay", "--article", "0" * 64)
    assert unknown.returncode == 1
    assert unknown.stdout.splitlines() == [f"not replayed {'0' * 64}: no such article in the database"]
    assert pipeline.xlen("enriched") == 3
    usage = _cli(pipeline, "replay")
    assert usage.returncode == 2 and usage.stderr.startswith("newswire: error: replay: give --since/--until")


def test_a_forged_dead_letter_naming_a_path_outside_is_refused_and_touches_nothing(
    tmp_path: Path, redis_server_url: str, prefix: str, sqlite_url: str
) -> None:
    """No pipeline runs: a dead letter anyone with access to Redis could write, a file outside the error
    folder with a report that names it, and a link inside the error folder to its folder."""
    pipeline = Pipeline(root=tmp_path, redis_url=redis_server_url, prefix=prefix, database_url=sqlite_url)
    try:
        pipeline.inbox.mkdir(parents=True)
        pipeline.error.mkdir(parents=True)
        outside = tmp_path / "etc"  # error/../../etc
        outside.mkdir()
        (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
        report = {"stage": "store", "reason": "no_body", "source_name": "linked/passwd", "file": "passwd"}
        (outside / "passwd.error.json").write_text(json.dumps(report))
        (pipeline.error / "linked").symlink_to(outside)
        ids = []
        for name, stream in (
            ("../../etc/passwd", pipeline.stream("raw")),
            ("linked/passwd", pipeline.stream("raw")),
            ("passwd", "elsewhere:stream"),
        ):
            letter = ArticleRejected(
                article_id="0" * 64,
                correlation_id="forged",
                stage="store",
                reason="no_body",
                detail="forged",
                source_name=name,
                source_stream=stream,
                source_entry_id="1-0",
            )
            ids.append(pipeline.redis.xadd(pipeline.stream("dead"), encode(letter)).decode())  # type: ignore[union-attr]
        before = sorted((p, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink())

        out = _cli(pipeline, "requeue", "--all")
        assert out.returncode == 1
        assert out.stdout.splitlines() == [
            f"not requeued {ids[0]}: source_name '../../etc/passwd' refused: component 1 is empty, '.', '..' or hidden",
            f"not requeued {ids[1]}: its file is not in the error folder {pipeline.error}, and its entry 1-0 is no "
            f"longer on {pipeline.stream('raw')} (trimmed)",
            f"not requeued {ids[2]}: its source stream 'elsewhere:stream' is not {pipeline.stream('raw')} or "
            f"{pipeline.stream('stored')}",
        ]
        after = sorted((p, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink())
        assert after == before
        assert not any(pipeline.inbox.iterdir())
        assert _records(pipeline) == []
    finally:
        pipeline.close()
