"""Persisting enrichments: one transaction per batch, the enrichments row and its mention rows together."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

from newswire.contracts import ArticleStored, Enrichment
from newswire.db.engine import JSONText, first_per_key, insert_new, owners, split_by_creator, write_transaction
from newswire.db.tables import CountryMentionRow, EnrichmentRow, EntityMentionRow

ENRICHMENTS: Table = EnrichmentRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes
ENTITY_MENTIONS: Table = EntityMentionRow.__table__  # type: ignore[attr-defined]
COUNTRY_MENTIONS: Table = CountryMentionRow.__table__  # type: ignore[attr-defined]
SCALARS = (
    "language",
    "language_confidence",
    "word_count",
    "sentence_count",
    "paragraph_count",
    "reading_time_s",
    "enricher_version",
)
NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class Candidate:
    entry_id: str
    stored: ArticleStored
    enrichment: Enrichment
    signature: bytes | None = None  # MinHash, persisted so a restarted process can warm its window


@dataclass(frozen=True, slots=True)
class SaveResult:
    emit: list[Candidate]
    duplicates: list[Candidate]


def enrichment_row(c: Candidate, now: datetime) -> dict[str, Any]:
    e = c.enrichment
    dup = e.near_duplicate_of
    return {
        "article_id": c.stored.article_id,
        **{k: getattr(e, k) for k in SCALARS},
        "tone": e.tone.tone if e.tone else None,
        "near_duplicate_of": dup.article_id if dup else None,
        "near_duplicate_similarity": dup.similarity if dup else None,
        "data": JSONText(e.model_dump_json()),  # serialised once, by pydantic-core
        "minhash": c.signature,
        "source_entry_id": c.entry_id,
        "enriched_at": now,
    }


def mention_rows(c: Candidate) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    article_id = c.stored.article_id
    entities: dict[tuple[str, str], dict[str, Any]] = {}
    groups = c.enrichment.entities
    for kind, found in (
        ("person", groups.persons),
        ("organization", groups.organizations),
        ("location", groups.locations),
    ):
        for entity in found:
            name = entity.name[:NAME_MAX]
            row = entities.setdefault(
                (kind, name),
                {
                    "article_id": article_id,
                    "kind": kind,
                    "name": name,
                    "name_key": name.casefold(),
                    "surname": name.split()[-1].casefold()[:100] if kind == "person" else None,
                    "count": 0,
                },
            )
            row["count"] += entity.count
    countries = [{"article_id": article_id, "country_code": m.code, "count": m.count} for m in c.enrichment.countries]
    return list(entities.values()), countries


def _committed(conn: Connection, keys: list[str]) -> dict[str, Enrichment]:
    """The enrichments stored for keys (rows of enricher 0.1 have no data: left out)."""
    if not keys:
        return {}
    t = ENRICHMENTS
    rows = conn.execute(select(t.c.article_id, t.c.data).where(t.c.article_id.in_(keys)))
    return {str(k): Enrichment.model_validate(data) for k, data in rows if data}


def _as_committed(c: Candidate, committed: dict[str, Enrichment]) -> Candidate:
    enrichment = committed.get(c.stored.article_id)
    return c if enrichment is None else replace(c, enrichment=enrichment)


def _key(c: Candidate) -> str:
    return c.stored.article_id


def _entry(c: Candidate) -> str:
    return c.entry_id


class EnrichmentRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, batch: list[Candidate]) -> SaveResult:
        now = datetime.now(UTC)
        first = first_per_key(batch, _key)
        rows = [enrichment_row(c, now) for c in first.values()]
        with write_transaction(self.engine) as conn:
            inserted = insert_new(conn, ENRICHMENTS, rows, "article_id")
            entity_rows: list[dict[str, Any]] = []
            country_rows: list[dict[str, Any]] = []
            for key in inserted:
                e_rows, c_rows = mention_rows(first[key])
                entity_rows.extend(e_rows)
                country_rows.extend(c_rows)
            if entity_rows:
                conn.execute(ENTITY_MENTIONS.insert(), entity_rows)
            if country_rows:
                conn.execute(COUNTRY_MENTIONS.insert(), country_rows)
            existing = owners(conn, ENRICHMENTS, "article_id", [k for k in first if k not in inserted])
            # A redelivery (this entry created the row before a crash) re-emits what was committed:
            # enriching again could differ (the near-duplicate window is not what it was).
            redelivered = [k for k, creator in existing.items() if creator == first[k].entry_id]
            committed = _committed(conn, redelivered)
        emit, duplicates = split_by_creator(batch, first, inserted, existing, key=_key, entry_id=_entry)
        return SaveResult([_as_committed(c, committed) for c in emit], duplicates)

    def recent_signatures(self, limit: int) -> list[tuple[str, bytes]]:
        """The MinHash signatures of the `limit` latest enrichments, oldest first (to warm a window)."""
        t = ENRICHMENTS
        stmt = (
            select(t.c.article_id, t.c.minhash)
            .where(t.c.minhash.is_not(None))
            .order_by(t.c.enriched_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = [(str(r[0]), bytes(r[1])) for r in conn.execute(stmt)]
        return rows[::-1]
