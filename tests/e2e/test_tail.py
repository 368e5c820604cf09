"""`newswire tail` as a user runs it, on a real Redis: short stream names, unknown streams, -n, a consumer group
of the user's own, and the --lang/--country/--person filters on enriched events."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import redis

from newswire.contracts import DATA_FIELD, ArticleEnriched, ArticleRejected, Enrichment
from tests.support import NEWSWIRE, wait_for

ARTICLES = [  # (headline, language, countries, persons)
    ("Kremlin answers", "en", [("RU", "Russia")], ["Dmitry Peskov"]),
    ("Paris répond", "fr", [("FR", "France"), ("RU", "Russia")], ["Emmanuel Macron"]),
    ("Kyiv talks", "en", [("UA", "Ukraine")], ["Volodymyr Zelensky", "Dmitry Kuleba"]),
]


def enriched(headline: str, language: str, countries: list[tuple[str, str]], persons: list[str]) -> bytes:
    """An article.enriched event as enrich emits it (the contract's model, so the fields are where they are)."""
    enrichment: dict[str, Any] = {
        "language": language,
        "language_confidence": 0.99,
        "word_count": 100,
        "sentence_count": 5,
        "paragraph_count": 2,
        "reading_time_s": 30,
        "enricher_version": "test",
        "countries": [{"code": c, "name": n, "count": 1} for c, n in countries],
        "entities": {"persons": [{"name": p, "count": 1} for p in persons]},
    }
    event = ArticleEnriched(
        article_id=headline.encode().hex(),
        correlation_id="c" * 32,
        headline=headline,
        story_code=None,
        published_at=None,
        body="Body.",
        source_name=f"{headline}.txt",
        enrichment=Enrichment.model_validate(enrichment),
    )
    return event.model_dump_json().encode()


def add(r: redis.Redis, stream: str, data: bytes) -> None:
    r.xadd(stream, {DATA_FIELD: data})


def tail(prefix: str, redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NEWSWIRE, "tail", *args], env=_env(prefix, redis_url), capture_output=True, text=True, timeout=30, check=False
    )


def _env(prefix: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_REDIS_URL=redis_url, NEWSWIRE_STREAM_PREFIX=prefix)
    return env


def headlines(out: str) -> list[str]:
    return [json.loads(line)["headline"] for line in out.splitlines()]


def test_short_names_unknown_streams_and_n(prefix: str, redis_server_url: str, sync_redis: redis.Redis) -> None:
    for a in ARTICLES:
        add(sync_redis, f"{prefix}articles:enriched", enriched(*a))
    dead = ArticleRejected(
        article_id="0" * 64,
        correlation_id="d" * 32,
        stage="store",
        reason="unsupported_layout",
        detail="a table (CSV), not an article",
        source_name="t.csv",
        source_stream=f"{prefix}articles:raw",
        source_entry_id="1-0",
    )
    add(sync_redis, f"{prefix}articles:dead", dead.model_dump_json().encode())

    assert headlines(tail(prefix, redis_server_url, "--no-follow").stdout) == [a[0] for a in ARTICLES]
    assert (
        headlines(tail(prefix, redis_server_url, "enriched", "--no-follow", "-n", "2").stdout)
        == [
            "Kyiv talks",
            "Paris répond",
        ][::-1]
    )
    assert tail(prefix, redis_server_url, "-n", "0", "--no-follow").stdout == ""
    [line] = tail(prefix, redis_server_url, "dead", "--no-follow").stdout.splitlines()
    assert json.loads(line)["reason"] == "unsupported_layout"
    full = tail(prefix, redis_server_url, f"{prefix}articles:dead", "--no-follow")
    assert full.stdout.splitlines() == [line], "the full name is the same stream"
    # newswire's own streams may not exist yet: no error, nothing printed
    assert tail(prefix, redis_server_url, "stored", "--no-follow").returncode == 0

    unknown = tail(prefix, redis_server_url, f"{prefix}articles:nosuch", "--no-follow")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.startswith(f"newswire: error: tail: no stream '{prefix}articles:nosuch'")
    assert len(unknown.stderr.splitlines()) == 1
    sync_redis.set(f"{prefix}plain-key", "x")
    not_a_stream = tail(prefix, redis_server_url, f"{prefix}plain-key", "--no-follow")
    assert not_a_stream.returncode == 2 and "is a Redis string, not a stream" in not_a_stream.stderr

    negative = tail(prefix, redis_server_url, "-n", "-1")
    assert negative.returncode == 2 and "must be 0 or more" in negative.stderr


def test_filters_select_enriched_events_in_history_and_when_following(
    prefix: str, redis_server_url: str, sync_redis: redis.Redis, tmp_path: Path
) -> None:
    stream = f"{prefix}articles:enriched"
    for a in ARTICLES:
        add(sync_redis, stream, enriched(*a))

    def picked(*args: str) -> list[str]:
        done = tail(prefix, redis_server_url, "--no-follow", "--from-start", *args)
        assert done.returncode == 0, done.stderr
        return headlines(done.stdout)

    assert picked("--lang", "fr") == ["Paris répond"]
    assert picked("--lang", "EN") == ["Kremlin answers", "Kyiv talks"]
    assert picked("--country", "ru") == ["Kremlin answers", "Paris répond"]
    assert picked("--country", "UA,FR") == ["Paris répond", "Kyiv talks"]
    assert picked("--country", "ukraine") == ["Kyiv talks"]
    assert picked("--person", "peskov") == ["Kremlin answers"]
    assert picked("--person", "Dmitry") == ["Kremlin answers", "Kyiv talks"]
    assert picked("--person", "dmitry kuleba") == ["Kyiv talks"]
    assert picked("--person", "Dmit") == [], "whole words of the name"
    assert picked("--lang", "en", "--country", "RU") == ["Kremlin answers"]
    last = tail(prefix, redis_server_url, "--no-follow", "-n", "1", "--lang", "fr")
    assert headlines(last.stdout) == ["Paris répond"], "-n counts the events that match"

    wrong = tail(prefix, redis_server_url, "raw", "--lang", "en", "--no-follow")
    assert wrong.returncode == 2 and "select enriched events" in wrong.stderr

    out = tmp_path / "out.jsonl"
    with open(out, "w") as fh:
        follower = subprocess.Popen(
            [NEWSWIRE, "tail", "-n", "0", "--person", "Zelensky"], env=_env(prefix, redis_server_url), stdout=fh
        )
    try:
        # the follower is following once its XREAD blocks (other tests' consumers block too: by name)
        wait_for(lambda: _following(sync_redis), what="the follower blocked on XREAD", timeout=15)
        add(sync_redis, stream, enriched("Unrelated", "en", [], ["Someone Else"]))
        add(sync_redis, stream, enriched("Zelensky speaks", "uk", [("UA", "Ukraine")], ["Volodymyr Zelensky"]))
        wait_for(lambda: out.read_text().count("\n") >= 1, what="the matching event followed")
        assert headlines(out.read_text()) == ["Zelensky speaks"]
    finally:
        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=10) == 0


def _following(r: redis.Redis) -> bool:
    return any(c.get("name") == "newswire-tail" and c.get("cmd") == "xread" for c in r.client_list())


def test_a_group_prints_each_event_once_across_runs(
    prefix: str, redis_server_url: str, sync_redis: redis.Redis
) -> None:
    stream = f"{prefix}articles:enriched"
    add(sync_redis, stream, enriched(*ARTICLES[0]))

    new_only = tail(prefix, redis_server_url, "--group", "fresh", "--no-follow")
    assert new_only.returncode == 0 and new_only.stdout == "", "a new group starts at the end of the stream"

    first = tail(prefix, redis_server_url, "--group", "mine", "--from-start", "--no-follow")
    assert headlines(first.stdout) == ["Kremlin answers"]
    assert tail(prefix, redis_server_url, "--group", "mine", "--no-follow").stdout == "", "printed once"
    add(sync_redis, stream, enriched(*ARTICLES[1]))
    add(sync_redis, stream, enriched(*ARTICLES[2]))
    filtered = tail(prefix, redis_server_url, "--group", "mine", "--no-follow", "--lang", "en")
    assert headlines(filtered.stdout) == ["Kyiv talks"]
    assert sync_redis.xpending(stream, "mine")["pending"] == 0, "printed and filtered-out events are acknowledged"
    assert headlines(tail(prefix, redis_server_url, "--group", "fresh", "--no-follow").stdout) == [
        "Paris répond",
        "Kyiv talks",
    ]

    # an event delivered to a tail that died before acknowledging it is printed by the next one
    add(sync_redis, stream, enriched("Delivered, never acknowledged", "en", [], []))
    sync_redis.xreadgroup("mine", "tail", {stream: ">"}, count=10)
    again = tail(prefix, redis_server_url, "--group", "mine", "--no-follow")
    assert headlines(again.stdout) == ["Delivered, never acknowledged"]
    assert sync_redis.xpending(stream, "mine")["pending"] == 0

    for group, problem in (("store", "newswire's own consumer group"), ("enrich", "newswire's own consumer group")):
        refused = tail(prefix, redis_server_url, "--group", group, "--no-follow")
        assert refused.returncode == 2 and problem in refused.stderr
    with_n = tail(prefix, redis_server_url, "--group", "mine", "-n", "3", "--no-follow")
    assert with_n.returncode == 2 and "-n does not apply with --group" in with_n.stderr
