"""The statistical tagger (newswire_tools/ner/tagger.py) on the entities development set, scored as
newswire_tools/entity_eval.py scores newswire (its functions, unchanged), beside the rules alone and a
merge of the two.

    python -m newswire_tools.ner.evaluate tests/data/entities_dev/docs.jsonl [--model MODEL] [--top 10]

- tagger: its PER/ORG/LOC spans' surfaces;
- rules: services.enrich.entities.extract(), read as entity_eval reads it;
- merged: the rules' entities, and those of the tagger's spans that overlap no span of the rules.

Time per article is the tagger's alone (tokenising, features, tagging), by timeit: the mean over the
set's documents, and over a 3,000-character article (a document of the set cut at a word there).
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Sequence
from pathlib import Path

from newswire_tools import entity_eval
from services.enrich import tagger


def rule_spans(result: object) -> list[tuple[int, int]]:
    """Every mention span of an entities.Result (persons, organisations, locations, countries)."""
    spans: list[tuple[int, int]] = []
    for group in (result.persons, result.organizations, result.locations):  # type: ignore[attr-defined]
        for item in group:
            spans.extend(item.spans)
    for country_spans in result.countries.values():  # type: ignore[attr-defined]
        spans.extend(country_spans)
    return spans


def merge(text: str, rules: Sequence[tuple[int, int]], found: Sequence[tagger.Span]) -> list[tagger.Span]:
    """The tagger's spans that overlap none of the rules' spans."""
    return [(s, e, t) for s, e, t in found if not any(s < re and rs < e for rs, re in rules)]


def surfaces(text: str, spans: Sequence[tagger.Span]) -> set[entity_eval.Entity]:
    return entity_eval.entity_set((t, text[s:e]) for s, e, t in spans)


def _table(rows: dict[str, dict[str, entity_eval.Counts]]) -> list[str]:
    names = list(rows)
    lines = [
        f"{'type':<5}" + "".join(f"{n:^23}" for n in names),
        f"{'':<5}" + f"{'P':>7}{'R':>7}{'F1':>7}  " * len(names),
    ]
    for t in (*entity_eval.TYPES, "all"):
        lines.append(f"{t:<5}" + "".join(f"{entity_eval._row(rows[n][t])}  " for n in names))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("path", type=Path, help="the development set (JSON lines)")
    parser.add_argument("--model", type=Path, help="a model file (default: the shipped one)")
    parser.add_argument("--top", type=int, default=10, help="misses and false positives shown per type")
    parser.add_argument("--repeat", type=int, default=5, help="timeit repetitions")
    args = parser.parse_args(argv)
    docs = entity_eval.load(args.path)
    tg = tagger.load(args.model)
    from services.enrich import entities

    gold = [d.gold for d in docs]
    rules_pred, _, _ = entity_eval.run_newswire(docs)
    tagged, merged = [], []
    for doc, rules_set in zip(docs, rules_pred, strict=True):
        found = tg.tag(doc.text)
        tagged.append(surfaces(doc.text, found))
        spans = rule_spans(entities.extract(doc.text, doc.lang))
        merged.append(rules_set | surfaces(doc.text, merge(doc.text, spans, found)))
    rows = {
        "tagger": entity_eval.score(gold, tagged),
        "rules": entity_eval.score(gold, rules_pred),
        "merged": entity_eval.score(gold, merged),
    }
    print(f"{len(docs)} documents, {sum(len(g) for g in gold)} unique entities")
    print("\n".join(_table(rows)))

    per_doc = min(timeit.repeat(lambda: [tg.tag(d.text) for d in docs], number=1, repeat=args.repeat)) / len(docs)
    chars = sum(len(d.text) for d in docs) / len(docs)
    longest = max(docs, key=lambda d: len(d.text)).text
    cut = longest.rfind(" ", 0, 3000)
    article = longest[: cut if cut > 0 else 3000]
    three_kb = min(timeit.repeat(lambda: tg.tag(article), number=10, repeat=args.repeat)) / 10
    print(
        f"tagger: {per_doc * 1000:.2f} ms a document (mean {chars:.0f} characters), {three_kb * 1000:.2f} ms "
        f"for {len(article)} characters"
    )
    print("\n".join(entity_eval._errors(gold, tagged, args.top)).replace("newswire ", "tagger "))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
