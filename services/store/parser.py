"""Article text -> ParsedArticle, or a Rejection with its reason. Pure: no IO.

The seed layout (and its variants: CRLF, BOM, extra blank lines, `Story Code:`
spacing, no story code, the date line in other layouts and languages):

    <date line>            optional; recognised by services.store.dates
    <headline>             kept verbatim
    Story Code : <id>      optional
    <body paragraphs separated by blank lines>
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from newswire.contracts import normalise_text
from services.store.dates import parse_date

MAX_HEADLINE = 400
_STORY_CODE = re.compile(r"^story\s*code\s*[:：#]?\s*([A-Za-z0-9][\w-]{0,63})\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    headline: str
    story_code: str | None
    published_at: datetime | None
    published_utc_offset_min: int | None
    published_iso: str | None
    paragraphs: tuple[str, ...]

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    detail: str


def parse(text: str) -> ParsedArticle | Rejection:
    text = normalise_text(text)
    if not text:
        return Rejection("empty", "the file holds no text")
    head = text[:1024].lstrip().lower()
    if head.startswith(("<!doctype", "<html", "<?xml")) or "<html" in head:
        return Rejection("unsupported_layout", "an HTML/XML page, not the plain-text article layout")
    if head.startswith(("{", "[")):
        return Rejection("unsupported_layout", "a JSON document, not the plain-text article layout")
    lines = [line.strip() for line in text.split("\n")]
    nonblank = [i for i, line in enumerate(lines) if line]
    pos = 0
    date = parse_date(lines[nonblank[pos]])
    if date is not None:
        pos += 1
    if pos >= len(nonblank):
        return Rejection("no_headline", "a date line and nothing after it")
    headline = lines[nonblank[pos]]
    pos += 1
    if len(headline) > MAX_HEADLINE:
        return Rejection("no_headline", f"first text line is {len(headline)} characters: not a headline")
    if date is None and pos < len(nonblank) and (date := parse_date(lines[nonblank[pos]])) is not None:
        pos += 1  # some layouts put the date under the headline
    story_code = None
    if pos < len(nonblank) and (m := _STORY_CODE.match(lines[nonblank[pos]])):
        story_code = m[1]
        pos += 1
    if pos >= len(nonblank):
        return Rejection("no_body", "a headline but no body text")
    paragraphs = _paragraphs(lines[nonblank[pos] :])
    return ParsedArticle(
        headline=headline,
        story_code=story_code,
        published_at=date.wall if date else None,
        published_utc_offset_min=date.offset_min if date else None,
        published_iso=date.iso() if date else None,
        paragraphs=paragraphs,
    )


def _paragraphs(lines: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            out.append("\n".join(current))
            current = []
    if current:
        out.append("\n".join(current))
    return tuple(out)
