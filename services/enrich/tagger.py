"""A compact statistical entity tagger: a greedy left-to-right BIO tagger whose scores come from an
averaged perceptron over hand-written features (the classic "200-line tagger" design).

    from services.enrich import tagger
    tagger.load()                         # once, before fork (warm_up may call it); tag() loads lazily
    tagger.tag("Olaf Scholz met Emmanuel Macron in Paris.")
    # [(0, 11, "PER"), (16, 31, "PER"), (35, 40, "LOC")]

Spans are (start, end, type) character offsets into the text, the types PER, ORG and LOC (the model
also learns MISC, so as to tell such names apart, and drops it). The work is linear in the text:
one pass of the tokenizer, one of the lexicon look-ups (at most MAX_LOOKUP tokens ahead of each
capitalised token), one greedy pass of the tagger; pure Python.

The features of a token: its lower-cased form, its shape ("Xxx", "XX", "dd"), its prefixes and
suffixes of one to three characters, whether it is title-cased, upper-case or has a digit, the words
and shapes around it, the two previous tags, whether it opens a sentence, and its membership of
newswire's own lists (services/enrich/lexicon.py: first names, titles, organisation words, known
organisations; services/enrich/gazetteer.py: place names). The model file, data/ner_model.json.gz, is
trained by newswire_tools/ner/train.py from the data newswire_tools/ner/data.py converts (sources and
licences in newswire_tools/ner/SOURCES.md). entities.extract() merges its names with the rules' for
English text; newswire_tools/ner/evaluate.py measures it apart.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

MODEL_FILE = Path(__file__).resolve().parent / "data" / "ner_model.json.gz"
TYPES = ("PER", "ORG", "LOC")
MAX_LOOKUP = 4  # tokens in a multi-word list entry ("Bank of New York")
CACHE_WORDS = 20_000  # words whose own features' weights are kept summed

Span = tuple[int, int, str]

# A token: an initialism ("U.S."), a title with its full stop ("Dr."), a word (with inner hyphens,
# apostrophes and ampersands: "Jean-Marie", "O'Brien", "AT&T"), a possessive, or any other character.
# The lookaheads only say early when a branch cannot match (a letter and a dot; a capital, up to three
# small letters and a dot), so that the engine does not try the abbreviations one by one at every word.
_TOKEN = re.compile(
    r"(?=[A-Za-z]\.)(?:[A-Za-z]\.){2,}"
    r"|(?=[A-Z][a-z]{0,3}\.)(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Col|Lt|Sgt|Rev|Prof|Gov|Sen|Rep|Mt|Ft|Inc|Corp|Ltd|Co|No)\.(?=\s)"
    r"|\w+(?:[-&'’]\w+)*(?<!['’]s)"
    r"|['’]s\b"
    r"|\S"
)
_SENTENCE_END = frozenset({".", "!", "?"})
# Lower-case words that may stand inside a name ("Bank of England", "Banco do Brasil", "bin Laden"); any
# other lower-case word, and any token that is neither a letter nor a digit first (punctuation, quotes,
# a possessive "'s") but "&", is outside every name: the tagger gives it O without scoring it (most of a
# text's tokens: it is what keeps the tagging fast).
JOINERS = frozenset(
    [
        "of",
        "the",
        "and",
        "de",
        "do",
        "da",
        "du",
        "des",
        "del",
        "della",
        "di",
        "dos",
        "la",
        "le",
        "el",
        "al",
        "bin",
        "ibn",
        "von",
        "van",
        "der",
        "den",
        "y",
        "on",
        "upon",
        "at",
        "in",
        "for",
    ]
)


def candidate(word: str) -> bool:
    """Whether the token may be part of a name (else it is tagged O unscored)."""
    first = word[:1]
    if first.islower():
        return word in JOINERS
    return first.isalnum() or word == "&"


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token of the text."""
    return [m.span() for m in _TOKEN.finditer(text)]


_SHAPES: dict[str, str] = {}


def shape(word: str) -> str:
    """Upper case X, lower case x, digits d, other characters kept; runs cut at two ("Xxx", "dd")."""
    found = _SHAPES.get(word)
    if found is not None:
        return found
    if len(_SHAPES) >= CACHE_WORDS:
        _SHAPES.clear()
    found = _SHAPES[word] = _shape(word)
    return found


def _shape(word: str) -> str:
    out: list[str] = []
    last = ""
    run = 0
    for ch in word:
        c = "X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch
        if c == last:
            run += 1
            if run > 2:
                continue
        else:
            last, run = c, 1
        out.append(c)
    return "".join(out)


@dataclass(frozen=True)
class Lists:
    """What the features look up: newswire's own name lists."""

    first_names: frozenset[str]  # lower-case
    titles: frozenset[str]  # lower-case
    org_words: frozenset[str]  # lower-case
    known_orgs: frozenset[str]  # as written ("White House")
    places: dict[str, str]  # as written -> kind ("city", "country", "region", "demonym")
    # the first words of the entries of places and of known_orgs (a word no entry starts with is looked up no further)
    place_starts: frozenset[str] = field(init=False)
    org_starts: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "place_starts", frozenset(k.split(" ", 1)[0] for k in self.places))
        object.__setattr__(self, "org_starts", frozenset(k.split(" ", 1)[0] for k in self.known_orgs))

    @classmethod
    def newswire(cls) -> Lists:
        from services.enrich import gazetteer, lexicon

        return cls(
            first_names=lexicon.FIRST_NAMES,
            titles=frozenset(t.rstrip(".") for t in lexicon.TITLES),
            org_words=lexicon.ORG_WORDS,
            known_orgs=lexicon.KNOWN_ORGS | lexicon.COMPANIES | lexicon.CLUBS,
            places={name: p.kind for name, p in gazetteer.english().items()},
        )


def _spans_in(
    words: Sequence[str], table: dict[str, str] | frozenset[str], starts: frozenset[str] | None = None
) -> list[str]:
    """Per token: "B:kind", "I:kind" where a list entry of up to MAX_LOOKUP tokens covers it, or "".
    `starts`, the entries' first words, if given, spares the look-ups from any other word."""
    n = len(words)
    marks = [""] * n
    if starts is None:
        heads = [i for i, w in enumerate(words) if w[:1].isupper()]
    else:
        heads = [i for i, w in enumerate(words) if w in starts and w[:1].isupper()]
    covered = 0  # tokens before this index are inside an entry found already
    for i in heads:
        if i < covered:
            continue
        for length in range(min(MAX_LOOKUP, n - i), 0, -1):
            key = " ".join(words[i : i + length])
            if key in table:
                kind = table[key] if isinstance(table, dict) else "x"
                marks[i] = "B:" + kind
                for k in range(i + 1, i + length):
                    marks[k] = "I:" + kind
                covered = i + length
                break
    return marks


def word_features(word: str, lists: Lists) -> list[str]:
    """The features of a token that depend on its own form alone (the tagger caches their weights per word)."""
    lw = word.lower()
    feats = [
        "b",
        "w=" + lw,
        "s=" + shape(word),
        "p1=" + lw[:1],
        "p2=" + lw[:2],
        "p3=" + lw[:3],
        "x1=" + lw[-1:],
        "x2=" + lw[-2:],
        "x3=" + lw[-3:],
    ]
    if word.istitle():
        feats.append("title")
    if word.isupper():
        feats.append("upper")
    if any(ch.isdigit() for ch in word):
        feats.append("digit")
    if lw in lists.first_names:
        feats.append("first")
    if lw.rstrip(".") in lists.titles:
        feats.append("ttl")
    if lw in lists.org_words:
        feats.append("orgw")
    return feats


class _Context:
    """What the context features of a text's tokens read, worked out once: lower-case forms, shapes and the
    list entries each token is part of."""

    def __init__(self, words: Sequence[str], starts: Sequence[bool], lists: Lists) -> None:
        self.words = words
        self.starts = starts
        self.lists = lists
        self.n = len(words)
        self.lower = [w.lower() for w in words]
        self.shapes = [shape(w) for w in words]
        self.places = _spans_in(words, lists.places, lists.place_starts)
        self.orgs = _spans_in(words, lists.known_orgs, lists.org_starts)

    def features(self, i: int) -> list[str]:
        """The features of token i that depend on the tokens around it (not on the tags)."""
        words, lower, shapes, places, n = self.words, self.lower, self.shapes, self.places, self.n
        lists = self.lists
        prev = lower[i - 1] if i else "<s>"
        prev_shape = shapes[i - 1] if i else "<s>"
        nxt = lower[i + 1] if i + 1 < n else "</s>"
        next_shape = shapes[i + 1] if i + 1 < n else "</s>"
        sh = shapes[i]
        start = self.starts[i]
        feats = [
            f"-w={prev}",
            f"-s={prev_shape}",
            f"+w={nxt}",
            f"+s={next_shape}",
            f"--w={lower[i - 2] if i > 1 else '<s>'}",
            f"++w={lower[i + 2] if i + 2 < n else '</s>'}",
            f"-s+s={prev_shape}|{sh}|{next_shape}",
            f"-w,s={prev}|{sh}",
            f"+w,s={nxt}|{sh}",
            f"st=1{sh}" if start else f"st=0{sh}",
        ]
        if start and sh[:1] == "X":
            feats.append("st,w=" + lower[i])
        if i and prev in lists.first_names and words[i - 1][:1].isupper():
            feats.append("-first")
        if i and prev.rstrip(".") in lists.titles:
            feats.append("-ttl")
        if nxt in lists.org_words:
            feats.append("+orgw")
        if places[i]:
            feats.append("gaz=" + places[i])
        if i + 1 < n and places[i + 1]:
            feats.append("+gaz=" + places[i + 1][:1])
        if self.orgs[i]:
            feats.append("org=" + self.orgs[i][:1])
        return feats


def context_features(words: Sequence[str], starts: Sequence[bool], lists: Lists) -> list[list[str] | None]:
    """The features of each candidate token that depend on the tokens around it (not on the tags); None
    for a token that is no candidate."""
    ctx = _Context(words, starts, lists)
    return [ctx.features(i) if candidate(w) else None for i, w in enumerate(words)]


def scored(words: Sequence[str], i: int, prev: str) -> bool:
    """Whether tagging scores token i after the tag `prev`: a candidate, except a lower-case joiner ("of",
    "the") outside a name with no capitalised word after it, which could only open a name of joiners (and
    spans_of strips those): it is O unscored (joiners are among a text's commonest words)."""
    word = words[i]
    if not candidate(word):
        return False
    if word[:1].islower() and prev in ("O", "<s>"):
        return i + 1 < len(words) and words[i + 1][:1].isupper()
    return True


def token_features(words: Sequence[str], starts: Sequence[bool], lists: Lists) -> list[list[str] | None]:
    """Every feature of each candidate token that does not depend on the tags (those are added while
    tagging); None for a token that is no candidate."""
    return [
        None if ctx is None else word_features(w, lists) + ctx
        for w, ctx in zip(words, context_features(words, starts, lists), strict=True)
    ]


def sentence_starts(text: str, spans: Sequence[tuple[int, int]], words: Sequence[str] | None = None) -> list[bool]:
    """Whether each token opens a sentence: the first, one after . ! ?, or one after a line break (which no
    token holds). `words`, the tokens' texts, if the caller has them."""
    if not spans:
        return []
    if words is None:
        words = [text[s:e] for s, e in spans]
    out = [True, *[w in _SENTENCE_END for w in words[:-1]]]
    if "\n" in text:
        starts = [s for s, _ in spans]
        for line_break in _LINE_BREAK.finditer(text):
            k = bisect_left(starts, line_break.start())
            if k < len(out):
                out[k] = True
    return out


_LINE_BREAK = re.compile("\n+")


def words_starts(words: Sequence[str]) -> list[bool]:
    """Sentence starts of an already tokenised sentence (training data): its first token and any after . ! ?"""
    return [i == 0 or words[i - 1] in _SENTENCE_END for i in range(len(words))]


def tag_features(feats: list[str], prev: str, prev2: str, word: str) -> list[str]:
    return [*feats, "t-1=" + prev, "t-2=" + prev2 + "|" + prev, "t-1,w=" + prev + "|" + word]


def allowed(tag: str, prev: str) -> bool:
    """BIO: an I- tag only continues a B- or I- of its type."""
    return not tag.startswith("I-") or (prev != "O" and prev[2:] == tag[2:])


class Model:
    """Class names and, per feature, one weight per class."""

    def __init__(self, classes: Sequence[str], weights: dict[str, list[float]]) -> None:
        self.classes = list(classes)
        self.weights = weights
        # per previous tag: the classes the BIO constraint allows after it
        self._allowed = {
            prev: [k for k, c in enumerate(self.classes) if allowed(c, prev)] for prev in [*self.classes, "<s>"]
        }
        self._o = self.classes.index("O")
        self._cache: dict[str, int] = {}
        self._pack: dict[str, int] | None = None
        self._run_time_only = False

    def best(self, feats: Sequence[str], prev: str) -> int:
        """The best class the BIO constraint allows after `prev`, given these features (as in training)."""
        if self._run_time_only:
            raise RuntimeError("this model was read for tagging alone: read it without run_time_only")
        vectors = [v for v in map(self.weights.get, feats) if v is not None]
        if not vectors:
            return self._o
        scores = list(map(sum, zip(*vectors, strict=True)))
        return max(self._allowed[prev], key=scores.__getitem__)

    # At run time each feature's weights are packed into one integer, a field of _FIELD bits a class, each
    # weight in thousandths plus _BIAS (never negative), so that summing the features' integers sums every
    # class's score at once; every field of a sum carries the same multiple of _BIAS, so comparing the
    # fields compares the scores.

    def _packed(self) -> dict[str, int]:
        if self._pack is None:
            self._pack = {f: _pack(w) for f, w in self.weights.items()}
        return self._pack

    def prepare(self) -> None:
        """Build the packed weights now (before fork), not on the first call."""
        self._packed()

    def _word(self, word: str, lists: Lists) -> int:
        """The packed sum of a word's own features' weights, cached (emptied past CACHE_WORDS words)."""
        vec = self._cache.get(word)
        if vec is None:
            packed = self._packed()
            vec = sum(packed.get(f, 0) for f in word_features(word, lists))
            if len(self._cache) >= CACHE_WORDS:
                self._cache.clear()
            self._cache[word] = vec
        return vec

    def tag_words(self, words: Sequence[str], starts: Sequence[bool], lists: Lists) -> list[str]:
        classes = self.classes
        get = self._packed().get
        allowed_after = self._allowed
        shifts = [k * _FIELD for k in range(len(classes))]
        zeros = repeat(0)
        n = len(words)
        tags = ["O"] * n
        context = _Context(words, starts, lists)
        # the candidates (see candidate()), found in one pass; every other token is O
        maybe = [
            i for i, w in enumerate(words) if (w[:1].isalnum() and not w[:1].islower()) or w in JOINERS or w == "&"
        ]
        for i in maybe:
            prev = tags[i - 1] if i else "<s>"
            if not scored(words, i, prev):
                continue
            prev2 = tags[i - 2] if i > 1 else "<s>"
            word = words[i]
            total = (
                sum(map(get, context.features(i), zeros))
                + get(f"t-1={prev}", 0)
                + get(f"t-2={prev2}|{prev}", 0)
                + get(f"t-1,w={prev}|{word.lower()}", 0)
                + self._word(word, lists)
            )
            scores = [(total >> shift) & _MASK for shift in shifts]
            best = max(allowed_after[prev], key=scores.__getitem__)
            tags[i] = classes[best]
        return tags

    # The file (FORMAT): gzipped UTF-8 text, a first line of JSON ({"format", "classes"}), then one line a
    # feature: the feature, a tab, its packed weights in hexadecimal. Read a line at a time, straight into
    # the packed table: reading it costs little more memory than the table itself (a JSON document of
    # weight lists cost four times as much, and the process kept it).

    def save(self, path: Path) -> None:
        lines = [json.dumps({"format": FORMAT, "classes": self.classes}, separators=(",", ":"))]
        for feature, weights in sorted(self.weights.items()):
            if "\t" in feature or "\n" in feature:
                raise ValueError(f"a feature with a tab or a line break: {feature!r}")
            lines.append(f"{feature}\t{_pack(weights):x}")
        raw = ("\n".join(lines) + "\n").encode("utf-8")
        path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))

    @classmethod
    def read(cls, path: Path, *, run_time_only: bool = False) -> Model:
        """The model of a file; with run_time_only, its packed weights alone (what tag_words needs; best(),
        which training uses, cannot)."""
        with gzip.open(path, "rt", encoding="utf-8", newline="\n") as lines:
            header = json.loads(next(lines))
            if header.get("format") != FORMAT:
                raise ValueError(f"not a newswire tagger model: {header.get('format')!r}")
            classes = header["classes"]
            packed: dict[str, int] = {}
            for line in lines:
                feature, _, value = line.rstrip("\n").partition("\t")
                packed[feature] = int(value, 16)
        n = len(classes)
        weights = {} if run_time_only else {f: _unpack(v, n) for f, v in packed.items()}
        model = cls(classes, weights)
        model._pack = packed
        model._run_time_only = run_time_only
        return model


FORMAT = "newswire-ner-2"
_FIELD = 48
_MASK = (1 << _FIELD) - 1
_BIAS = 1 << 32


def _unpack(packed: int, classes: int) -> list[float]:
    """The weights _pack packed (in thousandths, as the training rounds them)."""
    return [(((packed >> (k * _FIELD)) & _MASK) - _BIAS) / 1000 for k in range(classes)]


def _pack(weights: Sequence[float]) -> int:
    packed = 0
    for k, w in enumerate(weights):
        packed |= (round(w * 1000) + _BIAS) << (k * _FIELD)
    return packed


def spans_of(tags: Sequence[str], words: Sequence[str], titles: frozenset[str] = frozenset()) -> list[Span]:
    """BIO tags over tokens -> (first token, last token + 1, type) of each PER, ORG or LOC name, without
    a joiner at either end ("the", "of") nor, for a person, a leading title ("President")."""
    out: list[Span] = []
    n = len(tags)
    i = 0
    while i < n:
        tag = tags[i]
        if tag == "O":
            i += 1
            continue
        typ = tag[2:]
        j = i + 1
        while j < n and tags[j] == "I-" + typ:
            j += 1
        lo, hi = i, j
        if typ == "PER":  # "NASA Administrator Charles Bolden": the person follows the last title
            for k in range(hi - 1, lo - 1, -1):
                if _is_title(words[k], titles):
                    lo = k + 1
                    break
        while lo < hi and words[lo] in JOINERS:
            lo += 1
        while hi > lo and (words[hi - 1] in JOINERS or (typ == "ORG" and _is_title(words[hi - 1], titles))):
            hi -= 1  # "State Department Spokesperson": the organisation ends before the title
        if lo < hi and typ in TYPES:
            out.append((lo, hi, typ))
        i = j
    return out


def _is_title(word: str, titles: frozenset[str]) -> bool:
    """A title word ("President", "Dr."), or a hyphenated one ending in one ("Secretary-General")."""
    low = word.lower().rstrip(".")
    return low in titles or ("-" in low and low.rsplit("-", 1)[1] in titles)


_AFTER_THE = frozenset({"of", "and", "for", "on", "in", "at"})  # "Daughters of the American Revolution"


def split_at_the(tags: list[str], words: Sequence[str]) -> None:
    """A "the" inside a name that no "of" (or "and", "for"...) leads in ends it, and what follows is a
    new name of the same type ("U.S. the President" is no name; "Bank of the West" is one)."""
    for i in range(1, len(tags) - 1):
        if words[i] == "the" and tags[i].startswith("I-") and words[i - 1].lower() not in _AFTER_THE:
            tags[i] = "O"
            if tags[i + 1].startswith("I-"):
                tags[i + 1] = "B-" + tags[i + 1][2:]


class Tagger:
    """The model and the lists its features read, and what is done after the tagging:

    - a "the" inside a name splits it (split_at_the);
    - a place that is a nationality ("Russian", "Afghans": gazetteer kind "demonym") is no place.
    """

    def __init__(self, model: Model, lists: Lists) -> None:
        self.model = model
        self.lists = lists

    def tag(self, text: str) -> list[Span]:
        spans = tokenize(text)
        if not spans:
            return []
        words = [text[s:e] for s, e in spans]
        tags = self.model.tag_words(words, sentence_starts(text, spans, words), self.lists)
        split_at_the(tags, words)
        found: list[Span] = []
        places = self.lists.places
        for lo, hi, typ in spans_of(tags, words, self.lists.titles):
            start, end = spans[lo][0], spans[hi - 1][1]
            if typ == "LOC" and hi - lo == 1:
                word = words[lo]
                kind = places.get(word) or (places.get(word[:-1]) if word.endswith("s") else None)
                if kind == "demonym":
                    continue
            found.append((start, end, typ))
        return found


_lock = threading.Lock()
_default: Tagger | None = None


def load(path: Path | None = None) -> Tagger:
    """The tagger of the shipped model (read once, then kept), or of the model file given (read each call)."""
    global _default  # noqa: PLW0603 - the shipped model, read once a process (before fork when warm_up asks)
    if path is not None:
        return Tagger(Model.read(path), Lists.newswire())
    with _lock:
        if _default is None:
            _default = Tagger(Model.read(MODEL_FILE, run_time_only=True), Lists.newswire())
        return _default


def tag(text: str) -> list[Span]:
    """(start, end, type) of the PER, ORG and LOC names the shipped model finds in the text."""
    return load().tag(text)
