"""Train newswire_tools/ner/tagger.py's model: an averaged perceptron, greedy left to right.

    python -m newswire_tools.ner.train train.jsonl [-o MODEL] [--epochs 8] [--min-weight 0.01]
        [--exclude-source btc] [--seed 1]

`train.jsonl` is what newswire_tools/ner/data.py writes. Each epoch goes through the sentences in a
shuffled order (seeded), tags each with the current weights (its own guesses as the previous tags,
as at run time) and moves the weights of the features of each wrong guess towards the right tag;
the weights kept are their average over every step (Collins 2002; Honnibal's 2013 tagger). Features
whose every averaged weight is smaller than --min-weight are dropped, the others rounded to three
decimals, so that the gzipped JSON stays small.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from services.enrich.tagger import MODEL_FILE, Lists, Model, tag_features, token_features, words_starts

Sentence = tuple[list[str], list[str]]


class Perceptron:
    """Weights per feature and class, with the running totals that averaging needs."""

    def __init__(self, classes: Sequence[str]) -> None:
        self.classes = list(classes)
        self.index = {c: k for k, c in enumerate(self.classes)}
        self.weights: dict[str, list[float]] = {}
        self._totals: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(self.classes))
        self._stamps: dict[str, list[int]] = defaultdict(lambda: [0] * len(self.classes))
        self.steps = 0

    def model(self) -> Model:
        return Model(self.classes, self.weights)

    def update(self, truth: int, guess: int, feats: Iterable[str]) -> None:
        self.steps += 1
        if truth == guess:
            return
        n = len(self.classes)
        for f in feats:
            w = self.weights.get(f)
            if w is None:
                w = self.weights[f] = [0.0] * n
            totals, stamps = self._totals[f], self._stamps[f]
            for k, delta in ((truth, 1.0), (guess, -1.0)):
                totals[k] += (self.steps - stamps[k]) * w[k]
                stamps[k] = self.steps
                w[k] += delta

    def averaged(self, min_weight: float = 0.0, digits: int = 3) -> Model:
        out: dict[str, list[float]] = {}
        for f, w in self.weights.items():
            totals, stamps = self._totals[f], self._stamps[f]
            avg = [
                round((totals[k] + (self.steps - stamps[k]) * w[k]) / max(self.steps, 1), digits) for k in range(len(w))
            ]
            if max(abs(a) for a in avg) >= max(min_weight, 10**-digits):
                out[f] = avg
        return Model(self.classes, out)


def classes_of(sentences: Iterable[Sentence]) -> list[str]:
    found = {t for _, tags in sentences for t in tags} | {"O"}
    return sorted(found, key=lambda c: (c != "O", c[2:], c[:1]))


def train(
    sentences: Sequence[Sentence],
    lists: Lists,
    epochs: int = 8,
    seed: int = 1,
    min_weight: float = 0.0,
    log: bool = False,
) -> Model:
    """The averaged model learnt from the (tokens, BIO tags) sentences."""
    classes = classes_of(sentences)
    p = Perceptron(classes)
    # the features that do not depend on the tags, computed once
    prepared = [(token_features(words, words_starts(words), lists), words, tags) for words, tags in sentences]
    rng = random.Random(seed)
    order = list(range(len(prepared)))
    for epoch in range(epochs):
        rng.shuffle(order)
        right = total = 0
        started = time.perf_counter()
        current = p.model()
        for n in order:
            feats_list, words, tags = prepared[n]
            prev, prev2 = "<s>", "<s>"
            for i, feats in enumerate(feats_list):
                if feats is None:  # no candidate: O, unscored, as at run time
                    prev2, prev = prev, "O"
                    continue
                feats_i = tag_features(feats, prev, prev2, words[i].lower())
                guess = current.best(feats_i, prev)
                truth = p.index[tags[i]]
                p.update(truth, guess, feats_i)
                right += guess == truth
                total += 1
                prev2, prev = prev, classes[guess]
        if log:
            print(
                f"epoch {epoch + 1}: {right / max(total, 1):.4f} of {total} tokens right "
                f"({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
            )
    return p.averaged(min_weight)


def read(path: Path, exclude: Sequence[str] = ()) -> list[Sentence]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["source"].split(":")[0] in exclude:
            continue
        out.append((row["tokens"], row["tags"]))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data", type=Path, help="sentences as newswire_tools/ner/data.py writes them")
    parser.add_argument("-o", "--output", type=Path, default=MODEL_FILE)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-weight", type=float, default=0.01, help="drop features whose weights are all smaller")
    parser.add_argument("--exclude-source", action="append", default=[], help="a source of the data to leave out")
    args = parser.parse_args(argv)
    sentences = read(args.data, args.exclude_source)
    tokens = sum(len(w) for w, _ in sentences)
    counts = Counter(t[2:] for _, tags in sentences for t in tags if t.startswith("B-"))
    print(f"{len(sentences)} sentences, {tokens} tokens, names {dict(sorted(counts.items()))}", file=sys.stderr)
    started = time.perf_counter()
    model = train(sentences, Lists.newswire(), args.epochs, args.seed, args.min_weight, log=True)
    took = time.perf_counter() - started
    model.save(args.output)
    print(
        f"trained in {took:.0f} s; {len(model.weights)} features; {args.output} {args.output.stat().st_size} bytes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
