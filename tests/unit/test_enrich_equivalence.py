"""services.enrich, made cheaper, answers as before: each faster form against the plain one it replaced.

The language identifier's vectorised walk against py3langid's own (to the bit); the regular
expressions rewritten to start with a character set against their first wording; the words found
once for the counts and the MinHash, the tone of sentences given by their offsets, and the caches
shared by the articles (warm, cold or emptied) against computing afresh.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.enrich import counts, dedup, entities, identify, keywords, mentions, registry, tone
from services.enrich import enrichers as enrichers_module
from services.enrich.enrichers import LANGUAGE_SAMPLE, analyse
from services.enrich.registry import Doc, split_sentences

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "seeds" / "000_d7b03ab2b022693d.txt").read_text(encoding="utf-8")
ANNOTATED = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "tests/data/annotated").glob("*.json"))]
PROPS = settings(max_examples=300, deadline=None)


def texts_of(pieces: list[str], most: int = 30) -> st.SearchStrategy[str]:
    """Strings made of the pieces that matter to a pattern, and any characters."""
    piece = st.one_of(st.sampled_from(pieces), st.text(max_size=3))
    return st.lists(piece, max_size=most).map("".join)


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
    return [(m.span(), m.groupdict()) for m in pattern.finditer(text)]


# --- language: the vectorised walk and the float32 table -----------------------------------------------------


@lru_cache(maxsize=1)
def _stock() -> Any:
    """py3langid's identifier, restricted and laid out as enrichers._identifier had it before (float16 rows)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

    stock = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    stock.set_languages(sorted({code for code in stock.nb_classes if len(code) == 2}))
    stock.nb_ptc = np.ascontiguousarray(stock.nb_ptc)
    return stock


def _same_scores(text: str) -> None:
    ours, stock = enrichers_module._identifier(), _stock()
    assert np.array_equal(ours._decide(text), stock._decide(text)), text
    assert ours.classify(text) == stock.classify(text)


def test_language_scores_are_py3langids_to_the_bit_on_news() -> None:
    for article in ANNOTATED:
        sample = f"{article['headline'][:LANGUAGE_SAMPLE]}\n{article['body'][:LANGUAGE_SAMPLE]}"
        _same_scores(sample)
        _same_scores(sample.upper())  # py3langid lowercases a text all in capitals
        _same_scores(article["body"][:40])
    _same_scores(SEED)
    _same_scores("")


@PROPS
@given(st.text(max_size=300))
def test_language_scores_are_py3langids_to_the_bit_on_any_text(text: str) -> None:
    _same_scores(text)


@PROPS
@given(st.binary(min_size=1, max_size=200))
def test_the_vectorised_walk_is_the_automatons_walk(data: bytes) -> None:
    ours = enrichers_module._identifier()
    state, walked = 0, []
    for byte in data:  # py3langid's walk, byte by byte
        state = ours.tk_nextmove[ours._rowbase[state] + byte]
        walked.append(state)
    states = ours.states(data)
    assert states is not None and states.tolist() == walked


def test_a_walk_that_does_not_synchronise_is_caught_and_done_byte_by_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = enrichers_module._identifier()
    text = ANNOTATED[0]["body"]
    monkeypatch.setattr(identify, "SYNC", 2)  # too few bytes for this model: the check must fail
    assert ours.states(text.encode()) is None
    _same_scores(text)


# --- regular expressions rewritten to start with a character set ---------------------------------------------

_UP = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_TOKEN_BEFORE = (
    rf"(?:(?:[A-Z]\.){{2,}}|(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Lt|Col|Prof|Jr|Gov)\.|[A-Z]\.(?=[ \t]+[{_UP}])"
    rf"|[{_UP}][\w'’]*(?:-[\w'’]+)*)"
)
SEQUENCE_BEFORE = re.compile(rf"{_TOKEN_BEFORE}(?:(?:[ \t]+{entities._CONNECT})*[ \t]+{_TOKEN_BEFORE})*")
TOKEN_BEFORE = re.compile(_TOKEN_BEFORE)
AMOUNT_BEFORE = re.compile(
    rf"(?P<sign>[$€£¥₽])\s?(?P<n1>{mentions._NUM})(?:\s?(?P<s1>{mentions._SCALES})\b)?"
    rf"|(?<![\w.,])(?P<n2>{mentions._NUM})(?:\s?(?P<s2>{mentions._SCALES})\b)?"
    rf"(?:(?P<pct>\s?%|\s(?:percent|per cent|pour cent|процент\w*))"
    rf"|(?:-|\s)(?P<noun>[^\W\d_][\w'’-]*))?"
    rf"|\b(?P<word>{'|'.join(mentions._NUMBER_WORDS)})[\s-](?P<wnoun>[a-z][\w'-]*)",
    re.IGNORECASE,
)
SENTENCE_END_BEFORE = re.compile(r"(?<![.!?…])[.!?…]++[\"'»”)]*+(?=\s|$)")
SENTENCE_END_IN_BEFORE = re.compile(r"(?<![.!?…])[.!?…]++[\"'»”)]*+(?=\s)")
CHUNK_BEFORE = re.compile(r"[^\W\d_][\w'’-]*|[^\w\s]|\d[\d.,]*")

NAMES = [
    "Mr", "Mrs", "Ms", "Dr", "St", "Gen", "Lt", "Prof", "Gov", "U.S.", "A.B.", "A", "Z", "É", "Ж", "Ё", "Peskov",
    "NATO", "L'", "D’", "'s", "’s", "-", "'", "’", ".", " ", "\t", "\n", "of the", "of", "de la", "von", "bin", "y",
]  # fmt: skip
AMOUNTS = [
    *mentions._NUMBER_WORDS, "SIX", "Ten", "ſix", "fıve", "İ", *mentions._SCALE, "percent", "per cent", "%",
    "процентов", "$", "€", "£", "¥", "₽", "0", "12", "1,000", "3.5", "2021", "٣", "²", ".", ",", "-", " ", "\n", "_",
    "people", "days", "d'euros", "x",
]  # fmt: skip
TERMINATED = [".", "!", "?", "…", '"', "'", "»", "”", ")", " ", "\n", "\n\n", "\t", "\u2028", "x", "Mr.", "U.S."]
CHUNKS = ["a", "Z", "é", "_", " ", "1", "٣", "²", "'", "’", "-", ".", ",", ";", "\n", "don't", "3.5", "x̂"]


@PROPS
@given(texts_of(NAMES))
def test_capitalised_sequences_are_found_as_before(text: str) -> None:
    assert spans(entities._SEQUENCE, text) == spans(SEQUENCE_BEFORE, text)
    assert spans(entities._TOKEN_RE, text) == spans(TOKEN_BEFORE, text)


@PROPS
@given(texts_of(AMOUNTS))
def test_amounts_are_found_as_before(text: str) -> None:
    assert spans(mentions._AMOUNT, text) == spans(AMOUNT_BEFORE, text)


@PROPS
@given(texts_of(TERMINATED))
def test_sentence_ends_are_found_as_before(text: str) -> None:
    assert spans(registry._SENTENCE_END, text) == spans(SENTENCE_END_BEFORE, text)
    assert spans(counts._SENTENCE_END_RE, text) == spans(SENTENCE_END_BEFORE, text)
    assert spans(enrichers_module._SENTENCE_END, text) == spans(SENTENCE_END_IN_BEFORE, text)


@PROPS
@given(texts_of(CHUNKS))
def test_keyword_tokens_are_found_as_before(text: str) -> None:
    assert keywords._CHUNK.findall(text) == CHUNK_BEFORE.findall(text)


# --- work shared between the enrichers -----------------------------------------------------------------------

WORDY = ["word", "Word", "İ", "Σ", "ΑΣ", "ſ", "K", "_", "'", "’", "-", "--", " ", "\n\n", ".", "3rd", "don't", "x̂"]


@PROPS
@given(texts_of(WORDY))
def test_words_counted_from_the_runs_found_once_are_the_words_counted(text: str) -> None:
    doc = Doc("Headline", text, None)
    if len(doc.lower) == len(text):  # the enricher passes the runs only then
        assert counts.counts(text, doc.words()) == counts.counts(text)
    once, afresh = dedup.signature(text, doc.words()), dedup.signature(text)
    assert (once is None and afresh is None) or (once is not None and afresh is not None and (once == afresh).all())


@PROPS
@given(texts_of([*WORDY, "good", "bad", "not", "never", "terrible", "wonderful", "!", "?"]))
def test_tone_of_sentences_by_their_offsets_is_their_tone(text: str) -> None:
    found = split_sentences(text)
    assert tone.score_spans(text, found, "en") == tone.score([text[s:e] for s, e in found], "en")


CACHES = (
    (keywords, "_KNOWN", "_KNOWN_MAX"),
    (entities, "_SHAPES", "_SHAPES_MAX"),
    (entities, "_HITS", "_SHAPES_MAX"),
    (entities, "_PLANS", "_PLANS_MAX"),
    (dedup, "_CRC", "_CRC_MAX"),
)


def _same(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    (e1, s1), (e2, s2) = a, b
    return e1 == e2 and ((s1 is None and s2 is None) or (s1 is not None and s2 is not None and (s1 == s2).all()))


def test_the_caches_shared_by_articles_change_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    articles = [(a["headline"], a["body"], a["published_at"]) for a in ANNOTATED]
    warm = [analyse(*a) for a in articles + articles]  # the second time round, from the caches
    cold = []
    for article in articles + articles:
        for module, cache, _ in CACHES:
            getattr(module, cache).clear()
        cold.append(analyse(*article))
    for module, _, bound in CACHES:
        monkeypatch.setattr(module, bound, 5)
    small = []
    for article in articles + articles:
        small.append(analyse(*article))
        assert all(len(getattr(entities, cache)) <= 5 for cache in ("_SHAPES", "_HITS", "_PLANS"))
    assert all(_same(w, c) and _same(w, s) for w, c, s in zip(warm, cold, small, strict=True))


def test_the_caches_keep_no_hostile_text() -> None:
    """Only name-sized sequences and word-sized tokens are kept: a run of capitals or a line without a
    space, one article after another, must not fill a worker's memory."""
    analyse("Headline", "Peskov Moscow Vladimir " * 2_000 + "said.")
    analyse("Headline", "Abc123xyZ" * 20_000)
    assert all(len(sequence) <= entities._KEPT_CHARS for sequence in entities._SHAPES)
    assert all(len(sequence) <= entities._KEPT_CHARS for sequence, _ in entities._HITS)
    assert all(sum(map(len, words)) <= entities._KEPT_CHARS for words, _ in entities._PLANS)
    assert all(len(token) <= keywords._KNOWN_CHARS for token in keywords._KNOWN)
    assert all(len(word) <= dedup._CRC_CHARS for word in dedup._CRC)
