"""Quotations with their speaker and speech verb, by regular expressions.

Handles straight and curly double quotes and guillemets; the attribution may follow the quote
('"...," Peskov said', '"...", said the minister', '«...», — заявил Песков', '« ... », a déclaré X')
or precede it ('Peskov said: "..."', 'X a déclaré : « ... »'). A pronoun or a description
("he", "the spokesman") is resolved to the person named last before the quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.enrich.lexicon import SPEECH_VERBS, STOPWORDS

MIN_WORDS = 4  # unattributed quotes shorter than this are scare quotes ("a killer")
MIN_WORDS_ATTRIBUTED = 2
_QUOTE = re.compile(r'"([^"\n]{2,2000}?)"|“([^”\n]{2,2000}?)”|«([^»\n]{2,2000}?)»|„([^“\n]{2,2000}?)“')
_UP = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_NAME = rf"[{_UP}][\w'’-]+(?:(?:\s+(?:de|da|dos|del|van|von|der|al|bin|la))*\s+[{_UP}][\w'’-]+)*(?:\s+(?:Jr|Sr)\.)?"
_LOWER_TITLE = r"(?:(?:[a-zà-ÿа-яё][\w'’-]*)\s+){0,3}?"
_VERB = "|".join(sorted((re.escape(v) for v in SPEECH_VERBS), key=len, reverse=True))
_DESC = (
    r"(?i:he|she|they|il|elle|он|она|(?:the|a|an|le|la|l'|un|une)\s+[\w'’ -]{0,40}?"
    r"(?:spokesman|spokeswoman|spokesperson|minister|president|official|leader|ambassador|envoy|diplomat|"
    r"chancellor|secretary|senator|governor|mayor|chief|director|analyst|porte-parole|ministre|président|"
    r"présidente|diplomate|responsable|dirigeant|dirigeante))"
)
_SPEAKER = rf"(?P<speaker>{_DESC}|{_NAME})"
# After a quote: optional punctuation and dash, then "Speaker verb" or "verb Speaker".
_AFTER = re.compile(
    rf"[\s,.;:!?]*(?:[—–-]\s*)?(?:(?:{_LOWER_TITLE}{_SPEAKER}\s+(?:also\s+|later\s+|then\s+)?(?P<verb>{_VERB})\b)"
    rf"|(?:(?P<verb2>{_VERB})\s+(?:(?i:the|le|la|l'|l’)\s*[^,.«»\"“”]{{1,60}},\s+(?P<speaker3>{_NAME})"
    rf"|(?P<speaker2>{_DESC}|{_NAME}))))",
)
# Before a quote, in the same sentence: "Speaker verb (that|,|:)".
_BEFORE = re.compile(
    rf"(?P<speaker>{_DESC}|{_NAME}(?:\s+[a-z][\w'’-]*){{0,2}}?)[\s,]+(?P<verb>{_VERB})\b"
    rf"[^.!?\"“«]{{0,60}}?[:,]?\s*(?:that\s+|que\s+|что\s+)?$"
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
    before = _BEFORE.search(sentence)
    if before:
        if _after_preposition(sentence[: before.start()]):
            # "The Russian Embassy in the US described ...": the name ends a longer subject, it is not the speaker
            return None, before["verb"], False
        return before["speaker"], before["verb"], False
    return None, None, False


def _after_preposition(text: str) -> bool:
    words = [w.lower() for w in text.split()[-2:]]
    if words and words[-1] in _ARTICLES:
        words = words[:-1]
    return bool(words) and words[-1] in _PREPOSITIONS


def extract(text: str, persons: list[tuple[str, list[tuple[int, int]]]]) -> list[Quote]:
    """Quotes of at least MIN_WORDS words; speakers resolved to the persons found (name, spans)."""
    quotes = []
    for m in _QUOTE.finditer(text):
        group = next(i for i in range(1, 5) if m[i] is not None)
        inner = m[group].strip()
        n_words = len(inner.split())
        if n_words < MIN_WORDS_ATTRIBUTED:
            continue
        speaker, verb, follows = _speaker_and_verb(text, m.start(), m.end())
        if n_words < MIN_WORDS and not follows:
            continue
        quotes.append(Quote(inner, m.start(group), _resolve(speaker, m.start(), persons), verb))
    return quotes


def _resolve(speaker: str | None, at: int, persons: list[tuple[str, list[tuple[int, int]]]]) -> str | None:
    if speaker is None:
        return None
    words = speaker.split()
    while len(words) > 1 and words[0].lower() in STOPWORDS and words[1][:1].isupper():
        words = words[1:]  # "The Russian Embassy"
    if words[0].lower() in _PRONOUNS or _DESC_RE.fullmatch(speaker):
        # a pronoun or a description of a person: the person named last before the quote
        last = max(((s[0], name) for name, spans in persons for s in spans if s[0] < at), default=None)
        return last[1] if last else None
    if words[0].lower() in STOPWORDS or not words[0][0].isupper() or not words[-1][0].isupper():
        return " ".join(words)  # "The ministry", "Ukraine's foreign ministry": no person
    speaker = " ".join(words)
    for name, _spans in persons:
        if name == speaker or name in speaker:
            return name
    named = [w for w in words if w[:1].isupper()]
    for name, _spans in persons:
        tokens = name.split()
        for w in named[1:] or named:
            if w in tokens or (len(w) >= 5 and tokens[-1][:5] == w[:5] and not w.isascii()):
                return name  # a surname, maybe inflected (Пескова)
    return speaker
