"""Wire events: what travels on the streams, as frozen pydantic models.

Every stream entry has one field, ``__data__``, holding the event as a plain
JSON document. Any Redis client can read it, and FastStream subscribers read
it natively (it is the field FastStream itself uses, minus its binary
envelope). Each event names its type in ``event`` and its contract version in
``schema_version``; consumers ignore fields they do not know.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from newswire.text import clean_text

DATA_FIELD = b"__data__"

RAW = "articles:raw"
STORED = "articles:stored"
ENRICHED = "articles:enriched"
DEAD = "articles:dead"
STREAMS = (RAW, STORED, ENRICHED, DEAD)
RECEIPTS = "articles:raw:receipt:"
EMITTED = "articles:stored:emitted:"
GROUP_STORE = "store"
GROUP_ENRICH = "enrich"


@dataclass(frozen=True, slots=True)
class Streams:
    """Stream names; a prefix (NEWSWIRE_STREAM_PREFIX) lets several pipelines share one Redis."""

    raw: str = RAW
    stored: str = STORED
    enriched: str = ENRICHED
    dead: str = DEAD
    # The store's receipt for an articles:raw entry (``<receipts><entry id>``), set in the same atomic
    # step as its ack: the watcher archives a file only once its entry has one (see services.ingest).
    receipts: str = RECEIPTS
    # Enrich's marker for an articles:stored entry whose enriched event it emitted
    # (newswire.streams.committer.Committer).
    emitted: str = EMITTED

    @classmethod
    def with_prefix(cls, prefix: str) -> Streams:
        return cls(*(prefix + name for name in (*STREAMS, RECEIPTS, EMITTED)))


SCHEMA_VERSION = 4  # 4 added article.enriched replay; 3 enrichment.truncated and enrichment.analysed_chars


def normalise_text(text: str) -> str:
    """The text every stage agrees on: no BOM, LF line ends, no leading/trailing blanks."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def content_hash(text: str) -> str:
    """An article's identity: SHA-256 of its normalised text (the same article in
    another encoding or with CRLF line ends is the same article)."""
    return hashlib.sha256(normalise_text(text).encode()).hexdigest()


_id_prefix = os.urandom(8).hex()
_id_counter = itertools.count()


def _new_id_prefix() -> None:
    global _id_prefix, _id_counter  # a forked child must not repeat its parent's ids
    _id_prefix, _id_counter = os.urandom(8).hex(), itertools.count()


os.register_at_fork(after_in_child=_new_id_prefix)


def new_correlation_id() -> str:
    """32 hex digits, unique: a random prefix per process and a counter (no system call per id)."""
    return f"{_id_prefix}{next(_id_counter):016x}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    event: str = Field(description="The event's type")
    schema_version: int = SCHEMA_VERSION
    article_id: str = Field(description="SHA-256 of the article's normalised text")
    correlation_id: str = Field(description="Follows one file through every stage")
    emitted_at: datetime = Field(default_factory=utcnow)


class ArticleDiscovered(Event):
    """A file was claimed from the inbox and its text decoded (articles:raw)."""

    event: Literal["article.discovered"] = "article.discovered"
    source_name: str = Field(description="Path of the file relative to the inbox")
    file_sha256: str
    size_bytes: int
    encoding: str
    text: str


class ArticleFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    headline: str
    story_code: str | None
    published_at: str | None = Field(description="ISO 8601; offset only when the source gave one")
    body: str
    source_name: str
    language: str | None = Field(default=None, description="ISO 639-1 the source declared (HTML lang, JSON field)")
    url: str | None = Field(default=None, description="Where the source says the article lives")


class ArticleStored(ArticleFields, Event):
    """The article is committed to the database (articles:stored)."""

    event: Literal["article.stored"] = "article.stored"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Entity(_Part):
    name: str = Field(description="Canonical name: the fullest form in the text ('Dmitry Peskov' for 'Peskov')")
    count: int = Field(description="Mentions in the body")
    offsets: list[tuple[int, int]] = Field(
        default_factory=list, description="[start, end) character offsets in the body"
    )
    country_code: str | None = Field(default=None, description="Locations: ISO 3166 alpha-2 of the place")
    lat: float | None = Field(default=None, description="Locations: latitude of a known city")
    lon: float | None = Field(default=None, description="Locations: longitude of a known city")


class Entities(_Part):
    persons: list[Entity] = Field(default_factory=list)
    organizations: list[Entity] = Field(default_factory=list)
    locations: list[Entity] = Field(default_factory=list)


class CountryMention(_Part):
    code: str = Field(description="ISO 3166 alpha-2")
    name: str
    count: int = Field(description="Mentions by country name, demonym, capital or city")


class Quote(_Part):
    text: str
    offset: int = Field(description="Character offset of the quote's text in the body")
    length: int
    speaker: str | None = Field(description="The person quoted, resolved to a full name where the text gives one")
    verb: str | None = Field(description="The speech verb ('said', 'a déclaré', 'заявил')")


class Tone(_Part):
    tone: float = Field(description="GDELT tone: positive minus negative, in % of words")
    positive: float = Field(description="% of words with a positive valence")
    negative: float = Field(description="% of words with a negative valence")
    polarity: float = Field(description="% of words with any valence")
    sentence_mean: float = Field(description="Mean VADER compound score of the sentences, -1..1")


class DateMention(_Part):
    text: str
    offset: int
    date: str | None = Field(description="ISO date, as precise as the text: YYYY-MM-DD, YYYY-MM or YYYY")
    granularity: Literal["day", "month", "year"]


class Amount(_Part):
    text: str
    offset: int
    value: float
    unit: str | None = Field(description="ISO 4217 currency, 'percent', or the noun counted ('page', 'troops')")


class NearDuplicate(_Part):
    article_id: str
    similarity: float = Field(description="Estimated Jaccard similarity of word 3-shingles (MinHash)")


class Enrichment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    language: str | None = Field(description="ISO 639-1 code, null when undetectable")
    language_confidence: float
    word_count: int
    sentence_count: int
    paragraph_count: int
    reading_time_s: int
    enricher_version: str
    # Added with enricher 0.2 (all optional: events of enricher 0.1 still validate).
    entities: Entities = Field(default_factory=Entities)
    countries: list[CountryMention] = Field(default_factory=list, description="Most mentioned first")
    quotes: list[Quote] = Field(default_factory=list)
    tone: Tone | None = Field(default=None, description="English only (null for other languages)")
    keywords: list[str] = Field(default_factory=list)
    dates: list[DateMention] = Field(default_factory=list, description="Resolved against published_at")
    amounts: list[Amount] = Field(default_factory=list)
    summary: str | None = Field(default=None, description="Lead: the first sentences of the body")
    near_duplicate_of: NearDuplicate | None = Field(
        default=None,
        description="An earlier article, among the recent ones this enrich process saw, saying nearly the same",
    )
    # Added with schema 3: the per-article budget (NEWSWIRE_ENRICH_MAX_CHARS).
    truncated: bool = Field(
        default=False,
        description="The body was longer than the enrichment budget: entities, quotes, tone, keywords, dates, "
        "amounts and near-duplicates come from its first analysed_chars characters only",
    )
    analysed_chars: int | None = Field(
        default=None, description="Characters of the body the text analyses read (all of it unless truncated)"
    )


class ArticleEnriched(ArticleFields, Event):
    """The article with its enrichment, committed (articles:enriched)."""

    event: Literal["article.enriched"] = "article.enriched"
    enrichment: Enrichment
    # Added with schema 4.
    replay: bool = Field(
        default=False,
        description="Re-emitted from the database by `newswire replay` (emitted_at is then the replay's time), "
        "not by enrich: a subscriber may have seen this article's event before",
    )


class ArticleRejected(Event):
    """Something could not be processed; it sits here with its reason (articles:dead)."""

    event: Literal["article.rejected"] = "article.rejected"
    stage: Literal["ingest", "store", "enrich"]
    reason: str = Field(description="Machine-readable code, e.g. not_text, unparseable")
    detail: str = Field(description="One line for a human")
    source_name: str | None = None
    source_stream: str | None = None
    source_entry_id: str | None = None


AnyEvent = Annotated[
    ArticleDiscovered | ArticleStored | ArticleEnriched | ArticleRejected,
    Field(discriminator="event"),
]
_any_event: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


class MalformedEvent(ValueError):
    """A stream entry that is not a valid newswire event."""


def encode(event: Event) -> dict[bytes, bytes]:
    """The stream entry fields for ``event``."""
    return {DATA_FIELD: event.model_dump_json().encode()}


def decode(fields: dict[bytes, bytes]) -> AnyEvent:
    """The event held by a stream entry; MalformedEvent with a one-line reason otherwise."""
    return decode_data(fields.get(DATA_FIELD))


def decode_data(data: bytes | None) -> AnyEvent:
    """The event held by an entry's ``__data__``; MalformedEvent with a one-line reason otherwise
    (whatever the bytes: deep nesting, invalid UTF-8 and lone surrogates are reasons too)."""
    if data is None:
        raise MalformedEvent(f"entry has no {DATA_FIELD.decode()} field")
    try:
        return _any_event.validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "event"
        # pydantic quotes the input, line breaks and all: escape every break str.splitlines() knows, keep one line
        breaks = {ord(ch): ascii(ch)[1:-1] for ch in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
        raise MalformedEvent(clean_text(f"{where}: {first['msg']}".translate(breaks))[:500]) from None
    except (ValueError, RecursionError) as exc:  # not JSON pydantic could even start on
        raise MalformedEvent(f"not a JSON event: {type(exc).__name__}") from None


def as_json(fields: dict[bytes, bytes]) -> dict[str, Any]:
    """Best-effort view of any entry as a JSON object (for tail and dead letters); never raises."""
    import json

    data = fields.get(DATA_FIELD)
    if data is not None:
        try:
            loaded = json.loads(data)
            if isinstance(loaded, dict):
                return loaded
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            pass
    return {_text(k): _text(v) for k, v in fields.items()}


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
