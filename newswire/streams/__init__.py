"""The stream runtime shared by store and enrich: consumer groups read, processed, committed
exactly once, reclaimed and tidied (see consumer.py for the parts)."""

from newswire.streams.consumer import Consumer, build_consumer
from newswire.streams.entries import BatchHandler, Entry, Options, Outbound, dead_letter, rejection_reason

__all__ = [
    "BatchHandler",
    "Consumer",
    "Entry",
    "Options",
    "Outbound",
    "build_consumer",
    "dead_letter",
    "rejection_reason",
]
