"""Enrichment as pure functions: text in, fields out. No IO, nothing downloaded.

Each enricher below is registered in services.enrich.registry, in the order it runs; `enrich()`
runs them all and returns the Enrichment of the event.

Work per article is bounded: the text analyses read at most `max_chars` characters of the body (its
first part, cut at a paragraph or sentence end) and `MAX_HEADLINE_CHARS` of the headline, every
enricher is linear in what it reads, and the counts (linear, at numpy speed) read the whole body.
`analyse()` never raises, whatever the strings hold.
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
from services.enrich import counts as counting
from services.enrich import dedup, entities, keywords, mentions, quotes, registry, tagger, tone
from services.enrich.counts import counts
from services.enrich.registry import Doc, register

__all__ = [
    "DEFAULT_MAX_CHARS",
    "ENRICHER_VERSION",
    "MAX_HEADLINE_CHARS",
    "WORDS_PER_MINUTE",
    "analyse",
    "analysed_length",
    "counts",
    "enrich",
    "language",
    "warm_up",
]

# 0.4.0: entities with regions, clubs, companies and thousands more given names; quote speakers for
# titles, organisations, pronouns and German/Spanish; near-duplicates by 256-bin MinHash (signatures
# of 0.3.0 are not compared with them).
# 0.5.0: English entities also from a statistical tagger (services/enrich/tagger.py) merged with the
# rules; facilities, regions, East Asian names, "<person> of the <party>", currency prefixes.
# 0.5.1: a role noun opening a sentence is no part of a name ("Lawmaker Wu Chi-wai"), two initials open
# one ("Author J. K. Rowling"), a lone title or organisation noun is no person ("The Church said"); a
# person's name as written, its particles kept ("Mohammed bin Salman"), an Arabic article too ("al-Assad");
# "<organisation word> of A and B" one organisation ("Department of Health and Human Services"); a leading
# common word kept where it opens a known name ("New York Times"); particles ten, ter, del, della, ibn,
# bint; a storm's name is no person's ("Hurricane Ian"); a given name before a club's name is a person's
# ("Peter Blackburn"); a person's full name owns what its possessive is before ("Boris Johnson's ...");
# Gaza, the West Bank, Crimea, Donbas and Tibet are locations of their own names (their countries' mentions).
ENRICHER_VERSION = "0.5.1"
WORDS_PER_MINUTE = 230
SUMMARY_SENTENCES = 3
SUMMARY_CHARS = 400
# The per-article budget: characters of the body the text analyses read (NEWSWIRE_ENRICH_MAX_CHARS).
DEFAULT_MAX_CHARS = 200_000
# A longer body is cut at the last paragraph break, else sentence end, else whitespace in the last
# fifth of the budget; else at the budget itself.
CUT_WINDOW = 0.2
# The store keeps headlines of up to 400 characters; an event from the stream may carry any.
MAX_HEADLINE_CHARS = 1_000
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"[.!?…](?<![.!?…][.!?…])[.!?…]*+[\"'»”)]*+(?=\s)")  # as registry's
_LAST_SPACE = re.compile(r".*\s", re.DOTALL)
# Lone surrogates cannot be encoded (the event's JSON), C0 controls are junk: each becomes one
# character that is neither, so every offset into the text stays an offset into the body.
_UNSAFE = re.compile(r"[\x00-\x08\x0e-\x1f\ud800-\udfff]")
# Language identification reads this much text: enough to be sure, bounded in cost.
LANGUAGE_SAMPLE = 2000


@lru_cache(maxsize=1)
def _identifier() -> Any:
    import numpy as np

    from services.enrich import identify

    identifier = identify.load(norm_probs=True)
    # The model also knows ISO 639-3 codes ('pcm', 'yue', 'zxx' for "no language"...); Enrichment.language is 639-1.
    identifier.set_languages(sorted({code for code in identifier.nb_classes if len(code) == 2}))
    # set_languages leaves the feature table column-major; scoring gathers rows, which is ~1.6x faster row-major.
    # And in float32, not the model's float16: scoring multiplies float32 weights by the rows, which numpy
    # did by converting the rows gathered to float32 on every call (half the time of identifying an
    # article); converted once, the product is the same to the bit (tests/unit/test_enrich_equivalence.py).
    identifier.nb_ptc = np.ascontiguousarray(identifier.nb_ptc, dtype=np.float32)
    # The full model is what set_languages restricts from; set once, it is 27 MB every process would keep.
    identifier._full_model = None
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


def analysed_length(body: str, max_chars: int) -> int:
    """How much of the body the text analyses read: all of it when it fits the budget, else the
    longest prefix of at most max_chars characters ending at a paragraph break, a sentence end or
    whitespace near the budget (in that order of preference), else exactly max_chars characters."""
    if len(body) <= max_chars:
        return len(body)
    limit = max(0, max_chars)
    low = limit - int(limit * CUT_WINDOW)  # a cut is sought in body[low:limit]
    cut = body.rfind("\n\n", low, limit + 2)  # a break that starts at the limit ends the prefix well
    if cut <= 0:
        window = body[low : limit + 1]  # and the character after the limit, which may be the space
        ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= limit - low]
        space = _LAST_SPACE.match(window)
        if ends:
            cut = low + ends[-1]
        elif space is not None:
            cut = low + space.end() - 1
        else:
            cut = limit
    return len(body[:cut].rstrip())


def _safe(text: str) -> str:
    return _UNSAFE.sub(lambda m: "\ufffd" if m[0] >= "\ud800" else " ", text) if _UNSAFE.search(text) else text


# --- the registered enrichers, in the order they run -------------------------------------------------------------


@register("language")
def _language(doc: Doc) -> dict[str, Any]:
    lang, confidence = language(f"{doc.headline[:LANGUAGE_SAMPLE]}\n{doc.body[:LANGUAGE_SAMPLE]}")
    return {"language": lang, "language_confidence": confidence}


@register("counts")
def _counts(doc: Doc) -> dict[str, Any]:
    # The whole body, not only what the analyses read: a reader wants the real reading time.
    # the words of the analysed body, found once for the MinHash too, when that is the whole body and
    # lowercasing kept its length (a character lowercased keeps being a word character or not)
    runs = doc.words() if doc.whole is doc.body and len(doc.lower) == len(doc.body) else None
    words, sentences, paragraphs = counts(doc.whole, runs)
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
    t = tone.score_spans(doc.body, doc.sentence_spans, doc.language, doc.lower)
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
    return {"_signature": dedup.signature(doc.body, doc.words())}


def _published(published_at: str | datetime | date | None) -> date | None:
    if published_at is None or isinstance(published_at, date):
        return published_at.date() if isinstance(published_at, datetime) else published_at
    if len(published_at) > 64:  # no ISO 8601 date is longer; a forged one may be megabytes
        return None
    try:
        return datetime.fromisoformat(published_at).date()
    except (TypeError, ValueError):
        return None


# What the Enrichment says when an enricher failed (registry.run keeps going without its fields).
_EMPTY: dict[str, Any] = {
    "language": None,
    "language_confidence": 0.0,
    "word_count": 0,
    "sentence_count": 0,
    "paragraph_count": 0,
    "reading_time_s": 0,
}


def warm_up() -> None:
    """Load the language model, the gazetteer and the lexicon now rather than on the first article."""
    from services.enrich import gazetteer

    _identifier()
    gazetteer.english()
    gazetteer.country_names()
    gazetteer.name_starts()
    tagger.load()  # the entity tagger's model, read before the workers fork (they share it)
    tone._analyzer()
    counting.warm_up()
    enrich("Warm up", "Models load once, before the first batch.")


def analyse(
    headline: str,
    body: str,
    published_at: str | datetime | date | None = None,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> tuple[Enrichment, dedup.Signature | None]:
    """The enrichment and the MinHash signature (for the near-duplicate window) of one article; the
    text analyses read at most max_chars characters of the body (see `analysed_length`)."""
    max_chars = max(0, max_chars)
    length = analysed_length(body, max_chars)
    doc = Doc(_safe(headline[:MAX_HEADLINE_CHARS]), _safe(body[:length]), _published(published_at), whole=body)
    fields = registry.run(doc)
    public = {k: v for k, v in fields.items() if not k.startswith("_")}
    enrichment = Enrichment(
        enricher_version=ENRICHER_VERSION,
        **{**_EMPTY, **public},
        truncated=len(body) > max_chars,
        analysed_chars=length,
    )
    return enrichment, fields.get("_signature")


def enrich(
    headline: str,
    body: str,
    published_at: str | datetime | date | None = None,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Enrichment:
    return analyse(headline, body, published_at, max_chars=max_chars)[0]
