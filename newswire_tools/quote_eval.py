"""Quote attribution measured on a development set: how many quotes get a speaker, and how many of those are right.

    python -m newswire_tools.quote_eval tests/data/quotes_dev.jsonl [--verbose]

Each line of the set is ``{"text": ..., "lang": "en", "quotes": [{"quote_start": ..., "speaker": ...}]}``:
every quotation the text holds, by its first words, with the speaker a reader finds in the text, or
null where the text names none (scare quotes, titles of works, slogans, a pronoun with nobody to
stand for). ``speaker`` may also be a list of acceptable answers ("Northline Rail", "the company").

Each text goes through the same steps as an article (the persons found by services.enrich.entities,
then services.enrich.quotes), and per language and in all:

- quotes: the quotes with a speaker in the set, and how many of them the extractor found;
- with speaker: the share of those quotes that came out with a speaker (a quote not found has none);
- right: the share of the speakers given that are right, counting a speaker given to a quote whose
  expected speaker is null, or to a quote the set does not list, as wrong.

A speaker is right when, lowercased and without articles and honorifics, its words are the expected
ones, or a run of them, or the other way round ("Price" for "Ned Price", "the ministry" for "the
foreign ministry"), or it is the same surname declined ("Пескова" for "Дмитрий Песков").
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.enrich import entities, quotes

_WORD = re.compile(r"[\w'’-]+")
_LEADING = frozenset(  # articles and honorifics before a speaker
    ["the", "a", "an", "le", "la", "les", "l'", "l’", "un", "une", "el", "los", "las", "der", "die", "das",
     "ein", "eine", "mr", "mrs", "ms", "dr", "prof", "m.", "mme", "herr", "frau"]
)  # fmt: skip
_RU_ENDINGS = ("ого", "ому", "ым", "ом", "ой", "ей", "ую", "а", "у", "е", "ы", "и", "я", "ю", "о")


@dataclass
class Score:
    expected: int = 0  # quotes in the set with a speaker
    found: int = 0  # ... that the extractor found
    with_speaker: int = 0  # ... found with a speaker
    right: int = 0  # ... whose speaker is right
    negatives: int = 0  # quotes in the set whose speaker is null
    invented: int = 0  # speakers given where the set has none (a null speaker, or a quote not in the set)
    kept: int = 0  # quotes whose speaker is null that got none
    misses: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        return self.with_speaker / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        given = self.with_speaker + self.invented
        return self.right / given if given else 1.0

    def add(self, other: Score) -> None:
        for name in ("expected", "found", "with_speaker", "right", "negatives", "invented", "kept"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split()).casefold()


def _tokens(name: str) -> list[str]:
    words = []
    for word in _WORD.findall(name.replace("’", "'").casefold()):
        words.append(word[2:] if word[:2] in ("l'", "d'") and len(word) > 2 else word)
    while len(words) > 1 and words[0] in _LEADING:
        words = words[1:]
    return words


def _stem(word: str) -> str:
    if word.isascii():
        return word
    for ending in _RU_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _contains(long: list[str], short: list[str]) -> bool:
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def same_speaker(got: str, expected: str) -> bool:
    a, b = [_stem(w) for w in _tokens(got)], [_stem(w) for w in _tokens(expected)]
    if not a or not b:
        return False
    return a == b or _contains(a, b) or _contains(b, a)


def _right(got: str, expected: str | list[str]) -> bool:
    options = [expected] if isinstance(expected, str) else expected
    return any(same_speaker(got, option) for option in options)


def score(item: dict[str, Any]) -> Score:
    """The score of one text of the set."""
    text, lang = item["text"], item.get("lang", "en")
    persons = [(p.name, p.spans) for p in entities.extract(text, lang).persons]
    found = quotes.extract(text, persons)
    used = [False] * len(found)
    s = Score()
    for gold in item["quotes"]:
        start = _norm(gold["quote_start"])
        index = next((i for i, q in enumerate(found) if not used[i] and _norm(q.text).startswith(start)), None)
        expected = gold["speaker"]
        got = None if index is None else found[index].speaker
        if index is not None:
            used[index] = True
        label = f"[{lang}] {gold['quote_start'][:40]!r}: expected {expected!r}, got {got!r}"
        if expected is None:
            s.negatives += 1
            if got is not None:
                s.invented += 1
                s.misses.append(label + " (invented)")
            else:
                s.kept += 1
            continue
        s.expected += 1
        s.found += index is not None
        if got is None:
            s.misses.append(label + (" (no speaker)" if index is not None else " (quote not found)"))
            continue
        s.with_speaker += 1
        if _right(got, expected):
            s.right += 1
        else:
            s.misses.append(label + " (wrong)")
    for i, q in enumerate(found):
        if not used[i] and q.speaker is not None:
            s.invented += 1
            s.misses.append(f"[{lang}] {q.text[:40]!r}: not in the set, got {q.speaker!r} (invented)")
    return s


def evaluate(items: Sequence[dict[str, Any]]) -> dict[str, Score]:
    """Scores per language, and "all"."""
    out: dict[str, Score] = {}
    total = Score()
    for item in items:
        s = score(item)
        out.setdefault(item.get("lang", "en"), Score()).add(s)
        total.add(s)
    return {**dict(sorted(out.items())), "all": total}


def load(path: str | Path) -> list[dict[str, Any]]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def report(items: Sequence[dict[str, Any]], scores: dict[str, Score]) -> str:
    langs: dict[str, int] = {}
    for item in items:
        lang = item.get("lang", "en")
        langs[lang] = langs.get(lang, 0) + 1
    lines = [f"{len(items)} texts: " + ", ".join(f"{lang} {n}" for lang, n in sorted(langs.items()))]
    lines.append(f"{'':4} {'quotes':>7} {'found':>6} {'with speaker':>16} {'right':>16} {'null kept':>10}")
    for lang, s in scores.items():
        lines.append(
            f"{lang:4} {s.expected:7d} {s.found:6d} {s.coverage:7.3f} ({s.with_speaker:3d}/{s.expected:3d})"
            f" {s.precision:7.3f} ({s.right:3d}/{s.with_speaker + s.invented:3d}) {s.kept:4d}/{s.negatives:<4d}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newswire_tools.quote_eval", description=__doc__.split("\n")[0])
    parser.add_argument("path", help="a JSON-lines development set")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each quote missed or wrong")
    args = parser.parse_args(argv)
    items = load(args.path)
    scores = evaluate(items)
    print(report(items, scores))
    if args.verbose:
        print("\n".join(scores["all"].misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
