from newswire.settings import ConsumerSettings


class EnrichSettings(ConsumerSettings):
    """NEWSWIRE_* settings of the enrich service (see README, Settings)."""
