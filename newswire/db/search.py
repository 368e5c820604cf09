"""Searching the stored articles: words of the headline and body, and exact filters.

The full-text index is revision 0004's: SQLite's FTS5 table articles_fts, or PostgreSQL's GIN
index on PG_DOCUMENT (the same expression here, so that the planner uses it). A SQLite without
FTS5 has no articles_fts: its searches read headline and body with LIKE instead.

PostgreSQL keeps its index on each insert. SQLite's is not kept by the store's inserts (they would
pay for it): catch_up() indexes the articles stored since it last ran (the web service calls it
every second), and until then q does not find them; unindexed() says how many they are. The
filters without q read the tables, and see every row.

What a user types is never query syntax: every word becomes a quoted FTS5 phrase, or goes to
plainto_tsquery, as a bound parameter like every other value.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    Select,
    TextClause,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
)

from newswire.db.tables import ARTICLES, COUNTRY_MENTIONS, ENRICHMENTS, ENTITY_MENTIONS
from newswire.text import clean_text

MAX_LIMIT = 1000
MAX_QUERY_CHARS = 500
CATCH_UP_BATCH = 2000  # articles a catch-up indexes at most: its write transaction stays short
FTS_TABLE = "articles_fts"
PG_DOCUMENT = "to_tsvector('simple', left(hits.headline || ' ' || hits.body, 100000))"

Mode = Literal["fts5", "like", "postgresql"]


def search(
    engine: Engine,
    *,
    q: str | None = None,
    lang: str | None = None,
    country: str | None = None,
    person: str | None = None,
    org: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Articles that have every word of q in their headline or body and pass every filter given,
    newest first: by the time of their enrichment, or of their storage while not enriched.

    Each is its articles row as a dict, plus "data" (the enrichment, or None) and "enriched_at".
    lang: the detected language (the declared one while not enriched); country: an ISO alpha-2
    code among the countries mentioned; person, org: an entity name, case-insensitive. None or a
    blank value (q included) filters nothing; a q with no word in it (only punctuation) finds
    nothing. limit is held to 1..1000, q to its first 500 characters (less a word the cut would
    split)."""
    limit = min(max(int(limit), 1), MAX_LIMIT)
    words: list[str] = []
    if q and q.strip():
        words = _words(q)
        if not words:
            return []
    conditions = _filters(lang=_value(lang), country=_value(country), person=_value(person), org=_value(org))
    with engine.connect() as conn:
        if words:
            conditions.append(_matches(conn, words))
            if conn.dialect.name == "postgresql":
                # The planner prices to_tsvector far below its cost on an article: for a word most
                # articles hold it would compute it for every row (seconds at 10,000 articles)
                # rather than read the index. For this transaction only.
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return [dict(row._mapping) for row in conn.execute(_statement(conditions, limit))]


def _filters(
    *, lang: str | None, country: str | None, person: str | None, org: str | None
) -> list[ColumnElement[bool] | TextClause]:
    a, e = ARTICLES, ENRICHMENTS
    conditions: list[ColumnElement[bool] | TextClause] = []
    if lang is not None:
        conditions.append(func.coalesce(e.c.language, a.c.language) == lang.lower())
    # IN (uncorrelated), not EXISTS: the planners start from the few mentions, not from every article.
    if country is not None:
        c = COUNTRY_MENTIONS
        conditions.append(a.c.article_id.in_(select(c.c.article_id).where(c.c.country_code == country.upper())))
    for kind, name in (("person", person), ("organization", org)):
        if name is not None:
            m = ENTITY_MENTIONS
            mentioned = select(m.c.article_id).where(m.c.name_key == name.casefold(), m.c.kind == kind)
            conditions.append(a.c.article_id.in_(mentioned))
    return conditions


def _statement(conditions: list[ColumnElement[bool] | TextClause], limit: int) -> Select[Any]:
    """The ids of the `limit` newest matches first, then their rows: sorting every match with its
    columns would carry every body through the sort."""
    a, e = ARTICLES, ENRICHMENTS
    picked = (
        select(a.c.article_id)
        .select_from(a.outerjoin(e, e.c.article_id == a.c.article_id))
        .where(*conditions)
        .order_by(*_newest_first(a, e))
        .limit(limit)
    )
    fa, fe = a.alias("found"), e.alias("found_enrichment")
    return (
        select(*fa.c, fe.c.data, fe.c.enriched_at)
        .select_from(fa.outerjoin(fe, fe.c.article_id == fa.c.article_id))
        .where(fa.c.article_id.in_(picked))
        .order_by(*_newest_first(fa, fe))
    )


def _newest_first(a: FromClause, e: FromClause) -> tuple[ColumnElement[Any], ...]:
    return func.coalesce(e.c.enriched_at, a.c.stored_at).desc(), a.c.stored_at.desc(), a.c.article_id.desc()


def count(engine: Engine) -> dict[str, int]:
    """{"articles": rows in articles, "enriched": rows in enrichments}."""
    stmt = select(
        select(func.count()).select_from(ARTICLES).scalar_subquery(),
        select(func.count()).select_from(ENRICHMENTS).scalar_subquery(),
    )
    with engine.connect() as conn:
        articles, enriched = conn.execute(stmt).one()
    return {"articles": int(articles), "enriched": int(enriched)}


def catch_up(engine: Engine, *, batch: int = CATCH_UP_BATCH) -> int:
    """SQLite with FTS5: index the next articles not indexed yet (up to batch, the oldest first, in
    rowid order) and move search_index's last_rowid to the last of them; how many. Elsewhere 0
    (PostgreSQL's index is kept on insert, LIKE needs none).

    One short write transaction, BEGIN IMMEDIATE: it holds SQLite's single writer lock from its
    start, so no article is stored while it reads and writes, and two catch-ups at once (two
    processes, two threads) run one after the other, the second finding what the first left."""
    batch = max(int(batch), 1)
    if engine.dialect.name != "sqlite":
        return 0
    with engine.connect() as conn:
        if _mode(conn) != "fts5":
            return 0
        # pysqlite begins no transaction for a SELECT: this BEGIN is the transaction's start (closing
        # the connection without the commit rolls it back).
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        last = conn.exec_driver_sql(f"SELECT last_rowid FROM search_index WHERE name = '{FTS_TABLE}'").scalar_one()
        upto, n = conn.exec_driver_sql(
            "SELECT max(rowid), count(*) FROM (SELECT rowid FROM articles WHERE rowid > ? ORDER BY rowid LIMIT ?)",
            (last, batch),
        ).one()
        if n:
            conn.exec_driver_sql(
                f"INSERT INTO {FTS_TABLE}(rowid, headline, body) "
                "SELECT rowid, headline, body FROM articles WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
                (last, upto),
            )
            conn.exec_driver_sql(f"UPDATE search_index SET last_rowid = ? WHERE name = '{FTS_TABLE}'", (upto,))
        conn.commit()
    return int(n)


def unindexed(engine: Engine) -> int:
    """SQLite with FTS5: how many articles catch_up() has not indexed yet (q does not find them).
    Elsewhere 0. A count over a range of rowids: the rows stored since the last catch-up."""
    if engine.dialect.name != "sqlite":
        return 0
    with engine.connect() as conn:
        if _mode(conn) != "fts5":
            return 0
        found = conn.exec_driver_sql(
            "SELECT count(*) FROM articles "
            f"WHERE rowid > (SELECT last_rowid FROM search_index WHERE name = '{FTS_TABLE}')"
        )
        return int(found.scalar_one())


def mode(engine: Engine) -> Mode:
    """How q is searched on this database: "fts5", "like" (a SQLite without FTS5) or "postgresql"."""
    with engine.connect() as conn:
        return _mode(conn)


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression that finds rows holding every word: each one a quoted phrase (a
    double quote inside doubled), so that nothing of it is FTS5 syntax."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _mode(conn: Connection) -> Mode:
    if conn.dialect.name == "postgresql":
        return "postgresql"
    found = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles_fts'")
    return "fts5" if found.first() else "like"


def _matches(conn: Connection, words: list[str]) -> ColumnElement[bool] | TextClause:
    kind = _mode(conn)
    if kind == "postgresql":
        # The matches on their own (OFFSET 0: a subquery the planner keeps as it is), from the index.
        # Else, with a filter it thinks selective, it may compute to_tsvector for each row that passes the filter.
        return text(
            f"articles.article_id IN (SELECT hits.article_id FROM articles AS hits "
            f"WHERE {PG_DOCUMENT} @@ plainto_tsquery('simple', :search_q) OFFSET 0)"
        ).bindparams(bindparam("search_q", " ".join(words)))
    if kind == "fts5":
        return text("articles.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :search_q)").bindparams(
            bindparam("search_q", fts5_query(words))
        )
    a = ARTICLES
    return and_(*(or_(a.c.headline.contains(w, autoescape=True), a.c.body.contains(w, autoescape=True)) for w in words))


def _words(q: str) -> list[str]:
    """The words of q's first 500 characters (a word the cut splits left out) that hold a letter
    or a digit: FTS5 and PostgreSQL find no word in the others."""
    head = q[: MAX_QUERY_CHARS + 1]
    words = head.split()
    if len(head) > MAX_QUERY_CHARS and words and not head[-1].isspace():
        words.pop()
    return [w for w in map(clean_text, words) if any(ch.isalnum() for ch in w)]


def _value(raw: str | None) -> str | None:
    """None (no filter) for nothing or blanks; else the value as the database can hold it (what
    was only NUL or such is "", which matches nothing, rather than no filter)."""
    if raw is None or not raw.strip():
        return None
    return clean_text(raw[:MAX_QUERY_CHARS]).strip()
