"""Training data for the statistical entity tagger, from fetched copies of public corpora.

    python -m newswire_tools.ner.data --gum GUM_DIR --wikigold FILE --btc DIR [--wnut FILE] -o train.jsonl

Writes one sentence a line, ``{"source", "tokens", "tags"}``, the tags BIO over PER, ORG, LOC and
MISC (MISC is learnt so as to be told apart from the three, and dropped when tagging). What each
source is, its licence and the commit it was taken from are in SOURCES.md beside this file.

- ``--gum``: a checkout of GUM (github:amir-zeldes/gum), its ``dep/*.conllu``. Only the genres whose
  texts are under a licence that allows redistribution without a non-commercial clause are read
  (GUM_GENRES); never ``news`` (the development set is made of GUM's news documents), nor reddit,
  essays, fiction, letters, podcasts or how-to guides (non-commercial), nor conversation, speech,
  textbook or vlog (GUM states no licence for those texts). GUM marks every mention (named or not)
  with an entity type; a mention is taken as a name when a proper noun (NNP/NNPS) is its own token
  (not a token of a mention nested in it), and its name is the run of proper nouns (joined by
  "of", "the", "and", "&", "-", "de", "for") holding that token, without a leading title for a
  person ("Dr.", "President"). Nested names give way to the name around them ("Bank of England").
- ``--wikigold``: ``wikigold.conll.txt`` (IOB1, space separated).
- ``--btc``: the Broad Twitter Corpus' ``CONLL-format/data`` folder (BIO, tab separated).
- ``--wnut``: WNUT-17's ``wnut17train.conll`` (BIO, tab separated), its corporation and group as ORG,
  creative-work and product as MISC. Off unless given.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

Sentence = tuple[list[str], list[str]]  # tokens, BIO tags

# GUM genres read (their texts' licences in SOURCES.md). Never "news": the development set is GUM's news.
GUM_GENRES = ("academic", "bio", "court", "interview", "voyage")
_GUM_TYPES = {"person": "PER", "organization": "ORG", "place": "LOC"}
_GUM_MISC = frozenset({"event", "object", "abstract", "substance", "plant", "animal"})  # named ones -> MISC
_PROPER = frozenset({"NNP", "NNPS"})
_JOINERS = frozenset({"of", "the", "and", "&", "-", "de", "for", "du", "la", "von", "van", "da"})
_WNUT = {"person": "PER", "location": "LOC", "corporation": "ORG", "group": "ORG"}
_WNUT_MISC = frozenset({"creative-work", "product"})


def _titles() -> frozenset[str]:
    from services.enrich import lexicon

    return lexicon.TITLES | {"mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "saint", "st", "prof"}


# --- GUM --------------------------------------------------------------------------------------------------------


def _entity_events(field: str) -> Iterator[tuple[str, str, str]]:
    """("open", id, spec) and ("close", id, "") events of a GUM Entity= value, in order."""
    i = 0
    while i < len(field):
        if field[i] == "(":
            j = i + 1
            while j < len(field) and field[j] not in "()":
                j += 1
            spec = field[i + 1 : j]
            eid = spec.split("-", 1)[0]
            yield "open", eid, spec
            if j < len(field) and field[j] == ")":
                yield "close", eid, ""
                j += 1
            i = j
        elif field[i].isdigit():
            j = i
            while j < len(field) and field[j].isdigit():
                j += 1
            if j < len(field) and field[j] == ")":
                yield "close", field[i:j], ""
                j += 1
            i = j
        else:
            i += 1


def _gum_mentions(rows: Sequence[list[str]]) -> list[tuple[int, int, str]]:
    """(first token, last token + 1, GUM entity type) of every mention of a sentence."""
    mentions: list[tuple[int, int, str]] = []
    stack: list[tuple[str, int, str]] = []  # id, start, type
    for n, r in enumerate(rows):
        misc = r[9] if len(r) > 9 else "_"
        field = next((p[len("Entity=") :] for p in misc.split("|") if p.startswith("Entity=")), "")
        for kind, eid, spec in _entity_events(field):
            if kind == "open":
                parts = spec.split("-")
                stack.append((eid, n, parts[1] if len(parts) > 1 else ""))
                continue
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == eid:
                    _, start, typ = stack.pop(k)
                    mentions.append((start, n + 1, typ))
                    break
    return mentions


def _name_in(
    mention: tuple[int, int, str], mentions: Sequence[tuple[int, int, str]], tokens: Sequence[str], xpos: Sequence[str]
) -> tuple[int, int] | None:
    """The name a mention holds: the run of proper nouns (and joiners between them) around the first
    proper noun that is the mention's own (in no mention nested in it), or None."""
    start, end, _ = mention

    def nested(i: int) -> bool:
        return any(start <= s <= i < e <= end and (s, e) != (start, end) for s, e, _ in mentions)

    heads = [i for i in range(start, end) if xpos[i] in _PROPER and not nested(i)]
    if not heads:
        return None

    def joins(i: int, other: int) -> bool:
        return xpos[i] in _PROPER or (tokens[i].lower() in _JOINERS and start <= other < end and xpos[other] in _PROPER)

    lo = hi = heads[0]
    while lo > start and joins(lo - 1, lo - 2):
        lo -= 1
    while hi + 1 < end and joins(hi + 1, hi + 2):
        hi += 1
    return lo, hi + 1


def _gum_sentence(rows: Sequence[list[str]], titles: frozenset[str]) -> Sentence:
    tokens = [r[1] for r in rows]
    xpos = [r[4] for r in rows]
    mentions = _gum_mentions(rows)
    candidates: list[tuple[int, int, str]] = []
    for mention in mentions:
        label = _GUM_TYPES.get(mention[2]) or ("MISC" if mention[2] in _GUM_MISC else None)
        name = _name_in(mention, mentions, tokens, xpos) if label else None
        if name is None or label is None:
            continue
        lo, hi = name
        while label == "PER" and lo < hi - 1 and tokens[lo].lower().rstrip(".") in titles:
            lo += 1
        candidates.append((lo, hi, label))
    tags = ["O"] * len(tokens)
    taken = [False] * len(tokens)
    for start, end, label in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):  # longest first
        if any(taken[start:end]):
            continue
        for i in range(start, end):
            taken[i] = True
            tags[i] = ("B-" if i == start else "I-") + label
    return tokens, tags


def read_gum(folder: Path, genres: Iterable[str] = GUM_GENRES) -> Iterator[tuple[str, Sentence]]:
    """(document name, sentence) of the GUM documents of these genres (never news)."""
    titles = _titles()
    wanted = set(genres) - {"news"}
    dep = folder / "dep" if (folder / "dep").is_dir() else folder
    for path in sorted(dep.glob("GUM_*.conllu")):
        genre = path.name.split("_")[1]
        if genre not in wanted:
            continue
        rows: list[list[str]] = []
        for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
            if not line.strip():
                if rows:
                    yield path.stem, _gum_sentence(rows, titles)
                rows = []
            elif not line.startswith("#"):
                cols = line.split("\t")
                if re.fullmatch(r"\d+", cols[0]):  # not a multi-word token (1-2) or an empty node (1.1)
                    rows.append(cols)


# --- CoNLL-like files -------------------------------------------------------------------------------------------


def _blocks(path: Path, sep: str | None) -> Iterator[list[tuple[str, str]]]:
    block: list[tuple[str, str]] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        parts = line.split(sep) if line.strip() else []
        if len(parts) < 2 or parts[0] == "-DOCSTART-":
            if block:
                yield block
            block = []
            continue
        block.append((parts[0].strip(), parts[-1].strip()))


def _bio(tags: Sequence[str], mapping: dict[str, str], misc: frozenset[str] = frozenset()) -> list[str]:
    """IOB1 or BIO tags -> BIO over PER/ORG/LOC/MISC, through `mapping` (unmapped types -> O)."""
    out: list[str] = []
    prev = "O"
    for tag in tags:
        if tag == "O" or "-" not in tag:
            out.append("O")
            prev = "O"
            continue
        prefix, typ = tag.split("-", 1)
        label = mapping.get(typ) or ("MISC" if typ in misc else None)
        if label is None:
            out.append("O")
            prev = "O"
            continue
        begin = prefix == "B" or prev != label
        out.append(("B-" if begin else "I-") + label)
        prev = label
    return out


_CONLL = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}


def read_wikigold(path: Path) -> Iterator[Sentence]:
    for block in _blocks(path, " "):
        yield [w for w, _ in block], _bio([t for _, t in block], _CONLL, frozenset({"MISC"}))


def read_btc(folder: Path) -> Iterator[Sentence]:
    for path in sorted(folder.glob("*.conll")):
        for block in _blocks(path, "\t"):
            yield [w for w, _ in block], _bio([t for _, t in block], _CONLL)


def read_wnut(path: Path) -> Iterator[Sentence]:
    for block in _blocks(path, "\t"):
        yield [w for w, _ in block], _bio([t for _, t in block], _WNUT, _WNUT_MISC)


# --- main -------------------------------------------------------------------------------------------------------


def collect(
    gum: Path | None, wikigold: Path | None, btc: Path | None, wnut: Path | None
) -> Iterator[tuple[str, Sentence]]:
    if gum:
        for doc, sent in read_gum(gum):
            yield f"gum:{doc}", sent
    if wikigold:
        for sent in read_wikigold(wikigold):
            yield "wikigold", sent
    if btc:
        for sent in read_btc(btc):
            yield "btc", sent
    if wnut:
        for sent in read_wnut(wnut):
            yield "wnut17", sent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gum", type=Path, help="a GUM checkout (its dep/ folder is read)")
    parser.add_argument("--wikigold", type=Path, help="wikigold.conll.txt")
    parser.add_argument("--btc", type=Path, help="the Broad Twitter Corpus' CONLL-format/data folder")
    parser.add_argument("--wnut", type=Path, help="WNUT-17's wnut17train.conll")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    counts: Counter[str] = Counter()
    with args.output.open("w", encoding="utf-8") as out:
        for source, (tokens, tags) in collect(args.gum, args.wikigold, args.btc, args.wnut):
            if not tokens:
                continue
            out.write(json.dumps({"source": source, "tokens": tokens, "tags": tags}, ensure_ascii=False) + "\n")
            name = source.split(":")[0]
            counts[f"{name} sentences"] += 1
            counts[f"{name} tokens"] += len(tokens)
            for tag in tags:
                if tag.startswith("B-"):
                    counts[f"{name} {tag[2:]}"] += 1
    for key, value in sorted(counts.items()):
        print(f"{key}: {value}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
