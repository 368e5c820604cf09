"""The store's CPU-bound work for one articles:raw entry, run in a worker process (newswire.workers).

Pure: the entry's ``__data__`` in, the article's row and its ``article.stored`` event out, or the
reason it cannot be stored. Nothing here touches Redis or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from newswire.contracts import ArticleDiscovered, ArticleStored, MalformedEvent, content_hash, decode_data
from newswire.text import clean_optional, clean_text
from services.store.parser import Rejection, parse

if TYPE_CHECKING:  # the worker processes need not import SQLAlchemy: the row is a plain dict at run time
    from newswire.db.tables import ArticleValues

TARGET = "services.store.work:prepare"


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article ready to store: its row (without what only the store knows: the entry id and the
    time) and its article.stored event, serialised once."""

    article_id: str
    correlation_id: str
    source_name: str
    row: ArticleValues
    stored: bytes

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent back from a worker process for every article: as a plain tuple, and the date as
        # text (pickling a datetime costs more than pickling the rest of the article).
        published = self.row["published_at"]
        row = {**self.row, "published_at": None if published is None else published.isoformat()}
        return (_prepared, (self.article_id, self.correlation_id, self.source_name, row, self.stored))


def _prepared(article_id: str, correlation_id: str, source_name: str, row: dict[str, Any], stored: bytes) -> Prepared:
    published = row["published_at"]
    if published is not None:
        row["published_at"] = datetime.fromisoformat(published)
    return Prepared(article_id, correlation_id, source_name, cast("ArticleValues", row), stored)


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str
    detail: str


def prepare(data: bytes | None) -> Prepared | Rejected:
    try:
        event = decode_data(data)
    except MalformedEvent as exc:
        return Rejected("malformed_event", str(exc))
    if not isinstance(event, ArticleDiscovered):
        return Rejected("unexpected_event", f"{event.event} does not belong on articles:raw")
    source_name = clean_text(event.source_name)[:4096]
    parsed = parse(event.text)
    if isinstance(parsed, Rejection):
        return Rejected(parsed.reason, f"{source_name}: {parsed.detail}")
    article_id = content_hash(event.text)
    correlation_id = clean_text(event.correlation_id)[:64]
    body = parsed.body
    row: ArticleValues = {
        "article_id": article_id,
        "headline": parsed.headline,
        "story_code": parsed.story_code,
        "published_at": parsed.published_at,
        "published_utc_offset_min": parsed.published_utc_offset_min,
        "body": body,
        "source_name": source_name,
        "language": parsed.language,
        "url": parsed.url,
        "encoding": clean_text(event.encoding)[:32],
        "file_sha256": clean_text(event.file_sha256)[:64],
        "correlation_id": correlation_id,
    }
    stored = ArticleStored(
        article_id=article_id,
        correlation_id=correlation_id,
        headline=parsed.headline,
        story_code=clean_optional(parsed.story_code),
        published_at=parsed.published_iso,
        body=body,
        source_name=source_name,
        language=parsed.language,
        url=parsed.url,
    )
    return Prepared(article_id, correlation_id, source_name, row, stored.model_dump_json().encode())
