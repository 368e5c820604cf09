"""Quotations with their speaker and speech verb, by regular expressions.

Handles straight and curly double quotes and guillemets; the attribution may follow the quote
('"...," Peskov said', '"...", said the minister', '«...», — заявил Песков', '« ... », a déclaré X')
or precede it ('Peskov said: "..."', 'X a déclaré : « ... »'). A pronoun or a description
("he", "the spokesman") is resolved to the person named last before the quote.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass

from services.enrich.lexicon import SPEECH_VERBS, STOPWORDS, words
from services.enrich.patterns import alternation

MIN_WORDS = 4  # unattributed quotes shorter than this are scare quotes ("a killer")
MIN_WORDS_ATTRIBUTED = 2
# Quotations whose attribution is sought, at most, per article: a news article has a few dozen, and
# each search reads up to 300 characters around its quote, so a text of nothing but quotation marks
# must not make a search of every one of them.
MAX_CANDIDATES = 1_000
# A quote never holds its own opening mark: an opening mark with no closing one then costs the
# characters up to the next opening mark, not 2,000 for each of a line of them (quadratic).
_QUOTE = re.compile(r'"([^"\n]{2,2000}?)"|“([^“”\n]{2,2000}?)”|«([^«»\n]{2,2000}?)»|„([^„“\n]{2,2000}?)“')
_UP = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_NAME = rf"[{_UP}][\w'’-]+(?:(?:\s+(?:de|da|dos|del|van|von|der|al|bin|la))*\s+[{_UP}][\w'’-]+)*(?:\s+(?:Jr|Sr)\.)?"
_LOWER_TITLE = r"(?:(?:[a-zà-ÿа-яё][\w'’-]*)\s+){0,3}?"


_VERB = alternation(SPEECH_VERBS)
_TITLES = words(
    "spokesman spokeswoman spokesperson minister president official leader ambassador envoy diplomat chancellor "
    "secretary senator governor mayor chief director analyst porte-parole ministre président présidente diplomate "
    "responsable dirigeant dirigeante"
)
_FILLER = r"\w'’ -"  # the words of a description before its title ("the Kremlin ...")
# What may follow the speech verb of an attribution before a quote, to the end of the sentence.
_BEFORE_TAIL = r"[^.!?\"“«]{0,60}?[:,]?\s*(?:that\s+|que\s+|что\s+)?$"


def _desc(ahead: str = "") -> str:
    """A pronoun, or a description of a person ("the Kremlin spokesman"). `ahead`, a lookahead tried
    after the article, may rule the description out before the filler is tried at each of its lengths."""
    return (
        rf"(?i:he|she|they|il|elle|он|она|(?:the|a|an|le|la|l'|un|une)\s+{ahead}[{_FILLER}]{{0,40}}?"
        rf"(?=[{''.join(sorted({t[0] for t in _TITLES}))}])(?:{'|'.join(_TITLES)}))"
    )


_DESC = _desc()
_SPEAKER = rf"(?P<speaker>{_DESC}|{_NAME})"
# After a quote: optional punctuation and dash, then "Speaker verb" or "verb Speaker".
_AFTER = re.compile(
    rf"[\s,.;:!?]*(?:[—–-]\s*)?(?:(?:{_LOWER_TITLE}{_SPEAKER}\s+(?:also\s+|later\s+|then\s+)?(?P<verb>{_VERB})\b)"
    rf"|(?:(?P<verb2>{_VERB})\s+(?:(?i:the|le|la|l'|l’)\s*[^,.«»\"“”]{{1,60}},\s+(?P<speaker3>{_NAME})"
    rf"|(?P<speaker2>{_DESC}|{_NAME}))))",
)
# Before a quote, in the same sentence: "Speaker verb (that|,|:)". The search tries every place of the
# sentence; a description needs the verb and the sentence's end within the filler's and a title's reach
# (52 characters), and saying so first spares the filler's 41 lengths times 27 titles everywhere else.
_VERB_WITHIN_REACH = rf"(?=[{_FILLER}]{{0,{40 + max(map(len, _TITLES))}}}[\s,]+(?-i:{_VERB})\b{_BEFORE_TAIL})"
_BEFORE = re.compile(
    rf"(?P<speaker>{_desc(ahead=_VERB_WITHIN_REACH)}|{_NAME}(?:\s+[a-z][\w'’-]*){{0,2}}?)[\s,]+(?P<verb>{_VERB})\b"
    + _BEFORE_TAIL
)
_DESC_RE = re.compile(_DESC)
_PRONOUNS = frozenset({"he", "she", "they", "il", "elle", "он", "она"})
_ARTICLES = frozenset({"the", "le", "la", "les", "l'", "l’"})
_PREPOSITIONS = frozenset(
    {"in", "of", "from", "at", "to", "for", "with", "on", "by", "de", "du", "des", "en", "à", "au", "aux", "в", "во",
     "из", "на", "от", "для"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    start: int  # offset of the quote's first character inside the marks, in the body
    speaker: str | None
    verb: str | None


def _speaker_and_verb(text: str, start: int, end: int) -> tuple[str | None, str | None, bool]:
    """Speaker, verb, and whether the attribution follows the quote directly."""
    closed = text[end - 2 : end - 1] in (".", "!", "?") and text[end : end + 1] not in (",", " ,")
    after = None if closed else _AFTER.match(text, end, min(len(text), end + 140))
    if after:
        return after["speaker"] or after["speaker3"] or after["speaker2"], after["verb"] or after["verb2"], True
    begin = max(0, start - 160)
    head = text[begin:start]
    cut = max(head.rfind(". "), head.rfind("\n"))
    sentence = head[cut + 1 :]
    before = _search_before(sentence)
    if before:
        if _after_preposition(sentence[: before.start()]):
            # "The Russian Embassy in the US described ...": the name ends a longer subject, it is not the speaker
            return None, before["verb"], False
        return before["speaker"], before["verb"], False
    return None, None, False


def _search_before(sentence: str) -> re.Match[str] | None:
    # a speech verb must be in the sentence: looking costs far less than the search, which tries every position
    return _BEFORE.search(sentence) if any(verb in sentence for verb in SPEECH_VERBS) else None


def _after_preposition(text: str) -> bool:
    words = [w.lower() for w in text.split()[-2:]]
    if words and words[-1] in _ARTICLES:
        words = words[:-1]
    return bool(words) and words[-1] in _PREPOSITIONS


def extract(text: str, persons: list[tuple[str, list[tuple[int, int]]]]) -> list[Quote]:
    """Quotes of at least MIN_WORDS words; speakers resolved to the persons found (name, spans)."""
    people = _People(persons)
    quotes = []
    candidates = 0
    for m in _QUOTE.finditer(text):
        group = next(i for i in range(1, 5) if m[i] is not None)
        inner = m[group].strip()
        n_words = len(inner.split())
        if n_words < MIN_WORDS_ATTRIBUTED:
            continue
        candidates += 1
        if candidates > MAX_CANDIDATES:
            break
        speaker, verb, follows = _speaker_and_verb(text, m.start(), m.end())
        if n_words < MIN_WORDS and not follows:
            continue
        quotes.append(Quote(inner, m.start(group), _resolve(speaker, m.start(), people), verb))
    return quotes


def _resolve(speaker: str | None, at: int, people: _People) -> str | None:
    if speaker is None:
        return None
    words = speaker.split()
    while len(words) > 1 and words[0].lower() in STOPWORDS and words[1][:1].isupper():
        words = words[1:]  # "The Russian Embassy"
    if words[0].lower() in _PRONOUNS or _DESC_RE.fullmatch(speaker):
        # a pronoun or a description of a person: the person named last before the quote
        return people.last_before(at)
    if words[0].lower() in STOPWORDS or not words[0][0].isupper() or not words[-1][0].isupper():
        return " ".join(words)  # "The ministry", "Ukraine's foreign ministry": no person
    speaker = " ".join(words)
    named = [w for w in words if w[:1].isupper()]
    # a person whose full name is in the speaker's, else one with a word of it as a name, or a surname
    # maybe inflected (Пескова)
    return people.named_in(speaker) or people.by_word(named[1:] or named) or speaker


# Up to this many persons, a speaker is compared with each name in turn; beyond, an automaton of
# all the names reads the speaker once (the same answer, in time that does not grow with them).
_SCAN = 64


class _People:
    """The persons found in an article (name, spans) in their order, indexed once for all its quotes:
    each lookup is a bisection or a dictionary read, not a pass over every person's mentions per quote."""

    def __init__(self, persons: list[tuple[str, list[tuple[int, int]]]]) -> None:
        self.names = [name for name, _ in persons]
        self._mentions = sorted((s[0], name) for name, spans in persons for s in spans)
        self._starts = [start for start, _ in self._mentions]
        self._word: dict[str, int] = {}  # a word of a name -> the first person with it
        self._stem: dict[str, int] = {}  # the first 5 letters of a surname -> the first person with it
        for i, name in enumerate(self.names):
            tokens = name.split()
            for token in tokens:
                self._word.setdefault(token, i)
            if tokens and len(tokens[-1]) >= 5:
                self._stem.setdefault(tokens[-1][:5], i)
        self._automaton: _Automaton | None = None

    def last_before(self, at: int) -> str | None:
        """The person named last before offset `at` (the greatest name among mentions at one offset)."""
        i = bisect_left(self._starts, at)
        return self._mentions[i - 1][1] if i else None

    def named_in(self, speaker: str) -> str | None:
        """The first person whose name is part of the speaker's ("Maria Lopez" in "Minister Maria Lopez")."""
        if len(self.names) <= _SCAN:
            return next((name for name in self.names if name in speaker), None)
        if self._automaton is None:
            self._automaton = _Automaton(self.names)
        first = self._automaton.first_in(speaker)
        return None if first is None else self.names[first]

    def by_word(self, words: list[str]) -> str | None:
        """The first person with one of the words in their name, or (not ASCII, 5 letters or more) with a
        surname starting as the word does."""
        found = [self._word.get(w) for w in words]
        found += [self._stem.get(w[:5]) for w in words if len(w) >= 5 and not w.isascii()]
        first = min((i for i in found if i is not None), default=None)
        return None if first is None else self.names[first]


class _Automaton:
    """Aho-Corasick over the names: in one pass over a text, the first name (by index) found in it."""

    def __init__(self, names: list[str]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        none = len(names)
        self._first = [none]  # per state: the smallest index of a name ending there (or in its suffixes)
        for index, name in enumerate(names):
            state = 0
            for ch in name:
                nxt = self._goto[state].get(ch)
                if nxt is None:
                    nxt = self._goto[state][ch] = len(self._goto)
                    self._goto.append({})
                    self._first.append(none)
                state = nxt
            self._first[state] = min(self._first[state], index)
        self._fail = [0] * len(self._goto)
        queue = deque(self._goto[0].values())
        while queue:  # breadth first: a state's fallback is shallower, so already complete
            state = queue.popleft()
            self._first[state] = min(self._first[state], self._first[self._fail[state]])
            for ch, nxt in self._goto[state].items():
                if state:
                    self._fail[nxt] = self._next(self._fail[state], ch)
                queue.append(nxt)
        self._none = none

    def _next(self, state: int, ch: str) -> int:
        while state and ch not in self._goto[state]:
            state = self._fail[state]
        return self._goto[state].get(ch, 0)

    def first_in(self, text: str) -> int | None:
        state, first = 0, self._first[0]
        for ch in text:
            state = self._next(state, ch)
            first = min(first, self._first[state])
        return None if first == self._none else first
