"""The statistical tagger (services/enrich/tagger.py) on the entities development set, scored as
newswire_tools/entity_eval.py scores newswire (its functions, unchanged), beside the rules alone and
the two merged as newswire ships them.

    python -m newswire_tools.ner.evaluate tests/data/entities_dev/docs.jsonl [--model MODEL] [--top 10]

- tagger: its PER/ORG/LOC spans' surfaces;
- rules: services.enrich.entities.extract() with the tagger off (entities.TAGGED = False);
- merged: extract() as shipped (the rules, and the tagger's names where they find nothing: see
  entities._add_tagged); with --model, the merge uses that model.

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
    tagged = [surfaces(doc.text, tg.tag(doc.text)) for doc in docs]
    shipped = tagger._default
    try:
        entities.TAGGED = False
        rules_pred, _, _ = entity_eval.run_newswire(docs)
        entities.TAGGED = True
        tagger._default = tg  # the merge tags with the model measured
        merged, _, _ = entity_eval.run_newswire(docs)
    finally:
        entities.TAGGED = True
        tagger._default = shipped
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
