"""Persisting enrichments: one transaction per batch, the enrichments row and its mention rows together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select

from newswire.contracts import ArticleStored, Enrichment, decode_data
from newswire.db.engine import JSONText, creators, first_per_key, insert_all, insert_new, write_transaction
from newswire.db.tables import (
    ARTICLES,
    COUNTRY_MENTIONS,
    ENRICHMENTS,
    ENTITY_MENTIONS,
    CountryMentionInsert,
    EnrichmentInsert,
    EntityMentionInsert,
)
from services.enrich.outputs import enriched_event, enrichment_values
from services.enrich.outputs import mention_rows as outputs_mention_rows
from services.enrich.work import Analysed


class Candidate:
    """An enriched article on its way to the database and articles:enriched.

    Made by the service from a worker's Analysed (with the entry's data), it uses the worker's
    serialisations and rows as they are; its models are parsed only if asked for (a near-duplicate
    to record, a committed enrichment to emit again: with_enrichment). Made from models (replay,
    tests), it builds everything from them."""

    __slots__ = ("_enrichment", "_stored", "_stored_data", "analysed", "entry_id", "signature")

    def __init__(
        self,
        entry_id: str,
        stored: ArticleStored | None = None,
        enrichment: Enrichment | None = None,
        signature: bytes | None = None,  # MinHash, persisted so a restarted process can warm its window
        *,
        analysed: Analysed | None = None,
        stored_data: bytes | None = None,  # the articles:stored entry's data, where stored is not given
    ) -> None:
        if analysed is None and (stored is None or enrichment is None):
            raise ValueError("a Candidate needs its models, or a worker's Analysed")
        self.entry_id = entry_id
        self.signature = signature if analysed is None else analysed.signature
        self.analysed = analysed
        self._stored = stored
        self._stored_data = stored_data
        self._enrichment = enrichment

    @property
    def article_id(self) -> str:
        return self.analysed.article_id if self.analysed is not None else self.stored.article_id

    @property
    def correlation_id(self) -> str:
        return self.analysed.correlation_id if self.analysed is not None else self.stored.correlation_id

    @property
    def stored(self) -> ArticleStored:
        if self._stored is None:
            event = decode_data(self._stored_data)
            if not isinstance(event, ArticleStored):  # the worker read this very entry as one
                raise TypeError(f"entry {self.entry_id} holds {event.event}, not article.stored")
            self._stored = event
        return self._stored

    @property
    def enrichment(self) -> Enrichment:
        if self._enrichment is None:
            assert self.analysed is not None
            self._enrichment = Enrichment.model_validate_json(self.analysed.enrichment_json)
        return self._enrichment

    @property
    def truncated(self) -> bool:
        return self.analysed.truncated if self.analysed is not None else self.enrichment.truncated

    def with_enrichment(self, enrichment: Enrichment) -> Candidate:
        """The same article with another enrichment (built from the models from now on)."""
        return Candidate(self.entry_id, self.stored, enrichment, self.signature)

    def event_data(self) -> bytes:
        """The article.enriched event, serialised."""
        if self.analysed is not None:
            return self.analysed.event_json
        return enriched_event(self.stored, self.enrichment).model_dump_json().encode()

    def counts(self) -> tuple[int, int, int]:
        """Persons, organizations, places."""
        if self.analysed is not None:
            return self.analysed.counts
        found = self.enrichment.entities
        return len(found.persons), len(found.organizations), len(found.locations)


@dataclass(frozen=True, slots=True)
class SaveResult:
    emit: list[Candidate]  # new enrichments, and re-emits of committed ones (see save)
    duplicates: list[Candidate]  # events of an article that are not its own article.stored event
    unknown: list[Candidate]  # events of an article the database does not have (forged, or foreign)


def enrichment_row(c: Candidate, now: datetime) -> EnrichmentInsert:
    if c.analysed is not None:
        values, data, dup = c.analysed.values, c.analysed.enrichment_json, None
    else:
        e = c.enrichment
        values, data, dup = enrichment_values(e), e.model_dump_json(), e.near_duplicate_of
    row: EnrichmentInsert = {
        "article_id": c.article_id,
        **values,  # type: ignore[typeddict-item]  # outputs.enrichment_values: the row's other columns
        "near_duplicate_of": dup.article_id if dup else None,
        "near_duplicate_similarity": dup.similarity if dup else None,
        "data": JSONText(data),  # serialised once, by pydantic-core
        "minhash": c.signature,
        "source_entry_id": c.entry_id,
        "enriched_at": now,
    }
    return row


def mention_rows(c: Candidate) -> tuple[list[EntityMentionInsert], list[CountryMentionInsert]]:
    if c.analysed is not None:
        return c.analysed.entity_rows, c.analysed.country_rows
    return outputs_mention_rows(c.article_id, c.enrichment)


def _committed(conn: Connection, keys: list[str]) -> dict[str, Enrichment]:
    """The enrichments stored for keys (rows of enricher 0.1 have no data: left out)."""
    if not keys:
        return {}
    t = ENRICHMENTS
    rows = conn.execute(select(t.c.article_id, t.c.data).where(t.c.article_id.in_(keys)))
    return {str(k): Enrichment.model_validate(data) for k, data in rows if data}


def _as_committed(c: Candidate, committed: dict[str, Enrichment]) -> Candidate:
    enrichment = committed.get(c.article_id)
    return c if enrichment is None else c.with_enrichment(enrichment)


def _key(c: Candidate) -> str:
    return c.article_id


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
            own = {k: c for k, c in first.items() if k in known and known[k] == c.correlation_id}
            inserted = insert_new(conn, ENRICHMENTS, [enrichment_row(c, now) for c in own.values()], "article_id")
            entity_rows: list[EntityMentionInsert] = []
            country_rows: list[CountryMentionInsert] = []
            for key in inserted:
                e_rows, c_rows = mention_rows(own[key])
                entity_rows.extend(e_rows)
                country_rows.extend(c_rows)
            insert_all(conn, ENTITY_MENTIONS, entity_rows)
            insert_all(conn, COUNTRY_MENTIONS, country_rows)
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
