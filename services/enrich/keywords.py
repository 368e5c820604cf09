"""Keywords: a RAKE-like scorer (phrases between stopwords and punctuation, scored by word degree/frequency)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from services.enrich.lexicon import STOPWORDS

MAX_PHRASE_WORDS = 3
TOP = 10
_CHUNK = re.compile(r"[^\W\d_][\w'’-]*|[^\w\s]|\d[\d.,]*")


def extract(text: str, top: int = TOP) -> list[str]:
    phrases: list[tuple[str, ...]] = []
    current: list[str] = []
    for tok in _CHUNK.findall(text.lower()):
        word = tok.removesuffix("'s").removesuffix("’s")
        if word in STOPWORDS or not word[0].isalpha() or len(word) < 3:
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
    freq: Counter[str] = Counter()
    degree: defaultdict[str, int] = defaultdict(int)
    for phrase in phrases:
        for w in phrase:
            freq[w] += 1
            degree[w] += len(phrase)
    seen: Counter[tuple[str, ...]] = Counter(phrases)
    scored = {p: sum(degree[w] / freq[w] for w in p) * (1 + 0.5 * (n - 1)) for p, n in seen.items()}
    best = sorted(scored, key=lambda p: (-scored[p], p))
    out: list[str] = []
    for words in best:
        joined = " ".join(words)
        if len(words) == 1 and freq[words[0]] < 2:
            continue  # a single word must recur to be a keyword
        if any(joined in kept for kept in out):
            continue
        out.append(joined)
        if len(out) == top:
            break
    return out
