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
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
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
from services.store.dates import ParsedDate, parse_date

# trafilatura logs "discarding data" for every page without main text; the Rejection says it already.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

# libxml2's HTML parser never loads a DTD or an external entity; no_network=True says so twice.
_PARSER = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, collect_ids=False)
# The XML declaration and the doctype, internal subset (entity declarations) and all: never read, never resolved.
_PROLOGUE = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!doctype[^\[>]*(?:\[[^\]]*\])?\s*>)?", re.IGNORECASE)
_NOT_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_LOWER = "translate(concat(' ', @id, ' ', @class), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_PRUNE = [
    "//nav | //footer | //aside | //header[not(ancestor::article or ancestor::main)]",
    "//*[@role='navigation' or @role='banner' or @role='contentinfo' or @role='dialog' or @role='alertdialog']",
    # Cookie and consent banners: short blocks only, so a <body class="cookie-consent-pending"> keeps its article.
    f"//*[not(self::html or self::body or self::main or self::article)][contains({_LOWER}, 'cookie') or "
    f"contains({_LOWER}, 'consent') or contains({_LOWER}, 'gdpr')][string-length(normalize-space(.)) < 1500]",
    # Datelines ("Published <time>...</time>"): the extractor drops the <time> and would keep the bare label.
    _DATELINE_BLOCKS := (
        "//*[time][not(self::p or self::article or self::main or self::body or self::html)]"
        "[string-length(normalize-space(.)) < 80]"
    ),
]

# The article's dateline: a <time datetime> in <article>/<main>, not in its text (a paragraph, list or
# table), not marked as an update, not in comments or related links.
_NOT_TEXT = "not(ancestor::p or ancestor::li or ancestor::td or ancestor::th or ancestor::blockquote)"
_DATELINE_TIME = (
    f"(//article//time | //main//time)[@datetime][{_NOT_TEXT}]"
    "[not(contains(translate(@class, 'UPDATEMOIF', 'updatemoif'), 'updat') or "
    "contains(translate(@class, 'UPDATEMOIF', 'updatemoif'), 'modif'))]"
    f"[not(ancestor::*[contains({_LOWER}, 'comment') or contains({_LOWER}, 'related')])]"
)

# A short block marked as the article's date ("<p class='meta'>Published: March 31, 2021</p>"): extractors drop it
# as boilerplate, so it is read from the page; it counts only when its whole text reads as a date.
_DATELINE_TEXT = (
    f"(//article//* | //main//*)[contains({_LOWER}, 'date') or contains({_LOWER}, 'publish') or "
    f"contains({_LOWER}, 'meta') or contains({_LOWER}, 'byline')][string-length(normalize-space(.)) < 80]"
    f"[not(contains({_LOWER}, 'updat') or contains({_LOWER}, 'modif'))]"
    f"[not(ancestor::*[contains({_LOWER}, 'comment') or contains({_LOWER}, 'related')])]"
)

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


def parse_html(text: str) -> ParsedArticle | Rejection:
    root = _tree(text)
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
        return Rejection("no_body", "an HTML page without article text (only navigation, scripts or boilerplate)")
    return build(
        headline,
        published,
        paragraphs,
        story_code=story_code,
        language=_language(root, metas),
        url=metas.get("og:url") or _canonical(root),
    )


def _tree(text: str) -> lxml_html.HtmlElement | None:
    text = _NOT_XML_CHARS.sub("", _PROLOGUE.sub("", text, count=1))  # lxml takes no str with an encoding
    try:
        root = lxml_html.document_fromstring(text, parser=_PARSER)
    except (ValueError, etree.LxmlError):
        return None
    return root if isinstance(root, lxml_html.HtmlElement) else None


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


def _json_ld_articles(root: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """The JSON-LD objects of the page, article types first."""
    found: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue
        found.extend(_objects(data, depth=0))
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
    for path in ("//article//h1", "//main//h1", "//h1[not(ancestor::header or ancestor::nav or ancestor::footer)]"):
        for h1 in root.xpath(path):
            if h1.text_content().strip():
                return h1
    return None


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
    for el in root.xpath("//*[@itemprop='datePublished']"):
        yield el.get("content") or el.get("datetime") or el.text_content()
    for key in _DATE_METAS[3:]:
        if key in metas:
            yield metas[key]
    for el in root.xpath("//time[@pubdate][@datetime]"):
        yield el.get("datetime")
    for obj in ld:
        if isinstance(value := obj.get("datePublished"), str):
            yield value
    for el in root.xpath(_DATELINE_TIME):
        yield el.get("datetime")
        break  # the article's first dateline only
    for el in root.xpath(_DATELINE_TEXT):
        yield one_line(el.text_content())  # read only when the whole text is a date


def _story_code(root: lxml_html.HtmlElement) -> str | None:
    """A `Story Code : 924469` block anywhere on the page (extractors take it for boilerplate and drop it)."""
    for el in root.iter("div", "span", "p", "li", "td", "b", "strong", "small", "em", "label"):
        if (t := el.text) and len(t) < 100 and "code" in t.lower():
            for block in (el, el.getparent()):
                if block is not None and (m := STORY_CODE.match(one_line(block.text_content()[:200]))):
                    return m[1]
    return None


def _language(root: lxml_html.HtmlElement, metas: dict[str, str]) -> str | None:
    declared = [root.get("lang"), root.get("xml:lang"), *(metas.get(key) for key in _LANGUAGE_METAS)]
    return next((code for value in declared if (code := language_code(value))), None)


def _canonical(root: lxml_html.HtmlElement) -> str | None:
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and (href := (link.get("href") or "").strip()):
            return href
    return None


def _body(root: lxml_html.HtmlElement) -> tuple[str, ...]:
    for time in root.xpath("//p//time"):
        time.drop_tag()  # a <time> in a sentence is words of it; trafilatura would delete it, words and all
    for block in root.xpath(_DATELINE_BLOCKS):
        if block.getparent() is not None:
            block.drop_tree()  # "Published <time>": the label with its time
    for time in root.xpath(f"//time[{_NOT_TEXT}]"):
        time.drop_tree()  # a dateline between blocks: trafilatura would run the whole article into one paragraph
    document = trafilatura.bare_extraction(
        root,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=False,
        prune_xpath=_PRUNE,
    )
    text = getattr(document, "text", None)
    if not isinstance(text, str):
        return ()
    return tuple(s for line in text.split("\n") if (s := line.strip()))


def body_of_fragment(fragment: str) -> tuple[str, ...]:
    """The paragraphs of an HTML body held in another layout (a JSON document's `content`)."""
    root = _tree(f"<html><body><article>{fragment}</article></body></html>")
    if root is None:
        return ()
    try:
        return _body(root)
    except Exception:  # noqa: BLE001 - as in parse_html: no text is the answer, not a crash
        return ()
