"""Keywords: a RAKE-like scorer (phrases between stopwords and punctuation, scored by word degree/frequency)."""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain
from operator import mul

from services.enrich.lexicon import STOPWORDS

MAX_PHRASE_WORDS = 3
TOP = 10
# A word, a punctuation mark or a number: [^\W\d_][\w'’-]*|[^\w\s]|\d[\d.,]*, written with the first
# character (neither whitespace nor "_", which start none of them) taken first and each alternative
# checking it with a lookbehind, in the same order: the same tokens, and a pattern that starts with a
# character set, which lets the regex engine skip whitespace instead of trying three alternatives there.
_CHUNK = re.compile(r"[^\s_](?:(?<=[^\W\d_])[\w'’-]*|(?<=[^\w\s])|(?<=\d)[\d.,]*)")


def _word(token: str) -> str | None:
    """The word a token of the (lowercased) text gives a phrase, or None when it ends one."""
    word = token.removesuffix("'s").removesuffix("’s")
    if word in STOPWORDS or not word[0].isalpha() or len(word) < 3:
        return None
    return word


# token -> _word(token), shared by the articles: most tokens of one are tokens of the last thousand,
# and a dict read costs less than the suffixes, the stopword and the letter checks. Bounded: a process
# that has seen this many distinct tokens starts again, and a token longer than a word is not kept.
_KNOWN: dict[str, str | None] = {}
_KNOWN_MAX = 50_000
_KNOWN_CHARS = 64


def _phrases(text: str) -> list[tuple[str, ...]]:
    """Runs of words between stopwords and punctuation, cut every MAX_PHRASE_WORDS words."""
    phrases: list[tuple[str, ...]] = []
    current: list[str] = []
    known = _KNOWN
    if len(known) > _KNOWN_MAX:
        known.clear()
    for tok in _CHUNK.findall(text.lower()):
        try:
            word = known[tok]
        except KeyError:
            word = _word(tok)
            if len(tok) <= _KNOWN_CHARS:
                known[tok] = word
        if word is None:
            if current:
                phrases.append(tuple(current))
                current = []
            continue
        current.append(word)
        if len(current) == MAX_PHRASE_WORDS:
            phrases.append(tuple(current))
            current = []
    if current:
        phrases.append(tuple(current))
    return phrases


def extract(text: str, top: int = TOP) -> list[str]:
    phrases = _phrases(text)
    # counted in C: a word's frequency, and its degree (the words of the phrases it is in, so a phrase
    # of n words counts its words n times)
    freq: Counter[str] = Counter(chain.from_iterable(phrases))
    degree: Counter[str] = Counter(chain.from_iterable(map(mul, phrases, map(len, phrases))))
    ratio = {w: degree[w] / f for w, f in freq.items()}
    seen: Counter[tuple[str, ...]] = Counter(phrases)
    # best first: the highest score, then the phrase (sorted as (-score, phrase) pairs, not by a key per phrase)
    ranked = sorted([(-(sum(map(ratio.__getitem__, p)) * (1 + 0.5 * (n - 1))), p) for p, n in seen.items()])
    out: list[str] = []
    for _, words in ranked:
        joined = " ".join(words)
        if len(words) == 1 and freq[words[0]] < 2:
            continue  # a single word must recur to be a keyword
        if any(joined in kept for kept in out):
            continue
        out.append(joined)
        if len(out) == top:
            break
    return out
