"""An article as the page shows it (the Item of the page's API): from an articles:enriched entry, or from a
database row. Pure: no IO. Text goes out as it came in: escaping is the page's (it uses textContent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from newswire.contracts import ArticleEnriched, Enrichment, MalformedEvent, decode


class NotAnArticle(ValueError):
    """An entry of articles:enriched that is no article.enriched event; the message says why, on one line."""


def item_from_event(fields: dict[bytes, bytes], entry_id: str | None = None) -> dict[str, Any]:
    """The Item of an articles:enriched entry's fields; NotAnArticle when it is none."""
    try:
        event = decode(fields)
    except MalformedEvent as exc:
        raise NotAnArticle(str(exc)) from None
    if not isinstance(event, ArticleEnriched):
        raise NotAnArticle(f"an {event.event} event, not article.enriched")
    e = event.enrichment
    return {
        "id": entry_id,
        "article_id": event.article_id,
        "headline": event.headline,
        "published_at": event.published_at,
        "source_name": event.source_name,
        "language": e.language or event.language,
        "url": event.url,
        "lead": e.summary,
        "body": event.body,
        "tone": e.tone.tone if e.tone else None,
        "enriched_at": _iso(event.emitted_at),
        **_enrichment_parts(e),
    }


def item_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """The Item of a database row (newswire.db.search: the articles columns, "data", "enriched_at").
    Its "id" is null: the row does not know its articles:enriched entry."""
    e = _enrichment(row.get("data"))
    published = row.get("published_at")
    return {
        "id": None,
        "article_id": row["article_id"],
        "headline": row["headline"],
        "published_at": _published(published, row.get("published_utc_offset_min")),
        "source_name": row["source_name"],
        "language": (e.language if e else None) or row.get("language"),
        "url": row.get("url"),
        "lead": e.summary if e else None,
        "body": row["body"],
        "tone": e.tone.tone if e and e.tone else None,
        "enriched_at": _iso(row.get("enriched_at")),
        **_enrichment_parts(e),
    }


def _enrichment_parts(e: Enrichment | None) -> dict[str, Any]:
    if e is None:
        return {
            "persons": [],
            "organizations": [],
            "locations": [],
            "countries": [],
            "quotes": [],
            "near_duplicate_of": None,
        }
    groups = e.entities
    dup = e.near_duplicate_of
    return {
        "persons": [_entity(p) for p in groups.persons],
        "organizations": [_entity(o) for o in groups.organizations],
        "locations": [{**_entity(loc), "country_code": loc.country_code} for loc in groups.locations],
        "countries": [{"code": c.code, "name": c.name, "count": c.count} for c in e.countries],
        "quotes": [{"text": q.text, "speaker": q.speaker, "offset": q.offset, "length": q.length} for q in e.quotes],
        "near_duplicate_of": {"article_id": dup.article_id, "similarity": dup.similarity} if dup else None,
    }


def _entity(entity: Any) -> dict[str, Any]:
    return {"name": entity.name, "count": entity.count, "offsets": [list(pair) for pair in entity.offsets]}


def _enrichment(data: Any) -> Enrichment | None:
    """The enrichments row's data (a dict, or JSON text on a driver that leaves it so); None when there is
    none or it is not an enrichment (a row of enricher 0.1)."""
    if data is None:
        return None
    try:
        if isinstance(data, str | bytes):
            data = json.loads(data)
        return Enrichment.model_validate(data)
    except (ValueError, ValidationError):
        return None


def _published(value: Any, offset_min: Any) -> str | None:
    """The publication time as the source wrote it, with its offset where it gave one."""
    if value is None:
        return None
    if isinstance(value, datetime):
        when: datetime = value
        if when.tzinfo is None and isinstance(offset_min, int):
            when = when.replace(tzinfo=timezone(timedelta(minutes=offset_min)))
        return when.isoformat()
    return str(value)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        when: datetime = value
        if when.tzinfo is None:  # SQLite gives back naive datetimes; newswire writes them in UTC
            when = when.replace(tzinfo=UTC)
        return when.isoformat()
    return str(value)
