"""Enrichment as pure functions: text in, fields out. No IO, nothing downloaded."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from newswire.contracts import Enrichment

ENRICHER_VERSION = "0.1.0"
WORDS_PER_MINUTE = 230
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


def enrich(headline: str, body: str) -> Enrichment:
    lang, confidence = language(f"{headline}\n{body}")
    words, sentences, paragraphs = counts(body)
    return Enrichment(
        language=lang,
        language_confidence=confidence,
        word_count=words,
        sentence_count=sentences,
        paragraph_count=paragraphs,
        reading_time_s=math.ceil(words * 60 / WORDS_PER_MINUTE),
        enricher_version=ENRICHER_VERSION,
    )
