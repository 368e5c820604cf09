"""Enrich's CPU-bound work for one articles:stored entry, run in a worker process (newswire.workers).

Pure: the entry's ``__data__`` and the per-article budget in, the event and its enrichment out (or
the reason it cannot be enriched). Nothing here touches Redis or the database; the near-duplicate
window, which needs every article the process saw, stays in the service (handlers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newswire.contracts import ArticleStored, MalformedEvent, decode_data
from services.enrich import dedup, outputs, registry
from services.enrich.enrichers import analyse

if TYPE_CHECKING:  # the worker processes need not import SQLAlchemy
    from newswire.db.tables import CountryMentionInsert, EntityMentionInsert

TARGET = "services.enrich.work:prepare"


@dataclass(frozen=True, slots=True)
class Analysed:
    """An article enriched, in the form that crosses back to the service cheaply: its ids, its
    event and enrichment serialised, its rows' values, what its log line says. No pydantic models:
    unpickling them cost the service more than all the rest of its work on the article."""

    article_id: str
    correlation_id: str
    enrichment_json: str  # the Enrichment (no near-duplicate: the service's window decides that)
    event_json: bytes  # the article.enriched event with that enrichment
    values: dict[str, Any]  # outputs.enrichment_values
    entity_rows: list[EntityMentionInsert]
    country_rows: list[CountryMentionInsert]
    counts: tuple[int, int, int]  # persons, organizations, places
    truncated: bool
    signature: bytes | None  # MinHash, for the near-duplicate window and the enrichments row
    failed: tuple[str, ...] = ()  # enrichers that raised on this article (their fields are missing)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Analysed, tuple(getattr(self, f) for f in self.__slots__))


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str
    detail: str


def prepare(item: tuple[bytes | None, int]) -> Analysed | Rejected:
    data, max_chars = item
    try:
        event = decode_data(data)
    except MalformedEvent as exc:
        return Rejected("malformed_event", str(exc))
    if not isinstance(event, ArticleStored):
        return Rejected("malformed_event", f"{event.event} does not belong on articles:stored")
    before = registry.failures()
    enrichment, signature = analyse(event.headline, event.body, event.published_at, max_chars=max_chars)
    after = registry.failures()
    failed = tuple(name for name, n in after.items() if n > before.get(name, 0))
    entity_rows, country_rows = outputs.mention_rows(event.article_id, enrichment)
    found = enrichment.entities
    return Analysed(
        article_id=event.article_id,
        correlation_id=event.correlation_id,
        enrichment_json=enrichment.model_dump_json(),
        event_json=outputs.enriched_event(event, enrichment).model_dump_json().encode(),
        values=outputs.enrichment_values(enrichment),
        entity_rows=entity_rows,
        country_rows=country_rows,
        counts=(len(found.persons), len(found.organizations), len(found.locations)),
        truncated=enrichment.truncated,
        signature=dedup.to_bytes(signature) if signature is not None else None,
        failed=failed,
    )
