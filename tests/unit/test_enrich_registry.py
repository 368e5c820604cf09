"""services.enrich.registry, dedup and the assembled Enrichment: registry order, timings, MinHash window."""

from __future__ import annotations

from pathlib import Path

from services.enrich import dedup, registry
from services.enrich.enrichers import analyse, enrich

SEED = (Path(__file__).resolve().parents[2] / "seeds" / "000_d7b03ab2b022693d.txt").read_text(encoding="utf-8")
BODY = SEED.split("Story Code : 924469\n", 1)[1]


def test_every_enricher_is_registered_once_and_timed() -> None:
    assert registry.names() == [
        "language", "counts", "entities", "quotes", "tone", "keywords", "dates", "amounts", "summary", "minhash",
    ]  # fmt: skip
    registry.reset_timings()
    enrich("Headline", BODY, "2021-03-31T11:59:00")
    timings = registry.timings()
    assert set(timings) == set(registry.names())
    assert all(ms >= 0 for ms in timings.values())


def test_the_enrichment_has_every_field_and_no_internal_one() -> None:
    e = enrich("Headline", BODY, "2021-03-31T11:59:00")
    dumped = e.model_dump()
    assert not any(k.startswith("_") for k in dumped)
    assert e.summary and e.summary.startswith('"The Americans keep repeating')
    assert any(d.text == "Tuesday" and d.date == "2021-03-30" for d in e.dates)
    assert any(a.value == 15 and a.unit == "page" for a in e.amounts)
    assert e.keywords and e.near_duplicate_of is None


def test_minhash_of_near_identical_texts_is_close_and_of_others_far() -> None:
    a = dedup.signature(BODY)
    b = dedup.signature(BODY.replace("Moscow", "the Kremlin", 1))
    c = dedup.signature("An entirely different story about football and the weather in spring.")
    assert a is not None and b is not None and c is not None
    assert (a == b).mean() > 0.85 and (a == c).mean() < 0.2
    assert dedup.from_bytes(dedup.to_bytes(a)) is not None and (dedup.from_bytes(dedup.to_bytes(a)) == a).all()
    assert dedup.signature("two words") is None


def test_window_finds_the_earlier_article_never_itself_and_forgets_the_oldest() -> None:
    _, sig = analyse("H", BODY)
    _, sig2 = analyse("H", BODY + "\n\nOne more line at the end.")
    assert sig is not None and sig2 is not None
    w = dedup.Window(capacity=2, threshold=0.8)
    assert w.check("first", sig) is None
    found = w.check("second", sig2)
    assert found is not None and found[0] == "first" and found[1] > 0.8
    assert w.check("first", sig) is None  # a redelivery of the first sees nothing earlier than itself
    assert w.check("second", sig2) == found  # and of the second, the same answer
    w.add("third", dedup.signature("Something else entirely, with enough words to shingle."))  # type: ignore[arg-type]
    assert len(w) == 2 and w.nearest("x", sig) == ("second", found[1])
