"""Persisting parsed articles: one transaction and one INSERT per batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from newswire.db.engine import creators, first_per_key, insert_new, split_by_creator, write_transaction
from newswire.db.tables import ARTICLES, ArticleInsert
from services.store.work import Prepared


@dataclass(frozen=True, slots=True)
class Candidate:
    entry_id: str
    prepared: Prepared


@dataclass(frozen=True, slots=True)
class SaveResult:
    # New rows, and deliveries of the file that created a row: the same entry again, or the same
    # claimed file published again (same correlation id) after Redis lost its first entry.
    emit: list[Candidate]
    duplicates: list[Candidate]  # the same content stored already from another file


class ArticleRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, batch: list[Candidate]) -> SaveResult:
        now = datetime.now(UTC)
        first = first_per_key(batch, _key)
        rows: list[ArticleInsert] = [
            {**c.prepared.row, "source_entry_id": c.entry_id, "stored_at": now} for c in first.values()
        ]
        with write_transaction(self.engine) as conn:
            inserted = insert_new(conn, ARTICLES, rows, "article_id")
            existing = creators(conn, ARTICLES, "article_id", [k for k in first if k not in inserted])
        return SaveResult(*split_by_creator(batch, first, inserted, existing, key=_key, creator=_creator))


def _key(c: Candidate) -> str:
    return c.prepared.article_id


def _creator(c: Candidate) -> str:
    return c.prepared.correlation_id
