"""Persisting parsed articles: one transaction and one INSERT per batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Table

from newswire.contracts import ArticleDiscovered
from newswire.db.engine import first_per_key, insert_new, owners, split_by_creator, write_transaction
from newswire.db.tables import ArticleRow
from services.store.parser import ParsedArticle

ARTICLES: Table = ArticleRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes


@dataclass(frozen=True, slots=True)
class Candidate:
    entry_id: str
    article_id: str
    discovered: ArticleDiscovered
    article: ParsedArticle


@dataclass(frozen=True, slots=True)
class SaveResult:
    emit: list[Candidate]  # new rows, and redeliveries of the entry that created a row
    duplicates: list[Candidate]  # content already stored from another entry


class ArticleRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, batch: list[Candidate]) -> SaveResult:
        now = datetime.now(UTC)
        first = first_per_key(batch, _key)
        rows = [_row(c, now) for c in first.values()]
        with write_transaction(self.engine) as conn:
            inserted = insert_new(conn, ARTICLES, rows, "article_id")
            existing = owners(conn, ARTICLES, "article_id", [k for k in first if k not in inserted])
        return SaveResult(*split_by_creator(batch, first, inserted, existing, key=_key, entry_id=_entry))


def _key(c: Candidate) -> str:
    return c.article_id


def _entry(c: Candidate) -> str:
    return c.entry_id


def _row(c: Candidate, now: datetime) -> dict[str, object]:
    a, d = c.article, c.discovered
    return {
        "article_id": c.article_id,
        "headline": a.headline,
        "story_code": a.story_code,
        "published_at": a.published_at,
        "published_utc_offset_min": a.published_utc_offset_min,
        "body": a.body,
        "source_name": d.source_name,
        "language": a.language,
        "url": a.url,
        "encoding": d.encoding,
        "file_sha256": d.file_sha256,
        "correlation_id": d.correlation_id,
        "source_entry_id": c.entry_id,
        "stored_at": now,
    }
