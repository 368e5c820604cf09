"""Imported by the worker processes' fork server (newswire.workers.preload): the language model,
the gazetteer and the lexicons load here once, before any worker is forked, so every worker
shares them instead of loading its own copy."""

import gc

from services.enrich.enrichers import warm_up

warm_up()

# Everything loaded so far lives as long as the process: out of the garbage collector's sight, its
# pages are not written by collections in the forked workers, which keep sharing them.
gc.collect()
gc.freeze()
