"""newswire: article files dropped into a folder become durable, enriched events."""

__version__ = "0.1.0"
