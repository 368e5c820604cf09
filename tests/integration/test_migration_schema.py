"""The migrations produce the models' schema, and the rows the services insert match the models.

A column, index, type or nullability changed in newswire/db/tables.py without a migration (or a
migration that differs from the model) makes Alembic's autogenerate comparison report a
difference, on SQLite and on PostgreSQL; a fresh database (a fresh schema on PostgreSQL) each.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table

from newswire.db.engine import make_engine, migrate
from newswire.db.tables import (
    ARTICLES,
    COUNTRY_MENTIONS,
    ENRICHMENTS,
    ENTITY_MENTIONS,
    METADATA,
    ArticleInsert,
    CountryMentionInsert,
    EnrichmentInsert,
    EntityMentionInsert,
)

# Revision 0004's full-text objects have no model: SQLite's FTS5 table with the shadow tables FTS5
# keeps beside it and search_index (how far it is caught up), PostgreSQL's GIN index on an expression
# (tests/integration/test_search.py checks them).
FULL_TEXT = {
    "articles_fts",
    *(f"articles_fts_{s}" for s in ("data", "idx", "docsize", "config", "content")),
    "search_index",
}
FULL_TEXT_INDEX = "ix_articles_fts"


def _not_full_text(name: str | None, type_: str, _parents: Any) -> bool:
    return not ((type_ == "table" and name in FULL_TEXT) or (type_ == "index" and name == FULL_TEXT_INDEX))


def _differences(database_url: str, metadata: MetaData) -> list[Any]:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            opts = {"compare_type": True, "compare_server_default": True, "include_name": _not_full_text}
            context = MigrationContext.configure(conn, opts=opts)
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_the_migrations_produce_the_models_schema(database_url: str) -> None:
    # No filter: on SQLite as on PostgreSQL, the reflected types compare equal to the models' ones
    # (VARCHAR(n) to AutoString(n), BLOB to LargeBinary, JSON to JSON), so every difference is real.
    assert _differences(database_url, METADATA) == []


def test_a_model_column_without_its_migration_is_a_difference(database_url: str) -> None:
    """The comparison is not vacuous: the models plus a column no migration adds differ."""
    models = MetaData()
    for table in METADATA.sorted_tables:
        table.to_metadata(models)
    models.tables["articles"].append_column(Column("word_count", Integer, nullable=True))

    found = _differences(database_url, models)

    assert [(d[0], d[2], d[3].name) for d in found] == [("add_column", "articles", "word_count")]


def _optional(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)


@pytest.mark.parametrize(
    ("row", "table"),
    [
        (ArticleInsert, ARTICLES),
        (EnrichmentInsert, ENRICHMENTS),
        (EntityMentionInsert, ENTITY_MENTIONS),
        (CountryMentionInsert, COUNTRY_MENTIONS),
    ],
    ids=lambda v: getattr(v, "__name__", "table"),
)
def test_the_insert_typeddicts_match_the_tables(row: type, table: Table) -> None:
    """mypy checks the rows against the TypedDicts; this checks the TypedDicts against the tables:
    every column, no other key, None allowed exactly where the column is nullable."""
    hints = get_type_hints(row)
    assert set(hints) == set(table.columns.keys())
    assert row.__required_keys__ == set(hints)  # type: ignore[attr-defined]  # total=True: none may be left out
    for name, hint in hints.items():
        assert _optional(hint) == bool(table.c[name].nullable), f"{table.name}.{name}: {hint}"
