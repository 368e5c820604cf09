"""What flows through a consumer: stream entries in, events out, and dead letters for what fails."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from newswire.contracts import ArticleRejected, as_json, encode
from newswire.text import clean_text

Entry = tuple[str, dict[bytes, bytes]]

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Outbound:
    """An event to add to ``stream`` when, and only when, ``entry_id`` is acknowledged."""

    entry_id: str
    stream: str
    fields: dict[bytes, bytes]


@dataclass(frozen=True, slots=True)
class Options:
    batch_size: int = 100
    claim_idle_ms: int = 30_000
    max_deliveries: int = 5
    retention_ms: int = 0  # 0: streams are never trimmed
    stall_s: float = 60.0


class BatchHandler(Protocol):
    """A service's work on a batch: commit to the database, then say which events each entry yields."""

    async def __call__(self, entries: Sequence[Entry]) -> list[Outbound]: ...


def dead_letter(
    *, stage: str, stream: str, dead: str, entry_id: str, fields: dict[bytes, bytes], reason: str, detail: str
) -> Outbound:
    """An articles:dead entry for a stream entry that cannot be processed. Never raises, whatever
    the entry holds (deep nesting, invalid UTF-8, lone surrogates, megabytes of junk)."""
    event = rejected(stage=stage, stream=stream, entry_id=entry_id, fields=fields, reason=reason, detail=detail)
    return Outbound(entry_id, dead, encode(event))


def rejected(
    *, stage: str, stream: str, entry_id: str, fields: dict[bytes, bytes], reason: str, detail: str
) -> ArticleRejected:
    """The dead letter's event (see dead_letter): the entry's own ids where it has readable ones."""
    doc = as_json(fields)
    article_id = doc.get("article_id")
    if not isinstance(article_id, str) or not _HEX64.fullmatch(article_id):
        article_id = hashlib.sha256(b"".join(v for v in fields.values() if isinstance(v, bytes))).hexdigest()
    correlation_id = doc.get("correlation_id")
    source_name = doc.get("source_name")
    return ArticleRejected(
        article_id=article_id,
        correlation_id=clean_text(correlation_id)[:64] if isinstance(correlation_id, str) else entry_id,
        stage=stage,
        reason=reason,
        detail=clean_text(detail)[:500],
        source_name=clean_text(source_name)[:4096] if isinstance(source_name, str) else None,
        source_stream=stream,
        source_entry_id=entry_id,
    )


def rejection_reason(exc: BaseException) -> str:
    """The dead-letter reason for an error that one entry alone raises (not a transient one)."""
    from sqlalchemy.exc import SQLAlchemyError, StatementError

    if isinstance(exc, UnicodeError) or isinstance(getattr(exc, "orig", None), UnicodeError):
        return "invalid_text"
    if isinstance(exc, StatementError | SQLAlchemyError):
        return "database_rejected"
    return "processing_failed"
