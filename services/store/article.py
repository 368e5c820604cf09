"""What the parser hands to the store: a ParsedArticle or a Rejection, and helpers every layout shares. Pure.

Every helper here takes time linear in its input, whatever the input: no regular expression can go back
over a run of characters (possessive quantifiers, and patterns that start with the character they look for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from newswire.text import clean_text
from services.store.dates import ParsedDate

MAX_HEADLINE = 400
# The blanks around the separator are possessive: "story code" and 100,000 spaces took minutes as `\s*[:]?\s*`.
STORY_CODE = re.compile(r"^story\s*code\s*+(?:[:：#\-–—]\s*+)?([A-Za-z0-9][\w-]{0,63})\s*$", re.IGNORECASE)
_CODE_VALUE = re.compile(r"[A-Za-z0-9][\w-]{0,63}")
_LANGUAGE = re.compile(r"([a-z]{2})(?:[-_][a-z0-9]{1,8})*")
_MAX_LANGUAGE = 64  # longer is not a language tag: not worth lower-casing a 10 MB string to find out
# Blanks after a line break (a pattern that starts with the break: each run is read once, and the regex engine
# skips from one break to the next), blank lines, and an interior blank line.
_BLANKS_AFTER_BREAK = re.compile(r"\n[^\S\n]++")
_PARAGRAPH_BREAK = re.compile(r"\n\n+")  # not \n{2,}: with a literal prefix the engine skips to each break
_BLANK_LINE = re.compile(r"\n[^\S\n]*+\n")
_LINE_BY_LINE = 64 * 1024  # characters: a longer text is split into paragraphs by regular-expression passes
# The ASCII characters clean_text removes, as bytes: a whole body is checked with one C pass (bytes.translate),
# where a regular-expression scan costs as much as parsing a short article. A lone surrogate fails to encode.
_JUNK_BYTES = bytes(c for c in range(128) if clean_text(chr(c)) != chr(c))


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    headline: str
    story_code: str | None
    published_at: datetime | None
    published_utc_offset_min: int | None
    published_iso: str | None
    paragraphs: tuple[str, ...]
    language: str | None = None  # ISO 639-1 as the source declares it (HTML lang, og:locale, a JSON field)
    url: str | None = None  # where the source says the article lives (og:url, canonical link, a JSON field)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    detail: str


def build(
    headline: str,
    date: ParsedDate | None,
    paragraphs: tuple[str, ...],
    *,
    story_code: str | None = None,
    language: str | None = None,
    url: str | None = None,
) -> ParsedArticle | Rejection:
    """The article, every text field as every store accepts it (newswire.text.clean_text: no NUL or other
    control characters, no lone surrogates); a Rejection when nothing of the headline or the body is left."""
    fields = (headline, "\n\n".join(paragraphs), story_code or "", language or "", url or "")
    if _needs_cleaning("\n".join(fields)):  # every field in one pass; field by field only if need be
        headline = clean_text(headline).strip()
        paragraphs = tuple(p for paragraph in paragraphs if (p := clean_text(paragraph).strip()))
        story_code, language, url = _clean_field(story_code), _clean_field(language), _clean_field(url)
        if not headline:
            return Rejection("no_headline", "the headline holds only control characters")
        if not paragraphs:
            return Rejection("no_body", "the body holds only control characters")
    return ParsedArticle(
        headline=headline,
        story_code=story_code,
        published_at=date.wall if date else None,
        published_utc_offset_min=date.offset_min if date else None,
        published_iso=date.iso() if date else None,
        paragraphs=paragraphs,
        language=language,
        url=url,
    )


def _needs_cleaning(text: str) -> bool:
    """Whether clean_text would change the text."""
    try:
        data = text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return len(data.translate(None, _JUNK_BYTES)) != len(data)


def _clean_field(value: str | None) -> str | None:
    return (clean_text(value).strip() or None) if value is not None else None


def one_line(text: str) -> str:
    """Whitespace runs (line breaks included) as single spaces: how a headline from markup or JSON is kept."""
    return " ".join(text.split())


def headline_problem(headline: str) -> Rejection | None:
    if not headline:
        return Rejection("no_headline", "the headline is empty")
    if len(headline) > MAX_HEADLINE:
        return Rejection("no_headline", f"the headline is {len(headline)} characters: not a headline")
    return None


def paragraphs_of_block(text: str) -> tuple[str, ...]:
    """Stripped lines; paragraphs split on blank lines, the lines of one paragraph kept together.

    Line by line for an article's usual size; beyond that, regular-expression passes, which read four
    million short lines in a fraction of a second (the loop takes seconds)."""
    if len(text) <= _LINE_BY_LINE:
        return _paragraphs_of_lines(text.split("\n"))
    return _paragraphs_of_long_block(text)


def paragraphs_of_text(text: str) -> tuple[str, ...]:
    """Blank-line separated paragraphs when the text has blank lines, else one paragraph per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_LINE.search(text):
        return paragraphs_of_block(text)
    if len(text) <= _LINE_BY_LINE:
        return tuple(s for line in text.split("\n") if (s := line.strip()))
    return tuple(line for line in _stripped_lines(text).split("\n") if line)


def _paragraphs_of_lines(lines: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    current: list[str] = []
    for raw in lines:
        if line := raw.strip():
            current.append(line)
        elif current:
            out.append("\n".join(current))
            current = []
    if current:
        out.append("\n".join(current))
    return tuple(out)


def _paragraphs_of_long_block(text: str) -> tuple[str, ...]:
    return tuple(p for p in _PARAGRAPH_BREAK.split(_stripped_lines(text)) if p)


def _stripped_lines(text: str) -> str:
    """The text with every line stripped (str.strip's blanks), blank lines left empty. The blanks before a
    break are those after it in the reversed text: a pattern that ends with the break would be tried at
    every blank of a long run, and read the run from each."""
    text = _BLANKS_AFTER_BREAK.sub("\n", text)
    return _BLANKS_AFTER_BREAK.sub("\n", text[::-1])[::-1].strip()


def lift_story_code(paragraphs: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """A `Story Code : 924469` line opening one of the first paragraphs is the story code, not body text
    (the seed layout puts the body's first line right under it, in the same paragraph)."""
    for i, paragraph in enumerate(paragraphs[:3]):
        first, _, rest = paragraph.partition("\n")
        if m := STORY_CODE.match(first):
            kept = (rest,) if rest.strip() else ()
            return m[1], paragraphs[:i] + kept + paragraphs[i + 1 :]
    return None, paragraphs


def story_code_value(value: object) -> str | None:
    """A story code given as a field (string or number), when it looks like one."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text if _CODE_VALUE.fullmatch(text) else None


def language_code(value: str | None) -> str | None:
    """'en', 'en-GB', 'fr_FR', 'RU' -> the two-letter ISO 639-1 code; anything else (lists, 'und', 'eng') -> None."""
    if not value or len(value) > _MAX_LANGUAGE:
        return None
    m = _LANGUAGE.fullmatch(value.strip().lower())
    return m[1] if m else None
