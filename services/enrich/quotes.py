"""Quotations with their speaker and speech verb.

Handles straight and curly double quotes, guillemets (with or without the thin or no-break spaces of
French typography) and „low-high“ quotes. A quotation that runs over several paragraphs (a paragraph
opens a quote and does not close it, the next one opens a quote again) is one quote per paragraph,
each with the speaker of the first.

The attribution as written is read by services.enrich.speakers, after the quote ('"...," Peskov said',
'"...," said Ned Price, a spokesman', '«...», — заявил Песков', '« ... », a-t-elle déclaré', '„...“,
sagte er', '"...", dijo el ministro, Fernando Ruiz') or before it in its sentence ('Peskov said: "..."',
'In a statement, the company said: "..."', 'According to X, "..."', 'По словам X, «...»'). Here it is
resolved against the article:

- a name is the person found in the article whose name it holds or is part of ("Lopez" -> "Maria
  Lopez", "Пескова" -> "Дмитрий Песков"), else the name without its titles ("Dr Jane Smith" -> "Jane
  Smith");
- a pronoun ("he", "elle", "он", "sagte sie", a verb with no subject: "dijo."), or a description that is
  a person's title ("the minister", "the 71-year-old"), is the person named (or quoted) last before it in
  the same or the previous paragraph, skipping one of the other gender when both genders are known (a
  given name, a Russian surname, an honorific; "she", "заявила", "a-t-elle"), and nobody when there is
  nobody; "it" is the organisation that spoke last there;
- an organisation or an unnamed speaker stays as written ("Reuters", "The ministry", "Russian
  Embassy", "State Department spokesman");
- a quote with no attribution of its own takes the speaker of the quote it continues (the paragraph
  before left it open, or an attributed quote comes just before it in the same paragraph with at most
  its attribution's sentence between them), else of the sentence just before it when that sentence has
  a speech verb ("The mayor spoke about the flooding. "Nobody here has seen water like this."").

Titles of works and slogans in Title Case ("A House Without Windows") get no speaker, and scare quotes
of fewer than MIN_WORDS words are no quotes unless an attribution follows them.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import dataclass

from services.enrich import speakers
from services.enrich.speakers import DEFINITE, IMPLICIT, NAME, PRONOUN, Said

MIN_WORDS = 4  # unattributed quotes shorter than this are scare quotes ("a killer")
MIN_WORDS_ATTRIBUTED = 2
# Quotations whose attribution is sought, at most, per article: a news article has a few dozen, and
# each search reads a few hundred characters around its quote, so a text of nothing but quotation
# marks must not make a search of every one of them.
MAX_CANDIDATES = 1_000
# A quote never holds its own opening mark: an opening mark with no closing one then costs the
# characters up to the next opening mark, not 2,000 for each of a line of them (quadratic). After each
# opening mark, the second alternative is a quote left open at the end of its paragraph because the next
# paragraph goes on with it (and opens with a quotation mark); it never gives back what it read (a
# possessive repeat). Each alternative of the whole starts with its mark, so the search skips from one
# quotation mark to the next. The groups of the quotes left open are the even ones.
_LEFT_OPEN = r'([^"“”«»„\n]{2,2000}+)(?=\r?\n(?:[ \t]*\r?\n){0,3}[ \t]*["“«„])'
_QUOTE = re.compile(
    rf'"(?:([^"\n]{{2,2000}}?)"|{_LEFT_OPEN})|“(?:([^“”\n]{{2,2000}}?)”|{_LEFT_OPEN})'
    rf"|«(?:([^«»\n]{{2,2000}}?)»|{_LEFT_OPEN})|„(?:([^„“”\n]{{2,2000}}?)[“”]|{_LEFT_OPEN})"
)
# How far back a paragraph's start is looked for: a pronoun looks no further than the paragraph before
# its own, and a search never reads more than this (a text of one huge paragraph stays linear).
_REACH = 3_000
_MAX_MENTIONS = 50  # persons named before a pronoun that are weighed, the latest first
_NAMES_READ = 600  # characters before a pronoun read for names the persons step missed
_TITLE_READ = 40  # characters either side of a person's mention where their title is looked for
_SENTENCE_END = re.compile(r"[.!?][\"'”»“)]*(?:\s|$)")
_ARTICLE = re.compile(r"^(?:(?i:the|le|la|les|el|los|las|der|die|das)\s+|[lL]['’](?=\w))")
_PLURAL = frozenset(("they", "ils", "elles", "они"))


def _titled(words: list[str]) -> bool:
    return any(w.casefold().rstrip(".") in speakers.PERSON_TITLES for w in words)


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    start: int  # offset of the quote's first character inside the marks, in the body
    speaker: str | None
    verb: str | None


@dataclass(frozen=True, slots=True)
class _Found:
    end: int  # of the match (after its closing mark, or at the end of its paragraph when left open)
    speaker: str | None
    verb: str | None
    person: bool  # the speaker is a person
    open: bool  # left open at the end of its paragraph


def _is_title(inner: str) -> bool:
    """A title of a work or a slogan in Title Case ("A House Without Windows,", "Stop The Cuts Now")."""
    if inner[-1:] in ".!?…" or not inner[:1].isupper() or inner.count(" ") > 15:
        return False
    long = 0
    for word in inner.split():
        if len(word.rstrip(",;:")) >= 4:
            if not word[0].isupper():
                return False
            long += 1
    return long >= 2


def extract(text: str, persons: list[tuple[str, list[tuple[int, int]]]]) -> list[Quote]:
    """Quotes of at least MIN_WORDS words (or MIN_WORDS_ATTRIBUTED with an attribution after them), each
    with its speaker, resolved to the persons found (name, spans), and its speech verb."""
    context = _Context(text, _People(persons))
    quotes = []
    previous: _Found | None = None
    previous_end = candidates = 0
    for m in _QUOTE.finditer(text):
        group = m.lastindex or 1
        raw = m[group]
        inner = raw.strip()
        n_words = len(inner.split())
        if n_words < MIN_WORDS_ATTRIBUTED:
            previous_end = m.end()
            continue
        candidates += 1
        if candidates > MAX_CANDIDATES:
            break
        title = _is_title(inner)
        said, follows = (None, False) if title else context.attribution(m, group, inner, previous_end, n_words)
        previous_end = m.end()
        if n_words < MIN_WORDS and not follows:
            continue
        speaker: str | None = None
        verb: str | None = None
        person = False
        if said is not None:
            speaker, verb, person = context.resolve(said, m.start(), follows)
        elif not title:
            speaker, verb, person = context.inherited(m.start(), previous)
        context.spoke(m.start(), m.end(), speaker, person)
        previous = _Found(m.end(), speaker, verb, person, group % 2 == 0)
        quotes.append(Quote(inner, m.start(group) + len(raw) - len(raw.lstrip()), speaker, verb))
    return quotes


class _Context:
    """An article's text and persons, and the speakers found so far: what pronouns and descriptions are
    resolved against."""

    def __init__(self, text: str, people: _People) -> None:
        self.text = text
        self.people = people
        self._spoken: list[tuple[int, str, bool]] = []  # (quote start, speaker, a person), in order
        self._span_starts: list[int] = []  # the quotes so far: a name inside one stands for nobody after it
        self._span_ends: list[int] = []
        self._genders: dict[str, str | None] = {}

    # -- where things are

    def paragraph_start(self, at: int) -> int:
        newline = self.text.rfind("\n", max(0, at - _REACH), at)
        return newline + 1 if newline >= 0 else max(0, at - _REACH)

    def previous_paragraph_start(self, at: int) -> int:
        start = self.paragraph_start(at)
        floor = max(0, at - _REACH)
        content_end = floor + len(self.text[floor:start].rstrip())  # the end of the paragraph before
        return self.paragraph_start(content_end) if content_end > floor else start

    def _in_quote(self, at: int) -> bool:
        i = bisect_right(self._span_starts, at)
        return i > 0 and at < self._span_ends[i - 1]

    # -- the attribution, resolved

    def attribution(self, m: re.Match[str], group: int, inner: str, previous_end: int, n_words: int
                    ) -> tuple[Said | None, bool]:  # fmt: skip
        """The attribution of a quote as written, and whether it follows the quote (a short quote is kept only
        when it does)."""
        text, is_person = self.text, self.people.covers
        if group % 2:  # closed: the attribution may follow
            said = speakers.after(text, m.end(), inner, is_person)
            if said is not None:
                return said, True
        if n_words < MIN_WORDS:
            return None, False
        lo = max(self.paragraph_start(m.start()), previous_end)
        return speakers.before(text, lo, m.start(), is_person), False

    def resolve(self, said: Said, quote_start: int, follows: bool) -> tuple[str | None, str, bool]:
        """The speaker an attribution stands for, its verb, and whether the speaker is a person."""
        at = quote_start if follows else said.at
        if said.kind in (PRONOUN, IMPLICIT):
            low = said.phrase.casefold()
            if low in _PLURAL:
                return None, said.verb, False
            if low == "it":
                return self._organisation_before(at), said.verb, False
            return self.person_before(at, said.gender), said.verb, True
        if said.kind == DEFINITE and said.titled:
            named = self.person_before(at, said.gender, said.head)
            return (said.phrase, said.verb, False) if named is None else (named, said.verb, True)
        if said.kind == NAME:
            name = self._name(said)
            person = said.person or name in self.people.names
            if person and name not in self._genders:
                self._genders[name] = speakers.name_gender(name) or speakers.title_gender(said.phrase)
            return name, said.verb, person
        return said.phrase, said.verb, False

    def _name(self, said: Said) -> str:
        phrase = _ARTICLE.sub("", said.phrase, count=1)
        name = speakers.person_name(phrase) if said.person else phrase
        words = name.split()
        named = self.people.named_in(phrase)
        if named is not None:
            named = speakers.person_name(named) if said.person else named
            # "Jasmine Lee", "von der Leyen" written in full where only the surname was found as a person
            fuller = said.person and len(words) > 1 and words[-1] == named and not _titled(words)
            return name if fuller and (len(words) == 2 or all(w.islower() for w in words[:-1])) else named
        found = self.people.by_word(words[-1:])  # a surname alone, maybe declined ("Пескова")
        if found is None or (len(words) > 1 and words[0][:1].isupper() and found.split()[0] != words[0]):
            return name  # "Jane Smith" is not "John Smith"; "von der Leyen" is "Ursula Leyen"
        return speakers.person_name(found) if said.person else found

    def person_before(self, at: int, gender: str | None, title: str = "") -> str | None:
        """The person named or quoted last before `at`, in the same or the previous paragraph, skipping one of
        the other gender when both genders are known; for a description ("the minister"), one named with its
        title ("Education Minister Farah Siddiqui", "Farah Siddiqui, the minister") first."""
        lo = self.previous_paragraph_start(at)
        candidates = [(start, name) for start, name in self.people.before(at, lo, _MAX_MENTIONS)
                      if not self._in_quote(start)]  # fmt: skip
        for start, name, person in reversed(self._spoken):
            if start < lo:
                break
            if person and start < at:
                candidates.append((start, name))
        candidates.sort(key=lambda c: -c[0])
        agreeing = [c for c in candidates if self._agrees(c[1], gender)]
        # and before them, names with a known given name the persons step missed, named after those
        lo = max(lo, at - _NAMES_READ, agreeing[0][0] + 1 if agreeing else -1)
        missed = [(start, self.people.named_in(written) or written) for start, written in
                  speakers.names_in(self.text, lo, at)[::-1] if not self._in_quote(start)]  # fmt: skip
        agreeing = [c for c in missed if self._agrees(c[1], gender)] + agreeing
        if title:
            titled = next((name for start, name in agreeing if self._titled_at(start, name, title)), None)
            if titled is not None:
                return titled
        return agreeing[0][1] if agreeing else None

    def _titled_at(self, start: int, name: str, title: str) -> bool:
        """Whether the title is written next to this mention of the person (before it, or in apposition)."""
        around = self.text[max(0, start - _TITLE_READ) : start + len(name) + _TITLE_READ].casefold()
        return title in around

    def _agrees(self, name: str, gender: str | None) -> bool:
        known = self.gender(name)
        return gender is None or known is None or known == gender

    def gender(self, name: str) -> str | None:
        if name not in self._genders:
            gender = speakers.name_gender(name)
            for start in self.people.starts_of(name)[:3]:
                if gender is not None:
                    break
                gender = speakers.context_gender(self.text, start)
            self._genders[name] = gender
        return self._genders[name]

    def _organisation_before(self, at: int) -> str | None:
        lo = self.previous_paragraph_start(at)
        for start, name, person in reversed(self._spoken):
            if start < lo:
                break
            if not person:
                return name
        said = speakers.subject_before(self.text, self.paragraph_start(at), at, self.people.covers)
        return None if said is None else (self._name(said) if said.kind == NAME else said.phrase)

    def spoke(self, start: int, end: int, speaker: str | None, person: bool) -> None:
        self._span_starts.append(start)
        self._span_ends.append(end)
        if speaker is not None:
            self._spoken.append((start, speaker, person))

    def inherited(self, start: int, previous: _Found | None) -> tuple[str | None, str | None, bool]:
        """The speaker of a quote with no attribution of its own: that of the quote it continues, else of the
        sentence just before it."""
        text = self.text
        if previous is not None and previous.speaker is not None:
            gap = text[previous.end : start]
            same = (previous.open and "\n" in gap and not gap.strip()) or (  # the paragraph before left it open
                "\n" not in gap and len(gap) <= 300 and len(_SENTENCE_END.findall(gap)) <= 1  # '"..," X said. ".."'
            )
            if same:
                return previous.speaker, previous.verb, previous.person
        lo = self.paragraph_start(start)
        if previous is not None:
            lo = max(lo, previous.end)
        said = speakers.previous_sentence(text, lo, start, self.people.covers)
        return self.resolve(said, start, False) if said is not None else (None, None, False)


# Up to this many persons, a speaker is compared with each name in turn; beyond, an automaton of
# all the names reads the speaker once (the same answer, in time that does not grow with them).
_SCAN = 64


class _People:
    """The persons found in an article (name, spans) in their order, indexed once for all its quotes:
    each lookup is a bisection or a dictionary read, not a pass over every person's mentions per quote."""

    def __init__(self, persons: list[tuple[str, list[tuple[int, int]]]]) -> None:
        self.names = [name for name, _ in persons]
        mentions = sorted((s[0], s[1], name) for name, spans in persons for s in spans)
        self._mentions = [(start, name) for start, _, name in mentions]
        self._starts = [start for start, _, _ in mentions]
        self._ends = [end for _, end, _ in mentions]
        self._spans_of: dict[str, list[int]] = {}
        for start, _, name in mentions:
            self._spans_of.setdefault(name, []).append(start)
        self._word: dict[str, int] = {}  # a word of a name -> the first person with it
        self._stem: dict[str, int] = {}  # the first 5 letters of a surname -> the first person with it
        for i, name in enumerate(self.names):
            tokens = name.split()
            for token in tokens:
                self._word.setdefault(token, i)
            if tokens and len(tokens[-1]) >= 5:
                self._stem.setdefault(tokens[-1][:5], i)
        self._automaton: _Automaton | None = None

    def covers(self, start: int, end: int) -> bool:
        """Whether a person is named within [start, end) or across it."""
        i = bisect_left(self._starts, end)
        return i > 0 and self._ends[i - 1] > start

    def before(self, at: int, lo: int, limit: int) -> list[tuple[int, str]]:
        """The persons named in [lo, at), the latest first, at most `limit` of them."""
        i = bisect_left(self._starts, at)
        return [self._mentions[k] for k in range(i - 1, max(-1, i - 1 - limit), -1) if self._starts[k] >= lo]

    def starts_of(self, name: str) -> list[int]:
        return self._spans_of.get(name, [])

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
