"""People, organisations, places and countries from capitalised sequences, curated cues, a gazetteer
and, for English, a statistical tagger.

The rules: candidates are runs of capitalised words; titles ("President", "spokesman"), given names,
speech verbs, organisation and facility keywords decide what each is; a surname alone is the person
whose full name appears in the same text; place names and demonyms map to ISO 3166 codes through the
gazetteer, except inside a person's name ("Vladimir" in "Vladimir Putin"). In English text the
tagger's names (services/enrich/tagger.py, an averaged perceptron) are added where the rules found
nothing (_add_tagged). Offsets are character offsets into the body.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, pairwise

from services.enrich import gazetteer, tagger
from services.enrich.gazetteer import Place
from services.enrich.lexicon import (
    CLUBS,
    COMPANIES,
    FACILITY_WORDS,
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
    words,
)

_UP = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_ABBREVIATED = ("Mr", "Mrs", "Ms", "Dr", "St", "Gen", "Sen", "Rep", "Lt", "Col", "Prof", "Jr", "Gov")
# A token is initials ("U.S."), an abbreviated title ("Mr."), else a capitalised word:
# (?:(?:[A-Z]\.){2,}|(?:Mr|Mrs|...|Gov)\.|[UP][\w'’]*(?:-[\w'’]+)*). Written with the capital they all
# start with taken first, once, and each alternative checking it with a lookbehind, in the same order:
# the same matches, and a pattern that starts with a character set, which lets the regex engine skip
# to the next capital instead of trying the three alternatives at every character (4x faster).
# An initial ("W." of "George W. Bush") is a token when a capitalised word follows it; _initials() then
# decides whether it belongs to a name or ended a sentence ("Plan B. Officials said").
_TOKEN = (
    rf"[{_UP}](?:(?<=[A-Z])\.(?:[A-Z]\.)+"
    rf"|(?:{'|'.join(f'(?<={t[0]}){t[1:]}' for t in _ABBREVIATED)})\."
    rf"|(?<=[A-Z])\.(?=[ \t]+[{_UP}])"
    rf"|[\w'’]*(?:-[\w'’]+)*)"
)
_CONNECT = r"(?:of the|of|for the|for|de la|de|du|des|al|bin|ibn|bint|von|van|der|den|ten|ter|da|di|del|della|dos|y|i)"
# An Arabic article glued to the next name ("Suleiman al-Amr", "Abu Bakr al-Baghdadi") joins it to the
# sequence; the name keeps it as written (_written), its token is the capitalised word.
_ARTICLE = r"(?:al|el|ad|ash|as|at|az|ar|an|ud)[-‐]"
_SEQUENCE = re.compile(rf"{_TOKEN}(?:(?:[ \t]+{_CONNECT})*[ \t]+(?:{_ARTICLE})?{_TOKEN})*")
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
        elif text.endswith(("'", "’")):  # a plural's possessive: "the United States' first woman"
            text = text[:-1]
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


def _is_initial(word: str) -> bool:
    return len(word) == 2 and word[1] == "." and word[0].isupper()


def _initial(tok: Tok) -> bool:
    return _is_initial(tok.text)


def _initials(toks: list[Tok]) -> list[list[Tok]]:
    """A sequence's single initials ("W.") kept inside a person's name: after a given name or another
    initial ("George W. Bush", "J. K. Rowling"), or first before a given name or an initial ("L. Ron
    Hubbard"). Anywhere else the initial ended a sentence: the sequence is cut after it ("Plan B.
    Officials said": "Plan B" and "Officials"), and an initial that opens a sequence with no given name
    after it is dropped."""
    if not any(_initial(t) for t in toks):
        return [toks]
    parts: list[list[Tok]] = []
    current: list[Tok] = []
    for k, tok in enumerate(toks):
        if not _initial(tok):
            current.append(tok)
            continue
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        if current:
            before = current[-1]
            if before.text.lower() in FIRST_NAMES or _initial(before):
                current.append(tok)
                continue
            if nxt is not None and _initial(nxt):  # "Author J. K. Rowling": two initials open a name
                parts.append(current)
                current = [tok]
                continue
            # a sentence ended with the letter: "Group B." (its full stop is no part of the name)
            current.append(Tok(tok.text[0], tok.start, tok.start + 1))
            parts.append(current)
            current = []
            continue
        if nxt is not None and (nxt.text.lower() in FIRST_NAMES or _initial(nxt)):
            current.append(tok)
    if current:
        parts.append(current)
    return parts


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


# Every organisation known by name: institutions and companies written by this project, football
# clubs and large listed companies from open data (data/SOURCES.md).
_KNOWN = KNOWN_ORGS | CLUBS | COMPANIES

# Words after a place that make the pair a sports team ("Dallas Cowboys", "Plymouth Argyle",
# "Leicester City"), besides a plural that is no place word; and words before a place that do
# ("Dynamo Kyiv", "Inter Milan").
_TEAM_AFTER = frozenset(
    words(
        "united city rovers wanderers athletic albion hotspur argyle orient rangers villa forest wednesday fc "
        "afc sc cf bk fk sk if"
    )
)
_TEAM_BEFORE = frozenset(
    words(
        "real atletico atlético inter ac as ss fc sporting olympique racing deportivo borussia eintracht "
        "hertha fortuna dynamo dinamo spartak lokomotiv cska sparta slavia legia partizan shakhtar zenit "
        "stade"
    )
)
# Plurals after a place that name a place, an event or a document, not a team ("Golan Heights",
# "Paris Olympics", "Minsk Accords"): the place stays a place.
_PLACE_PLURALS = frozenset(
    words(
        "islands isles heights hills mountains falls springs alps highlands lowlands plains keys lakes "
        "territories emirates states provinces regions games olympics talks accords agreements protests riots "
        "elections conventions negotiations attacks bombings floods fires marshes gardens docks fields woods "
        "sands waters downs glades flats rapids narrows banks"
    )
)


def _team(texts: tuple[str, ...], lang: str | None) -> bool:
    """A place with a team word after it ("Dallas Cowboys", "Leicester City") or before it ("Dynamo Kyiv")."""
    if len(texts) != 2:
        return False
    first, last = texts
    if first.lower() in _TEAM_BEFORE:
        place = _place(last, lang)
        return place is not None and place.kind != "demonym"
    if first.lower() in FIRST_NAMES:
        return False  # "Florence Evans"
    place = _place(first, lang)
    if place is None or place.kind == "demonym":
        return False
    low = last.lower()
    if low in _TEAM_AFTER:
        return True
    plural = low.endswith("s") and not low.endswith("ss") and len(low) > 3 and last[:1].isupper()
    return plural and low not in _PLACE_PLURALS and _place(last, lang) is None


def _letter_group(texts: tuple[str, ...]) -> bool:
    """A word and a letter: "Group A", "Pool B", "Plan C" (a group's organisation word is no evidence)."""
    return len(texts) == 2 and len(texts[1]) == 1 and texts[1].isupper()


def _org_by_words(texts: tuple[str, ...]) -> bool:
    """Whether the words alone make a name an organisation: a known one, or an organisation keyword
    among them ("Hindustan Aeronautics Limited", "Christian Democrats"), but not a word and a letter
    ("Group A"). A word in capitals is not one by itself: an acronym is an organisation when it is
    known, defined in the text ("the Football Association (FA)") or next to an organisation noun
    ("broadcaster RTL", "the SNP party"), which the collector checks."""
    if " ".join(texts) in _KNOWN:
        return True
    if _letter_group(texts):
        return False
    return any(t.lower() in ORG_WORDS for t in texts)


# Organisation words that name one body by themselves ("Congress", "the Duma")
_BODIES = frozenset(
    words("congress parliament senate duma knesset bundestag bundesrat sejm rada riksdag storting folketing majlis")
)


def _org_after(text: str, end: int) -> bool:
    """Whether the word after a name makes it an organisation ("Argumenty i Fakty newspaper")."""
    nxt = _next_words(text, end, 1)
    return bool(nxt) and nxt[0] in ORG_AFTER


def _org_before(text: str, start: int) -> bool:
    """Whether the word before a name makes it an organisation ("broadcaster RTL", "lender HSBC")."""
    return _previous_word(text, start) in ORG_AFTER


def _is_org(toks: list[Tok], text: str) -> bool:
    return _org_by_words(tuple([t.text for t in toks])) or _org_after(text, toks[-1].end)


def _strip_bounds(texts: tuple[str, ...]) -> tuple[int, int]:
    """The words left once leading stopwords and not-names and trailing not-names are stripped: [first, last)."""
    first, last = 0, len(texts)  # indices, not texts[1:] per word: a run of a million stopwords stays linear
    while first < last:
        low = texts[first].lower()
        if (low in STOPWORDS and not (texts[first].isupper() and len(low) > 1)) or low in NOT_NAMES:
            if low in STOPWORDS and _opens_known(texts, first, last):
                break  # "New" of "New York Times", "United" of "United Nations Security Council"
            first += 1
        else:
            break
    while last > first and texts[last - 1].lower() in NOT_NAMES:
        last -= 1
    return first, last


def _opens_known(texts: tuple[str, ...], first: int, last: int) -> bool:
    """Whether the word at first opens a place's or a known organisation's name of two or three words."""
    places = gazetteer.english()
    for n in (2, 3):
        if first + n <= last:
            name = " ".join(texts[first : first + n])
            if name in places or name in _KNOWN:
                return True
    return False


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
    lead: int  # the words before the first title ("UN" of "UN Secretary-General Antonio Guterres")
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
    club: bool = False  # a known club (or company) that is also a city or region: which one, the context says
    region: bool = False  # a region of no one country ("North America", "Middle East"): a location, no country


def _title(word: str) -> bool:
    """A title word, or a hyphenated one ending in one ("Secretary-General", "Vice-President")."""
    low = word.lower()
    return low in TITLES or ("-" in low and low.rsplit("-", 1)[1] in TITLES)


# A romanised East Asian name: a one-syllable family name, then a given name of two syllables joined by
# a hyphen ("Park Joo-ho", "Wu Chi-wai", "Kim Jong-un", "Leung Kwok-hung"); the pattern is the evidence,
# as a known given name is elsewhere.
_HYPHENATED_GIVEN = re.compile(r"[A-Z][a-z]{1,5}-[a-z]{1,5}")
_FAMILY_SYLLABLE = re.compile(r"[A-Z][a-z]{1,5}")


def _hyphenated_given(name: tuple[str, ...]) -> bool:
    """A family name and a hyphenated given name ("Wu Chi-wai"), or the reverse order ("Chi-wai Wu")."""
    if len(name) != 2:
        return False
    a, b = name
    if a.lower() in STOPWORDS or b.lower() in STOPWORDS:
        return False
    return bool(
        (_FAMILY_SYLLABLE.fullmatch(a) and _HYPHENATED_GIVEN.fullmatch(b))
        or (_HYPHENATED_GIVEN.fullmatch(a) and _FAMILY_SYLLABLE.fullmatch(b))
    )


def _name(texts: tuple[str, ...], lang: str | None) -> _Name:
    org = _org_by_words(texts) or _team(texts, lang)
    # a title word before an organisation word names the organisation: "State Department", "Defence Ministry"
    titled = [
        i for i, t in enumerate(texts) if _title(t) and not (i + 1 < len(texts) and texts[i + 1].lower() in ORG_WORDS)
    ]
    skip = titled[-1] + 1 if titled else 0
    lead = titled[0] if titled else 0
    rest = texts[skip:]
    if not rest:
        return _Name(org, bool(titled), lead, skip, True, None, False, False)
    first = 0
    # a leading place or demonym is not part of a name ("Russian Vladimir Putin"), unless it is a given
    # name too ("Vladimir Putin": Vladimir is a Russian city)
    while first < len(rest) - 1 and rest[first].lower() not in FIRST_NAMES and _place(rest[first], lang) is not None:
        first += 1
    name = rest[first:]
    place = _place(" ".join(name), lang)
    given = name[0].lower() in FIRST_NAMES or _hyphenated_given(name) or (len(name) > 1 and _is_initial(name[0]))
    return _Name(org, bool(titled), lead, skip + first, False, place, given, len(name) == 1)


def _plan(texts: tuple[str, ...], lang: str | None) -> _Plan:
    full = " ".join(texts)
    if full in REGIONS:
        return _Plan(True, None, 0, len(texts), False, None, None, region=True)
    place = _place(full, lang) if texts else None
    if place is not None and place.kind != "demonym" and (full not in _KNOWN or place.kind == "country"):
        return _Plan(True, place, 0, 0, False, None, None)
    first, last = _strip_bounds(texts)
    if first == last or texts[last - 1].lower().endswith(_COMPOUND_ADJECTIVES):
        # nothing left, or "the Wolfsburg-based company", "Kremlin-backed media": a description, not a name
        return _Plan(True, None, first, last, False, None, None)
    stripped = texts[first:last]
    if first or last < len(texts):  # "In Mexico City", "In Frankfurt": the place once the stopword is off
        inner = " ".join(stripped)
        place = _place(inner, lang) if inner not in REGIONS else None
        if place is not None and place.kind != "demonym" and (inner not in _KNOWN or place.kind == "country"):
            return _Plan(True, place, 0, 0, False, None, None)
    if place is not None and place.kind != "demonym":  # "Liverpool", "Porto": a club in sport, else a city
        return _Plan(False, place, first, last, False, _name(stripped, lang), None, club=True)
    # At a sentence start, a first word before a known name is the sentence's ("Rival BYD", "Will Apple"),
    # unless it is a given name and no common word ("Peter Blackburn": Blackburn is also a club)
    given = stripped[0].lower() in FIRST_NAMES and stripped[0].lower() not in STOPWORDS
    known_rest = " ".join(stripped[1:]) in _KNOWN and " ".join(stripped) not in _KNOWN
    drop_first = len(stripped) > 1 and not given and known_rest
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


# What makes a sentence about sport: a score ("2-1") or one of these words. A club that is also a
# city ("Liverpool", "Porto") is the club in such a sentence and the city elsewhere.
_SCORE = re.compile(r"(?<![\d.,-])\d{1,2}-\d{1,2}(?![\d-])")
_SPORT_WORDS = frozenset(
    words(
        "beat beats beaten beating drew draw draws drawn defeated defeat thrashed edged stunned hammered "
        "routed league leagues cup premiership bundesliga ligue serie liga eredivisie championship tournament "
        "match matches game fixture kickoff kick-off goal goals scored scorer striker midfielder defender "
        "goalkeeper keeper winger forward manager coach squad season relegation relegated promoted promotion "
        "title derby semi-final quarter-final final replay penalty penalties stoppage half-time halftime"
    )
)
_LOCATIVE = frozenset({"in", "near", "outside", "across", "around", "from", "visit", "visited", "to"})
_SENTENCE_REACH = 200  # characters read either side of a name for its sentence, at most


def _sentence_around(text: str, start: int, end: int) -> str:
    lo = max(0, start - _SENTENCE_REACH)
    hi = min(len(text), end + _SENTENCE_REACH)
    before = text[lo:start]
    cut = max(before.rfind(". "), before.rfind("\n"))
    after = text[end:hi]
    stop = min((i for i in (after.find(". "), after.find("\n")) if i >= 0), default=len(after))
    return before[cut + 1 :] + " " + after[:stop]


_TABLE_ROW_CHARS = 200


def _table_row(line: str) -> bool:
    """A row of a results table: a short line of a name and numbers, two or more, that make at least two
    fifths of its words ("Leeds 3 1 1 1 4 4 4", "Leeds 2 Chelsea 1"); no regex, so no backtracking."""
    if len(line) > _TABLE_ROW_CHARS:
        return False
    tokens = line.split()
    numbers = sum(1 for t in tokens if t.isdigit() and len(t) <= 3)
    return numbers >= 2 and numbers * 5 >= len(tokens) * 2 and not tokens[0].isdigit()


def _sport(text: str, start: int, end: int) -> bool:
    sentence = _sentence_around(text, start, end)
    if _SCORE.search(sentence):
        return True
    line_start = text.rfind("\n", max(0, start - _TABLE_ROW_CHARS), start) + 1
    line_end = text.find("\n", end, end + _TABLE_ROW_CHARS)
    line = text[line_start : line_end if line_end >= 0 else min(len(text), end + _TABLE_ROW_CHARS + 1)]
    if _table_row(line):
        return True
    return any(w.strip(",.;:()\"'“”").lower() in _SPORT_WORDS for w in sentence.split())


_OF = frozenset({"of", "the", "de", "la", "du", "des", "l'", "l’"})


def _role_next_to(text: str, start: int, end: int) -> bool:
    """An acronym before a role ("WFP country director", "CGT leader") or after one and "of"
    ("head of the WHO", "le dirigeant de la CGT"): the person's organisation."""
    after = _next_words(text, end)
    if any(w in PERSON_CUES for w in after):
        return True
    before = [w.lower().strip(",:;\"'«“") for w in text[max(0, start - 40) : start].split()[-3:]]
    return len(before) >= 2 and before[-1] in _OF and any(w in PERSON_CUES for w in before[:-1])


def _acronym(word: str) -> bool:
    return 2 <= len(word) <= 6 and word.isupper() and word.isalpha()


class _Collector:
    def __init__(self, text: str, lang: str | None, defined: frozenset[str] = frozenset()) -> None:
        self.text = text
        self.lang = lang
        self.defined = defined  # acronyms the text defines after an organisation's name: "(FA)"
        self.people: list[tuple[list[Tok], bool]] = []  # tokens, certain
        self.singles: list[Tok] = []  # one capitalised word, maybe a known person's surname
        self.orgs: list[list[Tok]] = []
        self.places: list[tuple[Tok, Tok, Place]] = []  # first, last token, place
        self.start_speakers: list[Tok] = []  # one word that starts a sentence before a speech verb
        self.clubs: set[tuple[int, int]] = set()  # spans of clubs that are also places ("Porto")
        self.facilities: list[list[Tok]] = []  # "Fisht Stadium", "Kennedy Space Center"
        self.regions: list[list[Tok]] = []  # "North America", "Middle East"

    def part(self, toks: list[Tok]) -> None:
        plan = _plan_of(toks, self.lang)
        if plan.done:
            if plan.place is not None:
                self.places.append((toks[0], toks[-1], plan.place))
            elif plan.region:
                self.regions.append(toks)
            return
        toks = toks[plan.first : plan.last]
        if toks[0].text.lower() in _STORMS:
            return  # "Hurricane Ian", "Typhoon Haiyan": a storm's name, no person's
        if _facility(tuple([t.text for t in toks])):
            self.facilities.append(toks)
            return
        if plan.club:
            self._club(toks)
            return
        toks, name, at_start = self._opening(toks, plan)
        assert name is not None  # a plan not done has its names
        if name.titled and name.org and name.lead > 0 and _org_by_words(tuple([t.text for t in toks[: name.lead]])):
            # "State Department Spokesperson Ned Price": the organisation before the title, the person after it
            self.orgs.append(toks[: name.lead])
            if not name.empty:
                self._person(toks[name.skip :], name, True, False)
            return
        if self._organisation(toks, name, at_start):
            return
        previous = _previous_word(self.text, toks[0].start)
        cue = name.titled or previous in PERSON_CUES or previous in SPEECH_VERB_WORDS
        if name.titled and name.lead > 0:
            self._lead(toks[: name.lead])
        if name.empty:
            return
        # after a title, a person; a leading place or demonym ("России Дмитрий Песков", "Russian Vladimir
        # Putin", "Председатель КНР Си Цзиньпин") is not part of a name
        self._person(toks[name.skip :], name, cue, at_start)

    def _opening(self, toks: list[Tok], plan: _Plan) -> tuple[list[Tok], _Name | None, bool]:
        """The words, their name, and whether they open a sentence, once a first word whose capital is the
        sentence's is off them: before a known name ("Rival BYD sold"), or a role noun before a person's
        name ("Lawmaker Wu Chi-wai said")."""
        at_start = _sentence_start(self.text, toks[0].start)
        if not at_start:
            return toks, plan.whole, False
        if plan.drop_first:
            return toks[1:], plan.rest, False
        if len(toks) >= 3 and _role_before_name(tuple([t.text for t in toks])):
            return toks[1:], _name(tuple([t.text for t in toks[1:]]), self.lang), False
        return toks, plan.whole, True

    def _person(self, toks: list[Tok], name: _Name, cue: bool, at_start: bool) -> None:
        if name.place is not None and not cue:
            if name.place.kind != "demonym":
                self.places.append((toks[0], toks[-1], name.place))
            return
        if name.single and _no_person_word(toks[0].text):
            return  # "the Church said", "The Duke of ...": a noun, not a person's name
        if name.single:
            # one word is a person with a cue: a title or a word before it ("spokesman Peskov"), or a
            # speech verb after it inside a sentence (", Kowalczyk said"). At a sentence's start "X said"
            # is not enough ("Witnesses said", "Insee said"): the word is a person only if the text also
            # writes it capitalised inside a sentence ("... with Mevlut Cavusoglu. Cavusoglu said"), or
            # as the surname of a full name in the text.
            if cue or (not at_start and self._speaks(toks)):
                self.people.append((toks, True))
            elif at_start and self._speaks(toks):
                self.start_speakers.append(toks[0])
            else:
                self.singles.append(toks[0])
            return
        if cue or name.first_name or self._speaks(toks):
            self.people.append((toks, True))

    def _club(self, toks: list[Tok]) -> None:
        """A known club that is also a city: the club in a sentence about sport ("Liverpool beat ..."),
        unless a preposition of place comes before it; otherwise the gazetteer's hit makes it the city."""
        if _previous_word(self.text, toks[0].start) in _LOCATIVE:
            return
        if _sport(self.text, toks[0].start, toks[-1].end):
            self.orgs.append(toks)
            self.clubs.add((toks[0].start, toks[-1].end))

    def _organisation(self, toks: list[Tok], name: _Name, at_start: bool) -> bool:
        """Whether the name is an organisation's, or no entity at all (kept if one): done with it."""
        if len(toks) == 1 and _acronym(toks[0].text) and not name.org:
            # a word in capitals: an organisation with evidence only (known, defined, an organisation noun next to it)
            text = self.text
            if (
                toks[0].text in self.defined
                or _org_after(text, toks[-1].end)
                or _org_before(text, toks[0].start)
                or _role_next_to(text, toks[0].start, toks[-1].end)
            ):
                self.orgs.append(toks)
            return True
        demonym = name.place is not None and name.place.kind == "demonym"  # "the Russian company"
        if not (name.org or (not demonym and _org_after(self.text, toks[-1].end))):
            return False
        if len(toks) == 1 and at_start and toks[0].text not in _KNOWN and not toks[0].text.endswith("s"):
            return True  # "Police said ...": a common noun that starts a sentence ("Greens", "Congress" stay)
        if (
            len(toks) == 1
            and toks[0].text.lower() in ORG_WORDS
            and toks[0].text not in _KNOWN
            and toks[0].text.lower() not in _BODIES
        ):
            return True  # "the Church", "the Council": a common noun capitalised, no name
        self.orgs.append(toks)
        return True

    def _lead(self, lead: list[Tok]) -> None:
        """What comes before a person's title: an organisation ("UN Secretary-General Antonio Guterres")."""
        texts = tuple([t.text for t in lead])
        if _place(" ".join(texts), self.lang) is not None:
            return  # "New York Governor Kathy Hochul": a place, which the gazetteer gives
        if _org_by_words(texts) or (len(texts) == 1 and (texts[0] in self.defined or _acronym(texts[0]))):
            self.orgs.append(lead)

    def _speaks(self, toks: list[Tok]) -> bool:
        """Whether a speech verb follows the name ("Peskov said", "Peskov a déclaré")."""
        following = _next_words(self.text, toks[-1].end)
        return (bool(following) and following[0] in SPEECH_VERB_WORDS) or " ".join(following) in SPEECH_VERB_PAIRS


# Facility words that are also surnames: "Stuart Hall", "Della Street" are persons (a given name first)
_FACILITY_SURNAMES = frozenset({"hall", "street", "castle", "temple", "tower", "bridge", "lane", "road", "palace"})
# "Center"/"Centre"/"Complex" make a place after these only ("Kennedy Space Center", "Metro Toronto
# Convention Centre"); elsewhere they name institutions ("Pew Research Center")
_CENTRE_KINDS = frozenset(
    words("space convention science visitor visitors exhibition shopping trade conference sports aquatics leisure")
)


def _facility(texts: tuple[str, ...]) -> bool:
    """Whether a name of two words or more is a facility's ("Fisht Stadium", "Kennedy Space Center")."""
    if len(texts) < 2:
        return False
    last = texts[-1].lower()
    if last in ("center", "centre", "complex"):
        return texts[-2].lower() in _CENTRE_KINDS
    if last not in FACILITY_WORDS or any(_title(t) for t in texts):
        return False
    return not (len(texts) == 2 and last in _FACILITY_SURNAMES and texts[0].lower() in FIRST_NAMES)


def _facility_of(text: str, parts: list[list[Tok]]) -> bool:
    """A sequence joined by connectors that names a facility: its last part ends in a facility word
    ("Daughters of the American Revolution Constitution Hall"), or its first part does before "of"
    ("Museum of Modern Art", "Palace of Westminster")."""
    if _facility(tuple([t.text for t in parts[-1]])):
        return True
    head = parts[0]
    if head[-1].text.lower() not in FACILITY_WORDS or any(_title(t.text) for t in head):
        return False
    gap = text[head[-1].end : parts[1][0].start].split()
    return bool(gap) and gap[0] == "of"


def _person_of(text: str, parts: list[list[Tok]], lang: str | None) -> bool:
    """Whether a sequence joined by "of" opens with a person's full name: two or three words, the first a
    known given name (or the name East Asian in form), no organisation or place among them, and "of"
    (not "for", "de"...) after them. "Bank of England" and "Duke of Edinburgh" open with one word."""
    head = tuple([t.text for t in parts[0]])
    if not 2 <= len(head) <= 3:
        return False
    gap = text[parts[0][-1].end : parts[1][0].start].split()
    if not gap or gap[0] != "of":
        return False
    if not (head[0].lower() in FIRST_NAMES or _hyphenated_given(head)):
        return False
    return not _org_by_words(head) and not any(_title(w) for w in head) and _place(" ".join(head), lang) is None


def _candidates(
    text: str, lang: str | None, sequences: list[list[Tok]], defined: frozenset[str] = frozenset()
) -> _Collector:
    c = _Collector(text, lang, defined)
    for whole_sequence in sequences:
        for toks in _split_owner(text, whole_sequence, lang):
            _candidate(c, text, lang, toks)
    return c


def _split_owner(text: str, toks: list[Tok], lang: str | None) -> list[list[Tok]]:
    """A sequence cut after each possessive that two words or more follow, where the words after it
    start a person's full name ("Civic Party's Jeremy Tam", "Apple's Tim Cook") or the owner is a known
    organisation or a place ("Microsoft's Satya Nadella", "Russia's Vladimir Putin"): two names."""
    out: list[list[Tok]] = []
    begin = 0
    for i in range(len(toks) - 2):
        if text[toks[i].end : toks[i].end + 2] in ("'s", "’s"):
            rest = (toks[i + 1].text, toks[i + 2].text)
            owner_toks = toks[begin : i + 1]
            owner = " ".join([t.text for t in owner_toks])
            if (
                rest[0].lower() in FIRST_NAMES
                or _hyphenated_given(rest)
                or owner in _KNOWN
                # a person's full name owns what follows ("Boris Johnson's Conservative Party")
                or (len(owner_toks) >= 2 and owner_toks[0].text.lower() in FIRST_NAMES)
                or (len(owner) <= _KEPT_CHARS and _place(owner, lang) is not None)
            ):
                out.append(owner_toks)
                begin = i + 1
    out.append(toks[begin:])
    return out


def _candidate(c: _Collector, text: str, lang: str | None, toks: list[Tok]) -> None:
    """One sequence of capitalised words, split at its connectors, into the collector."""
    if not toks:
        return
    parts = _split_connectors(text, toks)
    if len(parts) > 1:
        whole = [t for p in parts for t in p]
        if _facility_of(text, parts):
            c.facilities.append(_strip_leading(whole))
            return
        if _person_of(text, parts, lang):
            # "Gary Fan of the Neo Democrats", "Wu Chi-wai of the Democratic Party": a person, then
            # the organisation that is theirs
            c.part(parts[0])
            rest = [t for p in parts[1:] for t in p]
            if _is_org(rest, text):
                c.orgs.append(_strip_leading(rest))
            else:
                for part in parts[1:]:
                    c.part(part)
            return
        if not _letter_group(tuple([t.text for t in parts[0]])) and _is_org(whole, text):
            c.orgs.append(_strip_leading(whole))
            return
    for part in parts:
        c.part(part)


def _confirm_start_speakers(c: _Collector, sequences: list[list[Tok]]) -> None:
    """A word that starts a sentence before a speech verb is a person if the text also writes it
    capitalised inside a sentence; otherwise it counts only as a known person's surname."""
    if not c.start_speakers:
        return
    stems = {_stem(t.text) for t in c.start_speakers}
    heads = {t.text[:3].lower() for t in c.start_speakers}  # a cheap test first: the stems' first letters
    at = {t.start for t in c.start_speakers}
    inside = {
        _stem(t.text)
        for toks in sequences
        for t in toks
        if t.text[:3].lower() in heads
        and t.start not in at
        and _stem(t.text) in stems
        and not _sentence_start(c.text, t.start)
    }
    for tok in c.start_speakers:
        if _stem(tok.text) in inside:
            c.people.append(([tok], True))
        else:
            c.singles.append(tok)


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
            # as written, its particles included ("Mohammed bin Salman", "Lula da Silva")
            found = by_key[key] = Found("person", _written(c.text, toks))
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


def _written(text: str, toks: list[Tok]) -> str:
    """The words from the first token to the last as the text has them (the particles between them
    included), one space between words."""
    return " ".join(text[toks[0].start : toks[-1].end].split())


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
                taken = n
                if i + n == len(toks) - 1 and toks[-1][0] in _COMPASS and place.kind != "demonym":
                    end = toks[-1][2]  # "Kowloon West", "New Territories East": a district of the place
                    taken += 1
                hits.append((start, end, place))
                i += taken
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


_COMPASS = frozenset(words("North South East West Central Northeast Northwest Southeast Southwest"))

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


# A dateline: a place in capitals that starts the article or a paragraph, before a comma, a bracket,
# a dash or an ISO date ("ROME, Oct 3 (Agency) -", "HARARE (Agency) -", "NEW YORK -", "LONDON 1996-08-30").
_DATELINE = re.compile(
    r"[ \t]*([A-Z][A-Z'’.-]+(?:[ \t]+[A-Z][A-Z'’.-]+){0,3})(?=[ \t]*[,(\-–—]|[ \t]+\d{4}-\d\d-\d\d\b)"
)
_LOWER_IN_PLACES = frozenset(
    {"of", "the", "de", "del", "la", "le", "da", "do", "dos", "das", "al", "el", "upon", "on", "and"}
)
# An acronym in brackets right after a name: "the Football Association (FA)"
_DEFINED = re.compile(r"[A-Za-z.’'-] \(([A-Z][A-Z&]{1,7})\)")


def _line_starts(text: str) -> Iterator[re.Match[str]]:
    """The datelines at the text's start and after its line breaks (the pattern tried there only)."""
    at = 0
    while at >= 0:
        m = _DATELINE.match(text, at)
        if m is not None:
            yield m
        at = text.find("\n", at)
        if at >= 0:
            at += 1


def _title_case(name: str) -> str:
    """A place's name as mixed case writes it: "NEW YORK" -> "New York", "RIO DE JANEIRO" -> "Rio de Janeiro"."""
    words = name.split()
    out = [w.lower() if i and w.lower() in _LOWER_IN_PLACES else w[:1] + w[1:].lower() for i, w in enumerate(words)]
    return " ".join(out)


def _datelines(text: str, lang: str | None) -> list[tuple[int, int, str, Place | None]]:
    """The datelines' places: start, end, name, Place (None when the gazetteer has no such place)."""
    found = []
    for m in _line_starts(text):
        name = m[1].rstrip(".-'’")
        if len(name) < 3 or not any(ch.isalpha() for ch in name):
            continue
        shown = _title_case(name)
        place = _place(shown, lang)
        if place is None:
            after = text[m.end(1) : m.end(1) + 30].lstrip()
            # unknown to the gazetteer: a place still when a date or an agency in brackets follows
            dated = (
                after[:1] == "("
                or after[:4].isdigit()
                or (after[:1] == "," and after[1:].split()[:1] and after[1:].split()[0][:3].lower() in _MONTHS)
            )
            if not dated:
                continue
        elif place.kind == "demonym":
            continue
        found.append((m.start(1), m.start(1) + len(name), shown, place))
    return found


_MONTHS = frozenset(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])


def _dateline_locations(
    datelines: list[tuple[int, int, str, Place | None]],
    countries: dict[str, list[tuple[int, int]]],
    locations: dict[str, Found],
) -> None:
    for start, end, shown, place in datelines:
        name = shown
        if place is not None:
            countries.setdefault(place.code, []).append((start, end))
            name = place.name
        loc = locations.get(name)
        if loc is None:
            loc = locations[name] = Found("location", name, place=place)
        loc.spans.append((start, end))


def _after_owner(text: str, toks: list[Tok]) -> int:
    """The index of the first token after the last possessive of a name ("Russia's Argumenty i Fakty")."""
    first = 0
    while first < len(toks) - 1 and text[toks[first].end : toks[first].end + 2] in ("'s", "’s"):
        first += 1
    return first


# A currency's country prefix: "US$ 5", "NZ$5", "HK $", "A$3": a sum of money, no mention of a place
_CURRENCY_SIGN = re.compile(r" ?\$")


def _currency(text: str, start: int, end: int) -> bool:
    return end - start <= 3 and _CURRENCY_SIGN.match(text, end) is not None and text[start:end].isupper()


def extract(text: str, lang: str | None) -> Result:
    matches = list(_SEQUENCE.finditer(text))  # runs of capitalised words, read once
    datelines = _datelines(text, lang) if text[:1].isupper() or "\n" in text else []
    if datelines:
        at = {start for start, _, _, _ in datelines}
        matches = [m for m in matches if m.start() not in at]
    sequences = _joined_by_and(text, [part for match in matches for part in _initials(_tokens(match))], lang)
    defined = frozenset(m[1] for m in _DEFINED.finditer(text)) if " (" in text else frozenset()
    c = _candidates(text, lang, sequences, defined)
    _confirm_start_speakers(c, sequences)
    persons = _group_people(c)
    in_person = _Cover([s for p in persons for s in p.spans])
    orgs: dict[str, Found] = {}
    for toks in c.orgs:
        if not toks:
            continue
        if in_person(toks[0].start, toks[-1].end):
            continue
        _add_owned(text, toks, orgs, "organization")  # "Russia's Argumenty i Fakty": the owner is no part of it
    in_org = _Cover([s for o in orgs.values() for s in o.spans])
    clubs = c.clubs  # a club that is a place's name ("Porto") is no mention of its country
    countries: dict[str, list[tuple[int, int]]] = {}
    locations: dict[str, Found] = {}
    _dateline_locations(datelines, countries, locations)
    regions = _unplaced_locations(text, c, in_person, locations)
    # a place in a facility's name ("Kennedy" of "Kennedy Space Center") is no location (its country mention stays)
    in_facility = _Cover([(toks[0].start, toks[-1].end) for toks in c.facilities if toks])
    for start, end, place in _country_hits(text, lang, matches):
        if in_person(start, end) or (start, end) in clubs or _currency(text, start, end) or regions(start, end):
            continue  # "America" in "North America" is no mention of the United States
        countries.setdefault(place.code, []).append((start, end))
        if place.kind != "demonym" and not in_org(start, end) and not in_facility(start, end):
            loc = locations.get(place.name)
            if loc is None:
                loc = locations[place.name] = Found("location", place.name, place=place)
            loc.spans.append((start, end))
    if lang == "en" and TAGGED:
        persons = _add_tagged(text, persons, orgs, locations, countries)
    return Result(persons, sorted(orgs.values(), key=lambda o: o.spans[0]), list(locations.values()), countries)


def _joined_by_and(text: str, sequences: list[list[Tok]], lang: str | None) -> list[list[Tok]]:
    """An organisation's name "<organisation word> ... of <A> and <B>" is one sequence, not two
    ("Department of Health and Human Services", "National Institute of Allergy and Infectious
    Diseases"): joined when the words after "and" are plain words (no "of" of their own) and none of them
    starts a person's name, is a title, a place, a known organisation or an acronym ("Ministry of Defence
    and Foreign Minister Lavrov", "... and Wong Pik-wan of the Democratic Party", "... and Russia", "...
    and FBI" stay apart)."""
    out: list[list[Tok]] = []
    for toks in sequences:
        before = out[-1] if out else None
        if (
            before is not None
            and toks
            and text[before[-1].end : toks[0].start] == " and "
            and len(toks) <= _AND_MAX
            and (" of " in text[before[0].start : before[-1].end] or " for " in text[before[0].start : before[-1].end])
            and any(t.text.lower() in ORG_WORDS for t in before)
            and text[toks[0].start : toks[-1].end].count(" ") == len(toks) - 1  # plain words, no "of"
            and not any(_and_stops(t.text, lang) for t in toks)
            and not _hyphenated_given(tuple([t.text for t in toks[:2]]))
            and " ".join([t.text for t in toks]) not in _KNOWN
            and _place(" ".join([t.text for t in toks]), lang) is None
        ):
            out[-1] = before + toks
            continue
        out.append(toks)
    return out


_AND_MAX = 4  # words after "and" that may still belong to the organisation's name


def _and_stops(word: str, lang: str | None) -> bool:
    """A word after "and" that starts something else than the rest of an organisation's name."""
    return (
        word.isupper()
        or word.lower() in FIRST_NAMES
        or _title(word)
        or _is_initial(word)
        or _place(word, lang) is not None
        or word in _KNOWN
    )


def _add_owned(text: str, toks: list[Tok], found: dict[str, Found], kind: str) -> None:
    """The name of these tokens, after any owner's possessive ("Russia's ..."), into `found` by its text."""
    first = _after_owner(text, toks)
    span = (toks[first].start, toks[-1].end)
    name = text[span[0] : span[1]]
    item = found.get(name)
    if item is None:
        item = found[name] = Found(kind, name)
    item.spans.append(span)


def _unplaced_locations(text: str, c: _Collector, in_person: _Cover, locations: dict[str, Found]) -> _Cover:
    """Regions ("North America") and facilities ("Fisht Stadium") into the locations, with no place of the
    gazetteer's; what is returned tells what lies inside a region (no mention of a country)."""
    for toks in [*c.regions, *c.facilities]:
        if toks and not in_person(toks[0].start, toks[-1].end):
            _add_owned(text, toks, locations, "location")  # "Mecca's Grand Mosque": Mecca is a place of its own
    return _Cover([(toks[0].start, toks[-1].end) for toks in c.regions])


# English text: the statistical tagger's names (services/enrich/tagger.py) are merged with the rules'.
TAGGED = True
# The types taken from the tagger: its persons (given names no list has, "Xherdan Shaqiri") and its
# organisations (names no list has). Not its places: on the development set they are right 68% of the
# time against the gazetteer's 88%, and they come with no country; the tagger's LOC added there
# lowered LOC F1 (0.869 -> 0.845). An organisation of the tagger's still takes the places inside it.
TAGGED_TYPES = frozenset({"PER", "ORG"})


# Time zones the tagger may take for organisations ("12:00 UTC")
_TIME_ZONES = frozenset(
    words(
        "UTC GMT EST EDT CST CDT MST MDT PST PDT AKST HST CET CEST EET EEST WET WEST BST IST MSK JST KST HKT SGT "
        "AEST AEDT"
    )
)


# Nouns capitalised for one body that the text names elsewhere, no name by themselves ("the Church")
_ORG_NOUNS = frozenset(words("church government administration police army navy military cabinet presidency"))
# How nouns of a role or trade end ("lawmaker", "author", "activist", "historian", "spokeswoman")
_AGENT_ENDINGS = ("er", "or", "ist", "ian", "ant", "ent", "man", "woman", "person")
_NOBILITY = frozenset(words("duke duchess earl countess baron baroness marquess viscount lord lady"))
_STORMS = frozenset(words("hurricane typhoon cyclone storm"))


def _storm(text: str, start: int, name: str) -> bool:
    """A storm's name ("Hurricane Ian", "Typhoon Haiyan"): no person's."""
    return name.split(" ", 1)[0].lower() in _STORMS or _previous_word(text, start) in _STORMS


def _no_person_word(word: str) -> bool:
    """A word that alone names no person: a title ("Duke", "President") or an organisation noun ("Church")."""
    low = word.lower()
    return _title(word) or low in _NOBILITY or low in ORG_WORDS or low in _ORG_NOUNS


def _role_before_name(words: tuple[str, ...]) -> bool:
    """Whether the first word is a noun of a role ("Lawmaker", "Author", "Activist": a word ending as agent
    nouns do, no given name) before a name that starts as a person's does: a given name, an initial or a
    hyphenated given name ("Lawmaker Wu Chi-wai", "Author J. K. Rowling", "Economist Paul Krugman")."""
    first, rest = words[0], words[1:]
    low = first.lower()
    if not first.isalpha() or low in FIRST_NAMES or not low.endswith(_AGENT_ENDINGS) or not rest:
        return False
    return rest[0].lower() in FIRST_NAMES or _is_initial(rest[0]) or _hyphenated_given(rest)


def _without_model(text: str, start: int, end: int) -> int:
    """The end of a name once trailing model numbers are cut ("Airbus A330", "Boeing 787-9"): a last word
    with a digit in it, after a first word without one."""
    while True:
        cut = text.rfind(" ", start, end)
        if cut <= start or not any(ch.isdigit() for ch in text[cut + 1 : end]):
            return end
        if any(ch.isdigit() for ch in text[start:cut]):
            return end
        end = cut


class _Overlap:
    """Spans, asked whether one of them overlaps [start, end): a binary search, as _Cover."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._reach = list(accumulate((e for _, e in ordered), max))

    def __call__(self, start: int, end: int) -> bool:
        i = bisect_left(self._starts, end)  # the spans that start before end
        return i > 0 and self._reach[i - 1] > start


def _add_tagged(
    text: str,
    persons: list[Found],
    orgs: dict[str, Found],
    locations: dict[str, Found],
    countries: dict[str, list[tuple[int, int]]],
) -> list[Found]:
    """The rules' names, and the tagger's where they found nothing: a name of the tagger's that overlaps
    no mention of the rules is added (a person to the person of that name or surname). One exception:
    an organisation of the tagger's made of a place and more ("Air Canada", "New York Stock Exchange")
    takes the place's words, which are then no location (the country mention stays)."""
    found = tagger.tag(text)
    if not found:
        return persons
    merge = _Merge(text, persons, orgs, locations, countries)
    for start, end, typ in found:
        merge.add(start, _without_model(text, start, end) if typ == "ORG" else end, typ)
    return merge.finish()


class _Merge:
    """The tagger's names merged into the rules' (see _add_tagged)."""

    def __init__(
        self,
        text: str,
        persons: list[Found],
        orgs: dict[str, Found],
        locations: dict[str, Found],
        countries: dict[str, list[tuple[int, int]]],
    ) -> None:
        self.text = text
        self.persons = persons
        self.orgs = orgs
        self.locations = locations
        self.places = sorted(s for loc in locations.values() for s in loc.spans)
        self.place_starts = [s for s, _ in self.places]
        self.named = _Overlap([s for p in persons for s in p.spans] + [s for o in orgs.values() for s in o.spans])
        self.located = _Overlap(self.places)
        self.mentioned = _Overlap([s for spans in countries.values() for s in spans])
        self.by_name = {p.name: p for p in persons}
        self.by_surname = {p.name.rsplit(" ", 1)[-1]: p for p in persons if " " in p.name}
        self.added: list[Found] = []
        self.swallowed: set[tuple[int, int]] = set()

    def _no_name(self, start: int, end: int, typ: str) -> bool:
        name = self.text[start:end]
        return (
            end <= start
            or (typ == "LOC" and _currency(self.text, start, end))
            or name in _TIME_ZONES
            or (typ == "ORG" and (name.lower() in ORG_WORDS or name.lower() in _ORG_NOUNS))  # "the Church"
            # a lone title or organisation noun is no person ("The Duke of ...", "The Church said")
            or (typ == "PER" and " " not in name and _no_person_word(name))
            or (typ == "PER" and _storm(self.text, start, name))
        )

    def _lead_noun(self, start: int, end: int) -> int:
        """Where a person's name of the tagger's starts once a role noun opening the sentence is off it."""
        words = tuple(self.text[start:end].split(" "))
        if len(words) >= 3 and _sentence_start(self.text, start) and _role_before_name(words):
            return start + len(words[0]) + 1
        return start

    def _takes_places(self, start: int, end: int, typ: str) -> bool:
        """Whether a name that overlaps the rules' places or country mentions is kept: an organisation of
        more than one word with every place it overlaps inside it ("Air Canada"); those places it takes."""
        inner = self.places[bisect_left(self.place_starts, start) : bisect_left(self.place_starts, end)]
        if self.located(start, start + 1) and not (inner and inner[0][0] == start):
            return False  # a place that starts before the name and reaches into it
        if typ != "ORG" or " " not in self.text[start:end]:
            return False
        if not all(e <= end and (s, e) != (start, end) for s, e in inner):
            return False
        self.swallowed.update(inner)
        return True

    def add(self, start: int, end: int, typ: str) -> None:
        if typ not in TAGGED_TYPES:
            return
        if self._no_name(start, end, typ) or not any(ch.isalpha() for ch in self.text[start:end]):
            return  # "2024-05-01": no name without a letter
        if self.named(start, end):
            return
        if (self.located(start, end) or self.mentioned(start, end)) and not self._takes_places(start, end, typ):
            return
        if typ == "PER":
            start = self._lead_noun(start, end)
        name = self.text[start:end]
        if typ == "PER":
            person = self.by_name.get(name) or self.by_surname.get(name)
            if person is None:
                person = self.by_name[name] = Found("person", name)
                self.added.append(person)
                if " " in name:
                    self.by_surname.setdefault(name.rsplit(" ", 1)[-1], person)
            person.spans.append((start, end))
        elif typ == "ORG":
            self.orgs.setdefault(name, Found("organization", name)).spans.append((start, end))
        else:
            self.locations.setdefault(name, Found("location", name)).spans.append((start, end))

    def finish(self) -> list[Found]:
        """The persons, the tagger's among them, in order of first mention; the places taken removed."""
        if self.swallowed:
            for key, loc in list(self.locations.items()):
                loc.spans = [s for s in loc.spans if s not in self.swallowed]
                if not loc.spans:
                    del self.locations[key]
        for p in self.persons:
            p.spans.sort()
        for p in self.added:
            p.spans.sort()
        return sorted(self.persons + self.added, key=lambda p: p.spans[0])
