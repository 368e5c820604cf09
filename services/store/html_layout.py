"""Saved HTML pages -> ParsedArticle. Pure: no IO, no network, no external entities or DTDs.

What the page declares about itself is read from its markup, in this order:
- headline: og:title, twitter:title, the article's h1 (an h1 in <article>/<main> before a
  site-logo h1 in the page header), the JSON-LD article's headline, then <title>. A site
  name is cut from og:title and <title> when the page names its site (og:site_name,
  application-name) and appends or prepends it; a <title> of " | "-separated parts keeps its
  longest part ("Headline | Section | Site"). " - " is cut only next to the declared
  site name: too many headlines hold a dash of their own.
- publication date and time: article:published_time, og:published_time, itemprop=datePublished,
  the pubdate/publishdate/date/DC.date.issued/parsely-pub-date/sailthru.date metas,
  <time pubdate datetime>, the JSON-LD datePublished, the article's dateline <time datetime>
  (in <article>/<main>, outside its text, not marked as an update), a short block of the article
  marked as its date (class or id with date, publish, meta or byline) whose whole text reads as a
  date; the first that services.store.dates reads wins, offset kept as written. Then a dateline
  block opening the extracted text ("Published: March 31, 2021 11:59") when it reads whole as a
  date (it is dropped from the body either way). Nothing else (no URL, no date inside a sentence): no date is None.
- language: <html lang>, og:locale, content-language; two-letter ISO 639-1 or None.
- url: og:url, then <link rel=canonical>.
The body is trafilatura's main text, after pruning navigation, site headers and footers,
asides, dialogs, cookie/consent banners and short datelines around a <time>; comments are
left out, a <time> inside a sentence keeps its words. One paragraph per text block (a <br>
starts a new one); leading blocks that repeat the headline are dropped. A `Story Code : X`
block on the page is the story code, and never body text.

Bounded work: the time a page takes is linear in its size, whatever it holds (libxml2 and the extractor
are quadratic in some shapes, so these are bounded before they see them):
- a tag keeps its first MAX_ATTRIBUTES attributes; an attribute value of more than MAX_ATTRIBUTE_VALUE
  characters (a data: URI, serialised state) is dropped. One linear pass over the text, tokenising tags
  as libxml2's HTML5 tokenizer does (quotes, comments, raw text of <script>, <style>, <title>...).
- libxml2 stops reading a page nested 256 elements deep (what follows is not read).
- a page is read up to its 50,000th tag (a rough count, scripts and styles counting one); a page of
  more than MAX_ELEMENTS elements is read without its scripts, styles, SVG, media and form controls,
  metas and links past the first MAX_METAS, then without navigation, site header and footer and
  asides (all of which the body leaves out anyway); what is still past MAX_ELEMENTS is not read.
- an element with more than MAX_INLINE_CHILDREN inline children (links, spans, emphasis...) is read
  as its text; the text past MAX_TEXT characters (scripts and styles aside) is not read.
- at most MAX_JSON_LD JSON-LD objects; no text is examined twice for a date or a story code.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import string
from collections.abc import Callable, Iterable, Iterator
from copy import copy
from typing import Any

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from services.store.article import (
    MAX_HEADLINE,
    STORY_CODE,
    ParsedArticle,
    Rejection,
    build,
    language_code,
    lift_story_code,
    one_line,
)
from services.store.dates import MAX_DATE, MAX_LINE, ParsedDate, parse_date

# trafilatura logs "discarding data" for every page without main text; the Rejection says it already.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

MAX_ATTRIBUTES = 100
MAX_ATTRIBUTE_VALUE = 4096
MAX_ELEMENTS = 5_000
MAX_METAS = 1_000
MAX_INLINE_CHILDREN = 200
MAX_JSON_LD = 64
MAX_TEXT = 1_000_000  # characters of text (scripts and styles aside) given to the extractor

# libxml2's HTML parser never loads a DTD or an external entity; no_network=True says so twice.
_PARSER = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, collect_ids=False)
# The XML declaration and the doctype, internal subset (entity declarations) and all: never read, never resolved.
# `[^\[>]*+` is possessive: backtracking through it took quadratic time on a doctype of many blanks.
_PROLOGUE = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!doctype[^\[>]*+(?:\[[^\]]*\])?\s*>)?", re.IGNORECASE)
_NOT_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# What the body leaves out, in this order (as trafilatura's prune_xpath would, but the text lengths are
# computed once per pass here rather than once per element and ancestor: see _pruned).
_BOILERPLATE = "//nav | //footer | //aside | //header[not(ancestor::article or ancestor::main)]"
_ROLES = frozenset({"navigation", "banner", "contentinfo", "dialog", "alertdialog"})  # of elements that hold no text
# Cookie and consent banners (these words in the id or class): short blocks only (under _COOKIE_TEXT characters),
# so a <body class="cookie-consent-pending"> keeps its article.
_COOKIE_MARKS = ("cookie", "consent", "gdpr")
_COOKIE_TEXT = 1500
# Datelines ("Published <time>...</time>", under MAX_DATE characters): the extractor drops the <time> and
# would keep the bare label.
_DATELINE_BLOCK = "//*[time][not(self::p or self::article or self::main or self::body or self::html)]"

# The article's dateline: a <time datetime> in <article>/<main>, not in its text (a paragraph, list or
# table), not marked as an update, not in comments or related links (_dateline_time).
_TEXT_BLOCKS = frozenset({"p", "li", "td", "th", "blockquote"})
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_UPDATE_LOWER = str.maketrans("UPDATEMOIF", "updatemoif")
# A short block marked as the article's date ("<p class='meta'>Published: March 31, 2021</p>"): extractors drop it
# as boilerplate, so it is read from the page; it counts only when its whole text reads as a date (_datelines).
_DATELINE_MARKS = ("date", "publish", "meta", "byline")
_MAX_DATELINE_BLOCK = 10_000  # characters, blanks included: a longer block is not a dateline

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
_LANGUAGE_METAS = ("og:locale", "content-language", "language", "dc.language")
_ARTICLE_TYPES = {"newsarticle", "article", "reportagenews", "analysisnewsarticle", "opinionnewsarticle",
                  "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "report"}  # fmt: skip
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " « ", " » ")
# Not article text, dropped first from a page of more than MAX_ELEMENTS elements (scripts other than JSON-LD too).
_NOT_TEXT_TAGS = ("style", "svg", "math", "noscript", "template", "iframe", "object", "embed", "canvas", "video",
                  "audio", "picture", "map", "select", "button", "input", "textarea")  # fmt: skip
# What trafilatura strips to its text: many of them in one element leave a run of text nodes that its
# text queries read in quadratic time.
_INLINE = frozenset({"a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "data", "del", "dfn", "em", "font",
                     "i", "img", "ins", "kbd", "mark", "nobr", "s", "samp", "small", "span", "strike", "strong",
                     "sub", "sup", "tt", "u", "var", "wbr"})  # fmt: skip


def parse_html(text: str) -> ParsedArticle | Rejection:
    root, cut = _tree(text)
    if root is None:
        return Rejection("no_body", "an HTML page with no elements")
    metas = _metas(root)
    ld = _json_ld_articles(root)
    headline, seen = _headline(root, metas, ld)
    if headline is None:
        return Rejection("no_headline", "an HTML page without og:title, h1 or <title>")
    published = _published(root, metas, ld)  # before _body, which prunes the tree
    try:
        paragraphs = _body(root)
    except Exception as exc:  # noqa: BLE001 - a third-party extractor on hostile input: a reason, never a crash
        return Rejection("no_body", f"the HTML extractor failed: {type(exc).__name__}: {one_line(str(exc))[:200]}")
    while paragraphs and one_line(paragraphs[0]).casefold() in seen:
        paragraphs = paragraphs[1:]
    # A dateline block at the top of the text ("Published: March 31, 2021 11:59") is not article text;
    # when the markup declared no date, it is the date (a whole line that reads as one, never a guess).
    if paragraphs and (dateline := parse_date(paragraphs[0])) is not None:
        published = published or dateline
        paragraphs = paragraphs[1:]
    story_code, paragraphs = lift_story_code(paragraphs)
    story_code = story_code or _story_code(root)
    if not paragraphs:
        read = f" in the part that is read (at most {MAX_ELEMENTS:,} elements)" if cut else ""
        return Rejection(
            "no_body", f"an HTML page without article text{read} (only navigation, scripts or boilerplate)"
        )
    return build(
        headline,
        published,
        paragraphs,
        story_code=story_code,
        language=_language(root, metas),
        url=metas.get("og:url") or _canonical(root),
    )


def _tree(text: str) -> tuple[lxml_html.HtmlElement | None, bool]:
    """The page's tree, bounded, and whether some of the page is left unread."""
    text = _NOT_XML_CHARS.sub("", _PROLOGUE.sub("", text, count=1))  # lxml takes no str with an encoding
    markup = _cut(text)
    try:
        root = lxml_html.document_fromstring(_bounded_markup(markup), parser=_PARSER)
    except (ValueError, etree.LxmlError):
        return None, False
    if not isinstance(root, lxml_html.HtmlElement):
        return None, False
    return root, _bound_tree(root) or len(markup) < len(text)


# --- the markup, before libxml2 sees it -----------------------------------------------------------------------
# A tag's start, or a whole <script> or <style> (a script's `i<n` is not a tag): counted roughly, and in one pass.
_TAG_START = re.compile(r"<(?:[sS][cC][rR][iI][pP][tT]|[sS][tT][yY][lL][eE])(?:[^<]++|<(?!/[sS][cCtT]))*+|<[A-Za-z]")
_MAX_TAGS = 10 * MAX_ELEMENTS  # given to libxml2, before what is not text is dropped (_bound_tree)


def _cut(text: str) -> str:
    """The text up to its _MAX_TAGS-th tag (or what looks like one, in a comment, say): libxml2 takes seconds
    to build a million elements that would not be read."""
    if text.count("<") <= _MAX_TAGS:
        return text
    past = next(itertools.islice(_TAG_START.finditer(text), _MAX_TAGS, None), None)
    return text if past is None else text[: past.start()]


# Tokens as libxml2's HTML5 tokenizer reads them. Every quantifier is possessive or bounded, and every token
# is matched where the one before it ended: the pass is linear however the text is shaped.
_SPACE = r"[\t\n\f\r ]"
_SEPARATORS = rf"(?:{_SPACE}++|/(?!>))*+"  # between attributes; a '/' before '>' closes the tag instead
_NAME_END = r"(?![^\t\n\f\r />])"
_RAW_TEXT = ("script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title")  # up to </name


def _ascii_any_case(word: str) -> str:
    return "".join(f"[{c}{c.upper()}]" for c in word)


def _attribute(repeat: str, *, to_end: bool) -> str:
    """One attribute: a name, then `= value` (double-quoted, single-quoted or bare). `repeat` bounds the
    name and the value; to_end lets a quote run to the end of the text, as the tokenizer does."""
    eof = r"|\Z" if to_end else ""
    value = (
        rf"\"[^\"]{repeat}(?:\"{eof})|'[^']{repeat}(?:'{eof})"
        rf"|[^\t\n\f\r >\"'][^\t\n\f\r >]{repeat}(?![^\t\n\f\r >])|(?=>|\Z)"
    )
    return (
        rf"[^\t\n\f\r />][^\t\n\f\r />=]{repeat}(?![^\t\n\f\r />=])(?:{_SPACE}*+={_SPACE}*+(?:{value})|(?!{_SPACE}*+=))"
    )


_SHORT = f"{{0,{MAX_ATTRIBUTE_VALUE}}}+"
_SHORT_ATTRIBUTE = _attribute(_SHORT, to_end=False)
_SHORT_ATTRIBUTES = rf"(?:{_SEPARATORS}{_SHORT_ATTRIBUTE}){{0,{MAX_ATTRIBUTES}}}+{_SEPARATORS}"
_RAW_NAMES = "|".join(_ascii_any_case(name) for name in (*_RAW_TEXT, "plaintext"))
# Everything that needs no change: text, tags within the bounds, comments, doctypes, raw text. It stops at a
# tag past the bounds (or a self-closing <script/>, which opens no raw text): _bounded_tag reads that one.
_AS_IS = re.compile(
    r"(?:[^<]++"
    # tags without attributes, the most frequent (the lookahead keeps raw-text names out, cheaply)
    r"|</?(?![sS][cCtT]|[xX][mM]|[iI][fF]|[nN][oO]|[tT][eEiI]|[pP][lL])[A-Za-z][A-Za-z0-9]{0,15}+>"
    rf"|<(?:/|(?!(?:{_RAW_NAMES}){_NAME_END}))[A-Za-z][^\t\n\f\r />]{_SHORT}{_NAME_END}{_SHORT_ATTRIBUTES}/?>"
    r"|<!--(?:-?>|(?:[^-]++|-(?!-!?>))*+(?:--!?>)?)"
    r"|<[!?][^>]*+>?|</(?![A-Za-z])[^>]*+>?|<(?![A-Za-z!/?])"
    + "".join(
        rf"|<{_ascii_any_case(name)}{_NAME_END}{_SHORT_ATTRIBUTES}>(?:[^<]++|<(?!/{_ascii_any_case(name)}))*+"
        for name in _RAW_TEXT
    )
    + rf"|<{_ascii_any_case('plaintext')}{_NAME_END}{_SHORT_ATTRIBUTES}>[\s\S]*+)*+"
)
_ANY_ATTRIBUTE = _attribute("*+", to_end=True)
_TAG = re.compile(
    rf"<(/?)([A-Za-z][^\t\n\f\r />]*+)((?:{_SEPARATORS}{_ANY_ATTRIBUTE})*+){_SEPARATORS}(/?)(>|\Z)"
)  # 1: '/' of an end tag, 2: name, 3: attributes, 4: '/' of a self-closing tag, 5: '>' (empty at the end)
_EACH_ATTRIBUTE = re.compile(rf"{_SEPARATORS}({_ANY_ATTRIBUTE})")
_FITS = re.compile(_SHORT_ATTRIBUTE)
_RAW_END = {name: re.compile(f"</{_ascii_any_case(name)}") for name in _RAW_TEXT}


def _bounded_markup(text: str) -> str:
    """The text with every tag within MAX_ATTRIBUTES attributes of at most MAX_ATTRIBUTE_VALUE characters.
    libxml2 checks each attribute of a tag against every one before it: 50,000 attributes took 13 s."""
    out: list[str] = []
    pos = 0
    while (stop := _match(_AS_IS, text, pos).end()) < len(text):
        out.append(text[pos:stop])
        pos = _bounded_tag(text, stop, out)
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _bounded_tag(text: str, start: int, out: list[str]) -> int:
    """Write the tag at `start` within the bounds (and a raw-text element's text as it is); where it ends."""
    tag = _match(_TAG, text, start)
    if not tag[5]:
        return len(text)  # a tag cut off by the end of the text, which the tokenizer drops
    name = tag[2]
    if tag[1]:
        out.append(f"</{name}>")  # attributes of an end tag mean nothing
        return tag.end()
    kept = [""]
    for attribute in _EACH_ATTRIBUTE.finditer(text, tag.start(3), tag.end(3)):
        if _FITS.fullmatch(attribute[1]):
            kept.append(attribute[1])
            if len(kept) > MAX_ATTRIBUTES:
                break
    out.append(f"<{name}{' '.join(kept)}{tag[4]}>")
    lower = name.lower()
    if tag[4] or lower not in (*_RAW_TEXT, "plaintext"):
        return tag.end()
    end = _RAW_END[lower].search(text, tag.end()) if lower in _RAW_END else None
    stop = end.start() if end else len(text)
    out.append(text[tag.end() : stop])
    return stop


def _match(pattern: re.Pattern[str], text: str, pos: int) -> re.Match[str]:
    m = pattern.match(text, pos)
    if m is None:  # pragma: no cover - both patterns match at every position they are used at
        raise AssertionError(f"{pattern.pattern[:40]!r} does not match at {pos}")
    return m


# --- the tree, before anything reads it -----------------------------------------------------------------------
def _bound_tree(root: lxml_html.HtmlElement) -> bool:
    """Bound the tree (see the module's docstring); whether some of it is left unread."""
    cut = False
    for crowded in [el for el in root.iter(etree.Element) if _crowded(el)]:
        _flatten(crowded)  # first: it keeps the text of elements the budget below would not read
    if _more_than(root, MAX_ELEMENTS):
        _drop_all(_not_text(root))
        if _more_than(root, MAX_ELEMENTS):
            cut = _truncate(root, 2 * MAX_ELEMENTS)  # bounds the queries below
            _drop_all([*root.xpath(_BOILERPLATE), *_with_roles(root)])
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
        if not text or (event == "start" and el.tag in _RAW_TEXT):
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
        if el.tag != "script" or not _is_json_ld(el) or (json_ld := json_ld + 1) > MAX_JSON_LD:
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


def _drop_all(elements: Iterable[lxml_html.HtmlElement]) -> None:
    """Drop each element with what it holds, keeping the text after it (in document order, as trafilatura's
    pruning does; one inside an element dropped before is already gone)."""
    for el in list(elements):
        if el.getparent() is not None:
            el.drop_tree()


# --- what the page declares about itself -----------------------------------------------------------------------
def _metas(root: lxml_html.HtmlElement) -> dict[str, str]:
    """First content of each <meta>, keyed by its property/name/itemprop/http-equiv in lower case."""
    out: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            if key := (meta.get(attr) or "").strip().lower():
                out.setdefault(key, content)
    return out


def _is_json_ld(script: lxml_html.HtmlElement) -> bool:
    return (script.get("type") or "").strip().lower() == "application/ld+json"


def _json_ld_articles(root: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """The JSON-LD objects of the page (the first MAX_JSON_LD), article types first."""
    found: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if not _is_json_ld(script) or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue
        found.extend(itertools.islice(_objects(data, depth=0), MAX_JSON_LD - len(found)))
        if len(found) >= MAX_JSON_LD:
            break
    return sorted(found, key=lambda obj: not _is_article(obj))


def _objects(data: object, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        yield from _objects(data.get("@graph"), depth + 1)


def _is_article(obj: dict[str, Any]) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds)


def _headline(
    root: lxml_html.HtmlElement, metas: dict[str, str], ld: list[dict[str, Any]]
) -> tuple[str | None, set[str]]:
    """The headline, and every headline-like string of the page (casefolded) for dropping repeats from the body."""
    sites = [one_line(s) for key in ("og:site_name", "application-name") if (s := metas.get(key))]
    h1 = _h1(root)
    title = root.find(".//title")
    ld_headline = next((h for obj in ld if _is_article(obj) and isinstance(h := obj.get("headline"), str)), None)
    candidates = [
        _strip_site(one_line(metas.get("og:title", "")), sites, pipes=False),
        _strip_site(one_line(metas.get("twitter:title", "")), sites, pipes=False),
        one_line(h1.text_content()) if h1 is not None else "",
        one_line(ld_headline or ""),
        _strip_site(one_line(title.text_content()), sites, pipes=True) if title is not None else "",
    ]
    seen = {c.casefold() for c in candidates if c}
    if title is not None:
        seen.add(one_line(title.text_content()).casefold())
    headline = next((c for c in candidates if c and len(c) <= MAX_HEADLINE), None)
    return headline, seen


def _h1(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    # The h1s in <article>, then in <main> (`//article//h1` re-reads nested articles: quadratic), then elsewhere.
    in_article = (h1 for tag in ("article", "main") for top in _outermost(root, tag) for h1 in top.iter("h1"))
    elsewhere = root.xpath("//h1[not(ancestor::header or ancestor::nav or ancestor::footer)]")
    for h1 in itertools.chain(in_article, elsewhere):
        if h1.text_content().strip():
            return h1
    return None


def _outermost(root: lxml_html.HtmlElement, tag: str) -> list[lxml_html.HtmlElement]:
    return [el for el in root.iter(tag) if next(el.iterancestors(tag), None) is None]


def _strip_site(title: str, sites: list[str], *, pipes: bool) -> str:
    lowered = title.casefold()
    for site in sites:
        for sep in _TITLE_SEPARATORS:
            tail, head = (sep + site).casefold(), (site + sep).casefold()
            if lowered.endswith(tail) and len(title) > len(tail):
                return title[: -len(tail)].strip()
            if lowered.startswith(head) and len(title) > len(head):
                return title[len(head) :].strip()
    if pipes and " | " in title:
        return max((part.strip() for part in title.split(" | ")), key=len)
    return title


def _published(root: lxml_html.HtmlElement, metas: dict[str, str], ld: list[dict[str, Any]]) -> ParsedDate | None:
    for value in _date_values(root, metas, ld):
        if (date := parse_date(value)) is not None:
            return date
    return None


def _date_values(root: lxml_html.HtmlElement, metas: dict[str, str], ld: list[dict[str, Any]]) -> Iterator[str]:
    for key in _DATE_METAS[:3]:
        if key in metas:
            yield metas[key]
    sizes = _TextSizes(root)
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
    if (dateline := _dateline_time(root)) is not None:
        yield dateline  # the article's first dateline only
    yield from _datelines(root, sizes)  # read only when the whole text is a date


def _in_articles(root: lxml_html.HtmlElement, query: str) -> Iterator[lxml_html.HtmlElement]:
    """What `query` (relative) selects in each outermost <article>/<main>, in document order: as `//article//x |
    //main//x` does, without merging nested articles' selections (quadratic: 250 nested articles took minutes)."""
    tops = [el for el in root.iter("article", "main") if next(el.iterancestors("article", "main"), None) is None]
    for top in tops:
        yield from top.xpath(query)


class _Inherited:
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


def _is_text_block(el: etree._Element) -> bool:
    return el.tag in _TEXT_BLOCKS


def _names_noise(el: etree._Element) -> bool:
    """Whether the element's id or class names comments or related links."""
    low = _id_class(el)
    return "comment" in low or "related" in low


def _id_class(el: etree._Element) -> str:
    """The element's id and class, ASCII letters in lower case: XPath's translate(concat(' ', @id, ' ', @class),
    'A..Z', 'a..z') (which costs more in libxml2 than here)."""
    return f" {el.get('id') or ''} {el.get('class') or ''}".translate(_ASCII_LOWER)


def _dateline_time(root: lxml_html.HtmlElement) -> str | None:
    """The datetime of the article's dateline <time>: in <article>/<main>, not in its text, not marked as an
    update, not in comments or related links."""
    in_text, in_noise = _Inherited(_is_text_block), _Inherited(_names_noise)
    for el in _in_articles(root, ".//time[@datetime]"):
        marks = (el.get("class") or "").translate(_UPDATE_LOWER)
        if "updat" in marks or "modif" in marks:
            continue
        if not in_text(parent := el.getparent()) and not in_noise(parent):
            return str(el.get("datetime"))
    return None


def _datelines(root: lxml_html.HtmlElement, sizes: _TextSizes) -> Iterator[str]:
    """The text of each short block of the article marked as its date (not as an update), not in comments or
    related links."""
    in_noise = _Inherited(_names_noise)
    for el in _in_articles(root, ".//*[@id or @class]"):
        low = _id_class(el)
        if not any(mark in low for mark in _DATELINE_MARKS) or "updat" in low or "modif" in low:
            continue
        length, _, _, size = sizes[el]
        if length < MAX_DATE and size <= _MAX_DATELINE_BLOCK and not in_noise(el.getparent()):
            yield one_line(el.text_content())


def _story_code(root: lxml_html.HtmlElement) -> str | None:
    """A `Story Code : 924469` block anywhere on the page (extractors take it for boilerplate and drop it)."""
    openings: dict[lxml_html.HtmlElement, str] = {}  # a parent holding many candidates is read once
    for el in root.iter("div", "span", "p", "li", "td", "b", "strong", "small", "em", "label"):
        if (t := el.text) and len(t) < 100 and "code" in t.lower():
            for block in (el, el.getparent()):
                if block is None:
                    continue
                if block not in openings:
                    openings[block] = one_line(_opening(block, 200))
                if m := STORY_CODE.match(openings[block]):
                    return m[1]
    return None


def _opening(el: lxml_html.HtmlElement, size: int) -> str:
    """text_content()[:size], without reading the rest of a long text."""
    parts: list[str] = []
    length = 0
    for text in el.itertext():
        parts.append(text)
        length += len(text)
        if length >= size:
            break
    return "".join(parts)[:size]


def _language(root: lxml_html.HtmlElement, metas: dict[str, str]) -> str | None:
    declared = [root.get("lang"), root.get("xml:lang"), *(metas.get(key) for key in _LANGUAGE_METAS)]
    return next((code for value in declared if (code := language_code(value))), None)


def _canonical(root: lxml_html.HtmlElement) -> str | None:
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and (href := (link.get("href") or "").strip()):
            return href
    return None


# --- the body -------------------------------------------------------------------------------------------------
def _body(root: lxml_html.HtmlElement) -> tuple[str, ...]:
    in_paragraph = _Inherited(lambda el: el.tag == "p")
    for time in [t for t in root.iter("time") if in_paragraph(t.getparent())]:
        time.drop_tag()  # a <time> in a sentence is words of it; trafilatura would delete it, words and all
    _drop_all(_dateline_blocks(root))  # "Published <time>": the label with its time
    # a dateline between blocks: trafilatura would run the whole article into one paragraph
    in_text = _Inherited(_is_text_block)
    _drop_all([time for time in root.iter("time") if not in_text(time.getparent())])
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
    _drop_all(tree.xpath(_BOILERPLATE))
    _drop_all(_with_roles(tree))
    if cookies := [el for el in tree.xpath("//*[@id or @class]") if _is_cookie_banner(el)]:
        sizes = _TextSizes(tree)
        _drop_all([el for el in cookies if sizes[el][0] < _COOKIE_TEXT])
    _drop_all(_dateline_blocks(tree))
    return tree


def _with_roles(tree: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The elements whose role is one of _ROLES (an XPath comparing @role five times reads every element slowly)."""
    return [el for el in tree.xpath("//*[@role]") if el.get("role") in _ROLES]


def _is_cookie_banner(el: etree._Element) -> bool:
    if el.tag in ("html", "body", "main", "article"):
        return False
    low = _id_class(el)
    return any(mark in low for mark in _COOKIE_MARKS)


def _dateline_blocks(tree: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    if not (blocks := tree.xpath(_DATELINE_BLOCK)):
        return []
    sizes = _TextSizes(tree)
    return [el for el in blocks if sizes[el][0] < MAX_DATE]


# An element's text as XPath measures it: (the length of normalize-space(.), at most _LONGEST; whether it starts
# with a blank; whether it ends with one; its length). Blanks are XPath's: space, tab, CR, LF.
_Size = tuple[int, bool, bool, int]
_NO_TEXT: _Size = (0, False, False, 0)
_BLANKS = " \t\r\n"
_BLANK_RUN = re.compile(r"[ \t\r\n]+")
_LONGEST = max(_COOKIE_TEXT, MAX_DATE)


class _TextSizes:
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
    return (min(len(_BLANK_RUN.sub(" ", core)), _LONGEST), text[0] in _BLANKS, text[-1] in _BLANKS, len(text))


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
    return (min(a[0] + b[0] + (a[2] or b[1]), _LONGEST), a[1], b[2], size)


def body_of_fragment(fragment: str) -> tuple[str, ...]:
    """The paragraphs of an HTML body held in another layout (a JSON document's `content`)."""
    root, _cut_short = _tree(f"<html><body><article>{fragment}</article></body></html>")
    if root is None:
        return ()
    try:
        return _body(root)
    except Exception:  # noqa: BLE001 - as in parse_html: no text is the answer, not a crash
        return ()
