"""The enricher registry: each enricher a small function of the document, run in order and timed.

An enricher takes a `Doc` (headline, body, publication date, and what earlier enrichers found) and
returns fields; keys starting with "_" are for later enrichers only and never reach the event.
`timings()` gives the mean milliseconds of each enricher in this process (the bench reports them).

Every enricher must take time linear (or n log n) in the text and never raise: the regexes below
and in the enricher modules are written so that no input makes them backtrack without bound. An
enricher that raises all the same loses only its own fields (the Enrichment's defaults stand in);
`failures()` counts such failures, so a bug shows without costing the article.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from typing import Any

# Only where a run of terminators begins, taken whole (possessive): a run that is not a sentence end
# ("...x") is rejected once, not once per character of it with a backtrack over the rest. That is
# (?<![.!?…])[.!?…]++["'»”)]*+(?=\s|$), written terminator first (the lookbehind then looks behind it):
# a pattern that starts with a character set lets the regex engine skip to the next terminator
# instead of trying the lookbehind at every character (3x faster).
_SENTENCE_END = re.compile(r"[.!?…](?<![.!?…][.!?…])[.!?…]*+[\"'»”)]*+(?=\s|$)")
_WORD_RUN = re.compile(r"\w+")
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Prof|Jr|vs|No|M)|\b[A-Z]|\b(?:[A-Z]\.)+[A-Z])\.$")


class Doc:
    """One article as the enrichers see it; `fields` grows as they run."""

    def __init__(self, headline: str, body: str, published: date | None, *, whole: str | None = None) -> None:
        self.headline = headline
        self.body = body  # the text the analyses read: the whole body, or its first part within the budget
        self.whole = body if whole is None else whole  # the whole body (the counts read it)
        self.published = published
        self.fields: dict[str, Any] = {}
        self._sentences: list[tuple[int, int]] | None = None
        self._lower: str | None = None
        self._words: list[str] | None = None

    @property
    def language(self) -> str | None:
        lang: str | None = self.fields.get("language")
        return lang

    @property
    def sentence_spans(self) -> list[tuple[int, int]]:
        """[start, end) of each sentence of the body (computed once)."""
        if self._sentences is None:
            self._sentences = split_sentences(self.body)
        return self._sentences

    def sentences(self) -> list[str]:
        return [self.body[s:e] for s, e in self.sentence_spans]

    @property
    def lower(self) -> str:
        """The body lowercased (computed once)."""
        if self._lower is None:
            self._lower = self.body.lower()
        return self._lower

    def words(self) -> list[str]:
        """The words of the lowercased body, runs of \\w (found once: the counts and the MinHash read them)."""
        if self._words is None:
            self._words = _WORD_RUN.findall(self.lower)
        return self._words


def split_sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n\n"):
        start = offset
        offset += len(paragraph) + 2
        if not paragraph.strip():
            continue
        begin = 0
        for m in _SENTENCE_END.finditer(paragraph):
            if m[0] == "." and _ABBREVIATION.search(paragraph, max(0, m.start() - 8), m.end()):
                continue
            if paragraph[begin : m.end()].strip():
                spans.append(_trimmed(text, start + begin, start + m.end()))
            begin = m.end()
        if paragraph[begin:].strip():
            spans.append(_trimmed(text, start + begin, start + len(paragraph)))
    return spans


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


Enricher = Callable[[Doc], dict[str, Any]]
_registry: list[tuple[str, Enricher]] = []
_total_s: dict[str, float] = {}
_calls: dict[str, int] = {}
_failures: dict[str, int] = {}


def register(name: str) -> Callable[[Enricher], Enricher]:
    """Decorator: add an enricher under `name`, after those already registered."""

    def add(fn: Enricher) -> Enricher:
        if any(n == name for n, _ in _registry):
            raise ValueError(f"enricher {name!r} registered twice")
        _registry.append((name, fn))
        return fn

    return add


def names() -> list[str]:
    return [n for n, _ in _registry]


def run(doc: Doc) -> dict[str, Any]:
    """Every registered enricher in order, each timed; the fields they found. An enricher that raises
    adds nothing (its name goes to the "_failed" field and to `failures()`); the others still run."""
    clock = time.perf_counter
    for name, fn in _registry:
        started = clock()
        try:
            doc.fields.update(fn(doc))
        except Exception:  # noqa: BLE001  # one enricher's bug must not cost the article its other fields
            doc.fields.setdefault("_failed", []).append(name)
            _failures[name] = _failures.get(name, 0) + 1
        _total_s[name] = _total_s.get(name, 0.0) + clock() - started
        _calls[name] = _calls.get(name, 0) + 1
    return doc.fields


def timings() -> dict[str, float]:
    """Mean milliseconds per article of each enricher since start (or the last reset)."""
    return {n: round(1000 * _total_s[n] / _calls[n], 4) for n, _ in _registry if _calls.get(n)}


def failures() -> dict[str, int]:
    """How often each enricher raised since start (or the last reset); none should, ever."""
    return dict(_failures)


def reset_timings() -> None:
    _total_s.clear()
    _calls.clear()
    _failures.clear()
