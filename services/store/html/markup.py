"""A saved HTML page's text, bounded before libxml2 reads it: no prologue (XML declaration, doctype), no
character XML refuses, up to its 10 * MAX_ELEMENTS-th tag, and every tag within MAX_ATTRIBUTES attributes
of at most MAX_ATTRIBUTE_VALUE characters. One linear pass over the text, tokenising tags as libxml2's HTML5
tokenizer does (quotes, comments, raw text of <script>, <style>, <title>...).
"""

from __future__ import annotations

import itertools
import re

from services.store.html.limits import MAX_ATTRIBUTE_VALUE, MAX_ATTRIBUTES, MAX_ELEMENTS

# The XML declaration and the doctype, internal subset (entity declarations) and all: never read, never resolved.
# `[^\[>]*+` is possessive: backtracking through it took quadratic time on a doctype of many blanks.
PROLOGUE = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!doctype[^\[>]*+(?:\[[^\]]*\])?\s*>)?", re.IGNORECASE)
NOT_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A tag's start, or a whole <script> or <style> (a script's `i<n` is not a tag): counted roughly, and in one pass.
_TAG_START = re.compile(r"<(?:[sS][cC][rR][iI][pP][tT]|[sS][tT][yY][lL][eE])(?:[^<]++|<(?!/[sS][cCtT]))*+|<[A-Za-z]")
_MAX_TAGS = 10 * MAX_ELEMENTS  # given to libxml2, before what is not text is dropped (services.store.html.tree)


def cut_at_max_tags(text: str) -> str:
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
RAW_TEXT = ("script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title")  # up to </name


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
_RAW_NAMES = "|".join(_ascii_any_case(name) for name in (*RAW_TEXT, "plaintext"))
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
        for name in RAW_TEXT
    )
    + rf"|<{_ascii_any_case('plaintext')}{_NAME_END}{_SHORT_ATTRIBUTES}>[\s\S]*+)*+"
)
_ANY_ATTRIBUTE = _attribute("*+", to_end=True)
_TAG = re.compile(
    rf"<(/?)([A-Za-z][^\t\n\f\r />]*+)((?:{_SEPARATORS}{_ANY_ATTRIBUTE})*+){_SEPARATORS}(/?)(>|\Z)"
)  # 1: '/' of an end tag, 2: name, 3: attributes, 4: '/' of a self-closing tag, 5: '>' (empty at the end)
_EACH_ATTRIBUTE = re.compile(rf"{_SEPARATORS}({_ANY_ATTRIBUTE})")
_FITS = re.compile(_SHORT_ATTRIBUTE)
_RAW_END = {name: re.compile(f"</{_ascii_any_case(name)}") for name in RAW_TEXT}


def bounded_markup(text: str) -> str:
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
    if tag[4] or lower not in (*RAW_TEXT, "plaintext"):
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
