"""Calibration of the near-duplicate window (services.enrich.dedup) on articles of distinct paragraphs.

Run as `python -m newswire_tools.dedup_eval` (--timing to time it too). Articles are put together
from the distinct news-like paragraphs of tests/data/dedup_texts.jsonl (60 paragraphs on 12 topics,
5 a topic, and 3 boilerplate footers). The script reports:

- recall: of articles of 150, 300, 600 and 1000 words, the share whose variant with one sentence
  added, removed or changed (replaced with a sentence from another paragraph) the window flags as a
  near-duplicate of the original at the threshold; with the true Jaccard similarity of the pairs'
  word 3-shingles (the share at or above the threshold, the least and the median), which says what
  a perfect estimator would do, the pairs the LSH bands missed, and the share of pairs whose
  verdict differs from the true Jaccard's (the estimator's error at the threshold);
- false positives: the share of pairs of distinct articles (no paragraph in common) flagged, over
  articles of every topic and length, over articles of one topic carrying the same wire credit and
  syndication footer, and over the bench's synthetic articles (newswire_tools.corpus: one template,
  too alike to edit meaningfully, but a test of templated copy);
- with --timing, the cost of a 3 KB article's signature and of a check against a full window.

Everything is drawn from a seeded generator: two runs print the same figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import statistics
import time
import timeit
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

TEXTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "dedup_texts.jsonl"
LENGTHS = (150, 300, 600, 1000)
EDITS = ("add", "remove", "change")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"(])")
_WORD = re.compile(r"\w+")  # the words dedup.signature shingles

Article = list[list[str]]  # paragraphs, each a list of sentences


@dataclass(frozen=True)
class Paragraph:
    id: str
    topic: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Texts:
    paragraphs: tuple[Paragraph, ...]
    footers: tuple[str, ...]

    def topics(self) -> list[str]:
        return sorted({p.topic for p in self.paragraphs})

    def of_topic(self, topic: str) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.topic == topic]


def split_sentences(text: str) -> tuple[str, ...]:
    return tuple(s for s in _SENTENCE_END.split(text.strip()) if s)


def load(path: Path = TEXTS) -> Texts:
    paragraphs, footers = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row["kind"] == "footer":
            footers.append(row["text"])
        else:
            paragraphs.append(Paragraph(row["id"], row["topic"], split_sentences(row["text"])))
    return Texts(tuple(paragraphs), tuple(footers))


def render(article: Article, footers: Sequence[str] = ()) -> str:
    return "\n\n".join([*(" ".join(p) for p in article if p), *footers])


def words(text: str) -> int:
    return len(text.split())


def shingles(text: str) -> set[tuple[str, ...]]:
    w = _WORD.findall(text.lower())
    return set(zip(w, w[1:], w[2:], strict=False))


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def build(texts: Texts, rng: random.Random, length: int) -> tuple[Article, set[str]]:
    """An article of about `length` words: the paragraphs of one topic, then of others (a long article
    runs over several), cut after the sentence that brings it closest to `length`; and the ids of the
    paragraphs it draws on."""
    first = rng.choice(texts.topics())
    own = texts.of_topic(first)
    others = [p for p in texts.paragraphs if p.topic != first]
    rng.shuffle(own)
    rng.shuffle(others)
    article: Article = []
    used: set[str] = set()
    total = 0
    for p in own + others:
        kept: list[str] = []
        for s in p.sentences:
            n = words(s)
            if total and abs(total + n - length) > abs(total - length):
                break
            kept.append(s)
            total += n
        if kept:
            article.append(kept)
            used.add(p.id)
        if len(kept) < len(p.sentences):
            break
    return article, used


def edit(article: Article, kind: str, rng: random.Random, spare: Sequence[str]) -> Article:
    """A copy of the article with one sentence added (somewhere in a paragraph), removed, or changed
    (replaced by a sentence of another paragraph); `spare` holds the sentences it may bring in."""
    out = [list(p) for p in article]
    where = [(i, j) for i, p in enumerate(out) for j in range(len(p))]
    if kind == "add":
        i = rng.randrange(len(out))
        out[i].insert(rng.randrange(len(out[i]) + 1), rng.choice(spare))
    elif kind == "remove":
        i, j = rng.choice(where)
        del out[i][j]
    elif kind == "change":
        i, j = rng.choice(where)
        out[i][j] = rng.choice([s for s in spare if s != out[i][j]])
    else:
        raise ValueError(kind)
    return [p for p in out if p]


def flagged(dedup: ModuleType, first: str, second: str, threshold: float) -> float | None:
    """The similarity the window reports for `second` after seeing `first`, None when not flagged."""
    window = dedup.Window(capacity=2, threshold=threshold)
    window.check("first", dedup.signature(first))
    found = window.check("second", dedup.signature(second))
    return None if found is None else float(found[1])


def estimate(dedup: ModuleType, first: str, second: str) -> float:
    """The estimated similarity of two texts, whether the LSH bands would pair them or not."""
    return float(np.mean(dedup.signature(first) == dedup.signature(second)))


@dataclass(frozen=True)
class Recall:
    length: int
    kind: str
    trials: int
    hits: int
    least_jaccard: float
    median_jaccard: float
    above: int  # pairs whose true Jaccard is at or above the threshold
    unbanded: int  # pairs whose estimate reaches the threshold, but which the LSH bands never paired
    wrong: int  # pairs flagged though their true Jaccard is below the threshold, or missed though above

    @property
    def recall(self) -> float:
        return self.hits / self.trials


def recall(dedup: ModuleType, texts: Texts, threshold: float, trials: int, seed: int) -> list[Recall]:
    rng = random.Random(seed)
    out = []
    for length, kind in itertools.product(LENGTHS, EDITS):
        hits = above = unbanded = wrong = 0
        js = []
        for _ in range(trials):
            article, used = build(texts, rng, length)
            spare = [s for p in texts.paragraphs if p.id not in used for s in p.sentences]
            original, variant = render(article), render(edit(article, kind, rng, spare))
            j = jaccard(original, variant)
            js.append(j)
            above += j >= threshold
            found = flagged(dedup, original, variant, threshold) is not None
            hits += found
            unbanded += not found and estimate(dedup, original, variant) >= threshold
            wrong += found != (j >= threshold)
        out.append(Recall(length, kind, trials, hits, min(js), statistics.median(js), above, unbanded, wrong))
    return out


@dataclass(frozen=True)
class FalsePositives:
    name: str
    pairs: int
    flagged: int
    max_jaccard: float
    max_estimate: float  # the highest estimated similarity of a pair, flagged or not

    @property
    def rate(self) -> float:
        return self.flagged / self.pairs if self.pairs else 0.0


def false_positives(
    dedup: ModuleType, name: str, articles: Sequence[tuple[str, set[str]]], threshold: float
) -> FalsePositives:
    """Over the pairs of articles that share no paragraph."""
    pairs = hits = 0
    max_j = max_estimate = 0.0
    sigs = [dedup.signature(text) for text, _ in articles]
    for (a, (ta, ua)), (b, (tb, ub)) in itertools.combinations(enumerate(articles), 2):
        if ua & ub:
            continue
        pairs += 1
        max_j = max(max_j, jaccard(ta, tb))
        max_estimate = max(max_estimate, float(np.mean(sigs[a] == sigs[b])))
        window = dedup.Window(capacity=2, threshold=threshold)
        window.check("a", sigs[a])
        hits += window.check("b", sigs[b]) is not None
    return FalsePositives(name, pairs, hits, max_j, max_estimate)


def distinct_articles(texts: Texts, n: int, seed: int) -> list[tuple[str, set[str]]]:
    """n articles of every length, of any topic (pairs sharing a paragraph are left out later)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        article, used = build(texts, rng, LENGTHS[i % len(LENGTHS)])
        out.append((render(article), used))
    return out


def same_topic_articles(texts: Texts, topic: str, footers: Sequence[str]) -> list[tuple[str, set[str]]]:
    """Every article of one, two or three paragraphs of a topic, each ending with the same footers."""
    paras = texts.of_topic(topic)
    out = []
    for k in (1, 2, 3):
        for chosen in itertools.combinations(paras, k):
            out.append((render([list(p.sentences) for p in chosen], footers), {p.id for p in chosen}))
    return out


def synthetic_articles(n: int) -> list[tuple[str, set[str]]]:
    """The bodies of the bench's first n synthetic articles (newswire_tools.corpus): all of about 170
    words, of one template (sentences drawn from a few lists), so alike that they test false positives
    only (an edit could only bring in a sentence the others have already)."""
    from newswire_tools import corpus

    rng = random.Random(58)
    out = []
    for i in range(n):
        body = corpus.article(rng, i).partition("Story Code : ")[2].partition("\n")[2]
        out.append((body, {f"synthetic-{i}"}))
    return out


def _best_us(run: Any, number: int, per: int = 1) -> float:
    """Microseconds of CPU a call of run takes, the least of 7 rounds (the machine may be busy)."""
    rounds = timeit.repeat(run, number=number, repeat=7, timer=time.process_time)
    return min(rounds) / number / per * 1e6


def timing(dedup: ModuleType, texts: Texts, threshold: float, window_size: int = 10_000) -> dict[str, float]:
    """Microseconds of CPU: a 3 KB article's signature (from its text, and from its words as enrich
    gives them), and a check against a full window, of distinct articles (no candidate), and of
    crowds (200 articles of these paragraphs, each some 50 times with another last line)."""
    rng = random.Random(7)
    article = render(build(texts, rng, 700)[0])[:3000]  # some 500 words
    words = _WORD.findall(article.lower())
    out = {"article_bytes": float(len(article.encode()))}
    out["signature_us"] = _best_us(lambda: dedup.signature(article), 200)
    out["signature_words_us"] = _best_us(lambda: dedup.signature(article, words), 200)
    vocabulary = [f"w{i}" for i in range(20_000)]
    distinct = [" ".join(rng.choices(vocabulary, k=500)) for _ in range(window_size + 200)]
    pool = [render(build(texts, rng, LENGTHS[i % 4])[0]) for i in range(200)]
    crowds = [f"{pool[i % 200]}\n\nItem {i} of the day, filed at {i % 24}:{i % 60:02d}." for i in range(window_size)]
    for name, fill, probes in (
        ("check_distinct_us", distinct[:window_size], distinct[window_size:]),
        ("check_crowded_us", crowds, [p + " One more sentence for the probe." for p in pool]),
    ):
        window = dedup.Window(capacity=window_size, threshold=threshold)
        for i, text in enumerate(fill):
            window.add(f"w{i}", dedup.signature(text))
        sigs = [dedup.signature(p) for p in probes]
        out[name] = _best_us(lambda w=window, sigs=sigs: [w.nearest(f"p{i}", s) for i, s in enumerate(sigs)], 1, 200)
    return out


def report(dedup: ModuleType, threshold: float, trials: int, seed: int, with_timing: bool) -> dict[str, Any]:
    texts = load()
    rec = recall(dedup, texts, threshold, trials, seed)
    distinct = false_positives(dedup, "distinct", distinct_articles(texts, 160, seed), threshold)
    wire = [texts.footers[0], texts.footers[1]]
    fps = [false_positives(dedup, t, same_topic_articles(texts, t, wire), threshold) for t in texts.topics()]
    same_topic = FalsePositives(
        "same topic, shared footer",
        sum(f.pairs for f in fps),
        sum(f.flagged for f in fps),
        max(f.max_jaccard for f in fps),
        max(f.max_estimate for f in fps),
    )
    synthetic = false_positives(dedup, "bench's synthetic corpus", synthetic_articles(150), threshold)
    out: dict[str, Any] = {"threshold": threshold, "recall": rec, "false_positives": [distinct, same_topic, synthetic]}
    if with_timing:
        out["timing"] = timing(dedup, texts, threshold)
    return out


def print_report(result: dict[str, Any]) -> None:
    print(f"threshold {result['threshold']}")
    print(
        f"{'words':>6} {'edit':<7} {'recall':>7}  {'true J >= thr':>13}  {'least J':>7} {'median J':>8}  "
        f"{'LSH miss':>8}  {'flag != (J >= thr)':>18}"
    )
    for r in result["recall"]:
        print(
            f"{r.length:>6} {r.kind:<7} {r.recall:>7.1%}  {r.above / r.trials:>13.1%}  "
            f"{r.least_jaccard:>7.3f} {r.median_jaccard:>8.3f}  {r.unbanded:>8}  {r.wrong / r.trials:>18.1%}"
        )
    for f in result["false_positives"]:
        print(
            f"false positives, {f.name}: {f.flagged}/{f.pairs} pairs ({f.rate:.2%}); "
            f"highest true J {f.max_jaccard:.3f}, highest estimate {f.max_estimate:.3f}"
        )
    if "timing" in result:
        t = result["timing"]
        print(
            f"timing (CPU): signature of a {t['article_bytes']:.0f}-byte article {t['signature_us']:.0f} us, "
            f"from its words {t['signature_words_us']:.0f} us; a check against a full 10,000-article window "
            f"{t['check_distinct_us']:.0f} us (distinct articles), {t['check_crowded_us']:.0f} us (crowds)"
        )


def main(argv: Sequence[str] | None = None) -> None:
    from services.enrich import dedup
    from services.enrich.config import EnrichSettings

    parser = argparse.ArgumentParser(prog="python -m newswire_tools.dedup_eval", description=__doc__.split("\n")[0])
    default = EnrichSettings.model_fields["dedup_threshold"].default
    parser.add_argument("--threshold", type=float, default=default, help=f"similarity threshold (default {default})")
    parser.add_argument("--trials", type=int, default=300, help="variants of each length and edit (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generator (default 1)")
    parser.add_argument("--timing", action="store_true", help="also time a signature and a check")
    args = parser.parse_args(argv)
    print_report(report(dedup, args.threshold, args.trials, args.seed, args.timing))


if __name__ == "__main__":
    main()
