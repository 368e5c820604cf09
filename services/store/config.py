from newswire.settings import ConsumerSettings


class StoreSettings(ConsumerSettings):
    """NEWSWIRE_* settings of the store service (see README, Settings)."""
