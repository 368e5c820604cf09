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
_TOKEN = rf"(?:(?:[A-Z]\.){{2,}}|(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Lt|Col|Prof|Jr|Gov)\.|[{_UP}][\w'’]*(?:-[\w'’]+)*)"
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


def _tokens(match: re.Match[str]) -> list[Tok]:
    out = []
    for t in _TOKEN_RE.finditer(match[0]):
        text = t[0]
        start = match.start() + t.start()
        if text[:2] in _ELISIONS and len(text) > 2:  # French "L'Algérie", "D'après"
            text, start = text[2:], start + 2
        if text.endswith(("'s", "’s")):
            text = text[:-2]
        if text:
            out.append(Tok(text, start, start + len(text)))
    return out


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


def _names_org(toks: list[Tok]) -> bool:
    return " ".join(t.text for t in toks) in KNOWN_ORGS


def _is_org(toks: list[Tok], text: str) -> bool:
    name = " ".join(t.text for t in toks)
    if name in KNOWN_ORGS or any(t.text.lower() in ORG_WORDS for t in toks):
        return True
    if len(toks) == 1 and toks[0].text.isupper() and 2 <= len(toks[0].text) <= 6:
        return True
    nxt = _next_words(text, toks[-1].end, 1)
    return bool(nxt) and nxt[0] in ORG_AFTER


def _strip_leading(toks: list[Tok]) -> list[Tok]:
    first, last = 0, len(toks)  # indices, not toks[1:] per word: a run of a million stopwords stays linear
    while first < last:
        low = toks[first].text.lower()
        if (low in STOPWORDS and not (toks[first].text.isupper() and len(low) > 1)) or low in NOT_NAMES:
            first += 1
        else:
            break
    while last > first and toks[last - 1].text.lower() in NOT_NAMES:
        last -= 1
    return toks[first:last]


class _Collector:
    def __init__(self, text: str, lang: str | None) -> None:
        self.text = text
        self.lang = lang
        self.people: list[tuple[list[Tok], bool]] = []  # tokens, certain
        self.singles: list[Tok] = []  # one capitalised word, maybe a known person's surname
        self.orgs: list[list[Tok]] = []
        self.places: list[tuple[Tok, Tok, Place]] = []  # first, last token, place

    def part(self, toks: list[Tok]) -> None:
        full = " ".join(t.text for t in toks)
        if full in REGIONS:
            return
        place = _place(full, self.lang) if toks else None
        if place is not None and place.kind != "demonym" and full not in KNOWN_ORGS:
            self.places.append((toks[0], toks[-1], place))
            return
        toks = _strip_leading(toks)
        if not toks:
            return
        if toks[-1].text.lower().endswith(_COMPOUND_ADJECTIVES):
            return  # "the Wolfsburg-based company", "Kremlin-backed media": a description, not a name
        if len(toks) > 1 and _sentence_start(self.text, toks[0].start) and _names_org(toks[1:]):
            toks = toks[1:]  # "Rival BYD sold ...": the capital of the first word is the sentence's
        if _is_org(toks, self.text):
            self.orgs.append(toks)
            return
        previous = _previous_word(self.text, toks[0].start)
        cue = previous in PERSON_CUES or previous in SPEECH_VERB_WORDS
        titled = [i for i, t in enumerate(toks) if t.text.lower() in TITLES]
        if titled:
            cue = True
            toks = toks[titled[-1] + 1 :]
        # a leading place or demonym ("России Дмитрий Песков", "Russian Vladimir Putin", "Председатель КНР Си
        # Цзиньпин") is not part of a name
        first = 0
        while first < len(toks) - 1 and _place(toks[first].text, self.lang) is not None:
            first += 1
        if not toks:
            return
        self.person_or_place(toks[first:], cue)

    def person_or_place(self, toks: list[Tok], cue: bool) -> None:
        full = " ".join(t.text for t in toks)
        place = _place(full, self.lang)
        if place is not None and not cue:
            if place.kind != "demonym":
                self.places.append((toks[0], toks[-1], place))
            return
        following = _next_words(self.text, toks[-1].end)
        speaks = (bool(following) and following[0] in SPEECH_VERB_WORDS) or " ".join(following) in SPEECH_VERB_PAIRS
        if len(toks) == 1:
            if cue or speaks:
                self.people.append((toks, True))
            else:
                self.singles.append(toks[0])
            return
        if cue or toks[0].text.lower() in FIRST_NAMES or speaks:
            self.people.append((toks, True))


def _candidates(text: str, lang: str | None, sequences: list[list[Tok]]) -> _Collector:
    c = _Collector(text, lang)
    for toks in sequences:
        parts = _split_connectors(text, toks)
        whole = [t for p in parts for t in p]
        if len(parts) > 1 and _is_org(whole, text):
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
            found = by_key[key] = Found("person", " ".join(t.text for t in toks))
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


def _country_hits(text: str, lang: str | None, sequences: list[list[Tok]]) -> Iterator[tuple[int, int, Place]]:
    """Every gazetteer hit: capitalised n-grams (longest first), parts of hyphenated words, lowercase forms."""
    table = gazetteer.english()
    starts = gazetteer.name_starts()
    for toks in sequences:
        i = 0
        while i < len(toks):
            longest = min(4, len(toks) - i) if toks[i].text in starts else 1
            for n in range(longest, 0, -1):
                name = text[toks[i].start : toks[i + n - 1].end]
                place = _place(name, lang)
                if place is not None:
                    yield toks[i].start, toks[i + n - 1].end, place
                    i += n
                    break
            else:
                tok = toks[i]
                if "-" in tok.text:
                    offset = tok.start
                    for part in tok.text.split("-"):
                        hit = table.get(part)
                        if hit is not None:
                            yield offset, offset + len(part), hit
                        offset += len(part) + 1
                i += 1
    if lang in ("fr", "ru"):
        for w in _WORD.finditer(text):
            if w[0][0].islower():
                place = gazetteer.french(w[0]) if lang == "fr" else gazetteer.russian(w[0])
                if place is not None:
                    yield w.start(), w.end(), place


def extract(text: str, lang: str | None) -> Result:
    sequences = [_tokens(match) for match in _SEQUENCE.finditer(text)]  # runs of capitalised words, read once
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
        orgs.setdefault(name, Found("organization", name)).spans.append(span)
    in_org = _Cover([s for o in orgs.values() for s in o.spans])
    countries: dict[str, list[tuple[int, int]]] = {}
    locations: dict[str, Found] = {}
    for start, end, place in _country_hits(text, lang, sequences):
        if in_person(start, end):
            continue
        countries.setdefault(place.code, []).append((start, end))
        if place.kind != "demonym" and not in_org(start, end):
            loc = locations.setdefault(place.name, Found("location", place.name, place=place))
            loc.spans.append((start, end))
    return Result(persons, sorted(orgs.values(), key=lambda o: o.spans[0]), list(locations.values()), countries)
