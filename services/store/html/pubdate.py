"""A saved HTML page's publication date: from the metas, itemprop=datePublished, <time pubdate>, the JSON-LD,
the article's dateline <time datetime>, then a short block of the article marked as its date whose whole text
reads as one (services.store.html_layout gives the order). No text is examined twice for a date.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from services.store.article import one_line
from services.store.dates import MAX_DATE, MAX_LINE, ParsedDate, parse_date
from services.store.html.nodes import Inherited, TextSizes, id_class, in_articles, is_text_block

_DATE_METAS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "publication_date",
    "date",
    "dc.date.issued",
    "dcterms.issued",
    "parsely-pub-date",
    "sailthru.date",
)
# The article's dateline: a <time datetime> in <article>/<main>, not in its text (a paragraph, list or
# table), not marked as an update, not in comments or related links (dateline_time).
_UPDATE_LOWER = str.maketrans("UPDATEMOIF", "updatemoif")
# A short block marked as the article's date ("<p class='meta'>Published: March 31, 2021</p>"): extractors drop it
# as boilerplate, so it is read from the page; it counts only when its whole text reads as a date (datelines).
_DATELINE_MARKS = ("date", "publish", "meta", "byline")
_MAX_DATELINE_BLOCK = 10_000  # characters, blanks included: a longer block is not a dateline


def published(root: lxml_html.HtmlElement, metas: dict[str, str], ld: list[dict[str, Any]]) -> ParsedDate | None:
    for value in _date_values(root, metas, ld):
        if (date := parse_date(value)) is not None:
            return date
    return None


def _date_values(root: lxml_html.HtmlElement, metas: dict[str, str], ld: list[dict[str, Any]]) -> Iterator[str]:
    for key in _DATE_METAS[:3]:
        if key in metas:
            yield metas[key]
    sizes = TextSizes(root)
    for el in root.xpath("//*[@itemprop='datePublished']"):
        # text longer than a date line is not read (parse_date would refuse it): nested ones would re-read it
        yield el.get("content") or el.get("datetime") or (el.text_content() if sizes[el][3] <= MAX_LINE else "")
    for key in _DATE_METAS[3:]:
        if key in metas:
            yield metas[key]
    for el in root.xpath("//time[@pubdate][@datetime]"):
        yield el.get("datetime")
    for obj in ld:
        if isinstance(value := obj.get("datePublished"), str):
            yield value
    if (dateline := dateline_time(root)) is not None:
        yield dateline  # the article's first dateline only
    yield from datelines(root, sizes)  # read only when the whole text is a date


def _names_noise(el: etree._Element) -> bool:
    """Whether the element's id or class names comments or related links."""
    low = id_class(el)
    return "comment" in low or "related" in low


def dateline_time(root: lxml_html.HtmlElement) -> str | None:
    """The datetime of the article's dateline <time>: in <article>/<main>, not in its text, not marked as an
    update, not in comments or related links."""
    in_text, in_noise = Inherited(is_text_block), Inherited(_names_noise)
    for el in in_articles(root, ".//time[@datetime]"):
        marks = (el.get("class") or "").translate(_UPDATE_LOWER)
        if "updat" in marks or "modif" in marks:
            continue
        if not in_text(parent := el.getparent()) and not in_noise(parent):
            return str(el.get("datetime"))
    return None


def datelines(root: lxml_html.HtmlElement, sizes: TextSizes) -> Iterator[str]:
    """The text of each short block of the article marked as its date (not as an update), not in comments or
    related links."""
    in_noise = Inherited(_names_noise)
    for el in in_articles(root, ".//*[@id or @class]"):
        low = id_class(el)
        if not any(mark in low for mark in _DATELINE_MARKS) or "updat" in low or "modif" in low:
            continue
        length, _, _, size = sizes[el]
        if length < MAX_DATE and size <= _MAX_DATELINE_BLOCK and not in_noise(el.getparent()):
            yield one_line(el.text_content())
