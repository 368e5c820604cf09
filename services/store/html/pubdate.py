"""A saved HTML page's publication date: from the metas, itemprop=datePublished, <time pubdate>, the JSON-LD,
the article's dateline <time datetime>, then a short block of the article marked as its date whose whole text
reads as one (services.store.html_layout gives the order). No text is examined twice for a date.

Publication, never modification. A modification time (JSON-LD dateModified, article:modified_time,
og:updated_time, the last-modified http-equiv, itemprop=dateModified, a <time> or a dateline block marked or
worded as an update) is never read, wherever it stands on the page, and it is not used in place of a
publication date a page does not declare: a news archive files a story under the day it was published, and an
update comes hours, days or years later (a correction, a new photo, a site's redesign touching every page). A
page that declares only when it was modified has no date here (None, never a guess); html_layout may still
read a dateline opening the article's text.
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
# table), not marked or worded as an update, not in comments or related links (dateline_times and the filters
# of _published_dateline_time).
_UPDATE_LOWER = str.maketrans("UPDATEMOIF", "updatemoif")
# Marks of an update in an id, a class or an itemprop (lower case), and the words of one before a time or in a
# dateline block's text ("Updated", "Mis à jour", "Aktualisiert", "Обновлено"...), lower case.
_UPDATE_MARKS = ("updat", "modif")
_UPDATE_WORDS = (
    "updat",
    "modif",
    "mis à jour",
    "mise à jour",
    "aktualisiert",
    "geändert",
    "actualiza",
    "aggiorna",
    "atualiza",
    "bijgewerkt",
    "zaktualizowano",
    "güncelle",
    "обновл",
    "изменен",
    "更新",
)
_WORDS_BEFORE = 40  # characters before a <time> read for an update word ("Last updated on")
_MARKED_ABOVE = 3  # levels of ancestors of a dateline (below its <article>/<main>) read for an update mark
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
    if (dateline := _published_dateline_time(root)) is not None:
        yield dateline  # the article's first dateline only
    yield from _published_datelines(root, sizes)  # read only when the whole text is a date


def _names_noise(el: etree._Element) -> bool:
    """Whether the element's id or class names comments or related links."""
    low = id_class(el)
    return "comment" in low or "related" in low


def _marks_update(el: etree._Element) -> bool:
    """Whether the element's id, class or itemprop names an update (itemprop=dateModified)."""
    low = id_class(el) + " " + (el.get("itemprop") or "").lower()
    return any(mark in low for mark in _UPDATE_MARKS)


def _under_update(el: etree._Element) -> bool:
    """Whether one of the element's few nearest ancestors below its <article>/<main> is marked as an update
    (`<div class="date-updated"><time>`), and not as the publication too (`class="published-updated"`)."""
    node = el.getparent()
    for _ in range(_MARKED_ABOVE):
        if node is None or node.tag in ("article", "main"):
            return False
        if _marks_update(node) and "publi" not in id_class(node):
            return True
        node = node.getparent()
    return False


def names_update(text: str) -> bool:
    """Whether the text names an update or a modification ("Updated", "Actualizado", "Mis à jour")."""
    low = text.lower()
    return any(word in low for word in _UPDATE_WORDS)


def _worded_as_update(el: etree._Element) -> bool:
    """Whether the words just before a <time>, or its own opening words, say it is an update ("Updated <time>",
    "Actualizado: <time>")."""
    previous, parent = el.getprevious(), el.getparent()
    before = previous.tail if previous is not None else parent.text if parent is not None else None
    return names_update((before or "")[-_WORDS_BEFORE:]) or names_update((el.text or "")[:_WORDS_BEFORE])


def dateline_times(root: lxml_html.HtmlElement) -> Iterator[lxml_html.HtmlElement]:
    """The article's dateline <time>s: in <article>/<main>, not in its text, not of a class naming an update,
    not in comments or related links; in document order."""
    in_text, in_noise = Inherited(is_text_block), Inherited(_names_noise)
    for el in in_articles(root, ".//time[@datetime]"):
        marks = (el.get("class") or "").translate(_UPDATE_LOWER)
        if "updat" in marks or "modif" in marks:
            continue
        if not in_text(parent := el.getparent()) and not in_noise(parent):
            yield el


def dateline_time(root: lxml_html.HtmlElement) -> str | None:
    """The datetime of the article's first dateline <time> (dateline_times)."""
    el = next(dateline_times(root), None)
    return None if el is None else str(el.get("datetime"))


def dateline_blocks(root: lxml_html.HtmlElement, sizes: TextSizes) -> Iterator[lxml_html.HtmlElement]:
    """Each short block of the article marked as its date (and not as an update), not in comments or related
    links."""
    in_noise = Inherited(_names_noise)
    for el in in_articles(root, ".//*[@id or @class]"):
        low = id_class(el)
        if not any(mark in low for mark in _DATELINE_MARKS) or "updat" in low or "modif" in low:
            continue
        length, _, _, size = sizes[el]
        if length < MAX_DATE and size <= _MAX_DATELINE_BLOCK and not in_noise(el.getparent()):
            yield el


def datelines(root: lxml_html.HtmlElement, sizes: TextSizes) -> Iterator[str]:
    """The text of each dateline block (dateline_blocks)."""
    for el in dateline_blocks(root, sizes):
        yield one_line(el.text_content())


def _published_dateline_time(root: lxml_html.HtmlElement) -> str | None:
    """The datetime of the article's first dateline <time> that is not an update by its itemprop or id, by a
    block around it, or by the words before it."""
    for el in dateline_times(root):
        if not _marks_update(el) and not _under_update(el) and not _worded_as_update(el):
            return str(el.get("datetime"))
    return None


def _published_datelines(root: lxml_html.HtmlElement, sizes: TextSizes) -> Iterator[str]:
    """The text of each dateline block that is not an update by its itemprop, by a block around it, or by its
    words ("Updated: 2 April 2021")."""
    for el in dateline_blocks(root, sizes):
        if _marks_update(el) or _under_update(el):
            continue
        if not names_update(text := one_line(el.text_content())):
            yield text
