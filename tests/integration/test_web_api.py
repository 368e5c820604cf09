"""The live page's HTTP API (services.web), served for real: uvicorn on 127.0.0.1 on a free port, a real Redis,
real SQLite and PostgreSQL databases, and plain HTTP clients (urllib, http.client for the event stream).

The server runs in a thread of its own, on its own event loop, as `newswire web` runs it (services.web.main.run
with the requeue operation newswire_cli.web hands it); one test runs the command itself."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
import structlog
from sqlalchemy import insert
from structlog.testing import capture_logs

from newswire.contracts import (
    ArticleDiscovered,
    ArticleEnriched,
    ArticleRejected,
    ArticleStored,
    CountryMention,
    Enrichment,
    Entities,
    Entity,
    Quote,
    Tone,
    encode,
)
from newswire.db.engine import JSONText, make_engine, migrate
from newswire.db.tables import ARTICLES, COUNTRY_MENTIONS, ENRICHMENTS, ENTITY_MENTIONS
from newswire.settings import load
from newswire_cli.web import web_requeue
from services.enrich.outputs import enrichment_values, mention_rows
from services.web import events as web_events
from services.web.config import WebSettings
from services.web.main import listen, run, url_of
from tests.support import NEWSWIRE, wait_for

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> "quoted" \u2028 line'
PAGE_LINE = re.compile(r"^  page +(http://\S+)$", re.MULTILINE)


# -- events and rows --------------------------------------------------------------------------------


def enrichment(**extra: Any) -> Enrichment:
    return Enrichment(
        language="en",
        language_confidence=0.99,
        word_count=12,
        sentence_count=2,
        paragraph_count=1,
        reading_time_s=3,
        enricher_version="test",
        entities=Entities(
            persons=[Entity(name="Dmitry Peskov", count=1, offsets=[(0, 6)])],
            organizations=[Entity(name="Kremlin", count=1, offsets=[(20, 27)])],
            locations=[Entity(name="Moscow", count=1, offsets=[(31, 37)], country_code="RU")],
        ),
        countries=[CountryMention(code="RU", name="Russia", count=2)],
        quotes=[Quote(text="We will not allow it", offset=40, length=20, speaker="Dmitry Peskov", verb="said")],
        tone=Tone(tone=-1.5, positive=1.0, negative=2.5, polarity=3.5, sentence_mean=-0.2),
        summary="Peskov said the Kremlin will not allow it.",
        **extra,
    )


def article(n: int, *, headline: str | None = None, body: str | None = None) -> ArticleEnriched:
    return ArticleEnriched(
        article_id=f"{n:064x}",
        correlation_id=f"c{n}",
        headline=headline or f"Headline {n}",
        story_code=str(n),
        published_at="2021-03-31T11:59:00",
        body=body or f"Peskov said in the Kremlin in Moscow: We will not allow it. Article {n}.",
        source_name=f"article-{n}.txt",
        enrichment=enrichment(),
    )


def add(r: redis.Redis, stream: str, event: Any, entry_id: str = "*") -> str:
    fields = encode(event) if not isinstance(event, dict) else event
    return r.xadd(stream, fields, id=entry_id).decode()  # type: ignore[union-attr]


def store_rows(database_url: str, n: int, *, raw_id: str, headline: str | None = None, body: str | None = None) -> str:
    """Article n as the store and enrich commit it: its articles row (created by raw_id), enrichment, mentions."""
    event = article(n, headline=headline, body=body)
    e = event.enrichment
    now = datetime.now(UTC)
    entities, countries = mention_rows(event.article_id, e)
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(ARTICLES),
                [
                    {
                        "article_id": event.article_id,
                        "headline": event.headline,
                        "story_code": event.story_code,
                        "published_at": datetime(2021, 3, 31, 11, 59),
                        "published_utc_offset_min": None,
                        "body": event.body,
                        "source_name": event.source_name,
                        "language": None,
                        "url": None,
                        "encoding": "utf-8",
                        "file_sha256": "0" * 64,
                        "correlation_id": event.correlation_id,
                        "source_entry_id": raw_id,
                        "stored_at": now,
                    }
                ],
            )
            conn.execute(
                insert(ENRICHMENTS),
                [
                    {
                        "article_id": event.article_id,
                        **enrichment_values(e),
                        "source_entry_id": "1-0",
                        "enriched_at": now,
                        "near_duplicate_of": None,
                        "near_duplicate_similarity": None,
                        "data": JSONText(e.model_dump_json()),
                        "minhash": None,
                    }
                ],
            )
            conn.execute(insert(ENTITY_MENTIONS), entities)
            conn.execute(insert(COUNTRY_MENTIONS), countries)
    finally:
        engine.dispose()
    return event.article_id


# -- the server and its clients ---------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        assert self.headers["content-type"].startswith("application/json"), self.headers
        return json.loads(self.body)


@dataclass
class Web:
    url: str
    stopping: asyncio.Event
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    failure: list[BaseException] = field(default_factory=list)
    stopped: bool = False

    @property
    def port(self) -> int:
        return int(self.url.rstrip("/").rpartition(":")[2])

    def request(self, path: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> Answer:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        req = urllib.request.Request(self.url.rstrip("/") + path, method=method, headers=headers or {})
        try:
            with opener.open(req, timeout=30) as resp:
                return Answer(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())

    def get(self, path: str, **headers: str) -> Any:
        answer = self.request(path, headers=headers)
        assert answer.status == 200, (answer.status, answer.body)
        return answer.json()

    def requeue(self, dead_id: str, **headers: str) -> Answer:
        return self.request(f"/api/dead/{dead_id}/requeue", method="POST", headers=headers)

    @contextmanager
    def events(self, query: str = "", **headers: str) -> Iterator[EventReader]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request("GET", "/api/events" + query, headers=headers)
            resp = conn.getresponse()
            assert resp.status == 200, resp.read()
            assert resp.getheader("content-type", "").startswith("text/event-stream")
            yield EventReader(resp)
        finally:
            conn.close()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the page did not stop"
        if self.failure:
            raise self.failure[0]


class EventReader:
    """Server-Sent Events off a response, one at a time (a comment is an event of its own here)."""

    def __init__(self, resp: http.client.HTTPResponse) -> None:
        self.resp = resp

    def next(self, *, comments: bool = False) -> dict[str, str]:
        event: dict[str, str] = {}
        while True:
            line = self.resp.readline()
            if not line:
                raise EOFError("the event stream ended")
            text = line.decode().rstrip("\n")
            if text == "":
                if event and (comments or "comment" not in event) and set(event) != {"retry"}:
                    return event
                event = {}
                continue
            name, _, value = text.partition(":")
            event["comment" if name == "" else name] = value.removeprefix(" ")

    def article(self) -> dict[str, str]:
        event = self.next()
        assert event.get("event") == "article", event
        return event

    def ended(self) -> bool:
        """Whether the stream ends (after what was sent before it did: keepalives, say) rather than sends
        an article or blocks (the read times out)."""
        for _ in range(1000):
            try:
                event = self.next(comments=True)
            except (EOFError, http.client.IncompleteRead):
                return True
            if "comment" not in event:
                return False
        return False


@contextmanager
def serving(settings: WebSettings, redis_url: str, database_url: str, *, requeue: Any = None) -> Iterator[Web]:
    sock = listen("127.0.0.1", 0)
    started = threading.Event()
    box: dict[str, Any] = {}
    failure: list[BaseException] = []

    async def main() -> None:
        box["loop"], box["stopping"] = asyncio.get_running_loop(), asyncio.Event()
        started.set()
        await run(
            settings,
            redis_url=redis_url,
            database_url=database_url,
            stopping=box["stopping"],
            log=structlog.get_logger("test-web"),
            requeue=requeue,
            sock=sock,
        )

    def thread_main() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which raises it
            failure.append(exc)
            started.set()

    thread = threading.Thread(target=thread_main, name="web", daemon=True)
    thread.start()
    assert started.wait(30)
    if failure:
        raise failure[0]
    web = Web(url_of(sock), box["stopping"], box["loop"], thread, failure)
    wait_for(lambda: web.request("/healthz").status == 200, timeout=30, what="the page serving")
    try:
        yield web
    finally:
        web.stop()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_server_url: str, prefix: str) -> Path:
    """The environment `newswire web` reads: this test's Redis, stream prefix and folders."""
    for key in list(os.environ):
        if key.startswith("NEWSWIRE_"):
            monkeypatch.delenv(key)
    for key, value in {
        "REDIS_URL": redis_server_url,
        "STREAM_PREFIX": prefix,
        "DATA_DIR": str(tmp_path / "data"),
        "INBOX": str(tmp_path / "inbox"),
        "ERROR_DIR": str(tmp_path / "error"),
        "DONE_DIR": str(tmp_path / "done"),
        "PROCESSING_DIR": str(tmp_path / "processing"),
    }.items():
        monkeypatch.setenv(f"NEWSWIRE_{key}", value)
    return tmp_path


@contextmanager
def page(redis_url: str, database_url: str, monkeypatch: pytest.MonkeyPatch, *, admin: bool = False) -> Iterator[Web]:
    """The page as `newswire web` serves it: settings from the environment, the requeue operation when admin."""
    monkeypatch.setenv("NEWSWIRE_WEB_ADMIN", "1" if admin else "0")
    monkeypatch.setenv("NEWSWIRE_DATABASE_URL", database_url)
    settings = load(WebSettings)
    requeue = web_requeue(settings, redis_url)
    try:
        with serving(settings, redis_url, database_url, requeue=requeue) as web:
            yield web
    finally:
        if requeue is not None:
            requeue.close()


@pytest.fixture
def web(env: Path, redis_server_url: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    with page(redis_server_url, sqlite_url, monkeypatch) as served:
        yield served


def stream(prefix: str, name: str) -> str:
    return f"{prefix}articles:{name}"


# -- the feed ---------------------------------------------------------------------------------------


def test_feed_is_newest_first_and_pages_back_with_before(web: Web, sync_redis: redis.Redis, prefix: str) -> None:
    assert web.get("/api/feed") == {"items": [], "newest": None, "next": None}
    ids = [add(sync_redis, stream(prefix, "enriched"), article(n)) for n in range(5)]

    first = web.get("/api/feed?limit=2")
    assert [i["id"] for i in first["items"]] == [ids[4], ids[3]]
    assert first["newest"] == ids[4]
    assert [i["headline"] for i in first["items"]] == ["Headline 4", "Headline 3"]
    seen = [i["id"] for i in first["items"]]
    page_ = first
    while page_["next"]:
        page_ = web.get(f"/api/feed?limit=2&before={page_['next']}")
        assert page_["newest"] == ids[4]
        seen += [i["id"] for i in page_["items"]]
    assert seen == ids[::-1], "every entry once, newest first"

    item = first["items"][0]
    assert item["article_id"] == f"{4:064x}"
    assert item["persons"] == [{"name": "Dmitry Peskov", "count": 1, "offsets": [[0, 6]]}]
    assert item["organizations"][0]["name"] == "Kremlin"
    assert item["locations"] == [{"name": "Moscow", "count": 1, "offsets": [[31, 37]], "country_code": "RU"}]
    assert item["countries"] == [{"code": "RU", "name": "Russia", "count": 2}]
    assert item["quotes"] == [{"text": "We will not allow it", "speaker": "Dmitry Peskov", "offset": 40, "length": 20}]
    assert (item["tone"], item["language"], item["lead"]) == (-1.5, "en", "Peskov said the Kremlin will not allow it.")
    assert item["published_at"] == "2021-03-31T11:59:00"
    assert item["near_duplicate_of"] is None
    assert item["enriched_at"]


def test_feed_leaves_malformed_entries_out_and_pages_past_them(web: Web, sync_redis: redis.Redis, prefix: str) -> None:
    good = add(sync_redis, stream(prefix, "enriched"), article(1))
    for _ in range(3):
        add(sync_redis, stream(prefix, "enriched"), {"__data__": b"{not json"})
    first = web.get("/api/feed?limit=2")
    assert first["items"] == []
    assert first["next"], "more entries are there, past the malformed ones"
    second = web.get(f"/api/feed?limit=2&before={first['next']}")
    assert [i["id"] for i in second["items"]] == [good]


def test_limits_are_clamped_and_bad_input_refused(web: Web, sync_redis: redis.Redis, prefix: str) -> None:
    with sync_redis.pipeline(transaction=False) as p:
        for n in range(1001):
            p.xadd(stream(prefix, "enriched"), encode(article(n)))
        for n in range(501):
            p.xadd(stream(prefix, "dead"), encode(_rejected(f"f{n}.txt")))
        p.execute()
    assert len(web.get("/api/feed?limit=100000")["items"]) == 1000
    assert len(web.get("/api/feed")["items"]) == 100
    assert len(web.get("/api/feed?limit=0")["items"]) == 1
    assert len(web.get("/api/feed?limit=-7")["items"]) == 1
    assert len(web.get("/api/dead?limit=99999")["items"]) == 500
    assert len(web.get("/api/dead")["items"]) == 50

    for path in (
        "/api/feed?limit=lots",
        "/api/feed?before=abc",
        "/api/feed?before=1-0;FLUSHALL",
        "/api/search?lang=eng",
    ):
        answer = web.request(path)
        assert answer.status == 400, path
        error = answer.json()["error"]
        assert isinstance(error, str) and "\n" not in error, path


def test_html_in_an_article_comes_back_as_the_same_text_and_the_page_has_its_csp(
    web: Web, sync_redis: redis.Redis, prefix: str
) -> None:
    body = f"{HOSTILE}\n\n<p>second paragraph</p>"
    add(sync_redis, stream(prefix, "enriched"), article(1, headline=HOSTILE, body=body))
    answer = web.request("/api/feed")
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-content-type-options"] == "nosniff"
    [item] = answer.json()["items"]
    assert (item["headline"], item["body"]) == (HOSTILE, body)  # unchanged: escaping is the page's job

    with web.events("?last_id=0-0") as stream_:
        assert json.loads(stream_.article()["data"])["headline"] == HOSTILE

    page_ = web.request("/")
    assert page_.status == 200
    assert page_.headers["content-type"].startswith("text/html")
    csp = page_.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert page_.headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in page_.headers


def test_other_methods_paths_and_hosts_get_one_line_json_errors(web: Web) -> None:
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        answer = web.request("/api/feed", method=method, headers={"Origin": "http://evil.example"})
        assert answer.status == 405, method
        assert answer.json() == {"error": "method not allowed"}
        assert "GET" in answer.headers["allow"]
        assert "access-control-allow-origin" not in answer.headers
    missing = web.request("/api/nothing")
    assert (missing.status, missing.json()) == (404, {"error": "not found"})
    assert web.request("/static/../../pyproject.toml").status == 404
    rebound = web.request("/api/feed", headers={"Host": "evil.example:8642"})
    assert rebound.status == 400 and "Host" in rebound.json()["error"]
    assert web.request("/api/feed", headers={"Host": f"localhost:{web.port}"}).status == 200
    assert web.get("/healthz") == {"status": "ok"}
    assert web.request("/", method="HEAD").status == 200


# -- the event stream -------------------------------------------------------------------------------


def test_events_arrive_in_order_with_their_entry_ids(web: Web, sync_redis: redis.Redis, prefix: str) -> None:
    add(sync_redis, stream(prefix, "enriched"), article(0))  # before the connection: not sent
    with web.events() as reader:
        ids = [add(sync_redis, stream(prefix, "enriched"), article(n)) for n in range(1, 4)]
        got = [reader.article() for _ in ids]
    assert [e["id"] for e in got] == ids
    assert [json.loads(e["data"])["id"] for e in got] == ids
    assert [json.loads(e["data"])["headline"] for e in got] == ["Headline 1", "Headline 2", "Headline 3"]


def test_a_reconnect_with_last_event_id_gets_exactly_the_entries_after_it(
    web: Web, sync_redis: redis.Redis, prefix: str
) -> None:
    key = stream(prefix, "enriched")
    ids = [add(sync_redis, key, article(n)) for n in range(3)]
    with web.events(f"?last_id={ids[0]}") as reader:
        assert [reader.article()["id"] for _ in range(2)] == ids[1:3]
    # Disconnected: two arrive meanwhile. The browser reconnects with the last id it got, on the same URL.
    ids += [add(sync_redis, key, article(n)) for n in range(3, 5)]
    with web.events(f"?last_id={ids[0]}", **{"Last-Event-ID": ids[2]}) as reader:
        assert [reader.article()["id"] for _ in range(2)] == ids[3:5]
        ids.append(add(sync_redis, key, article(5)))
        assert reader.article()["id"] == ids[5], "the next one is the new one: none missed, none twice"


def test_a_bad_last_event_id_starts_at_the_newest_with_a_reset(web: Web, sync_redis: redis.Redis, prefix: str) -> None:
    key = stream(prefix, "enriched")
    newest = [add(sync_redis, key, article(n)) for n in range(2)][-1]
    for bad in ("not-an-id", "99999999999999-0", "1-0; DEL x"):
        with web.events(**{"Last-Event-ID": bad}) as reader:
            reset = reader.next()
            assert (reset["event"], reset["id"]) == ("reset", newest), bad
            assert json.loads(reset["data"])["newest"] == newest
            new = add(sync_redis, key, article(9))
            assert reader.article()["id"] == new, bad
            newest = new


def test_a_last_event_id_whose_successors_were_trimmed_gets_a_reset(
    web: Web, sync_redis: redis.Redis, prefix: str
) -> None:
    info = sync_redis.info("server")
    if int(str(info["redis_version"]).split(".")[0]) < 7:
        pytest.skip("Redis before 7 does not say what was trimmed")
    key = stream(prefix, "enriched")
    ids = [add(sync_redis, key, article(n)) for n in range(3)]
    sync_redis.xdel(key, ids[1])
    with web.events(**{"Last-Event-ID": ids[0]}) as reader:
        reset = reader.next()
        assert (reset["event"], reset["id"]) == ("reset", ids[2])
    with web.events(**{"Last-Event-ID": ids[1]}) as reader:  # the deleted one itself: nothing after it missed
        assert reader.article()["id"] == ids[2]
        new = add(sync_redis, key, article(4))
        assert reader.article()["id"] == new


def test_a_malformed_entry_is_skipped_with_its_reason_and_the_stream_goes_on(
    web: Web, sync_redis: redis.Redis, prefix: str
) -> None:
    key = stream(prefix, "enriched")
    stored = ArticleStored(
        article_id="a" * 64,
        correlation_id="c",
        headline="h",
        story_code=None,
        published_at=None,
        body="b",
        source_name="s.txt",
    )
    with web.events() as reader:
        first = add(sync_redis, key, article(1))
        bad = [
            add(sync_redis, key, {"__data__": b"{not json"}),
            add(sync_redis, key, {"other": b"field"}),
            add(sync_redis, key, encode(stored)),
        ]
        last = add(sync_redis, key, article(2))
        assert reader.article()["id"] == first
        for entry_id in bad:
            skipped = reader.next()
            assert (skipped["event"], skipped["id"]) == ("skipped", entry_id)
            doc = json.loads(skipped["data"])
            assert doc["id"] == entry_id and doc["reason"]
        assert reader.article()["id"] == last


def test_a_quiet_stream_sends_keepalives_and_ends_when_the_page_stops(
    env: Path, redis_server_url: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_events, "KEEPALIVE_S", 0.3)
    with page(redis_server_url, sqlite_url, monkeypatch) as web, web.events() as reader:
        assert reader.next(comments=True) == {"comment": "keepalive"}
        web.stop()  # joins the server's thread: the open stream did not hold it up
        assert reader.ended()


# -- the database -----------------------------------------------------------------------------------


@pytest.fixture
def db(database_url: str) -> str:
    engine = make_engine(database_url)
    migrate(engine)
    engine.dispose()
    return database_url


def test_search_and_count_read_the_database(
    env: Path, redis_server_url: str, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    peskov = store_rows(db, 1, raw_id="1-0", headline=HOSTILE)
    store_rows(db, 2, raw_id="2-0", body="Merkel spoke in Berlin about energy supplies, Article two.")
    with page(redis_server_url, db, monkeypatch) as web:
        # SQLite: the page's background catch-up indexes the two (at once at its start); PostgreSQL: 0 always.
        wait_for(lambda: web.get("/api/search?q=x")["unindexed"] == 0, timeout=10, what="the rows indexed")
        assert web.get("/api/count") == {"articles": 2, "enriched": 2}
        found = web.get("/api/search?person=dmitry%20peskov&country=ru&lang=EN")
        assert [i["article_id"] for i in found["items"]] == [f"{2:064x}", peskov], "newest first"
        assert found["count"] == 2
        words = web.get("/api/search?q=Merkel%20energy")
        assert [i["article_id"] for i in words["items"]] == [f"{2:064x}"]
        item = web.get(f"/api/search?q={urllib.request.quote('Peskov')}&limit=1")["items"][0]
        assert item["id"] is None
        assert item["headline"] == HOSTILE
        assert item["persons"][0]["name"] == "Dmitry Peskov"
        assert item["countries"] == [{"code": "RU", "name": "Russia", "count": 2}]
        assert item["lead"] == "Peskov said the Kremlin will not allow it."
        assert item["published_at"] == "2021-03-31T11:59:00"
        assert len(web.get("/api/search?q=article&limit=1")["items"]) == 1
        assert web.get("/api/search?org=nobody") == {"items": [], "count": 0, "unindexed": 0}


def test_the_page_indexes_new_articles_in_the_background_and_rides_out_a_database_error(
    env: Path, redis_server_url: str, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: an article stored while the page runs is found by its words once the page's catch-up
    (every second) has indexed it, and that round says so in one log line. A round that fails logs one
    line, and the next one goes on. PostgreSQL: found at once, nothing to catch up."""
    from sqlalchemy.exc import OperationalError

    from newswire.db import search

    real, calls = search.catch_up, {"n": 0}

    def failing_once(engine: Any, *, batch: int = 2000) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return real(engine, batch=batch)

    def searched(q: str) -> Any:
        # Found and nothing left to index (counted before the search: a catch-up in between leaves it counted).
        answer = web.get(f"/api/search?q={q}")
        return answer if answer["items"] and answer["unindexed"] == 0 else None

    monkeypatch.setattr(search, "catch_up", failing_once)
    with capture_logs() as logs, page(redis_server_url, db, monkeypatch) as web:
        wait_for(lambda: calls["n"] >= 1, timeout=10, what="the first catch-up, at the start")
        article_id = store_rows(db, 3, raw_id="3-0", body="Quetzalcoatl seen over the lagoon. Article three.")
        if db.startswith("postgresql"):
            assert searched("quetzalcoatl") is not None, "PostgreSQL: found at once"
        found = wait_for(lambda: searched("quetzalcoatl"), timeout=10, what="the article found by its words")
        assert [i["article_id"] for i in found["items"]] == [article_id]
        wait_for(lambda: calls["n"] >= 3, timeout=10, what="a round after the failing one")
        assert web.get("/api/search?q=zebra") == {"items": [], "count": 0, "unindexed": 0}
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 5, "the catch-up task held the stop up"
    indexed = [e for e in logs if e["event"] == "search_indexed"]
    (failed,) = [e for e in logs if e["event"] == "search_index_failed"]
    assert failed["log_level"] == "warning" and failed["error"] == "database is locked"
    if db.startswith("sqlite"):
        assert [e["rows"] for e in indexed] == [1], indexed
        assert indexed[0]["service"] == "web" and indexed[0]["log_level"] == "info" and indexed[0]["ms"] >= 0
    else:
        assert indexed == []


def test_stats_give_streams_groups_and_the_drop_to_enriched_latency(
    env: Path, redis_server_url: str, db: str, monkeypatch: pytest.MonkeyPatch, sync_redis: redis.Redis, prefix: str
) -> None:
    raw = add(sync_redis, stream(prefix, "raw"), _discovered(), entry_id="1000000000000-0")
    store_rows(db, 1, raw_id=raw)
    add(sync_redis, stream(prefix, "enriched"), article(1), entry_id="1000000000750-0")
    replayed = article(1).model_copy(update={"replay": True})
    add(sync_redis, stream(prefix, "enriched"), replayed, entry_id="1000000099999-0")  # not a latency
    sync_redis.xgroup_create(stream(prefix, "raw"), "store", id="0")
    with page(redis_server_url, db, monkeypatch) as web:
        stats = web.get("/api/stats")
    assert stats["streams"]["raw"] == {"length": 1, "last_id": raw, "added": 1}
    assert stats["streams"]["enriched"]["length"] == 2
    assert stats["streams"]["dead"] == {"length": 0, "last_id": None, "added": None}
    assert {"stream": "raw", "group": "store", "lag": 1, "pending": 0, "consumers": 0} in stats["groups"]
    assert stats["latency_ms"] == {"p50": 750, "p95": 750, "p99": 750, "n": 1}
    assert abs(stats["at"] - datetime.now(UTC).timestamp()) < 60


# -- dead letters and requeue -----------------------------------------------------------------------


def _discovered(text: str = "Monday 1 March 2021 - 10:00\n\nA headline\n\nA body.") -> ArticleDiscovered:
    return ArticleDiscovered(
        article_id="d" * 64,
        correlation_id="c",
        source_name="a.txt",
        file_sha256="e" * 64,
        size_bytes=len(text),
        encoding="utf-8",
        text=text,
    )


def _rejected(source_name: str, *, source_stream: str | None = None, source_entry_id: str | None = None) -> Any:
    return ArticleRejected(
        article_id="d" * 64,
        correlation_id="c",
        stage="store",
        reason="no_body",
        detail="<b>no body</b> after the headline",
        source_name=source_name,
        source_stream=source_stream,
        source_entry_id=source_entry_id,
    )


def test_dead_letters_are_listed_newest_first(web: Web, sync_redis: redis.Redis, prefix: str) -> None:
    first = add(sync_redis, stream(prefix, "dead"), _rejected("one.txt", source_stream="x", source_entry_id="1-0"))
    second = add(sync_redis, stream(prefix, "dead"), _rejected("two.txt"))
    junk = add(sync_redis, stream(prefix, "dead"), {"not": b"a dead letter"})
    dead = web.get("/api/dead")
    assert dead["admin"] is False
    assert [d["id"] for d in dead["items"]] == [junk, second, first]
    item = dead["items"][2]
    assert {k: item[k] for k in ("stage", "reason", "detail", "source_name", "source_stream", "source_entry_id")} == {
        "stage": "store",
        "reason": "no_body",
        "detail": "<b>no body</b> after the headline",
        "source_name": "one.txt",
        "source_stream": "x",
        "source_entry_id": "1-0",
    }
    assert item["at"]
    assert dead["items"][0]["reason"] is None and dead["items"][0]["at"]


def test_requeue_is_refused_unless_admin(web: Web, sync_redis: redis.Redis, prefix: str) -> None:
    raw = add(sync_redis, stream(prefix, "raw"), _discovered())
    dead = add(
        sync_redis, stream(prefix, "dead"), _rejected("a.txt", source_stream=stream(prefix, "raw"), source_entry_id=raw)
    )
    answer = web.requeue(dead, **{"X-Newswire-Requeue": "1"})
    assert answer.status == 403 and "NEWSWIRE_WEB_ADMIN" in answer.json()["error"]
    assert sync_redis.xlen(stream(prefix, "raw")) == 1


def test_requeue_with_admin_and_the_header_does_what_the_command_does(
    env: Path, redis_server_url: str, db: str, monkeypatch: pytest.MonkeyPatch, sync_redis: redis.Redis, prefix: str
) -> None:
    raw_key, dead_key = stream(prefix, "raw"), stream(prefix, "dead")
    raw = add(sync_redis, raw_key, _discovered())
    entry_letter = add(sync_redis, dead_key, _rejected("a.txt", source_stream=raw_key, source_entry_id=raw))
    # A file the store rejected, fixed where it lies in the error folder.
    error = env / "error"
    error.mkdir()
    (env / "inbox").mkdir()  # as ingest made it
    (error / "fixed.txt").write_text("Monday 1 March 2021 - 10:00\n\nFixed\n\nNow with a body.\n")
    report = {"stage": "store", "reason": "no_body", "source_name": "fixed.txt", "file": "fixed.txt"}
    (error / "fixed.txt.error.json").write_text(json.dumps(report))
    file_letter = add(sync_redis, dead_key, _rejected("fixed.txt"))

    with page(redis_server_url, db, monkeypatch, admin=True) as web:
        assert web.get("/api/dead")["admin"] is True
        no_header = web.requeue(entry_letter)
        assert no_header.status == 400 and "X-Newswire-Requeue" in no_header.json()["error"]
        assert web.requeue("1-0;DEL", **{"X-Newswire-Requeue": "1"}).status in (400, 404)
        assert web.requeue("12345-0", **{"X-Newswire-Requeue": "1"}).status == 404
        assert sync_redis.xlen(raw_key) == 1

        done = web.requeue(entry_letter, **{"X-Newswire-Requeue": "1"})
        assert done.status == 200, done.body
        assert done.json()["ok"] is True
        assert done.json()["detail"].startswith(f"requeued {entry_letter} entry {raw} -> {raw_key} as ")
        [(_, original), (_, copy)] = sync_redis.xrange(raw_key)
        assert copy == original

        moved = web.requeue(file_letter, **{"X-Newswire-Requeue": "1"})
        assert moved.json() == {"ok": True, "detail": f"requeued {file_letter} file fixed.txt -> inbox"}
        assert (env / "inbox" / "fixed.txt").read_text().endswith("Now with a body.\n")
        assert not (error / "fixed.txt").exists() and not (error / "fixed.txt.error.json").exists()
        assert os.getcwd() != str(error), "the process's working directory is left alone"

        again = web.requeue(entry_letter, **{"X-Newswire-Requeue": "1"})
        assert again.status == 409 and "requeued already" in again.json()["error"]
        assert sync_redis.xlen(raw_key) == 2

    records = [fields for _, fields in sync_redis.xrange(f"{prefix}newswire:requeues")]
    assert [(r[b"dead_id"].decode(), r[b"action"]) for r in records] == [
        (entry_letter, b"entry"),
        (file_letter, b"file"),
    ]
    assert all(r[b"by"].startswith(b"web:") for r in records)
    # The command sees what the page did: one record, one operation.
    cli = subprocess.run(
        [NEWSWIRE, "requeue", entry_letter], capture_output=True, text=True, timeout=60, check=False, cwd=env
    )
    assert cli.returncode == 1, cli.stderr
    assert cli.stdout.startswith(f"skipped {entry_letter}: requeued already (")


# -- the command ------------------------------------------------------------------------------------


def test_newswire_web_serves_the_page_until_sigterm(env: Path, sqlite_url: str) -> None:
    environment = {**os.environ, "NEWSWIRE_WEB_PORT": "0", "NEWSWIRE_DATABASE_URL": sqlite_url}
    proc = subprocess.Popen(
        [NEWSWIRE, "web"], env=environment, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=env
    )
    try:
        assert proc.stderr is not None
        banner = ""
        while not (found := PAGE_LINE.search(banner)):
            line = proc.stderr.readline()
            assert line, f"`newswire web` ended before it said where it listens: {banner}"
            banner += line
        url = found[1]
        health = subprocess.run(
            [NEWSWIRE, "health", "--url", url + "healthz"], capture_output=True, text=True, timeout=30, check=False
        )
        assert health.returncode == 0, health.stderr
        assert health.stdout.startswith("healthy")
        with urllib.request.urlopen(url + "api/count", timeout=10) as resp:  # migrated by the command
            assert json.loads(resp.read()) == {"articles": 0, "enriched": 0}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
    after = subprocess.run(
        [NEWSWIRE, "health", "--url", url + "healthz"], capture_output=True, text=True, timeout=30, check=False
    )
    assert after.returncode == 1 and after.stderr.startswith("unhealthy")
