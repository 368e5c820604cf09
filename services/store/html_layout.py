"""Saved HTML pages -> ParsedArticle. Pure: no IO, no network, no external entities or DTDs.

This module puts together the readers of services.store.html, one module per role: limits (the bounds below),
markup and tree (the page bounded before and after libxml2 reads it), metadata (what the page declares about
itself), pubdate (the publication date) and body (the article text).

What the page declares about itself is read from its markup, in this order:
- headline: og:title, twitter:title, the article's h1 (an h1 in <article>/<main> before a
  site-logo h1 in the page header), the JSON-LD article's headline (an object of one of the
  types of services.store.schema_org), then <title>. A site
  name is cut from og:title, twitter:title, the JSON-LD headline and <title> when the page names
  its site (og:site_name, application-name, the JSON-LD publisher's or WebSite's name, or the part
  <title> adds to another declared headline) and appends or prepends it after a separator (or
  prepends it with ": "), compared without case or accents, with a trailing date part; never when
  less than 3 words and 15 characters would be left. A <title> of " | "-separated parts keeps its
  longest part that is not a date ("Headline | Section | Site"). " - " is cut only next to a
  site name: too many headlines hold a dash of their own (services.store.html.metadata).
- publication date and time: article:published_time, og:published_time, itemprop=datePublished,
  the pubdate/publishdate/date/DC.date.issued/parsely-pub-date/sailthru.date metas,
  <time pubdate datetime>, the JSON-LD datePublished (JSON-LD read leniently: control characters
  in strings, comments, CDATA, a trailing ";"), the article's dateline <time datetime>
  (in <article>/<main>, outside its text, not marked as an update), a short block of the article
  marked as its date (class or id with date, publish, meta or byline) whose whole text reads as a
  date; the first that services.store.dates reads wins, offset kept as written. Then a dateline
  block opening the extracted text ("Published: March 31, 2021 11:59") when it reads whole as a
  date, and does not name an update (it is dropped from the body either way). A modification time
  (dateModified, modified and updated metas, a time or block worded as an update) is never the
  date, even with no other. Nothing else (no URL, no date inside a sentence): no date is None.
- language: <html lang>, og:locale, content-language; two-letter ISO 639-1 or None.
- url: og:url, then <link rel=canonical>.
The body is trafilatura's main text, after pruning navigation, site headers and footers,
asides, dialogs, cookie/consent banners and short datelines around a <time>; comments are
left out, a <time> inside a sentence keeps its words. One paragraph per text block (a <br>
starts a new one); leading blocks that repeat the headline are dropped. A `Story Code : X`
block on the page is the story code, and never body text. An article container inside a
landmark is kept; a body implausibly short next to the prose of a site header or navigation
the pruning dropped (one left open holds the article) is read again with that landmark
unwrapped; skip links are never body text; a page whose text is then only navigation, a
cookie notice or a few characters is rejected (no_body), never stored (services.store.html.body).

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
- the extractor reads a page twice at most: the second time only when the body is implausibly short.
"""

from __future__ import annotations

from services.store.article import ParsedArticle, Rejection, build, lift_story_code, one_line
from services.store.dates import parse_date
from services.store.html import body, markup, metadata, nodes, pubdate, tree
from services.store.html.limits import (
    MAX_ATTRIBUTE_VALUE,
    MAX_ATTRIBUTES,
    MAX_ELEMENTS,
    MAX_INLINE_CHILDREN,
    MAX_JSON_LD,
    MAX_METAS,
    MAX_TEXT,
)
from services.store.html.tree import read_tree

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_ATTRIBUTE_VALUE",
    "MAX_ELEMENTS",
    "MAX_INLINE_CHILDREN",
    "MAX_JSON_LD",
    "MAX_METAS",
    "MAX_TEXT",
    "body_of_fragment",
    "parse_html",
]


def parse_html(text: str) -> ParsedArticle | Rejection:
    root, cut = read_tree(text)
    if root is None:
        return Rejection("no_body", "an HTML page with no elements")
    metas = metadata.read_metas(root)
    ld = metadata.json_ld_articles(root)
    headline, seen = metadata.headline(root, metas, ld)
    if headline is None:
        return Rejection("no_headline", "an HTML page without og:title, h1 or <title>")
    published = pubdate.published(root, metas, ld)  # before body.paragraphs, which prunes the tree
    try:
        extracted = body.extract(root)
    except Exception as exc:  # noqa: BLE001 - a third-party extractor on hostile input: a reason, never a crash
        return Rejection("no_body", f"the HTML extractor failed: {type(exc).__name__}: {one_line(str(exc))[:200]}")
    paragraphs = extracted.paragraphs
    while paragraphs and one_line(paragraphs[0]).casefold() in seen:
        paragraphs = paragraphs[1:]
    # A dateline block at the top of the text ("Published: March 31, 2021 11:59") is not article text;
    # when the markup declared no date, it is the date (a whole line that reads as one, never a guess).
    # A line that names an update ("Updated: 2 April 2021") is taken out too, but never taken as the date.
    if paragraphs and (dateline := parse_date(paragraphs[0])) is not None:
        published = published or (None if pubdate.names_update(paragraphs[0]) else dateline)
        paragraphs = paragraphs[1:]
    story_code, paragraphs = lift_story_code(paragraphs)
    story_code = story_code or metadata.story_code(root)
    if (junk := body.not_an_article(paragraphs, extracted)) is not None:
        return Rejection("no_body", junk)
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
        language=metadata.language(root, metas),
        url=metas.get("og:url") or metadata.canonical(root),
    )


def body_of_fragment(fragment: str) -> tuple[str, ...]:
    """The paragraphs of an HTML body held in another layout (a JSON document's `content`)."""
    root, _cut_short = read_tree(f"<html><body><article>{fragment}</article></body></html>")
    if root is None:
        return ()
    try:
        return body.paragraphs(root)
    except Exception:  # noqa: BLE001 - as in parse_html: no text is the answer, not a crash
        return ()


# The internals the hostile-input tests (tests/unit/test_parser_hostile.py) reach, by the names they had here.
_bounded_markup = markup.bounded_markup
_NOT_XML_CHARS = markup.NOT_XML_CHARS
_PARSER = tree.PARSER
_tree = tree.read_tree
_TextSizes = nodes.TextSizes
_LONGEST = nodes.LONGEST
_opening = nodes.opening
_published = pubdate.published
_dateline_time = pubdate.dateline_time
_datelines = pubdate.datelines
