"""Article text -> ParsedArticle, or a Rejection with its reason. Pure: no IO.

The layout is told by the first character of the normalised text, so plain-text
articles pay nothing for the other layouts:

- `<`: a saved HTML page (services.store.html_layout, imported on the first page);
  an XML document that is not XHTML (RSS, Atom, NewsML) is rejected as unsupported.
- `{` or `[`: a JSON article document (services.store.json_layout). Text that
  starts with `[` but is not JSON ("[Updated] Headline") is read as plain text.
- anything else: the seed layout and its variants (CRLF, BOM, extra blank lines,
  `Story Code:` spacing, no story code, the date line in other layouts and languages):

    <date line>            optional; recognised by services.store.dates
    <headline>             kept verbatim
    Story Code : <id>      optional
    <body paragraphs separated by blank lines>
"""

from __future__ import annotations

import re

from newswire.contracts import normalise_text
from services.store.article import (
    MAX_HEADLINE,
    STORY_CODE,
    ParsedArticle,
    Rejection,
    build,
    paragraphs_of_lines,
)
from services.store.dates import parse_date

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
    first = text[0]
    if first == "<":
        markup = _markup(text)
        if markup is not None:
            return markup
    elif first in "{[":
        from services.store.json_layout import parse_json

        parsed = parse_json(text)
        if parsed is not None:
            return parsed
    return _parse_plain(text)


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


def _parse_plain(text: str) -> ParsedArticle | Rejection:
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
    if pos < len(nonblank) and (m := STORY_CODE.match(lines[nonblank[pos]])):
        story_code = m[1]
        pos += 1
    if pos >= len(nonblank):
        return Rejection("no_body", "a headline but no body text")
    return build(headline, date, paragraphs_of_lines(lines[nonblank[pos] :]), story_code=story_code)
