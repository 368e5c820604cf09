"""Persisting enrichments: one transaction and one INSERT per batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Table

from newswire.contracts import ArticleStored, Enrichment
from newswire.db.engine import insert_new, owners
from newswire.db.tables import EnrichmentRow

ENRICHMENTS: Table = EnrichmentRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes


@dataclass(frozen=True, slots=True)
class Candidate:
    entry_id: str
    stored: ArticleStored
    enrichment: Enrichment


@dataclass(frozen=True, slots=True)
class SaveResult:
    emit: list[Candidate]
    duplicates: list[Candidate]


class EnrichmentRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, batch: list[Candidate]) -> SaveResult:
        now = datetime.now(UTC)
        first: dict[str, Candidate] = {}
        for c in batch:
            first.setdefault(c.stored.article_id, c)
        rows = [
            {
                "article_id": c.stored.article_id,
                **c.enrichment.model_dump(),
                "source_entry_id": c.entry_id,
                "enriched_at": now,
            }
            for c in first.values()
        ]
        with self.engine.begin() as conn:
            inserted = insert_new(conn, ENRICHMENTS, rows, "article_id")
            existing = owners(conn, ENRICHMENTS, "article_id", [k for k in first if k not in inserted])
        emit: list[Candidate] = []
        duplicates: list[Candidate] = []
        for c in batch:
            key = c.stored.article_id
            creator = first[key].entry_id if key in inserted else existing.get(key)
            (emit if creator == c.entry_id else duplicates).append(c)
        return SaveResult(emit, duplicates)
