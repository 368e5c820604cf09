from pydantic import Field

from newswire.settings import ConsumerSettings
from services.enrich import dedup
from services.enrich.enrichers import DEFAULT_MAX_CHARS


class EnrichSettings(ConsumerSettings):
    """NEWSWIRE_* settings of the enrich service (see README, Settings)."""

    dedup_window: int = Field(
        default=10_000, ge=0, description="Recent articles each enrich process compares for near-duplicates"
    )
    dedup_threshold: float = Field(
        default=dedup.THRESHOLD,
        gt=0,
        le=1,
        description="Estimated Jaccard similarity of word 3-shingles from which an article is a near-duplicate "
        "(0.7: one sentence added, removed or replaced in an article of 300 words or more is flagged; distinct "
        "articles of one topic sharing a wire footer stay below 0.35)",
    )
    enrich_max_chars: int = Field(
        default=DEFAULT_MAX_CHARS,
        ge=1_000,
        description="Characters of a body the text analyses read; a longer body is enriched from its start "
        "(the event says so: enrichment.truncated)",
    )
    enrich_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="Niceness of enrich's worker processes: when cores are short, ingest and store (getting "
        "files into the database) come first and enrichment takes the CPU they leave (0: the same priority)",
    )
