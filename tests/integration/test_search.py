"""newswire.db.search over SQLite (FTS5, and LIKE where FTS5 is missing) and PostgreSQL.

Rows go in as the services write them: articles through the store's bulk insert (insert_new in a
write_transaction), enrichments and their mention rows as enrich inserts them. On SQLite the store's
insert does not index: search.catch_up does (the web service runs it every second), and the tests
call it where the articles must be found by their words (index()).
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, bindparam, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from structlog.testing import capture_logs

from newswire.db import search
from newswire.db.engine import MIGRATIONS, JSONText, insert_all, insert_new, make_engine, migrate, write_transaction
from newswire.db.tables import (
    ARTICLES,
    COUNTRY_MENTIONS,
    ENRICHMENTS,
    ENTITY_MENTIONS,
    ArticleInsert,
    CountryMentionInsert,
    EnrichmentInsert,
    EntityMentionInsert,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def article(article_id: str, headline: str, body: str, *, language: str | None, stored_at: datetime) -> ArticleInsert:
    return {
        "article_id": article_id,
        "headline": headline,
        "story_code": None,
        "published_at": None,
        "published_utc_offset_min": None,
        "body": body,
        "source_name": "test",
        "language": language,
        "url": None,
        "encoding": "utf-8",
        "file_sha256": article_id,
        "correlation_id": f"c-{article_id}",
        "source_entry_id": "1-0",
        "stored_at": stored_at,
    }


def store(engine: Engine, rows: list[ArticleInsert]) -> set[Any]:
    """As services.store.repository.ArticleRepository.save writes them."""
    with write_transaction(engine) as conn:
        return insert_new(conn, ARTICLES, rows, "article_id")


def index(engine: Engine) -> int:
    """What the web service's background task does: catch up until nothing is left; how many."""
    total = 0
    while n := search.catch_up(engine):
        total += n
    return total


def enrich(
    engine: Engine,
    article_id: str,
    *,
    language: str,
    enriched_at: datetime,
    persons: tuple[str, ...] = (),
    orgs: tuple[str, ...] = (),
    countries: tuple[str, ...] = (),
) -> None:
    """As services.enrich.repository.EnrichmentRepository.save writes an enrichment and its mentions."""
    row: EnrichmentInsert = {
        "article_id": article_id,
        "language": language,
        "language_confidence": 0.99,
        "word_count": 10,
        "sentence_count": 1,
        "paragraph_count": 1,
        "reading_time_s": 3,
        "enricher_version": "test",
        "source_entry_id": "2-0",
        "enriched_at": enriched_at,
        "tone": 0.0,
        "near_duplicate_of": None,
        "near_duplicate_similarity": None,
        "data": JSONText(f'{{"language": "{language}", "persons": {len(persons)}}}'),
        "minhash": None,
    }
    entities: list[EntityMentionInsert] = [
        {"article_id": article_id, "kind": kind, "name": n, "name_key": n.casefold(), "surname": None, "count": 1}
        for kind, names in (("person", persons), ("organization", orgs))
        for n in names
    ]
    places: list[CountryMentionInsert] = [{"article_id": article_id, "country_code": c, "count": 1} for c in countries]
    with write_transaction(engine) as conn:
        assert insert_new(conn, ENRICHMENTS, [row], "article_id") == {article_id}
        insert_all(conn, ENTITY_MENTIONS, entities)
        insert_all(conn, COUNTRY_MENTIONS, places)


def corpus(engine: Engine) -> None:
    """Four articles. Stored in one order, enriched in another; 'paris' is not enriched. None holds
    a word of the hostile queries below (near, drop, table, articles, or, and, select...)."""
    store(
        engine,
        [
            article(
                "kremlin",
                "Peskov says Moscow will answer Washington",
                "The Kremlin spokesman told reporters on Wednesday. Песков заявил журналистам.",
                language=None,
                stored_at=T0,
            ),
            article(
                "tokyo",
                "Quiet day in Tokyo markets",
                "Shares were little changed as traders waited for the central bank.",
                language="en",
                stored_at=T0 + timedelta(seconds=30),
            ),
            article(
                "berlin",
                "Bundestag debates the budget",  # declared English, detected German
                "Die Regierung in Berlin stellte den Haushalt vor. Olaf Scholz sprach lange.",
                language="en",
                stored_at=T0 + timedelta(seconds=50),
            ),
            article(
                "paris",
                "Élysée announces a reform",
                "Emmanuel Macron a présenté la réforme des retraites à Paris.",
                language="fr",
                stored_at=T0 + timedelta(seconds=60),
            ),
        ],
    )
    enrich(
        engine,
        "kremlin",
        language="en",
        enriched_at=T0 + timedelta(minutes=3),
        persons=("Dmitry Peskov",),
        orgs=("Kremlin",),
        countries=("RU", "US"),
    )
    enrich(engine, "tokyo", language="en", enriched_at=T0 + timedelta(minutes=4), countries=("JP",))
    enrich(
        engine,
        "berlin",
        language="de",
        enriched_at=T0 + timedelta(minutes=2),
        persons=("Olaf Scholz",),
        orgs=("Bundestag",),
        countries=("DE",),
    )


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url)
    migrate(e)
    yield e
    e.dispose()


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    corpus(engine)
    index(engine)
    return engine


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["article_id"] for r in rows]


def test_the_migrated_database_searches_with_its_full_text_index(engine: Engine) -> None:
    assert search.mode(engine) == ("postgresql" if engine.dialect.name == "postgresql" else "fts5")


def _fts_documents(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM articles_fts_docsize").scalar_one())


def _last_rowid(engine: Engine) -> int:
    with engine.connect() as conn:
        found = conn.exec_driver_sql("SELECT last_rowid FROM search_index WHERE name = 'articles_fts'")
        return int(found.scalar_one())


def _rowids(engine: Engine, article_ids: list[str]) -> list[int]:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT article_id, rowid FROM articles WHERE article_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": article_ids},
        )
        by_id = {row[0]: row[1] for row in found}
    return [int(by_id[i]) for i in article_ids]


def test_a_stored_article_is_found_by_its_words_once_caught_up_at_once_on_postgresql(engine: Engine) -> None:
    """SQLite: the store's insert leaves the index alone; catch_up indexes the article, then q finds it.
    PostgreSQL: the GIN index is the database's, kept on insert: found at once, nothing to catch up."""
    assert store(engine, [article("lima", "Rain in Lima", "It rained all day.", language="es", stored_at=T0)])
    if engine.dialect.name == "postgresql":
        assert search.unindexed(engine) == 0
        assert ids(search.search(engine, q="rained")) == ["lima"]
        assert search.catch_up(engine) == 0
        return
    assert search.search(engine, q="rained") == []  # not indexed yet
    assert ids(search.search(engine, lang="es")) == ["lima"]  # the filters read the rows: found
    assert search.unindexed(engine) == 1
    assert search.catch_up(engine) == 1
    assert ids(search.search(engine, q="rained")) == ["lima"]
    assert search.unindexed(engine) == 0
    assert search.catch_up(engine) == 0  # nothing left
    _assert_index_in_step(engine)


def test_the_stores_insert_does_no_full_text_work(engine: Engine) -> None:
    """No trigger on articles: a batch inserted as the store inserts it adds no FTS5 document until
    catch_up runs (PostgreSQL: its index is the database's own, nothing of ours)."""
    if engine.dialect.name == "postgresql":
        assert search.catch_up(engine) == 0
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() == []
    rows = [article(f"s{i:03d}", f"Story {i}", "Words here.", language="en", stored_at=T0) for i in range(100)]
    assert len(store(engine, rows)) == 100
    assert _fts_documents(engine) == 0
    assert search.unindexed(engine) == 100
    assert index(engine) == 100
    assert _fts_documents(engine) == 100


def test_catch_up_indexes_in_rowid_order_in_batches(engine: Engine) -> None:
    """The oldest first, at most `batch` a call, last_rowid moved to the last one indexed."""
    stored: list[str] = []
    for part in range(3):  # three store transactions
        rows = [
            article(f"b{part}{i:02d}", f"Batch {part} {i}", "Zanzibar weather.", language="en", stored_at=T0)
            for i in range(10)
        ]
        # Stored out of their id order: the order of the rows is the order of their rowids.
        rows.reverse()
        store(engine, rows)
        stored += [r["article_id"] for r in rows]
    if engine.dialect.name == "postgresql":
        assert search.catch_up(engine, batch=12) == 0
        assert len(search.search(engine, q="zanzibar")) == 30
        return
    rowids = _rowids(engine, stored)
    assert rowids == sorted(rowids)
    found: set[str] = set()
    for n, left in ((12, 18), (12, 6), (6, 0)):
        assert search.catch_up(engine, batch=12) == n
        assert search.unindexed(engine) == left
        now = set(ids(search.search(engine, q="zanzibar")))
        assert now - found == set(stored[len(found) : len(found) + n]), "the next in rowid order"
        found = now
        assert _last_rowid(engine) == rowids[len(found) - 1]
    assert search.catch_up(engine, batch=12) == 0
    store(engine, [article(f"late{i}", "Late", "Zanzibar again.", language="en", stored_at=T0) for i in range(2)])
    assert search.catch_up(engine, batch=0) == 1  # a batch is one article at least
    assert search.catch_up(engine, batch=-5) == 1
    _assert_index_in_step(engine)


def test_two_catch_ups_at_once_index_every_article_exactly_once(database_url: str) -> None:
    """Two processes' catch-ups (two engines, two threads) racing over the same backlog: SQLite's
    IMMEDIATE write lock runs one at a time, each takes the rows after what the other left."""
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        migrate(engines[0])
        n = 3000
        for lo in range(0, n, 100):
            store(
                engines[0],
                [
                    article(f"r{i:05d}", f"Race {i}", "Common words in every one.", language="en", stored_at=T0)
                    for i in range(lo, lo + 100)
                ],
            )
        barrier = threading.Barrier(2)
        counts: list[list[int]] = [[], []]
        failures: list[BaseException] = []

        def work(k: int) -> None:
            try:
                barrier.wait(timeout=10)
                while got := search.catch_up(engines[k], batch=250):
                    counts[k].append(got)
                    time.sleep(0.15)  # as the web service pauses between full batches: the other gets in
            except BaseException as exc:  # noqa: BLE001 - handed to the test
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not failures, failures
        engine = engines[0]
        if engine.dialect.name == "postgresql":
            assert counts == [[], []]
            assert len(search.search(engine, q="common", limit=1000)) == 1000
            return
        # Every article indexed by exactly one call: a range indexed by both would count twice here
        # (FTS5 keeps one entry per rowid, the newest: a query would not show it).
        assert sum(counts[0]) + sum(counts[1]) == n
        print(f"\ncatch-ups racing: {len(counts[0])} and {len(counts[1])} batches")
        assert counts[0] and counts[1], "both indexed some"
        assert search.unindexed(engine) == 0
        with engine.connect() as conn:
            matches = conn.exec_driver_sql("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'common'")
            matched = [r[0] for r in matches]
        assert len(matched) == n and len(set(matched)) == n, "each article once"
        assert len(search.search(engine, q="common", limit=1000)) == 1000
        _assert_index_in_step(engine)
    finally:
        for e in engines:
            e.dispose()


def test_q_finds_an_article_by_a_word_of_its_body_or_headline_and_not_by_an_absent_word(loaded: Engine) -> None:
    assert ids(search.search(loaded, q="spokesman")) == ["kremlin"]  # body only
    assert ids(search.search(loaded, q="Bundestag")) == ["berlin"]  # headline only
    assert ids(search.search(loaded, q="PESKOV reporters")) == ["kremlin"]  # any case, headline and body
    assert ids(search.search(loaded, q="ПЕСКОВ")) == ["kremlin"]  # Cyrillic, case folded
    assert ids(search.search(loaded, q="réforme")) == ["paris"]
    assert search.search(loaded, q="zebra") == []
    assert search.search(loaded, q="peskov zebra") == []  # every word must be there
    assert search.search(loaded, q="spokes") == []  # words, not parts of words


def test_a_result_carries_the_article_its_enrichment_and_the_time_of_enrichment(loaded: Engine) -> None:
    (found,) = search.search(loaded, q="spokesman")
    assert set(found) == {c.name for c in ARTICLES.columns} | {"data", "enriched_at"}
    assert found["headline"] == "Peskov says Moscow will answer Washington"
    assert found["data"] == {"language": "en", "persons": 1}
    assert found["enriched_at"].replace(tzinfo=UTC) == T0 + timedelta(minutes=3)
    (plain,) = search.search(loaded, q="retraites")
    assert plain["data"] is None and plain["enriched_at"] is None


@pytest.mark.parametrize("typed", ['"Peskov"', "peskov*", "(peskov)", "peskov;", "-peskov", "  peskov  "])
def test_punctuation_around_a_word_still_finds_the_word(loaded: Engine, typed: str) -> None:
    assert ids(search.search(loaded, q=typed)) == ["kremlin"]


def test_rows_the_bulk_insert_skips_as_duplicates_are_not_indexed_twice(loaded: Engine) -> None:
    again = article("tokyo", "Other words", "Entirely different text", language="en", stored_at=T0)
    assert store(loaded, [again]) == set()
    # What two stores racing meet: the conflict found by the INSERT itself (no row: nothing to index).
    insert = pg_insert if loaded.dialect.name == "postgresql" else sqlite_insert
    with write_transaction(loaded) as conn:
        conn.execute(insert(ARTICLES).on_conflict_do_nothing(index_elements=["article_id"]), [again])
    assert search.unindexed(loaded) == 0
    assert search.catch_up(loaded) == 0
    assert search.search(loaded, q="entirely") == []
    assert ids(search.search(loaded, q="traders")) == ["tokyo"]
    _assert_index_in_step(loaded)


def test_an_article_of_megabytes_of_distinct_words_is_stored_and_found(engine: Engine) -> None:
    """A tsvector holds at most 1 MB: PostgreSQL's index covers the first 100,000 characters, so
    that such an article (the inbox takes files up to 10 MB) is still stored."""
    rng = random.Random(14)
    body = " ".join("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=8)) for _ in range(200_000))
    assert store(engine, [article("huge", "Huge", body, language="en", stored_at=T0)]) == {"huge"}
    index(engine)
    assert ids(search.search(engine, q=body[:17])) == ["huge"]


def _assert_index_in_step(engine: Engine) -> None:
    """SQLite, caught up: one indexed document per article (FTS5's docsize table), FTS5's own check
    passes, and search_index's last rowid is the last article's."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        docs = conn.execute(text("SELECT count(*) FROM articles_fts_docsize")).scalar()
        rows = conn.execute(text("SELECT count(*) FROM articles")).scalar()
        conn.execute(text("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')"))
        last = conn.execute(text("SELECT coalesce(max(rowid), 0) FROM articles")).scalar()
        indexed = conn.execute(text("SELECT last_rowid FROM search_index WHERE name = 'articles_fts'")).scalar()
    assert docs == rows
    assert indexed == last
    assert search.unindexed(engine) == 0


def test_filters_narrow_and_combine(loaded: Engine) -> None:
    assert ids(search.search(loaded, lang="de")) == ["berlin"]  # detected, not the declared "en"
    assert ids(search.search(loaded, lang="en")) == ["tokyo", "kremlin"]
    assert ids(search.search(loaded, lang="fr")) == ["paris"]  # declared, while not enriched
    assert ids(search.search(loaded, country="ru")) == ["kremlin"]
    assert ids(search.search(loaded, country="DE")) == ["berlin"]
    assert ids(search.search(loaded, person="DMITRY PESKOV")) == ["kremlin"]
    assert search.search(loaded, person="Peskov") == []  # the name as the enrichment gives it
    assert ids(search.search(loaded, org="kremlin")) == ["kremlin"]
    assert search.search(loaded, org="Dmitry Peskov") == []  # a person is no organisation
    assert search.search(loaded, person="Kremlin") == []
    assert ids(search.search(loaded, q="markets", lang="en", country="JP")) == ["tokyo"]
    assert search.search(loaded, q="markets", country="RU") == []
    assert search.search(loaded, lang="en", person="Olaf Scholz") == []
    assert len(search.search(loaded, q="", lang="", country=" ", person=None, org="")) == 4  # empty: no filter


HOSTILE = [
    '"',
    '""',
    "*",
    "NEAR(",
    "NEAR(a b, 2)",
    "'); DROP TABLE articles; --",
    "' OR '1'='1",
    '" OR "" = "',
    "a OR b",
    "NOT zebra",
    "headline:*",
    "body : ^",
    "(",
    ")",
    "{headline body}",
    "- + ^ : ( ) * \" '",
    "%",
    "_",
    "\\",
    "\x00",
    "\ud800",
    "\u200b\u200d\ufeff",
    "\U0001f600 \U0001f4f0",
    "ספר",
    "x" * 10_000,
    "SELECT * FROM articles",
]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_q_never_raises_and_never_matches_everything(loaded: Engine, q: str) -> None:
    assert search.search(loaded, q=q) == []
    assert search.count(loaded) == {"articles": 4, "enriched": 3}


def test_ten_thousand_random_characters_never_raise_nor_match_everything(loaded: Engine) -> None:
    rng = random.Random(14)
    for _ in range(5):
        q = "".join(chr(rng.choice([rng.randrange(32, 0x250), rng.randrange(0x250, 0x30000)])) for _ in range(10_000))
        assert len(search.search(loaded, q=q)) < 4


@pytest.mark.parametrize("value", ["' OR 1=1 --", '"; DROP TABLE articles; --', "%", "_", "\x00", "\ud800"])
def test_hostile_filter_values_match_nothing(loaded: Engine, value: str) -> None:
    for field in ("lang", "country", "person", "org"):
        assert search.search(loaded, **{field: value}) == [], field
    assert search.count(loaded) == {"articles": 4, "enriched": 3}


def test_newest_first_by_enrichment_then_storage_time(loaded: Engine) -> None:
    # Stored: kremlin, tokyo, berlin, paris. Enriched: berlin +2 min, kremlin +3, tokyo +4.
    assert ids(search.search(loaded)) == ["tokyo", "kremlin", "berlin", "paris"]
    late = T0 + timedelta(minutes=10)  # stored after every enrichment, not enriched yet
    store(loaded, [article("late", "Late story", "Just in.", language="en", stored_at=late)])
    assert ids(search.search(loaded)) == ["late", "tokyo", "kremlin", "berlin", "paris"]
    assert ids(search.search(loaded, lang="en")) == ["late", "tokyo", "kremlin"]


def test_limit_is_held_between_1_and_1000(engine: Engine) -> None:
    rows = [
        article(f"f{i:05d}", f"Filler {i}", "Filler text.", language="en", stored_at=T0 + timedelta(seconds=i))
        for i in range(1005)
    ]
    store(engine, rows)
    index(engine)
    assert len(search.search(engine, limit=10**9)) == 1000
    assert len(search.search(engine, q="filler", limit=5000)) == 1000
    assert ids(search.search(engine, limit=0)) == ["f01004"]
    assert ids(search.search(engine, limit=-7)) == ["f01004"]
    assert ids(search.search(engine, q="filler", limit=2)) == ["f01004", "f01003"]
    assert search.count(engine) == {"articles": 1005, "enriched": 0}


def test_q_is_cut_at_500_characters(loaded: Engine) -> None:
    q = "peskov " * 80 + "zebra"  # zebra starts at character 560; character 500 is inside a "peskov"
    assert ids(search.search(loaded, q=q)) == ["kremlin"]
    assert search.search(loaded, q=q[-100:]) == []


def test_count(loaded: Engine) -> None:
    assert search.count(loaded) == {"articles": 4, "enriched": 3}


def test_the_search_reads_the_full_text_index_even_for_a_word_every_article_holds(loaded: Engine) -> None:
    """The query's expression is the index's, and the plan reads the index: PostgreSQL's planner,
    left to itself, computes to_tsvector for every article when the word is in most of them."""
    store(
        loaded,
        [
            article(f"w{i:04d}", f"Weather {i}", "Weather report: sunny.", language="en", stored_at=T0)
            for i in range(2000)
        ],
    )
    index(loaded)
    if loaded.dialect.name == "postgresql":
        with loaded.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # statistics that say: "weather" is in nearly every row
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(loaded, "before_cursor_execute", capture)
    try:
        assert len(search.search(loaded, q="weather")) == 100
    finally:
        event.remove(loaded, "before_cursor_execute", capture)
    *before, (statement, parameters) = seen  # the search, after what it set up in its transaction
    assert " MATCH " in statement or " @@ " in statement
    with loaded.connect() as conn:
        for earlier, params in before:
            conn.exec_driver_sql(earlier, params)
        explain = "EXPLAIN " if loaded.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(explain + statement, parameters))
    if loaded.dialect.name == "postgresql":
        assert "Bitmap Index Scan on ix_articles_fts" in plan and "Seq Scan on articles hits" not in plan, plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan and "articles_fts" in plan, plan


def _alembic(engine: Engine, direction: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, revision)


def _full_text_objects(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            found = conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'articles'"
            )
            return {r[0] for r in found} & {"ix_articles_fts"}
        found = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master "
            "WHERE name LIKE 'articles_fts%' OR name = 'search_index' OR type = 'trigger'"
        )
        return {r[0] for r in found}


def test_the_migration_upgrades_downgrades_and_upgrades_again_indexing_rows_stored_meanwhile(loaded: Engine) -> None:
    expected = (
        {"ix_articles_fts"}
        if loaded.dialect.name == "postgresql"
        else {
            "articles_fts",
            "articles_fts_data",
            "articles_fts_idx",
            "articles_fts_docsize",
            "articles_fts_config",
            "search_index",  # no trigger
        }
    )
    assert _full_text_objects(loaded) == expected

    _alembic(loaded, "downgrade", "0003")
    assert _full_text_objects(loaded) == set()
    store(loaded, [article("lima", "Rain in Lima", "It rained all day.", language="es", stored_at=T0)])

    _alembic(loaded, "upgrade", "head")
    assert _full_text_objects(loaded) == expected
    assert search.mode(loaded) in ("fts5", "postgresql")
    assert search.unindexed(loaded) == 0  # the migration indexed the rows there, and said so
    assert ids(search.search(loaded, q="rained")) == ["lima"]  # stored while there was no index
    assert ids(search.search(loaded, q="spokesman")) == ["kremlin"]
    _assert_index_in_step(loaded)

    _alembic(loaded, "downgrade", "0003")
    _alembic(loaded, "upgrade", "head")
    assert _full_text_objects(loaded) == expected
    migrate(loaded)  # at head: nothing to do
    assert ids(search.search(loaded, q="rained")) == ["lima"]


def _no_fts5(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    def authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _src: str | None) -> int:
        return sqlite3.SQLITE_DENY if action == sqlite3.SQLITE_CREATE_VTABLE and arg2 == "fts5" else sqlite3.SQLITE_OK

    dbapi_conn.set_authorizer(authorize)


def _untrusted_schema(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA trusted_schema = OFF")


@pytest.mark.parametrize(("hook", "reason"), [(_no_fts5, "no FTS5"), (_untrusted_schema, "trusted_schema is off")])
def test_sqlite_without_fts5_migrates_says_so_and_searches_with_like(sqlite_url: str, hook: Any, reason: str) -> None:
    engine = make_engine(sqlite_url)
    event.listen(engine, "connect", hook)
    try:
        with capture_logs() as logs:
            migrate(engine)
        (line,) = [entry for entry in logs if entry["event"] == "full_text_search_unavailable"]
        assert line["log_level"] == "warning" and line["reason"].startswith(reason)
        assert search.mode(engine) == "like"
        assert _full_text_objects(engine) == set()

        corpus(engine)
        assert search.catch_up(engine) == 0 and search.unindexed(engine) == 0  # nothing to index: LIKE reads the rows
        assert ids(search.search(engine, q="spokesman")) == ["kremlin"]
        assert ids(search.search(engine, q="bundestag")) == ["berlin"]
        assert ids(search.search(engine, q="peskov reporters", country="RU")) == ["kremlin"]
        assert search.search(engine, q="zebra") == []
        for q in HOSTILE:
            found = search.search(engine, q=q)
            if " OR " in f" {q.upper()} ":  # the word "or": LIKE finds it in "reporters", "for", "reform"
                continue
            assert len(found) < 4, q
        for q in ("spokes%", "spokes_an", "%", "_"):  # LIKE's wildcards are escaped
            assert search.search(engine, q=q) == [], q
    finally:
        engine.dispose()
