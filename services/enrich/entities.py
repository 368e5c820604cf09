"""People, organisations, places and countries from capitalised sequences, curated cues and a gazetteer.

No statistical model: candidates are runs of capitalised words; titles ("President", "spokesman"),
given names, speech verbs and organisation keywords decide what each is; a surname alone is the
person whose full name appears in the same text; place names and demonyms map to ISO 3166 codes
through the gazetteer, except inside a person's name ("Vladimir" in "Vladimir Putin").
Offsets are character offsets into the body.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, pairwise

from services.enrich import gazetteer
from services.enrich.gazetteer import Place
from services.enrich.lexicon import (
    FIRST_NAMES,
    KNOWN_ORGS,
    NOT_NAMES,
    ORG_AFTER,
    ORG_WORDS,
    PERSON_CUES,
    REGIONS,
    SPEECH_VERB_PAIRS,
    SPEECH_VERB_WORDS,
    STOPWORDS,
    TITLES,
)

_UP = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_ABBREVIATED = ("Mr", "Mrs", "Ms", "Dr", "St", "Gen", "Sen", "Rep", "Lt", "Col", "Prof", "Jr", "Gov")
# A token is initials ("U.S."), an abbreviated title ("Mr."), else a capitalised word:
# (?:(?:[A-Z]\.){2,}|(?:Mr|Mrs|...|Gov)\.|[UP][\w'’]*(?:-[\w'’]+)*). Written with the capital they all
# start with taken first, once, and each alternative checking it with a lookbehind, in the same order:
# the same matches, and a pattern that starts with a character set, which lets the regex engine skip
# to the next capital instead of trying the three alternatives at every character (4x faster).
_TOKEN = (
    rf"[{_UP}](?:(?<=[A-Z])\.(?:[A-Z]\.)+"
    rf"|(?:{'|'.join(f'(?<={t[0]}){t[1:]}' for t in _ABBREVIATED)})\."
    rf"|[\w'’]*(?:-[\w'’]+)*)"
)
_CONNECT = r"(?:of the|of|for the|for|de la|de|du|des|al|bin|von|van|der|den|da|di|dos|y|i)"
_SEQUENCE = re.compile(rf"{_TOKEN}(?:(?:[ \t]+{_CONNECT})*[ \t]+{_TOKEN})*")
_TOKEN_RE = re.compile(_TOKEN)
_WORD = re.compile(r"[\w'’.-]+")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_RU_ENDINGS = ("ого", "ому", "ым", "ом", "ой", "ей", "ею", "ую", "а", "у", "е", "ы", "и", "я", "ю")
# Connectors that join two names into one organisation at most ("Bank of England"); the others
# (von, der, bin, da...) are particles inside a person's name ("Mohammed bin Salman").
_SPLITTING = frozenset({"of", "for", "de", "du", "des", "i"})
_ELISIONS = frozenset({"L'", "L’", "D'", "D’"})


@dataclass(slots=True)
class Tok:
    text: str  # without a possessive 's
    start: int
    end: int


@dataclass(slots=True)
class Found:
    kind: str  # person, organization, location
    name: str
    spans: list[tuple[int, int]] = field(default_factory=list)
    place: Place | None = None


@dataclass(slots=True)
class Result:
    persons: list[Found]
    organizations: list[Found]
    locations: list[Found]
    countries: dict[str, list[tuple[int, int]]]  # code -> spans


def _shape(sequence: str) -> tuple[tuple[str, int, int], ...]:
    """The tokens of a sequence of capitalised words: text (without a possessive 's), start and end in it."""
    out = []
    for t in _TOKEN_RE.finditer(sequence):
        text = t[0]
        start = t.start()
        if text[:2] in _ELISIONS and len(text) > 2:  # French "L'Algérie", "D'après"
            text, start = text[2:], start + 2
        if text.endswith(("'s", "’s")):
            text = text[:-2]
        if text:
            out.append((text, start, start + len(text)))
    return tuple(out)


# sequence -> _shape(sequence), shared by the articles: the same names recur from one article to the
# next. Bounded: a process that has seen this many distinct sequences starts again, and a sequence
# longer than names are (a hostile run of capitals) is not kept.
_SHAPES: dict[str, tuple[tuple[str, int, int], ...]] = {}
_SHAPES_MAX = 50_000
_KEPT_CHARS = 200


def _shape_of(sequence: str) -> tuple[tuple[str, int, int], ...]:
    shape = _SHAPES.get(sequence)
    if shape is None:
        shape = _shape(sequence)
        if len(sequence) <= _KEPT_CHARS:
            if len(_SHAPES) >= _SHAPES_MAX:
                _SHAPES.clear()
            _SHAPES[sequence] = shape
    return shape


def _tokens(match: re.Match[str]) -> list[Tok]:
    shape = _shape_of(match[0])
    base = match.start()
    return [Tok(text, base + start, base + end) for text, start, end in shape]


def _split_connectors(text: str, toks: list[Tok]) -> list[list[Tok]]:
    """A sequence's tokens, split into parts where a connector word joined them."""
    if not toks:
        return []
    parts: list[list[Tok]] = [[toks[0]]]
    for prev, tok in pairwise(toks):
        gap = text[prev.end : tok.start].strip(" \t'’s")
        if gap and gap.split()[0] in _SPLITTING:
            parts.append([tok])
        else:
            parts[-1].append(tok)
    return parts


def _stem(word: str) -> str:
    word = word.lower()
    if _CYRILLIC.search(word):
        for ending in _RU_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                return word[: -len(ending)]
    return word


def _previous_word(text: str, start: int) -> str:
    before = text[max(0, start - 40) : start].split()
    return before[-1].lower().strip(",:;\"'«“") if before else ""


def _next_words(text: str, end: int, n: int = 2) -> list[str]:
    return [w.lower().strip(",.;:\"'»”") for w in text[end : end + 40].split()[:n]]


def _place(name: str, lang: str | None) -> Place | None:
    place = gazetteer.english().get(name)
    if place is None and lang == "fr":
        place = gazetteer.french(name)
    if place is None and lang == "ru" and _CYRILLIC.search(name) and " " not in name:
        # one word: the stems match inflected forms ("России"), and a name that merely starts with a
        # country ("США Энтони Блинкен") is a country and a person, not one place
        place = gazetteer.russian(name)
    return place


_COMPOUND_ADJECTIVES = ("-based", "-backed", "-led", "-owned", "-run", "-born", "-made", "-linked", "-funded")


_OPENERS = frozenset(" \t\"'“«(")


def _sentence_start(text: str, start: int) -> bool:
    # Back over the openers before the word only (copying text[:start] per name was quadratic): the
    # runs skipped for different names never overlap, so all calls together read the text once at most.
    while start > 0 and text[start - 1] in _OPENERS:
        start -= 1
    return start == 0 or text[start - 1] in ".!?\n:"


def _org_by_words(texts: tuple[str, ...]) -> bool:
    """Whether the words alone make a name an organisation: a known one, an organisation keyword among
    them, or one short word in capitals (an acronym)."""
    if " ".join(texts) in KNOWN_ORGS or any(t.lower() in ORG_WORDS for t in texts):
        return True
    return len(texts) == 1 and texts[0].isupper() and 2 <= len(texts[0]) <= 6


def _org_after(text: str, end: int) -> bool:
    """Whether the word after a name makes it an organisation ("Argumenty i Fakty newspaper")."""
    nxt = _next_words(text, end, 1)
    return bool(nxt) and nxt[0] in ORG_AFTER


def _is_org(toks: list[Tok], text: str) -> bool:
    return _org_by_words(tuple([t.text for t in toks])) or _org_after(text, toks[-1].end)


def _strip_bounds(texts: tuple[str, ...]) -> tuple[int, int]:
    """The words left once leading stopwords and not-names and trailing not-names are stripped: [first, last)."""
    first, last = 0, len(texts)  # indices, not texts[1:] per word: a run of a million stopwords stays linear
    while first < last:
        low = texts[first].lower()
        if (low in STOPWORDS and not (texts[first].isupper() and len(low) > 1)) or low in NOT_NAMES:
            first += 1
        else:
            break
    while last > first and texts[last - 1].lower() in NOT_NAMES:
        last -= 1
    return first, last


def _strip_leading(toks: list[Tok]) -> list[Tok]:
    first, last = _strip_bounds(tuple([t.text for t in toks]))
    return toks[first:last]


# What the words of a part of a sequence say of it, before its context does (the words around it).
# A part's words recur from one article to the next ("Vladimir Putin", "the Kremlin"), so this is
# worked out once per distinct words (and language) and kept, in a bounded table.


@dataclass(frozen=True, slots=True)
class _Name:
    """The words of a candidate name that is not an organisation by its words."""

    org: bool  # an organisation by its words alone
    titled: bool  # a title among the words (what follows the last is a person)
    skip: int  # the words before the name: through the last title, then leading places or demonyms
    empty: bool  # nothing follows the last title
    place: Place | None  # the place the name's words make
    first_name: bool  # the name starts with a known given name
    single: bool  # the name is one word


@dataclass(frozen=True, slots=True)
class _Plan:
    done: bool  # nothing more to do: a region, a place (kept in `place`), nothing left once stripped, a description
    place: Place | None
    first: int  # the stripped words: [first, last)
    last: int
    drop_first: bool  # at a sentence start, the first word is dropped ("Rival BYD": the rest is a known organisation)
    whole: _Name | None  # the stripped words as a name
    rest: _Name | None  # the stripped words but the first, as a name (when drop_first)


def _name(texts: tuple[str, ...], lang: str | None) -> _Name:
    org = _org_by_words(texts)
    titled = [i for i, t in enumerate(texts) if t.lower() in TITLES]
    skip = titled[-1] + 1 if titled else 0
    rest = texts[skip:]
    if not rest:
        return _Name(org, bool(titled), skip, True, None, False, False)
    first = 0
    while first < len(rest) - 1 and _place(rest[first], lang) is not None:
        first += 1
    name = rest[first:]
    place = _place(" ".join(name), lang)
    return _Name(org, bool(titled), skip + first, False, place, name[0].lower() in FIRST_NAMES, len(name) == 1)


def _plan(texts: tuple[str, ...], lang: str | None) -> _Plan:
    full = " ".join(texts)
    if full in REGIONS:
        return _Plan(True, None, 0, 0, False, None, None)
    place = _place(full, lang) if texts else None
    if place is not None and place.kind != "demonym" and full not in KNOWN_ORGS:
        return _Plan(True, place, 0, 0, False, None, None)
    first, last = _strip_bounds(texts)
    if first == last or texts[last - 1].lower().endswith(_COMPOUND_ADJECTIVES):
        # nothing left, or "the Wolfsburg-based company", "Kremlin-backed media": a description, not a name
        return _Plan(True, None, first, last, False, None, None)
    stripped = texts[first:last]
    drop_first = len(stripped) > 1 and " ".join(stripped[1:]) in KNOWN_ORGS
    rest = _name(stripped[1:], lang) if drop_first else None
    return _Plan(False, None, first, last, drop_first, _name(stripped, lang), rest)


_PLANS: dict[tuple[tuple[str, ...], str | None], _Plan] = {}
_PLANS_MAX = 50_000


def _plan_of(toks: list[Tok], lang: str | None) -> _Plan:
    key = (tuple([t.text for t in toks]), lang)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _plan(key[0], lang)
        if toks[-1].end - toks[0].start <= _KEPT_CHARS:
            if len(_PLANS) >= _PLANS_MAX:
                _PLANS.clear()
            _PLANS[key] = plan
    return plan


class _Collector:
    def __init__(self, text: str, lang: str | None) -> None:
        self.text = text
        self.lang = lang
        self.people: list[tuple[list[Tok], bool]] = []  # tokens, certain
        self.singles: list[Tok] = []  # one capitalised word, maybe a known person's surname
        self.orgs: list[list[Tok]] = []
        self.places: list[tuple[Tok, Tok, Place]] = []  # first, last token, place

    def part(self, toks: list[Tok]) -> None:
        plan = _plan_of(toks, self.lang)
        if plan.done:
            if plan.place is not None:
                self.places.append((toks[0], toks[-1], plan.place))
            return
        toks = toks[plan.first : plan.last]
        name = plan.whole
        if plan.drop_first and _sentence_start(self.text, toks[0].start):
            toks = toks[1:]  # "Rival BYD sold ...": the capital of the first word is the sentence's
            name = plan.rest
        assert name is not None  # a plan not done has its names
        if name.org or _org_after(self.text, toks[-1].end):
            self.orgs.append(toks)
            return
        previous = _previous_word(self.text, toks[0].start)
        cue = name.titled or previous in PERSON_CUES or previous in SPEECH_VERB_WORDS
        if name.empty:
            return
        # after a title, a person; a leading place or demonym ("России Дмитрий Песков", "Russian Vladimir
        # Putin", "Председатель КНР Си Цзиньпин") is not part of a name
        toks = toks[name.skip :]
        if name.place is not None and not cue:
            if name.place.kind != "demonym":
                self.places.append((toks[0], toks[-1], name.place))
            return
        if name.single:
            if cue or self._speaks(toks):
                self.people.append((toks, True))
            else:
                self.singles.append(toks[0])
            return
        if cue or name.first_name or self._speaks(toks):
            self.people.append((toks, True))

    def _speaks(self, toks: list[Tok]) -> bool:
        """Whether a speech verb follows the name ("Peskov said", "Peskov a déclaré")."""
        following = _next_words(self.text, toks[-1].end)
        return (bool(following) and following[0] in SPEECH_VERB_WORDS) or " ".join(following) in SPEECH_VERB_PAIRS


def _candidates(text: str, lang: str | None, sequences: list[list[Tok]]) -> _Collector:
    c = _Collector(text, lang)
    for toks in sequences:
        parts = _split_connectors(text, toks)
        if len(parts) > 1:
            whole = [t for p in parts for t in p]
            if _is_org(whole, text):
                c.orgs.append(_strip_leading(whole))
                continue
        for part in parts:
            c.part(part)
    return c


def _group_people(c: _Collector) -> list[Found]:
    by_key: dict[tuple[str, ...], Found] = {}
    by_surname: dict[str, Found] = {}
    pending: list[Tok] = []
    for toks, _certain in sorted(c.people, key=lambda p: -len(p[0])):
        if len(toks) == 1:
            pending.append(toks[0])
            continue
        key = tuple(_stem(t.text) for t in toks)
        found = by_key.get(key)
        if found is None:
            found = by_key[key] = Found("person", " ".join([t.text for t in toks]))
        found.spans.append((toks[0].start, toks[-1].end))
        by_surname.setdefault(key[-1], found)
        for part in key[1:-1]:  # "Lula" in "Luiz Inacio Lula da Silva", "Yoon" in "Yoon Suk Yeol"
            if part[:1].isalpha() and part not in STOPWORDS:
                by_surname.setdefault(part, found)
    for found in list(by_key.values()):  # a family name written first ("Xi" of "Xi Jinping"), if no surname is
        by_surname.setdefault(_stem(found.name.split()[0]), found)
    alone: dict[str, Found] = {}
    for tok in pending:
        found = by_surname.get(_stem(tok.text))
        if found is None:
            found = alone.setdefault(_stem(tok.text), Found("person", tok.text))
        found.spans.append((tok.start, tok.end))
    for tok in c.singles:  # a lone capitalised word counts only as a surname seen in full
        found = by_surname.get(_stem(tok.text)) or alone.get(_stem(tok.text))
        if found is not None:
            found.spans.append((tok.start, tok.end))
    people = list(by_key.values()) + list(alone.values())
    for p in people:
        p.spans.sort()
    return sorted(people, key=lambda p: p.spans[0])


class _Cover:
    """Spans, asked whether one of them contains [start, end): a binary search, not a scan of them all
    per hit (which made a long article quadratic)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._reach = list(accumulate((e for _, e in ordered), max))  # the furthest end of a span so far

    def __call__(self, start: int, end: int) -> bool:
        i = bisect_right(self._starts, start)  # the spans that start at or before start
        return i > 0 and self._reach[i - 1] >= end


def _sequence_hits(sequence: str, lang: str | None) -> tuple[tuple[int, int, Place], ...]:
    """The gazetteer hits in a sequence of capitalised words (offsets in it): its n-grams (longest
    first), parts of hyphenated words."""
    table = gazetteer.english()
    starts = gazetteer.name_starts()
    # _place, which for other languages than French and Russian is a look-up in the English table
    place_of = table.get if lang not in ("fr", "ru") else lambda name: _place(name, lang)
    toks = _shape_of(sequence)
    hits = []
    i = 0
    while i < len(toks):
        text, start, _ = toks[i]
        longest = min(4, len(toks) - i) if text in starts else 1
        for n in range(longest, 0, -1):
            end = toks[i + n - 1][2]
            place = place_of(sequence[start:end])
            if place is not None:
                hits.append((start, end, place))
                i += n
                break
        else:
            if "-" in text:
                offset = start
                for part in text.split("-"):
                    hit = table.get(part)
                    if hit is not None:
                        hits.append((offset, offset + len(part), hit))
                    offset += len(part) + 1
            i += 1
    return tuple(hits)


# (sequence, language) -> _sequence_hits(sequence, language): the same names recur (bounded, as _SHAPES)
_HITS: dict[tuple[str, str | None], tuple[tuple[int, int, Place], ...]] = {}


def _country_hits(text: str, lang: str | None, matches: list[re.Match[str]]) -> Iterator[tuple[int, int, Place]]:
    """Every gazetteer hit: in the sequences of capitalised words, then lowercase forms."""
    for match in matches:
        key = (match[0], lang)
        hits = _HITS.get(key)
        if hits is None:
            hits = _sequence_hits(match[0], lang)
            if len(match[0]) <= _KEPT_CHARS:
                if len(_HITS) >= _SHAPES_MAX:
                    _HITS.clear()
                _HITS[key] = hits
        base = match.start()
        for start, end, place in hits:
            yield base + start, base + end, place
    if lang in ("fr", "ru"):
        for w in _WORD.finditer(text):
            if w[0][0].islower():
                found = gazetteer.french(w[0]) if lang == "fr" else gazetteer.russian(w[0])
                if found is not None:
                    yield w.start(), w.end(), found


def extract(text: str, lang: str | None) -> Result:
    matches = list(_SEQUENCE.finditer(text))  # runs of capitalised words, read once
    sequences = [_tokens(match) for match in matches]
    c = _candidates(text, lang, sequences)
    persons = _group_people(c)
    in_person = _Cover([s for p in persons for s in p.spans])
    orgs: dict[str, Found] = {}
    for toks in c.orgs:
        if not toks:
            continue
        if in_person(toks[0].start, toks[-1].end):
            continue
        first = 0
        while first < len(toks) - 1 and text[toks[first].end : toks[first].end + 2] in ("'s", "’s"):
            first += 1  # "Russia's Argumenty i Fakty": the owner is not part of the name
        span = (toks[first].start, toks[-1].end)
        name = text[span[0] : span[1]]
        org = orgs.get(name)
        if org is None:
            org = orgs[name] = Found("organization", name)
        org.spans.append(span)
    in_org = _Cover([s for o in orgs.values() for s in o.spans])
    countries: dict[str, list[tuple[int, int]]] = {}
    locations: dict[str, Found] = {}
    for start, end, place in _country_hits(text, lang, matches):
        if in_person(start, end):
            continue
        countries.setdefault(place.code, []).append((start, end))
        if place.kind != "demonym" and not in_org(start, end):
            loc = locations.get(place.name)
            if loc is None:
                loc = locations[place.name] = Found("location", place.name, place=place)
            loc.spans.append((start, end))
    return Result(persons, sorted(orgs.values(), key=lambda o: o.spans[0]), list(locations.values()), countries)
