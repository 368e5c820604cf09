"""What an enrichment becomes: its article.enriched event and its rows. Pure, no SQLAlchemy at run
time: the worker processes make them (services.enrich.work), so the service only passes them on,
and the repository makes them again for the few articles the service changes (a near-duplicate
found, a committed enrichment emitted again)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newswire.contracts import ArticleEnriched, ArticleStored, Enrichment

if TYPE_CHECKING:  # the worker processes need not import SQLAlchemy
    from newswire.db.tables import CountryMentionInsert, EntityMentionInsert

NAME_MAX = 200  # characters of an entity's name in entity_mentions


def enriched_event(stored: ArticleStored, enrichment: Enrichment) -> ArticleEnriched:
    return ArticleEnriched(
        article_id=stored.article_id,
        correlation_id=stored.correlation_id,
        headline=stored.headline,
        story_code=stored.story_code,
        published_at=stored.published_at,
        body=stored.body,
        source_name=stored.source_name,
        language=stored.language,
        url=stored.url,
        enrichment=enrichment,
    )


def enrichment_values(e: Enrichment) -> dict[str, object]:
    """The enrichments row's columns that come from the enrichment alone (not the near-duplicate,
    which the service decides, nor the data, the signature, the entry and the time)."""
    return {
        "language": e.language,
        "language_confidence": e.language_confidence,
        "word_count": e.word_count,
        "sentence_count": e.sentence_count,
        "paragraph_count": e.paragraph_count,
        "reading_time_s": e.reading_time_s,
        "enricher_version": e.enricher_version,
        "tone": e.tone.tone if e.tone else None,
    }


def mention_rows(article_id: str, e: Enrichment) -> tuple[list[EntityMentionInsert], list[CountryMentionInsert]]:
    entities: dict[tuple[str, str], EntityMentionInsert] = {}
    groups = e.entities
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
        {"article_id": article_id, "country_code": m.code, "count": m.count} for m in e.countries
    ]
    return list(entities.values()), countries
