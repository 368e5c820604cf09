"""What the parser hands to the store: a ParsedArticle or a Rejection, and helpers every layout shares. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.store.dates import ParsedDate

MAX_HEADLINE = 400
STORY_CODE = re.compile(r"^story\s*code\s*[:：#\-–—]?\s*([A-Za-z0-9][\w-]{0,63})\s*$", re.IGNORECASE)
_CODE_VALUE = re.compile(r"[A-Za-z0-9][\w-]{0,63}")
_LANGUAGE = re.compile(r"([a-z]{2})(?:[-_][a-z0-9]{1,8})*")


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
) -> ParsedArticle:
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


def one_line(text: str) -> str:
    """Whitespace runs (line breaks included) as single spaces: how a headline from markup or JSON is kept."""
    return " ".join(text.split())


def headline_problem(headline: str) -> Rejection | None:
    if not headline:
        return Rejection("no_headline", "the headline is empty")
    if len(headline) > MAX_HEADLINE:
        return Rejection("no_headline", f"the headline is {len(headline)} characters: not a headline")
    return None


def paragraphs_of_lines(lines: Iterable[str]) -> tuple[str, ...]:
    """Stripped lines; paragraphs split on blank lines, the lines of one paragraph kept together."""
    out: list[str] = []
    current: list[str] = []
    for raw in lines:
        line = raw.strip()
        if line:
            current.append(line)
        elif current:
            out.append("\n".join(current))
            current = []
    if current:
        out.append("\n".join(current))
    return tuple(out)


def paragraphs_of_text(text: str) -> tuple[str, ...]:
    """Blank-line separated paragraphs when the text has blank lines, else one paragraph per line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if any(not line.strip() for line in lines[1:-1]):
        return paragraphs_of_lines(lines)
    return tuple(s for line in lines if (s := line.strip()))


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
    if not value:
        return None
    m = _LANGUAGE.fullmatch(value.strip().lower())
    return m[1] if m else None
