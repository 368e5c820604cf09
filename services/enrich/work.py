"""Enrich's CPU-bound work for one articles:stored entry, run in a worker process (newswire.workers).

Pure: the entry's ``__data__`` and the per-article budget in, the event and its enrichment out (or
the reason it cannot be enriched). Nothing here touches Redis or the database; the near-duplicate
window, which needs every article the process saw, stays in the service (handlers.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from newswire.contracts import ArticleStored, Enrichment, MalformedEvent, decode_data
from services.enrich import dedup, registry
from services.enrich.enrichers import analyse

TARGET = "services.enrich.work:prepare"


@dataclass(frozen=True, slots=True)
class Analysed:
    stored: ArticleStored
    enrichment: Enrichment
    signature: bytes | None  # MinHash, for the near-duplicate window and the enrichments row
    failed: tuple[str, ...] = ()  # enrichers that raised on this article (their fields are missing)


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
    return Analysed(event, enrichment, dedup.to_bytes(signature) if signature is not None else None, failed)
