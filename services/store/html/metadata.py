"""What a saved HTML page declares about itself: its metas, its JSON-LD objects, its headline, language,
URL and story code (services.store.html_layout says in which order each is looked for)."""

from __future__ import annotations

import heapq
import itertools
import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from lxml import html as lxml_html

from services.store.article import MAX_HEADLINE, STORY_CODE, language_code, one_line
from services.store.dates import parse_date
from services.store.html.limits import MAX_JSON_LD, MAX_TEXT
from services.store.html.nodes import opening, outermost
from services.store.schema_org import is_article_type

_LANGUAGE_METAS = ("og:locale", "content-language", "language", "dc.language")
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " « ", " » ")
_PREFIX_SEPARATORS = (*_TITLE_SEPARATORS, ": ")  # "El Deber: Headline": a colon only after a site name
# What cutting a site name or a date from a headline must leave: _MIN_CHARS characters, or _MIN_WORDS words.
# Fewer is a word or two ("Brexit | BBC News" keeps its site name: "Brexit" alone is no headline); characters
# count too, for Chinese and Japanese headlines, which have no blanks between their words.
_MIN_WORDS = 3
_MIN_CHARS = 15
_MAX_SITES = 8  # site names read from a page
_MAX_SITE = 100  # characters: a longer name is no site's name
_MAX_CUT = MAX_HEADLINE + 2 * _MAX_SITE  # characters: a longer title, cut, would still be no headline
_COMBINING = re.compile(r"[\u0300-\u036f]+")  # the combining accents of Latin, Greek and Cyrillic letters
# What pages wrap a JSON-LD script's JSON in, longest first where one opening starts another.
_WRAPPERS = (
    ("<!--", "-->"),
    ("//<![CDATA[", "//]]>"),
    ("/*<![CDATA[*/", "/*]]>*/"),
    ("<![CDATA[", "]]>"),
)
# Characters of JSON-LD read on one page, all scripts together. Real pages hold a few kilobytes; this is a
# bound on the work a hostile page can ask for (json.loads is linear), well above any page's.
MAX_JSON_LD_CHARS = 8 * MAX_TEXT


def read_metas(root: lxml_html.HtmlElement) -> dict[str, str]:
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


def is_json_ld(script: lxml_html.HtmlElement) -> bool:
    return (script.get("type") or "").strip().lower() == "application/ld+json"


def json_ld_articles(root: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """The JSON-LD objects of the page (the first MAX_JSON_LD), article types first.

    Read leniently, as pages write it: control characters inside strings (a line break or a tab typed into a
    description), an HTML comment or a CDATA section around the JSON, a semicolon after it; a @graph's nodes
    are objects of their own. The scripts of a page are read up to MAX_JSON_LD_CHARS characters together: a
    script that would pass that is skipped (the next ones are still read)."""
    found: list[dict[str, Any]] = []
    budget = MAX_JSON_LD_CHARS
    for script in root.iter("script"):
        if not is_json_ld(script) or not (text := script.text):
            continue
        if len(text) > budget:
            continue
        budget -= len(text)
        try:
            data = json.loads(_unwrapped(text), strict=False)
        except (ValueError, RecursionError):
            continue
        found.extend(itertools.islice(_objects(data, depth=0), MAX_JSON_LD - len(found)))
        if len(found) >= MAX_JSON_LD:
            break
    return sorted(found, key=lambda obj: not _is_article(obj))


def _unwrapped(text: str) -> str:
    """The JSON of a script without what pages wrap it in: blanks, an HTML comment, a CDATA section (bare or
    commented out for JavaScript or CSS), a trailing semicolon. A few passes of str methods: linear."""
    for _ in range(3):  # "<!--//<![CDATA[ ... //]]>-->": wrappers inside wrappers, a few deep at most
        before = text
        text = text.strip().rstrip(";").rstrip()
        for head, tail in _WRAPPERS:
            if text.startswith(head):
                text = text[len(head) :]
            if text.endswith(tail):
                text = text[: -len(tail)]
        if text == before:
            break
    return text


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
    """Whether the JSON-LD object is of one of the article types (services.store.schema_org)."""
    return is_article_type(obj.get("@type"))


def headline(
    root: lxml_html.HtmlElement, metas: dict[str, str], ld: list[dict[str, Any]]
) -> tuple[str | None, set[str]]:
    """The headline, and every headline-like string of the page (casefolded) for dropping repeats from the body.

    og:title, twitter:title, the JSON-LD headline and <title> lose the site's name where the page names its site
    (site_names) or where <title> repeats another headline with a part added (repeated_parts), and a trailing
    date part (without_site); <title> then keeps its longest " | " part that is not a date."""
    h1 = _h1(root)
    title = root.find(".//title")
    ld_headline = next((h for obj in ld if _is_article(obj) and isinstance(h := obj.get("headline"), str)), None)
    og, twitter = one_line(metas.get("og:title", "")), one_line(metas.get("twitter:title", ""))
    ld_text = one_line(ld_headline or "")
    h1_text = one_line(h1.text_content()) if h1 is not None else ""
    title_text = one_line(title.text_content()) if title is not None else ""
    sites = site_names(metas, ld) + repeated_parts(title_text, [h1_text, ld_text, og, twitter])
    candidates = [
        without_site(og, sites),
        without_site(twitter, sites),
        h1_text,
        without_site(ld_text, sites),
        _longest_part(without_site(title_text, sites)),
    ]
    seen = {c.casefold() for c in candidates if c}
    if title_text:
        seen.add(title_text.casefold())
    chosen = next((c for c in candidates if c and len(c) <= MAX_HEADLINE), None)
    return chosen, seen


def _h1(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    # The h1s in <article>, then in <main> (`//article//h1` re-reads nested articles: quadratic), then elsewhere.
    in_article = (h1 for tag in ("article", "main") for top in outermost(root, tag) for h1 in top.iter("h1"))
    elsewhere = root.xpath("//h1[not(ancestor::header or ancestor::nav or ancestor::footer)]")
    for h1 in itertools.chain(in_article, elsewhere):
        if h1.text_content().strip():
            return h1
    return None


def site_names(metas: dict[str, str], ld: list[dict[str, Any]]) -> list[str]:
    """The names the page gives its site: og:site_name, application-name, the JSON-LD publisher's name (the
    publisher in place or named by its @id) and a WebSite node's name; the first _MAX_SITES, each of at most
    _MAX_SITE characters."""
    names = [metas.get("og:site_name", ""), metas.get("application-name", "")]
    by_id = {obj["@id"]: obj for obj in ld if isinstance(obj.get("@id"), str)}
    for obj in ld:
        publisher = obj.get("publisher")
        for given in itertools.islice(publisher if isinstance(publisher, list) else [publisher], _MAX_SITES):
            org = by_id.get(ref) if isinstance(given, dict) and isinstance(ref := given.get("@id"), str) else None
            for node in (given, org):
                if isinstance(node, dict) and isinstance(name := node.get("name"), str):
                    names.append(name)
        if _is_type(obj.get("@type"), "website") and isinstance(name := obj.get("name"), str):
            names.append(name)
    out: list[str] = []
    for name in names:
        if 0 < len(name) <= _MAX_SITE and (name := one_line(name)) and name not in out:
            out.append(name)
            if len(out) == _MAX_SITES:
                break
    return out


def _is_type(value: object, kind: str) -> bool:
    """Whether a JSON-LD @type (a name, an address or a list of them) names `kind` (lower case)."""
    kinds = value if isinstance(value, list) else [value]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1].lower() == kind for k in kinds[:_MAX_SITES])


def repeated_parts(title: str, headlines: list[str]) -> list[str]:
    """The site names a <title> gives where it repeats one of the page's other headlines with a part added
    before or after a separator ("Storm closes ports – Coast Gazette" where the h1 is "Storm closes ports"): the
    part added. Cutting it from a headline leaves at least as much as one the page declares."""
    if not title or len(title) > _MAX_CUT:
        return []
    parts: list[str] = []
    spans = _spans(title, _TITLE_SEPARATORS)
    for bare in headlines:
        if not bare or len(bare) >= len(title) or not _long_enough(bare):
            continue
        folded = _fold(bare)
        for start, end in spans:
            if _about(title[:start], bare) and _fold(title[:start]) == folded:
                part = title[end:].strip()
            elif _about(title[end:], bare) and _fold(title[end:]) == folded:
                part = title[:start].strip()
            else:
                continue
            if 0 < len(part) <= _MAX_SITE and part not in parts:
                parts.append(part)
    return parts[:_MAX_SITES]


def without_site(title: str, sites: list[str]) -> str:
    """The title without a trailing date part ("Headline | DW | 23.05.2011"), then without one of `sites` after
    it and one before it, compared in any case and with or without accents ("Headline | EL DEBER", "Headline -
    La Stampa", "El Deber: Headline").

    Only whole parts are cut, at a separator (blanks around it; a colon after a leading site name), so a
    hyphen of the headline's own stays ("Covid-19"). A date part is cut after " | ", or as the last of three
    parts or more: a headline may end on a date of its own ("Tax returns due - 31 May 2021"). Nothing is cut
    that would leave less than _long_enough. A title longer than _MAX_CUT is kept as it is: cut, it would still
    be no headline."""
    if not title or len(title) > _MAX_CUT:
        return title
    spans = _spans(title, _TITLE_SEPARATORS)
    if spans and (len(spans) >= 2 or title[spans[-1][0] : spans[-1][1]] == " | "):
        start, end = spans[-1]
        if parse_date(title[end:]) is not None and _long_enough(title[:start]):
            title = title[:start].rstrip()
            spans = spans[:-1]
    folded = {_fold(site) for site in sites}
    if not folded:
        return title
    near = 2 * max(len(site) for site in sites) + 8  # a longer part is no site name, accents or not
    for start, end in spans:
        if len(title) - end <= near and _fold(title[end:]) in folded and _long_enough(title[:start]):
            title = title[:start].rstrip()
            break
    for start, end in _spans(title, _PREFIX_SEPARATORS):
        if start > near:
            break
        if _fold(title[:start]) in folded and _long_enough(title[end:]):
            return title[end:].lstrip()
    return title


def _longest_part(title: str) -> str:
    """The longest " | " part of a <title> ("Headline | Section | Site") that is not a date."""
    if " | " not in title:
        return title
    longest = heapq.nlargest(3, (part.strip() for part in title.split(" | ")), key=len)
    return next((part for part in longest if parse_date(part) is None), longest[0])


def _spans(title: str, separators: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of every separator in the title, in the order they stand; of two that overlap (" :: " and
    its ": "), the first."""
    found = []
    for sep in separators:
        at = title.find(sep)
        while at != -1:
            found.append((at, at + len(sep)))
            at = title.find(sep, at + 1)
    spans: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


def _long_enough(rest: str) -> bool:
    """Whether what a cut leaves is still a headline: _MIN_CHARS characters, or _MIN_WORDS words."""
    rest = rest.strip()
    if len(rest) >= _MIN_CHARS:
        return True
    return sum(1 for word in rest.split() if any(c.isalnum() for c in word)) >= _MIN_WORDS


def _about(text: str, other: str) -> bool:
    """Whether two texts are near enough in length to be one, with accents and without (a cheap first test)."""
    return abs(len(text.strip()) - len(other)) <= len(other) // 4 + 4


def _fold(text: str) -> str:
    """The text names are compared by: without accents (decomposed, combining marks dropped), casefolded."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.strip())).casefold()


def story_code(root: lxml_html.HtmlElement) -> str | None:
    """A `Story Code : 924469` block anywhere on the page (extractors take it for boilerplate and drop it)."""
    openings: dict[lxml_html.HtmlElement, str] = {}  # a parent holding many candidates is read once
    for el in root.iter("div", "span", "p", "li", "td", "b", "strong", "small", "em", "label"):
        if (t := el.text) and len(t) < 100 and "code" in t.lower():
            for block in (el, el.getparent()):
                if block is None:
                    continue
                if block not in openings:
                    openings[block] = one_line(opening(block, 200))
                if m := STORY_CODE.match(openings[block]):
                    return m[1]
    return None


def language(root: lxml_html.HtmlElement, metas: dict[str, str]) -> str | None:
    declared = [root.get("lang"), root.get("xml:lang"), *(metas.get(key) for key in _LANGUAGE_METAS)]
    return next((code for value in declared if (code := language_code(value))), None)


def canonical(root: lxml_html.HtmlElement) -> str | None:
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and (href := (link.get("href") or "").strip()):
            return href
    return None
