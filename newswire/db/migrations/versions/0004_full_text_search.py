"""articles: full-text index over headline and body (SQLite FTS5, PostgreSQL GIN)

Revision ID: 0004
Revises: 0003

SQLite: articles_fts, an FTS5 table whose content is articles itself (external content: the text
is not stored twice), keyed by the articles rowid (articles is not WITHOUT ROWID). No trigger keeps
it in step: the store's inserts would pay for the index (35% of the store's throughput). Instead
search_index holds, under the name 'articles_fts', last_rowid: the highest articles rowid indexed
so far, and newswire.db.search.catch_up (run by the web service in the background) indexes the rows
after it, in rowid order. This revision indexes the rows already stored and records the last one.

That holds because articles rows are only ever inserted (by the store's bulk insert), never updated
or deleted: nothing outside the migrations updates or deletes them (checked with grep when this
was written). Without deletes a new row's rowid (the largest plus one, taken under SQLite's single
writer lock) is above every committed one, so the rows after last_rowid are exactly the ones not
indexed. Code that ever updates or deletes articles rows must keep the index in step itself (an
FTS5 'delete' of the old values, an insert of the new ones) in the same transaction, and a
migration that rebuilds articles (batch_alter_table renumbers the rowids) must rebuild
articles_fts ('delete-all', then index every row) and set last_rowid again.

Where the SQLite build has no FTS5 (or trusted_schema is off), nothing is created, a warning says
so, and newswire.db.search falls back to LIKE (it looks for articles_fts) with nothing to catch up.

PostgreSQL: a GIN index on a tsvector of headline and body, with the 'simple' configuration
(no stemming, no stop words: any language), kept by the database on each insert. Only the first
100,000 characters are indexed: a tsvector holds at most 1 MB, and an article up to the inbox's
10 MB limit must still be stored. newswire.db.search queries this very expression, so that the
planner uses the index.
"""

import structlog
from alembic import op
from sqlalchemy import exc
from sqlalchemy.engine import Connection

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PG_INDEX = "ix_articles_fts"
PG_DOCUMENT = "to_tsvector('simple', left(headline || ' ' || body, 100000))"

TOKENIZER = "unicode61 remove_diacritics 2"
INDEXED = "(SELECT last_rowid FROM search_index WHERE name = 'articles_fts')"
SQLITE_UP = [
    # IF NOT EXISTS: SQLite runs this DDL outside a transaction; a migration interrupted half-way
    # (alembic_version not yet 0004) runs again over what it created.
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
    f"headline, body, content='articles', content_rowid='rowid', tokenize='{TOKENIZER}')",
    "CREATE TABLE IF NOT EXISTS search_index (name TEXT PRIMARY KEY, last_rowid INTEGER NOT NULL)",
    # From an empty index (whatever a run interrupted half-way left is dropped): the last rowid
    # first, then the rows up to it. A row a running store inserts meanwhile is after it: caught up.
    "INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')",
    "INSERT OR REPLACE INTO search_index (name, last_rowid) "
    "SELECT 'articles_fts', coalesce(max(rowid), 0) FROM articles",
    "INSERT INTO articles_fts(rowid, headline, body) "
    f"SELECT rowid, headline, body FROM articles WHERE rowid <= {INDEXED} ORDER BY rowid",
]
SQLITE_DOWN = [
    # This revision's first, unreleased form kept articles_fts in step with triggers: a database
    # migrated by it loses them here (downgrade to 0003, then upgrade).
    "DROP TRIGGER IF EXISTS articles_fts_update",
    "DROP TRIGGER IF EXISTS articles_fts_delete",
    "DROP TRIGGER IF EXISTS articles_fts_insert",
    "DROP TABLE IF EXISTS search_index",
    "DROP TABLE IF EXISTS articles_fts",
]


def _fts5_problem(conn: Connection) -> str | None:
    """Why FTS5 cannot index articles on this SQLite, or None. The probe is a table in the
    connection's own temporary schema: its failure says nothing about the database file."""
    if conn.exec_driver_sql("PRAGMA trusted_schema").scalar() == 0:  # None: older than 3.31, always trusted
        return "trusted_schema is off: full-text search is left to LIKE on such a database"
    try:
        conn.exec_driver_sql(f"CREATE VIRTUAL TABLE temp.newswire_fts5_probe USING fts5(x, tokenize='{TOKENIZER}')")
    except exc.DatabaseError as error:  # OperationalError "no such module: fts5", "not authorized"
        return f"no FTS5 ({str(error.orig or error).strip()})"
    conn.exec_driver_sql("DROP TABLE temp.newswire_fts5_probe")
    return None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON articles USING gin ({PG_DOCUMENT})")
        return
    problem = _fts5_problem(conn)
    if problem is not None:
        structlog.get_logger("newswire").warning(
            "full_text_search_unavailable", database="sqlite", reason=problem, search="LIKE over headline and body"
        )
        return
    for statement in SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
        return
    for statement in SQLITE_DOWN:
        op.execute(statement)
