"""A saved HTML page's article text: trafilatura's main text, after pruning navigation, site headers and
footers, asides, dialogs, cookie/consent banners and short datelines around a <time>; comments are left out,
a <time> inside a sentence keeps its words. One paragraph per text block (a <br> starts a new one).
"""

from __future__ import annotations

import logging
from copy import copy

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from services.store.dates import MAX_DATE
from services.store.html.nodes import (
    BOILERPLATE,
    COOKIE_TEXT,
    Inherited,
    TextSizes,
    drop_all,
    id_class,
    is_text_block,
    with_roles,
)

# trafilatura logs "discarding data" for every page without main text; the Rejection says it already.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

# Cookie and consent banners (these words in the id or class): short blocks only (under COOKIE_TEXT characters),
# so a <body class="cookie-consent-pending"> keeps its article.
_COOKIE_MARKS = ("cookie", "consent", "gdpr")
# Datelines ("Published <time>...</time>", under MAX_DATE characters): the extractor drops the <time> and
# would keep the bare label.
_DATELINE_BLOCK = "//*[time][not(self::p or self::article or self::main or self::body or self::html)]"


def paragraphs(root: lxml_html.HtmlElement) -> tuple[str, ...]:
    """The article's text, one paragraph per text block. It changes the tree (datelines go): read the rest first."""
    in_paragraph = Inherited(lambda el: el.tag == "p")
    for time in [t for t in root.iter("time") if in_paragraph(t.getparent())]:
        time.drop_tag()  # a <time> in a sentence is words of it; trafilatura would delete it, words and all
    drop_all(_dateline_blocks(root))  # "Published <time>": the label with its time
    # a dateline between blocks: trafilatura would run the whole article into one paragraph
    in_text = Inherited(is_text_block)
    drop_all([time for time in root.iter("time") if not in_text(time.getparent())])
    document = trafilatura.bare_extraction(
        _pruned(root),
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=False,
    )
    text = getattr(document, "text", None)
    if not isinstance(text, str):
        return ()
    return tuple(s for line in text.split("\n") if (s := line.strip()))


def _pruned(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A copy of the page without navigation, site header and footer, asides, dialogs, cookie banners and
    datelines, pruned one rule after the other as trafilatura's prune_xpath does."""
    tree = copy(root)
    drop_all(tree.xpath(BOILERPLATE))
    drop_all(with_roles(tree))
    if cookies := [el for el in tree.xpath("//*[@id or @class]") if _is_cookie_banner(el)]:
        sizes = TextSizes(tree)
        drop_all([el for el in cookies if sizes[el][0] < COOKIE_TEXT])
    drop_all(_dateline_blocks(tree))
    return tree


def _is_cookie_banner(el: etree._Element) -> bool:
    if el.tag in ("html", "body", "main", "article"):
        return False
    low = id_class(el)
    return any(mark in low for mark in _COOKIE_MARKS)


def _dateline_blocks(tree: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    if not (blocks := tree.xpath(_DATELINE_BLOCK)):
        return []
    sizes = TextSizes(tree)
    return [el for el in blocks if sizes[el][0] < MAX_DATE]
