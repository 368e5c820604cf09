"""Milliseconds per article of each enricher, for the report."""

from __future__ import annotations

from pathlib import Path


def enricher_ms(corpus: list[Path], sample: int = 500) -> dict[str, float]:
    """Mean milliseconds per article of each enricher, measured in this process on the run's articles."""
    from services.enrich import registry
    from services.enrich.enrichers import enrich, warm_up
    from services.store.parser import Rejection, parse

    warm_up()
    registry.reset_timings()
    for path in corpus[:sample]:
        article = parse(path.read_text(encoding="utf-8"))
        if not isinstance(article, Rejection):
            enrich(article.headline, article.body, article.published_iso)
    return registry.timings()
