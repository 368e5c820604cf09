"""JSON article documents -> ParsedArticle. Pure: no IO.

One reader for the layouts crawlers emit; the first key that holds a usable value wins:
- news-please: title, maintext, date_publish ("2021-03-31 11:59:00"), language, url;
- newspaper3k: title, text, publish_date, meta_lang, url;
- trafilatura: title, text, date, language, source (the URL);
- generic / schema.org: headline, body/content/article/articleBody, published_at/datePublished/
  published/pubDate/date, language/lang/inLanguage, story_code/storyCode, url/link;
- wrapped: a JSON-LD @graph (its first node of one of the article types of services.store.schema_org),
  or {"article": {...}}.
A body is a string (paragraphs split on blank lines, or one per line when it has none or when its
blank lines are stray ones between lines that each end a sentence: see _paragraphs_of_string), a
list of paragraph strings, or HTML (read like a saved page's body). A date is what
services.store.dates reads, or a Unix timestamp (UTC); an unreadable date is None.
An array holding one article is that article. Anything else is a Rejection naming what is missing.
A document nested too deeply for the JSON reader is a Rejection too; a value of the wrong type (a list
for a title, an object for a date) counts as missing, and the text fields are cleaned by article.build.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from services.store.article import (
    ParsedArticle,
    Rejection,
    build,
    headline_problem,
    language_code,
    lift_story_code,
    one_line,
    paragraphs_of_text,
    story_code_value,
)
from services.store.dates import ParsedDate, parse_date
from services.store.schema_org import is_article_type

HEADLINE_KEYS = ("headline", "title", "title_page", "title_rss")
BODY_KEYS = ("maintext", "text", "body", "articleBody", "content", "article")
DATE_KEYS = ("date_publish", "publish_date", "published_at", "datePublished", "date_published", "published",
             "pubDate", "date")  # fmt: skip
LANGUAGE_KEYS = ("language", "lang", "meta_lang", "inLanguage")
STORY_CODE_KEYS = ("story_code", "storyCode")
URL_KEYS = ("url", "link", "source")  # trafilatura's JSON puts the page's URL in "source"
# A line break inside a paragraph after the end of a sentence: terminal punctuation, then closing quotes or
# brackets (a line within a blank-line paragraph is stripped, so no blank comes before the break), and no second
# break (that one separates two paragraphs). Possessive, and it starts with the punctuation it looks for: a long
# run of quotes or dots is read once.
_SHAPE_SAMPLE = 64 * 1024  # characters: what _paragraphs_of_string reads to tell the shape of a body's lines
_SENTENCE_END_BREAK = re.compile(r"[.!?…:;。！？؟।]['\"”’»)\]]*+\n(?!\n)")
# `[^<>]*` rather than `[^>]*`: a match attempt stops at the next '<', so "<p <p <p ..." without a '>' is one pass.
_HTML_BODY = re.compile(r"<(?:p|br|div|h[1-6]|ul|ol|li|blockquote|section|article)\b[^<>]*>", re.IGNORECASE)


def parse_json(text: str) -> ParsedArticle | Rejection | None:
    """The article of a JSON document; None when text starting with '[' is not JSON (a plain-text headline)."""
    try:
        data = json.loads(text)
    except RecursionError:
        return Rejection("invalid_json", "a JSON document nested too deeply")
    except ValueError as exc:
        if text[0] == "[":
            return None
        where = f"line {exc.lineno} column {exc.colno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else exc
        return Rejection("invalid_json", f"not valid JSON: {where}")
    if isinstance(data, list):
        if len(data) != 1:
            return Rejection("not_an_article", f"a JSON array of {len(data)} items, not one article")
        data = data[0]
    if not isinstance(data, dict):
        return Rejection("not_an_article", f"a JSON {type(data).__name__}, not an article object")
    return _article(_unwrapped(data))


def _unwrapped(doc: dict[str, object]) -> dict[str, object]:
    """The article object of a document that holds it: a schema.org JSON-LD @graph (its article node),
    or a wrapper whose "article" is an object ({"article": {...}})."""
    graph = doc.get("@graph")
    if isinstance(graph, list):
        for node in graph:
            if isinstance(node, dict) and is_article_type(node.get("@type")):
                return node
    inner = doc.get("article")
    if isinstance(inner, dict) and not any(key in doc for key in HEADLINE_KEYS):
        return inner
    return doc


def _article(doc: dict[str, object]) -> ParsedArticle | Rejection:
    headline = next((one_line(s) for key in HEADLINE_KEYS if (s := _text(doc.get(key))) and s.strip()), None)
    if headline is None:
        return Rejection("not_an_article", f"a JSON document without a title (none of {', '.join(HEADLINE_KEYS)})")
    if problem := headline_problem(headline):
        return problem
    paragraphs = next((p for key in BODY_KEYS if (p := _paragraphs(doc.get(key)))), ())
    if not paragraphs:
        return Rejection("not_an_article", f"a JSON document without article text (none of {', '.join(BODY_KEYS)})")
    story_code = next((c for key in STORY_CODE_KEYS if (c := story_code_value(doc.get(key)))), None)
    if story_code is None:
        story_code, paragraphs = lift_story_code(paragraphs)
    return build(
        headline,
        next((d for key in DATE_KEYS if (d := _date(doc.get(key)))), None),
        paragraphs,
        story_code=story_code,
        language=next((c for key in LANGUAGE_KEYS if (c := language_code(_text(doc.get(key))))), None),
        url=next((u.strip() for key in URL_KEYS if (u := _text(doc.get(key))) and _usable_url(key, u)), None),
    )


def _usable_url(key: str, value: str) -> bool:
    """Any url/link given; "source" only when it is a web address (a publication's name in some
    layouts, the page's URL in trafilatura's)."""
    if key != "source":
        return bool(value.strip())
    return value.strip().lower().startswith(("http://", "https://"))


def _text(value: object) -> str | None:
    """A string field, or WordPress's {"rendered": "..."}."""
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else None


def _paragraphs(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(p for item in value if isinstance(item, str) for p in _paragraphs_of_string(item))
    text = _text(value)
    if not text or not text.strip():
        return ()
    if _HTML_BODY.search(text):
        from services.store.html_layout import body_of_fragment

        return body_of_fragment(text)
    return _paragraphs_of_string(text)


def _paragraphs_of_string(text: str) -> tuple[str, ...]:
    """A body string's paragraphs: split at blank lines (a paragraph's lines kept together), or at every line
    when the text has no blank line. Crawlers that write one paragraph per line also leave a stray blank line
    here and there (an empty element, a heading they dropped): split at blank lines, 24 paragraphs became 2.
    So the lines of the blank-line paragraphs are paragraphs of their own when both hold:
    - they read as whole paragraphs: at least 3 of 4 line breaks inside the blank-line paragraphs come after
      the end of a sentence (text hard-wrapped to a width ends a line mid-sentence, "sur deux lignes" after a
      comma; a subheading, which ends without a full stop, is the odd one out);
    - blank lines are rare: fewer blank-line breaks than line breaks inside the blank-line paragraphs (the
      paragraphs hold more than two lines on average; one sentence per line in paragraphs of two sentences
      keeps its paragraphs).
    Linear: the paragraphs joined at blank lines again (their lines are stripped, so a line break inside one is
    followed by text, and one between them by a second break) and counted in C; the sentence ends are counted in
    the first _SHAPE_SAMPLE characters (cut at a line's end), which hold a usual article whole: a regular
    expression's match costs what reading a short line does, and a longer text is taken to keep its shape."""
    blocks = paragraphs_of_text(text)
    if len(blocks) < 2:
        return blocks  # no blank line, or only around the text: split as it is
    joined = "\n\n".join(blocks)
    if len(blocks) - 1 >= joined.count("\n") - 2 * (len(blocks) - 1):
        return blocks
    cut = joined.find("\n", _SHAPE_SAMPLE)
    sample = joined if cut < 0 else joined[:cut]
    inner = sample.count("\n") - 2 * sample.count("\n\n")
    if inner <= 0 or 4 * _SENTENCE_END_BREAK.subn("", sample)[1] < 3 * inner:
        return blocks
    return tuple(joined.replace("\n\n", "\n").split("\n"))


def _date(value: object) -> ParsedDate | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        seconds = value / 1000 if value > 1e11 else value  # milliseconds, as JavaScript writes them
        try:
            value = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
        except (OverflowError, OSError, ValueError):
            return None
    return parse_date(value) if isinstance(value, str) else None
