"""Enrichment as pure functions: text in, fields out. No IO, nothing downloaded.

Each enricher below is registered in services.enrich.registry, in the order it runs; `enrich()`
runs them all and returns the Enrichment of the event.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from newswire.contracts import (
    Amount,
    CountryMention,
    DateMention,
    Enrichment,
    Entities,
    Entity,
    Quote,
    Tone,
)
from services.enrich import dedup, entities, keywords, mentions, quotes, registry, tone
from services.enrich.registry import Doc, register

ENRICHER_VERSION = "0.2.0"
WORDS_PER_MINUTE = 230
SUMMARY_SENTENCES = 3
SUMMARY_CHARS = 400
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”)]*(?=\s+|$)")
# Language identification reads this much text: enough to be sure, bounded in cost.
LANGUAGE_SAMPLE = 2000


@lru_cache(maxsize=1)
def _identifier() -> Any:
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]  # ships no type hints

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # The model also knows ISO 639-3 codes ('pcm', 'yue', 'zxx' for "no language"...); Enrichment.language is 639-1.
    identifier.set_languages(sorted({code for code in identifier.nb_classes if len(code) == 2}))
    # set_languages leaves the feature table column-major; scoring gathers rows, which is ~1.6x faster row-major.
    identifier.nb_ptc = np.ascontiguousarray(identifier.nb_ptc)
    return identifier


def _has_words(text: str, wanted: int = 3) -> bool:
    """Whether text holds at least `wanted` words with a letter in them (numbers alone say nothing of a language)."""
    found = 0
    for word in _WORD.finditer(text):
        if _LETTER.search(word[0]):
            found += 1
            if found == wanted:
                return True
    return False


def language(text: str) -> tuple[str | None, float]:
    sample = text[:LANGUAGE_SAMPLE]
    if not _has_words(sample):
        return None, 0.0
    code, prob = _identifier().classify(sample)
    return str(code), round(float(prob), 4)


def counts(body: str) -> tuple[int, int, int]:
    words = len(_WORD.findall(body))
    paragraphs = sum(1 for p in body.split("\n\n") if p.strip())
    sentences = sum(max(1, len(_SENTENCE_END.findall(p))) for p in body.split("\n\n") if p.strip())
    return words, sentences, paragraphs


# --- the registered enrichers, in the order they run -------------------------------------------------------------


@register("language")
def _language(doc: Doc) -> dict[str, Any]:
    lang, confidence = language(f"{doc.headline}\n{doc.body}")
    return {"language": lang, "language_confidence": confidence}


@register("counts")
def _counts(doc: Doc) -> dict[str, Any]:
    words, sentences, paragraphs = counts(doc.body)
    return {
        "word_count": words,
        "sentence_count": sentences,
        "paragraph_count": paragraphs,
        "reading_time_s": math.ceil(words * 60 / WORDS_PER_MINUTE),
    }


def _entity(found: entities.Found) -> Entity:
    place = found.place
    return Entity(
        name=found.name,
        count=len(found.spans),
        offsets=found.spans,
        country_code=place.code if place else None,
        lat=place.lat if place else None,
        lon=place.lon if place else None,
    )


@register("entities")
def _entities(doc: Doc) -> dict[str, Any]:
    from services.enrich import gazetteer

    result = entities.extract(doc.body, doc.language)
    names = gazetteer.country_names()
    ranked = sorted(result.countries.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
    return {
        "entities": Entities(
            persons=[_entity(p) for p in result.persons],
            organizations=[_entity(o) for o in result.organizations],
            locations=[_entity(loc) for loc in result.locations],
        ),
        "countries": [CountryMention(code=code, name=names.get(code, code), count=len(s)) for code, s in ranked],
        "_persons": [(p.name, p.spans) for p in result.persons],
    }


@register("quotes")
def _quotes(doc: Doc) -> dict[str, Any]:
    found = quotes.extract(doc.body, doc.fields.get("_persons", []))
    return {
        "quotes": [
            Quote(text=q.text, offset=q.start, length=len(q.text), speaker=q.speaker, verb=q.verb) for q in found
        ]
    }


@register("tone")
def _tone(doc: Doc) -> dict[str, Any]:
    t = tone.score(doc.sentences(), doc.language)
    if t is None:
        return {"tone": None}
    return {
        "tone": Tone(
            tone=t.tone, positive=t.positive, negative=t.negative, polarity=t.polarity, sentence_mean=t.sentence_mean
        )
    }


@register("keywords")
def _keywords(doc: Doc) -> dict[str, Any]:
    return {"keywords": keywords.extract(doc.body)}


@register("dates")
def _dates(doc: Doc) -> dict[str, Any]:
    return {
        "dates": [
            DateMention(text=d.text, offset=d.start, date=d.date, granularity=d.granularity)
            for d in mentions.dates(doc.body, doc.published)
        ]
    }


@register("amounts")
def _amounts(doc: Doc) -> dict[str, Any]:
    return {
        "amounts": [Amount(text=a.text, offset=a.start, value=a.value, unit=a.unit) for a in mentions.amounts(doc.body)]
    }


@register("summary")
def _summary(doc: Doc) -> dict[str, Any]:
    picked: list[str] = []
    for sentence in doc.sentences()[:SUMMARY_SENTENCES]:
        if picked and sum(map(len, picked)) + len(sentence) > SUMMARY_CHARS:
            break
        picked.append(sentence)
    return {"summary": " ".join(picked) or None}


@register("minhash")
def _minhash(doc: Doc) -> dict[str, Any]:
    return {"_signature": dedup.signature(doc.body)}


def _published(published_at: str | datetime | date | None) -> date | None:
    if published_at is None or isinstance(published_at, date):
        return published_at.date() if isinstance(published_at, datetime) else published_at
    try:
        return datetime.fromisoformat(published_at).date()
    except ValueError:
        return None


def warm_up() -> None:
    """Load the language model, the gazetteer and the lexicon now rather than on the first article."""
    from services.enrich import gazetteer

    _identifier()
    gazetteer.english()
    gazetteer.country_names()
    tone._analyzer()
    enrich("Warm up", "Models load once, before the first batch.")


def analyse(
    headline: str, body: str, published_at: str | datetime | date | None = None
) -> tuple[Enrichment, dedup.Signature | None]:
    """The enrichment and the MinHash signature (for the near-duplicate window) of one article."""
    doc = Doc(headline, body, _published(published_at))
    fields = registry.run(doc)
    public = {k: v for k, v in fields.items() if not k.startswith("_")}
    return Enrichment(enricher_version=ENRICHER_VERSION, **public), fields.get("_signature")


def enrich(headline: str, body: str, published_at: str | datetime | date | None = None) -> Enrichment:
    return analyse(headline, body, published_at)[0]
