from pydantic import Field

from newswire.settings import ConsumerSettings


class StoreSettings(ConsumerSettings):
    """NEWSWIRE_* settings of the store service (see README, Settings)."""

    # Each batch has a fixed cost (a read, a transaction, a commit script): bigger batches make
    # parsing and writing the larger share. Enrich keeps 100 (its cost is per article).
    batch_size: int = Field(default=250, ge=1, le=10_000)
