"""What the readers of a saved HTML page's tree share: dropping elements, marks inherited from ancestors, the
outermost <article>/<main>, and the size of every element's text, each computed once per tree (libxml2's
XPath reads a deep page's ancestors and text again for every element below them)."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Iterator

from lxml import etree
from lxml import html as lxml_html

from services.store.dates import MAX_DATE

# What the body leaves out first (as trafilatura's prune_xpath would), and what a crowded page drops.
BOILERPLATE = "//nav | //footer | //aside | //header[not(ancestor::article or ancestor::main)]"
_ROLES = frozenset({"navigation", "banner", "contentinfo", "dialog", "alertdialog"})  # of elements that hold no text
COOKIE_TEXT = 1500  # characters: a cookie or consent banner is shorter (services.store.html.body)

# An article's text blocks: a <time> in one is words of its text, not a dateline (services.store.html.pubdate).
_TEXT_BLOCKS = frozenset({"p", "li", "td", "th", "blockquote"})
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def drop_all(elements: Iterable[lxml_html.HtmlElement]) -> None:
    """Drop each element with what it holds, keeping the text after it (in document order, as trafilatura's
    pruning does; one inside an element dropped before is already gone)."""
    for el in list(elements):
        if el.getparent() is not None:
            el.drop_tree()


def with_roles(tree: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The elements whose role is one of _ROLES (an XPath comparing @role five times reads every element slowly)."""
    return [el for el in tree.xpath("//*[@role]") if el.get("role") in _ROLES]


def landmarks(tree: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """What the body prunes as boilerplate: BOILERPLATE, then the elements with_roles, each once."""
    return list(dict.fromkeys([*tree.xpath(BOILERPLATE), *with_roles(tree)]))


def opens_the_page(el: etree._Element) -> bool:
    """A landmark of the top of a page (site header, banner, navigation): one left open holds what follows it,
    the article too. A footer or an aside comes after the article, or beside it."""
    return el.tag in ("header", "nav") or el.get("role") in ("banner", "navigation")


def is_article_container(el: etree._Element) -> bool:
    """An explicit article container: <article>, <main>, an element whose itemprop is articleBody."""
    return el.tag in ("article", "main") or "articleBody" in (el.get("itemprop") or "").split()


def outermost(root: lxml_html.HtmlElement, tag: str) -> list[lxml_html.HtmlElement]:
    return [el for el in root.iter(tag) if next(el.iterancestors(tag), None) is None]


def in_articles(root: lxml_html.HtmlElement, query: str) -> Iterator[lxml_html.HtmlElement]:
    """What `query` (relative) selects in each outermost <article>/<main>, in document order: as `//article//x |
    //main//x` does, without merging nested articles' selections (quadratic: 250 nested articles took minutes)."""
    tops = [el for el in root.iter("article", "main") if next(el.iterancestors("article", "main"), None) is None]
    for top in tops:
        yield from top.xpath(query)


class Inherited:
    """Whether an element or one of its ancestors has a property. Memoised: a deep page's ancestors are read
    once, where an XPath `ancestor::` predicate reads them again for every element below them."""

    def __init__(self, has: Callable[[etree._Element], bool]) -> None:
        self._has = has
        self._memo: dict[etree._Element, bool] = {}

    def __call__(self, el: etree._Element) -> bool:
        chain: list[etree._Element] = []
        node: etree._Element | None = el
        while node is not None and node not in self._memo:
            chain.append(node)
            node = node.getparent()
        value = self._memo[node] if node is not None else False
        for below in reversed(chain):
            value = value or self._has(below)
            self._memo[below] = value
        return value


def is_text_block(el: etree._Element) -> bool:
    return el.tag in _TEXT_BLOCKS


def id_class(el: etree._Element) -> str:
    """The element's id and class, ASCII letters in lower case: XPath's translate(concat(' ', @id, ' ', @class),
    'A..Z', 'a..z') (which costs more in libxml2 than here)."""
    return f" {el.get('id') or ''} {el.get('class') or ''}".translate(_ASCII_LOWER)


def opening(el: lxml_html.HtmlElement, size: int) -> str:
    """text_content()[:size], without reading the rest of a long text."""
    parts: list[str] = []
    length = 0
    for text in el.itertext():
        parts.append(text)
        length += len(text)
        if length >= size:
            break
    return "".join(parts)[:size]


# Not prose: links (menus, link lists, teasers' headlines), scripts, styles, form controls.
_NOT_PROSE = frozenset({"a", "script", "style", "noscript", "template", "title", "button", "select", "option",
                        "textarea", "svg", "math"})  # fmt: skip


def nonblank(text: str | None) -> int:
    """How many characters of the text are not blanks: a size that does not depend on how the markup is indented."""
    return len("".join(text.split())) if text else 0


def prose_sizes(root: lxml_html.HtmlElement) -> dict[etree._Element, int]:
    """Every element's prose: the characters (blanks aside) of its text outside links, scripts, styles and form
    controls. One pass, bottom-up: each text is read once."""
    sizes: dict[etree._Element, int] = {}
    for node in reversed(list(root.iter(etree.Element))):
        if node.tag in _NOT_PROSE:
            sizes[node] = 0
            continue
        size = nonblank(node.text)
        for child in node:
            size += sizes.get(child, 0) + nonblank(child.tail)
        sizes[node] = size
    return sizes


# An element's text as XPath measures it: (the length of normalize-space(.), at most LONGEST; whether it starts
# with a blank; whether it ends with one; its length). Blanks are XPath's: space, tab, CR, LF.
_Size = tuple[int, bool, bool, int]
_NO_TEXT: _Size = (0, False, False, 0)
_BLANKS = " \t\r\n"
_BLANK_RUN = re.compile(r"[ \t\r\n]+")
LONGEST = max(COOKIE_TEXT, MAX_DATE)


class TextSizes:
    """The _Size of every element of a tree, computed once on first use, bottom-up: each text is read once,
    where `string-length(normalize-space(.))` on every element reads a deep page's text once per ancestor."""

    def __init__(self, root: lxml_html.HtmlElement) -> None:
        self._root = root
        self._sizes: dict[etree._Element, _Size] | None = None

    def __getitem__(self, el: etree._Element) -> _Size:
        if self._sizes is None:
            self._sizes = {}
            for node in reversed(list(self._root.iter(etree.Element))):
                size = _text_size(node.text)
                for child in node:
                    size = _joined(_joined(size, self._sizes.get(child, _NO_TEXT)), _text_size(child.tail))
                self._sizes[node] = size
        return self._sizes[el]


def _text_size(text: str | None) -> _Size:
    if not text:
        return _NO_TEXT
    core = text.strip(_BLANKS)
    if not core:
        return (0, True, True, len(text))
    return (min(len(_BLANK_RUN.sub(" ", core)), LONGEST), text[0] in _BLANKS, text[-1] in _BLANKS, len(text))


def _joined(a: _Size, b: _Size) -> _Size:
    if not b[3]:
        return a
    if not a[3]:
        return b
    size = a[3] + b[3]
    if not b[0]:
        return (a[0], a[1] or not a[0], True, size)
    if not a[0]:
        return (b[0], True, b[2], size)
    return (min(a[0] + b[0] + (a[2] or b[1]), LONGEST), a[1], b[2], size)
