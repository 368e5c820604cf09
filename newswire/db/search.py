"""Searching the stored articles: words of the headline and body, and exact filters.

The full-text index is revision 0004's: SQLite's FTS5 table articles_fts, or PostgreSQL's GIN
index on PG_DOCUMENT (the same expression here, so that the planner uses it). A SQLite without
FTS5 has no articles_fts: its searches read headline and body with LIKE instead.

What a user types is never query syntax: every word becomes a quoted FTS5 phrase, or goes to
plainto_tsquery, as a bound parameter like every other value.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Engine, TextClause, and_, bindparam, exists, func, or_, select, text

from newswire.db.tables import ARTICLES, COUNTRY_MENTIONS, ENRICHMENTS, ENTITY_MENTIONS
from newswire.text import clean_text

MAX_LIMIT = 1000
MAX_QUERY_CHARS = 500
PG_DOCUMENT = "to_tsvector('simple', left(articles.headline || ' ' || articles.body, 100000))"

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
    code among the countries mentioned; person, org: an entity name, case-insensitive. An empty
    value filters nothing; q without a word finds nothing. limit is held to 1..1000, q to its
    first 500 characters (less a word the cut would split)."""
    a, e = ARTICLES, ENRICHMENTS
    limit = min(max(int(limit), 1), MAX_LIMIT)
    conditions: list[ColumnElement[bool] | TextClause] = []
    words: list[str] = []
    if q and q.strip():
        words = _words(q)
        if not words:
            return []
    if (lang := _value(lang)) is not None:
        conditions.append(func.coalesce(e.c.language, a.c.language) == lang.lower())
    if (country := _value(country)) is not None:
        m = COUNTRY_MENTIONS
        conditions.append(exists().where(m.c.article_id == a.c.article_id, m.c.country_code == country.upper()))
    for kind, name in (("person", person), ("organization", org)):
        if (name := _value(name)) is not None:
            m = ENTITY_MENTIONS
            conditions.append(
                exists().where(m.c.article_id == a.c.article_id, m.c.kind == kind, m.c.name_key == name.casefold())
            )
    stmt = (
        select(*a.c, e.c.data, e.c.enriched_at)
        .select_from(a.outerjoin(e, e.c.article_id == a.c.article_id))
        .order_by(func.coalesce(e.c.enriched_at, a.c.stored_at).desc(), a.c.stored_at.desc(), a.c.article_id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        if words:
            conditions.append(_matches(conn, words))
        return [dict(row._mapping) for row in conn.execute(stmt.where(*conditions))]


def count(engine: Engine) -> dict[str, int]:
    """{"articles": rows in articles, "enriched": rows in enrichments}."""
    stmt = select(
        select(func.count()).select_from(ARTICLES).scalar_subquery(),
        select(func.count()).select_from(ENRICHMENTS).scalar_subquery(),
    )
    with engine.connect() as conn:
        articles, enriched = conn.execute(stmt).one()
    return {"articles": int(articles), "enriched": int(enriched)}


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
        # plainto_tsquery reads the words as plain text; 'simple' as in the index's expression.
        return text(f"{PG_DOCUMENT} @@ plainto_tsquery('simple', :search_q)").bindparams(
            bindparam("search_q", " ".join(words))
        )
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
