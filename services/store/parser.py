"""Article text -> ParsedArticle, or a Rejection with its reason. Pure: no IO.

The layout is told by the first character of the normalised text, so plain-text
articles pay nothing for the other layouts:

- `<`: a saved HTML page (services.store.html_layout, imported on the first page);
  an XML document that is not XHTML (RSS, Atom, NewsML) is rejected as unsupported.
- `{` or `[`: a JSON article document (services.store.json_layout). Text that
  starts with `[` but is not JSON ("[Updated] Headline") is read as plain text.
- a delimited table (CSV, TSV: services.store.tables) is rejected as unsupported: it is not an article,
  and read as text its header row would become a headline.
- anything else: the seed layout and its variants (CRLF, BOM, extra blank lines,
  `Story Code:` spacing, no story code, the date line in other layouts and languages):

    <date line>            optional; recognised by services.store.dates
    <headline>             kept verbatim
    Story Code : <id>      optional
    <body paragraphs separated by blank lines>

  The lines above the body may come in any order (a story code first, the date under the
  headline), and may be labelled as mail and Markdown exports write them: `Title:`/`Subject:`,
  `Date:`, `By:`/`Author:`/`From:`/`Source:` (left out: not the article's text), `URL:`,
  `Language:`; a Markdown `# ` heading mark and emphasis around a line are not part of it. A
  story code line among the first paragraphs (after a byline, say) is lifted out of the body.

parse() never raises and takes time linear in the text for any string: each layout bounds its work (see
services.store.html_layout for what a page may hold), and a RecursionError or MemoryError that a library
still raises is a Rejection ("unsupported_layout") for that one article. Every text field of a ParsedArticle
is clean (services.store.article.build).
"""

from __future__ import annotations

import re
from typing import Any

from newswire.contracts import normalise_text
from services.store.article import (
    MAX_HEADLINE,
    STORY_CODE,
    ParsedArticle,
    Rejection,
    build,
    language_code,
    lift_story_code,
    paragraphs_of_block,
)
from services.store.dates import parse_date
from services.store.tables import table_kind

__all__ = ["MAX_HEADLINE", "ParsedArticle", "Rejection", "parse"]

# What an HTML page starts with (after a BOM and blanks): a doctype, a comment or one of the tags pages open with.
_HTML_START = re.compile(
    r"<(?:!doctype\s+html|!--|html|head|body|meta|title|link|base|script|style|noscript|article|main|div|section"
    r"|header|nav|h[1-6]|p)(?=[\s>/])",
    re.IGNORECASE,
)


def parse(text: str) -> ParsedArticle | Rejection:
    text = normalise_text(text)
    if not text:
        return Rejection("empty", "the file holds no text")
    try:
        layout = _layout(text)
    except RecursionError:
        return Rejection("unsupported_layout", "a document nested too deeply to read")
    except MemoryError:
        return Rejection("unsupported_layout", "a document too large to read in memory")
    if layout is not None:
        return layout
    if (kind := table_kind(text)) is not None:
        return Rejection("unsupported_layout", f"a table ({kind}), not an article")
    return _parse_plain(text)


def _layout(text: str) -> ParsedArticle | Rejection | None:
    """The article of an HTML page or a JSON document, or None for plain text."""
    first = text[0]
    if first == "<":
        return _markup(text)
    if first in "{[":
        from services.store.json_layout import parse_json

        return parse_json(text)
    return None


def _markup(text: str) -> ParsedArticle | Rejection | None:
    """An HTML page's article, an XML document's rejection, or None for plain text that happens to start with '<'."""
    head = text[:2048].lower()
    if head.startswith("<?xml"):
        if "<html" not in head:
            root = re.search(r"<([a-z][\w:.-]*)", head[5:])
            kind = f"<{root[1]}>" if root else "no root element"
            return Rejection("unsupported_layout", f"an XML document ({kind}), not an HTML page or an article layout")
    elif not _HTML_START.match(text) and "<html" not in head[:1024]:
        return None
    from services.store.html_layout import parse_html

    return parse_html(text)


# Header lines a plain-text article may open with, in any order, before or after its headline.
_LABEL = re.compile(
    r"^(title|headline|subject|date|dateline|published|updated|by|byline|author|authors|from|source|url|link"
    r"|language|lang)\s*[:：]\s*(.*)$",
    re.IGNORECASE,
)
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
_EMPHASIS = ("***", "**", "__", "*", "_")
HEADER_LINES = 8  # lines examined for the headline and its header fields before the body starts
# A line that is not blank (a match starts only at a line start, so a long blank run is scanned once).
_NONBLANK_LINE = re.compile(r"^[^\S\n]*+(\S[^\n]*)", re.MULTILINE)
_FIRST_LINES = 4 * HEADER_LINES  # read one by one; past them (blank lines, then), the pattern finds the rest


def _parse_plain(text: str) -> ParsedArticle | Rejection:
    heads = _head_lines(text)
    found: dict[str, Any] = {}
    pos = 0
    while pos < len(heads) and pos < HEADER_LINES:
        line = heads[pos][0]
        field = _header_field(line)
        if field is None:
            if "headline" in found:
                break  # the first line that is neither headline nor a header field: the body starts
            field = ("headline", _plain_headline(line))
        kind, value = field
        if kind in found and kind != "skip":
            break  # a second date (or code...) is body text, not a header
        if kind == "headline" and len(value) > MAX_HEADLINE:
            return Rejection("no_headline", f"first text line is {len(value)} characters: not a headline")
        found[kind] = value
        pos += 1
    if "headline" not in found:
        what = "a date line and nothing after it" if "date" in found else "header lines and no headline"
        return Rejection("no_headline", what)
    if pos >= len(heads):
        return Rejection("no_body", "a headline but no body text")
    paragraphs = paragraphs_of_block(text[heads[pos][1] :])
    story_code = found.get("code")
    if story_code is None:
        story_code, paragraphs = lift_story_code(paragraphs)  # after a byline, say
        if not paragraphs:
            return Rejection("no_body", "a headline but no body text")
    return build(
        found["headline"],
        found.get("date"),
        paragraphs,
        story_code=story_code,
        language=found.get("language"),
        url=found.get("url"),
    )


def _head_lines(text: str) -> list[tuple[str, int]]:
    """The first HEADER_LINES + 1 nonblank lines, stripped, each with where it starts in the text."""
    heads: list[tuple[str, int]] = []
    lines = text.split("\n", _FIRST_LINES)
    offset = 0
    for line in lines[:_FIRST_LINES]:  # the last of _FIRST_LINES + 1 pieces is the rest of the text
        if stripped := line.strip():
            heads.append((stripped, offset))
            if len(heads) > HEADER_LINES:
                return heads
        offset += len(line) + 1
    if len(lines) > _FIRST_LINES:
        for m in _NONBLANK_LINE.finditer(text, offset):
            heads.append((m[1].rstrip(), m.start()))
            if len(heads) > HEADER_LINES:
                break
    return heads


def _header_field(line: str) -> tuple[str, Any] | None:
    """What a line at the top of an article is: ("date", ParsedDate), ("code", str), ("headline", str),
    ("url" | "language", str), ("skip", None) for bylines and the like, or None (headline or body text)."""
    if m := STORY_CODE.match(line):
        return "code", m[1]
    if (date := parse_date(_unemphasised(line))) is not None:
        return "date", date
    m = _LABEL.match(line)
    if m is None:
        return None
    key, value = m[1].lower(), m[2].strip()
    if key in ("title", "headline", "subject"):
        return ("headline", _plain_headline(value)) if value else ("skip", None)
    if key in ("date", "dateline", "published", "updated"):
        date = parse_date(_unemphasised(value))
        if date is not None:
            return "date", date
        # "Date: <unreadable>" is a header (left out, never guessed); "Updated: the story was corrected" is text
        return ("skip", None) if key in ("date", "dateline") else None
    if key in ("url", "link"):
        return ("url", value) if value else ("skip", None)
    if key in ("language", "lang"):
        code = language_code(value)
        return ("language", code) if code else ("skip", None)
    return "skip", None  # by, author, from, source: who wrote or sent it, not the article's text


def _plain_headline(line: str) -> str:
    """A headline as written, without the markup around it (a Markdown heading mark, emphasis)."""
    return _unemphasised(_MARKDOWN_HEADING.sub("", line))


def _unemphasised(line: str) -> str:
    for mark in _EMPHASIS:
        if len(line) > 2 * len(mark) and line.startswith(mark) and line.endswith(mark):
            return line[len(mark) : -len(mark)].strip()
    return line
