"""articles: full-text index over headline and body (SQLite FTS5, PostgreSQL GIN)

Revision ID: 0004
Revises: 0003

SQLite: articles_fts, an FTS5 table whose content is articles itself (external content: the text
is not stored twice), keyed by the articles rowid (articles is not WITHOUT ROWID; VACUUM keeps its
rowids), kept in step by triggers; rows stored before this revision are indexed by a rebuild.
Where the SQLite build has no FTS5 (or would refuse the triggers: trusted_schema off), nothing is
created, a warning says so, and newswire.db.search falls back to LIKE (it looks for articles_fts).
A later migration that rebuilds articles (batch_alter_table) drops these triggers with the old
table and renumbers the rowids: it must create them again and rebuild articles_fts.

PostgreSQL: a GIN index on a tsvector of headline and body, with the 'simple' configuration
(no stemming, no stop words: any language). Only the first 100,000 characters are indexed: a
tsvector holds at most 1 MB, and an article up to the inbox's 10 MB limit must still be stored.
newswire.db.search queries this very expression, so that the planner uses the index.
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
SQLITE_UP = [
    # IF NOT EXISTS: SQLite runs this DDL outside a transaction; a migration interrupted half-way
    # (alembic_version not yet 0004) runs again over what it created.
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
    f"headline, body, content='articles', content_rowid='rowid', tokenize='{TOKENIZER}')",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, headline, body) VALUES (new.rowid, new.headline, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, headline, body) "
    "VALUES ('delete', old.rowid, old.headline, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF headline, body ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, headline, body) "
    "VALUES ('delete', old.rowid, old.headline, old.body); "
    "INSERT INTO articles_fts(rowid, headline, body) VALUES (new.rowid, new.headline, new.body); END",
    # After the triggers: a row a running store inserts meanwhile is in the rebuild or in a trigger.
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS articles_fts_update",
    "DROP TRIGGER IF EXISTS articles_fts_delete",
    "DROP TRIGGER IF EXISTS articles_fts_insert",
    "DROP TABLE IF EXISTS articles_fts",
]


def _fts5_problem(conn: Connection) -> str | None:
    """Why FTS5 cannot index articles on this SQLite, or None. The probe is a table in the
    connection's own temporary schema: its failure says nothing about the database file."""
    if conn.exec_driver_sql("PRAGMA trusted_schema").scalar() == 0:  # None: older than 3.31, always trusted
        return "trusted_schema is off: triggers may not write to an FTS5 table"
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
