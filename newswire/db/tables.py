"""SQLModel table classes: the only place rows are defined.

`articles` holds one row per distinct article (primary key: the content hash).
`enrichments` holds what enrich computed for it. `source_entry_id` records the
stream entry that created the row, so a redelivery of that entry (which must
re-emit its event) can be told from a duplicate (which must not).

The services insert rows in batches with core ``insert()`` statements, as plain dicts: building a
model instance per row would cost validation for nothing. What they insert is typed by the
TypedDicts at the end (one per table, ``total=True``): mypy rejects a misspelled, missing or
extra column. tests/integration/test_migration_schema.py checks they match the tables, and that
the migrations produce these tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, MetaData, Table, Text
from sqlmodel import Field, SQLModel

from newswire.db.engine import JSONText


class ArticleRow(SQLModel, table=True):
    __tablename__ = "articles"

    article_id: str = Field(primary_key=True, max_length=64)
    headline: str = Field(sa_column=Column(Text, nullable=False))
    story_code: str | None = Field(default=None, max_length=64, index=True)
    # Wall-clock time as the source wrote it; the offset, when given, is beside it.
    published_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=False), index=True))
    published_utc_offset_min: int | None = None
    body: str = Field(sa_column=Column(Text, nullable=False))
    source_name: str = Field(sa_column=Column(Text, nullable=False, index=True))
    language: str | None = Field(default=None, max_length=8, index=True)
    url: str | None = Field(default=None, sa_column=Column(Text))
    encoding: str = Field(max_length=32)
    file_sha256: str = Field(max_length=64)
    correlation_id: str = Field(max_length=64)
    source_entry_id: str = Field(max_length=32)
    stored_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class EnrichmentRow(SQLModel, table=True):
    __tablename__ = "enrichments"

    article_id: str = Field(primary_key=True, max_length=64, foreign_key="articles.article_id")
    language: str | None = Field(default=None, max_length=8, index=True)
    language_confidence: float
    word_count: int
    sentence_count: int
    paragraph_count: int
    reading_time_s: int
    enricher_version: str = Field(max_length=32)
    source_entry_id: str = Field(max_length=32)
    enriched_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # Added in revision 0003 (null for rows of enricher 0.1).
    tone: float | None = None
    near_duplicate_of: str | None = Field(default=None, max_length=64, index=True)
    near_duplicate_similarity: float | None = None
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    minhash: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class EntityMentionRow(SQLModel, table=True):
    """One row per (article, kind, entity): "all articles mentioning Peskov" is an indexed lookup."""

    __tablename__ = "entity_mentions"
    __table_args__ = (
        Index("ix_entity_mentions_name_key", "name_key", "kind"),
        Index("ix_entity_mentions_surname", "surname"),
    )

    article_id: str = Field(primary_key=True, max_length=64, foreign_key="articles.article_id")
    kind: str = Field(primary_key=True, max_length=16)  # person, organization, location
    name: str = Field(primary_key=True, max_length=200)
    name_key: str = Field(max_length=200)  # casefolded name
    surname: str | None = Field(default=None, max_length=100)  # persons: casefolded last word
    count: int


class CountryMentionRow(SQLModel, table=True):
    """One row per (article, country): "all articles about RU this week" joins articles.published_at."""

    __tablename__ = "country_mentions"
    __table_args__ = (Index("ix_country_mentions_code", "country_code", "article_id"),)

    article_id: str = Field(primary_key=True, max_length=64, foreign_key="articles.article_id")
    country_code: str = Field(primary_key=True, max_length=2)
    count: int


# What the migrations must produce (newswire/db/migrations/env.py, the schema test).
METADATA: MetaData = SQLModel.metadata

# The core tables, for insert() and select(): SQLModel sets __table__ on table classes, untyped.
ARTICLES: Table = ArticleRow.__table__  # type: ignore[attr-defined]
ENRICHMENTS: Table = EnrichmentRow.__table__  # type: ignore[attr-defined]
ENTITY_MENTIONS: Table = EntityMentionRow.__table__  # type: ignore[attr-defined]
COUNTRY_MENTIONS: Table = CountryMentionRow.__table__  # type: ignore[attr-defined]


class ArticleValues(TypedDict):
    """An articles row less what only the store knows (the entry id, the time): built in a worker."""

    article_id: str
    headline: str
    story_code: str | None
    published_at: datetime | None
    published_utc_offset_min: int | None
    body: str
    source_name: str
    language: str | None
    url: str | None
    encoding: str
    file_sha256: str
    correlation_id: str


class ArticleInsert(ArticleValues):
    """An articles row as inserted."""

    source_entry_id: str
    stored_at: datetime


class EnrichmentInsert(TypedDict):
    """An enrichments row as inserted."""

    article_id: str
    language: str | None
    language_confidence: float
    word_count: int
    sentence_count: int
    paragraph_count: int
    reading_time_s: int
    enricher_version: str
    source_entry_id: str
    enriched_at: datetime
    tone: float | None
    near_duplicate_of: str | None
    near_duplicate_similarity: float | None
    data: JSONText | dict[str, Any] | None  # JSONText: JSON already, written as it is
    minhash: bytes | None


class EntityMentionInsert(TypedDict):
    """An entity_mentions row as inserted."""

    article_id: str
    kind: str
    name: str
    name_key: str
    surname: str | None
    count: int


class CountryMentionInsert(TypedDict):
    """A country_mentions row as inserted."""

    article_id: str
    country_code: str
    count: int
