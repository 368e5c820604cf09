"""A saved HTML page's tree: read by libxml2 from the bounded markup (services.store.html.markup), then bounded
itself, so that what reads it takes time linear in the page's size:
- libxml2 stops reading a page nested 256 elements deep (what follows is not read);
- a page of more than MAX_ELEMENTS elements is read without its scripts (JSON-LD aside), styles, SVG, media and
  form controls, metas and links past the first MAX_METAS, then without navigation, site header and footer and
  asides (all of which the body leaves out anyway); what is still past MAX_ELEMENTS is not read;
- an element with more than MAX_INLINE_CHILDREN inline children (links, spans, emphasis...) is read as its text;
- the text past MAX_TEXT characters (scripts and styles aside) is not read.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from lxml import etree
from lxml import html as lxml_html

from services.store.html.limits import MAX_ELEMENTS, MAX_INLINE_CHILDREN, MAX_JSON_LD, MAX_METAS, MAX_TEXT
from services.store.html.markup import NOT_XML_CHARS, PROLOGUE, RAW_TEXT, bounded_markup, cut_at_max_tags
from services.store.html.metadata import is_json_ld
from services.store.html.nodes import BOILERPLATE, drop_all, with_roles

# libxml2's HTML parser never loads a DTD or an external entity; no_network=True says so twice.
PARSER = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, collect_ids=False)
# Not article text, dropped first from a page of more than MAX_ELEMENTS elements (scripts other than JSON-LD too).
_NOT_TEXT_TAGS = ("style", "svg", "math", "noscript", "template", "iframe", "object", "embed", "canvas", "video",
                  "audio", "picture", "map", "select", "button", "input", "textarea")  # fmt: skip
# What trafilatura strips to its text: many of them in one element leave a run of text nodes that its
# text queries read in quadratic time.
_INLINE = frozenset({"a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "data", "del", "dfn", "em", "font",
                     "i", "img", "ins", "kbd", "mark", "nobr", "s", "samp", "small", "span", "strike", "strong",
                     "sub", "sup", "tt", "u", "var", "wbr"})  # fmt: skip


def read_tree(text: str) -> tuple[lxml_html.HtmlElement | None, bool]:
    """The page's tree, bounded, and whether some of the page is left unread."""
    text = NOT_XML_CHARS.sub("", PROLOGUE.sub("", text, count=1))  # lxml takes no str with an encoding
    markup = cut_at_max_tags(text)
    try:
        root = lxml_html.document_fromstring(bounded_markup(markup), parser=PARSER)
    except (ValueError, etree.LxmlError):
        return None, False
    if not isinstance(root, lxml_html.HtmlElement):
        return None, False
    return root, _bound_tree(root) or len(markup) < len(text)


def _bound_tree(root: lxml_html.HtmlElement) -> bool:
    """Bound the tree (see the module's docstring); whether some of it is left unread."""
    cut = False
    for crowded in [el for el in root.iter(etree.Element) if _crowded(el)]:
        _flatten(crowded)  # first: it keeps the text of elements the budget below would not read
    if _more_than(root, MAX_ELEMENTS):
        drop_all(_not_text(root))
        if _more_than(root, MAX_ELEMENTS):
            cut = _truncate(root, 2 * MAX_ELEMENTS)  # bounds the queries below
            drop_all([*root.xpath(BOILERPLATE), *with_roles(root)])
            cut = _truncate(root, MAX_ELEMENTS) or cut
    return _truncate_text(root, MAX_TEXT) or cut


def _more_than(root: lxml_html.HtmlElement, count: int) -> bool:
    return next(itertools.islice(root.iter(etree.Element), count, None), None) is not None


def _truncate(root: lxml_html.HtmlElement, keep: int) -> bool:
    """Drop every element after the first `keep` (in document order), with the text that follows it; whether
    there was any."""
    cut = next(itertools.islice(root.iter(etree.Element), keep, None), None)
    parent = None if cut is None else cut.getparent()
    if cut is None or parent is None:  # the root is never cut: keep > 0
        return False
    del parent[parent.index(cut) :]
    while (grandparent := parent.getparent()) is not None:
        del grandparent[grandparent.index(parent) + 1 :]
        parent = grandparent
    return True


def _truncate_text(root: lxml_html.HtmlElement, keep: int) -> bool:
    """Cut the text (not counting that of scripts, styles and other raw text) after `keep` characters, and drop
    what follows; whether there was any. The extractor's fallbacks read a long text several times over."""
    for event, el in etree.iterwalk(root, events=("start", "end")):
        text = el.text if event == "start" else el.tail
        if not text or (event == "start" and el.tag in RAW_TEXT):
            continue
        if len(text) <= keep:
            keep -= len(text)
            continue
        if event == "start":
            el.text, el.tail = text[:keep], None
            del el[:]
        else:
            el.tail = text[:keep]
        _drop_following(el, root)
        return True
    return False


def _drop_following(el: etree._Element, root: lxml_html.HtmlElement) -> None:
    """Drop what follows the element in document order (its own text and children aside)."""
    node = el
    while node is not root and (parent := node.getparent()) is not None:
        if node is not el:
            node.tail = None
        del parent[parent.index(node) + 1 :]
        node = parent


def _not_text(root: lxml_html.HtmlElement) -> Iterator[lxml_html.HtmlElement]:
    json_ld = 0
    for el in root.iter("script", *_NOT_TEXT_TAGS):
        if el.tag != "script" or not is_json_ld(el) or (json_ld := json_ld + 1) > MAX_JSON_LD:
            yield el
    for tag in ("meta", "link"):
        yield from itertools.islice(root.iter(tag), MAX_METAS, None)


def _crowded(el: etree._Element) -> bool:
    return len(el) > MAX_INLINE_CHILDREN and sum(child.tag in _INLINE for child in el) > MAX_INLINE_CHILDREN


def _flatten(el: etree._Element) -> None:
    """The element's inline descendants as their text, in single text nodes (stripping tags leaves a run of
    text nodes, which lxml reads in quadratic time)."""
    etree.strip_tags(el, *_INLINE)
    for node in el.iter(etree.Element):
        node.text = node.text  # one text node for what may be several
        if node is not el:
            node.tail = node.tail
