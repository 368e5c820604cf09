"""Persisting enrichments: one transaction per batch, the enrichments row and its mention rows together."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select

from newswire.contracts import ArticleStored, Enrichment
from newswire.db.engine import JSONText, creators, first_per_key, insert_new, write_transaction
from newswire.db.tables import (
    ARTICLES,
    COUNTRY_MENTIONS,
    ENRICHMENTS,
    ENTITY_MENTIONS,
    CountryMentionInsert,
    EnrichmentInsert,
    EntityMentionInsert,
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
    emit: list[Candidate]  # new enrichments, and re-emits of committed ones (see save)
    duplicates: list[Candidate]  # events of an article that are not its own article.stored event
    unknown: list[Candidate]  # events of an article the database does not have (forged, or foreign)


def enrichment_row(c: Candidate, now: datetime) -> EnrichmentInsert:
    e = c.enrichment
    dup = e.near_duplicate_of
    return {
        "article_id": c.stored.article_id,
        "language": e.language,
        "language_confidence": e.language_confidence,
        "word_count": e.word_count,
        "sentence_count": e.sentence_count,
        "paragraph_count": e.paragraph_count,
        "reading_time_s": e.reading_time_s,
        "enricher_version": e.enricher_version,
        "tone": e.tone.tone if e.tone else None,
        "near_duplicate_of": dup.article_id if dup else None,
        "near_duplicate_similarity": dup.similarity if dup else None,
        "data": JSONText(e.model_dump_json()),  # serialised once, by pydantic-core
        "minhash": c.signature,
        "source_entry_id": c.entry_id,
        "enriched_at": now,
    }


def mention_rows(c: Candidate) -> tuple[list[EntityMentionInsert], list[CountryMentionInsert]]:
    article_id = c.stored.article_id
    entities: dict[tuple[str, str], EntityMentionInsert] = {}
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
    countries: list[CountryMentionInsert] = [
        {"article_id": article_id, "country_code": m.code, "count": m.count} for m in c.enrichment.countries
    ]
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


class EnrichmentRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, batch: list[Candidate]) -> SaveResult:
        """Insert the enrichments of the articles whose own article.stored event this is.

        An article's own event carries the correlation id of the file that created its row (the
        store emits it for that file only). Such an event for an article already enriched is a
        redelivery, or a re-emit after Redis lost the first one and with it, perhaps, the enriched
        event: it emits again, the enrichment that was committed (enriching again could differ:
        the near-duplicate window is not what it was). Any other event of a known article is a
        duplicate; an event of an unknown article is dead-lettered by the caller."""
        now = datetime.now(UTC)
        first = first_per_key(batch, _key)
        with write_transaction(self.engine) as conn:
            known = creators(conn, ARTICLES, "article_id", list(first))
            own = {k: c for k, c in first.items() if k in known and known[k] == c.stored.correlation_id}
            inserted = insert_new(conn, ENRICHMENTS, [enrichment_row(c, now) for c in own.values()], "article_id")
            entity_rows: list[EntityMentionInsert] = []
            country_rows: list[CountryMentionInsert] = []
            for key in inserted:
                e_rows, c_rows = mention_rows(own[key])
                entity_rows.extend(e_rows)
                country_rows.extend(c_rows)
            if entity_rows:
                conn.execute(ENTITY_MENTIONS.insert(), entity_rows)
            if country_rows:
                conn.execute(COUNTRY_MENTIONS.insert(), country_rows)
            committed = _committed(conn, [k for k in own if k not in inserted])
        emit: list[Candidate] = []
        duplicates: list[Candidate] = []
        unknown: list[Candidate] = []
        for c in batch:
            k = _key(c)
            if k not in known:
                unknown.append(c)
            elif own.get(k) is c:
                emit.append(_as_committed(c, committed))
            else:
                duplicates.append(c)
        return SaveResult(emit, duplicates, unknown)

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
