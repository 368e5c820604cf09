"""What a saved HTML page declares about itself: its metas, its JSON-LD objects, its headline, language,
URL and story code (services.store.html_layout says in which order each is looked for)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from lxml import html as lxml_html

from services.store.article import MAX_HEADLINE, STORY_CODE, language_code, one_line
from services.store.html.limits import MAX_JSON_LD
from services.store.html.nodes import opening, outermost
from services.store.schema_org import is_article_type

_LANGUAGE_METAS = ("og:locale", "content-language", "language", "dc.language")
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " « ", " » ")


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
    """The JSON-LD objects of the page (the first MAX_JSON_LD), article types first."""
    found: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if not is_json_ld(script) or not script.text:
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
    """Whether the JSON-LD object is of one of the article types (services.store.schema_org)."""
    return is_article_type(obj.get("@type"))


def headline(
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
