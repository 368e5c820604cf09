"""Imported by the worker processes' fork server (newswire.workers.preload): the language model,
the gazetteer and the lexicons load here once, before any worker is forked, so every worker
shares them instead of loading its own copy."""

from services.enrich.enrichers import warm_up

warm_up()
