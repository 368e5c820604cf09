"""Word, sentence and paragraph counts of a whole body, at numpy speed.

The counts describe the whole body, also when the text analyses read only a prefix of it (a reader
wants the real reading time), so they must stay cheap on a 10 MB body: beyond a few thousand
characters the regular-expression definitions below are evaluated on arrays of character classes
rather than by the regex engine (7x faster on 100,000 characters, 10x on megabytes;
tests/unit/test_enrich_hostile.py checks both give the same counts):

- a word is a match of ``\\w+(?:['’-]\\w+)*``: runs of word characters, less the single
  apostrophes or hyphens that join two of them;
- a paragraph is a part of ``body.split("\\n\\n")`` that is not blank;
- a paragraph has ``max(1, n)`` sentences, n the matches of ``[.!?…]+["'»”)]*(?=\\s|$)`` in it:
  runs of terminators, then closing quotes or brackets, followed by whitespace or the paragraph's end.

The body is read in chunks of about CHUNK_CHARS, cut after a paragraph break or else after
whitespace (a paragraph cut in two carries its state into the next chunk), so memory stays a few
bytes a character of one chunk; only a stretch with no whitespace at all makes a longer chunk.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import numpy.typing as npt

CHUNK_CHARS = 1 << 18
SMALL_CHARS = 4_000  # shorter, the regular expressions cost less than numpy's fixed cost (~0.2 ms)
_WORD, _SPACE, _TERMINATOR, _CLOSER, _JOINER = 1, 2, 4, 8, 16
_NEWLINE = 10
_WORD_RE = re.compile(r"\w+(?:['’-]\w+)*")
# A run of terminators only where it begins, and taken whole: "...x" fails once, not once a character.
# (?<![.!?…])[.!?…]++["'»”)]*+(?=\s|$), written terminator first so that the regex engine skips to the
# next terminator rather than trying the lookbehind at every character.
_SENTENCE_END_RE = re.compile(r"[.!?…](?<![.!?…][.!?…])[.!?…]*+[\"'»”)]*+(?=\s|$)")
# An apostrophe or hyphen between two word characters (the joiner first: the engine skips to the next one).
_JOINER_RE = re.compile(r"['’-](?<=\w['’-])(?=\w)")
_LAST_SPACE = re.compile(r".*\s", re.DOTALL)
_SPACE_RE = re.compile(r"\s")

Mask = npt.NDArray[np.bool_]
Positions = npt.NDArray[np.intp]


@lru_cache(maxsize=1)
def _classes() -> npt.NDArray[np.uint8]:
    """The class bits of every code point (1.1 MB, built once): the regex engine itself says what \\w and \\s are.
    Built a block of code points at a time: all of them as one string (and its matches) would leave the
    process some 16 MiB larger for good, in every enrich worker too."""
    table = np.zeros(sys.maxunicode + 1, dtype=np.uint8)
    for lo in range(0, sys.maxunicode + 1, _BLOCK):
        hi = min(lo + _BLOCK, sys.maxunicode + 1)
        block = np.arange(lo, hi, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
        for bit, pattern in ((_WORD, _WORD_RUNS), (_SPACE, _SPACE_RUNS)):
            for run in pattern.finditer(block):
                table[lo + run.start() : lo + run.end()] |= bit
    for bit, chars in ((_TERMINATOR, ".!?…"), (_CLOSER, "\"'»”)"), (_JOINER, "'’-")):
        table[[ord(c) for c in chars]] |= bit
    return table


_BLOCK = 1 << 14
_WORD_RUNS = re.compile(r"\w+")
_SPACE_RUNS = re.compile(r"\s+")


def warm_up() -> None:
    """Build the table of character classes now (a worker forked afterwards shares it)."""
    _classes()


def counts(body: str, runs: list[str] | None = None) -> tuple[int, int, int]:
    """(words, sentences, paragraphs) of the body; linear in its length. `runs`, if given, must be the
    runs of \\w of the body (or of a text of the same length whose characters are \\w where the body's
    are, such as the body lowercased when that keeps its length): the words are then counted from them."""
    return _by_regex(body, runs) if len(body) < SMALL_CHARS else vectorised(body)


def _by_regex(body: str, runs: list[str] | None = None) -> tuple[int, int, int]:
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    sentences = sum(max(1, len(_SENTENCE_END_RE.findall(p))) for p in paragraphs)
    if runs is None:
        return len(_WORD_RE.findall(body)), sentences, len(paragraphs)
    # a word is a run of \w, less each apostrophe or hyphen that joins two (as vectorised() counts them)
    return len(runs) - len(_JOINER_RE.findall(body)), sentences, len(paragraphs)


def vectorised(body: str, chunk: int = CHUNK_CHARS) -> tuple[int, int, int]:
    """counts(), on arrays of character classes, `chunk` characters or so at a time."""
    words = sentences = paragraphs = 0
    carried: tuple[bool, int] | None = None  # (not blank, sentence ends) of a paragraph the last chunk cut
    for start, end, cut_inside in _chunks(body, chunk):
        w, nonblank, ends = _chunk(body[start:end])
        if carried is not None:
            nonblank[0] |= carried[0]
            ends[0] += carried[1]
        carried = (bool(nonblank[-1]), int(ends[-1])) if cut_inside else None
        if cut_inside:
            nonblank, ends = nonblank[:-1], ends[:-1]
        words += w
        paragraphs += int(np.count_nonzero(nonblank))
        sentences += int(ends[nonblank].sum()) + int(np.count_nonzero(nonblank & (ends == 0)))
    return words, sentences, paragraphs


def _chunks(body: str, size: int) -> Iterator[tuple[int, int, bool]]:
    """[start, end) of each chunk, and whether its end cuts a paragraph: after the last paragraph break
    in the second half of the next `size` characters, else after the last whitespace there (a word or
    a sentence end never spans whitespace; a newline so taken is alone, so no break is split), else
    after the next whitespace however far."""
    start = 0
    while start < len(body):
        end = start + size
        if end >= len(body):
            yield start, len(body), False
            return
        low = start + size // 2
        brk = body.rfind("\n\n", low, end + 1)
        if brk >= 0:
            yield start, brk + 2, False
            start = brk + 2
            continue
        space = _LAST_SPACE.match(body, low, end)
        if space is None:
            space = _SPACE_RE.search(body, end)
            if space is None:
                yield start, len(body), False
                return
            if body.startswith("\n\n", space.start()):  # a break, not a newline alone: cut after it
                yield start, space.start() + 2, False
                start = space.start() + 2
                continue
        yield start, space.end(), space.end() < len(body)
        start = space.end()


def _starts(mask: Mask) -> Mask:
    """Where a run of True begins."""
    out = mask.copy()
    out[1:] &= ~mask[:-1]
    return out


def _chunk(text: str) -> tuple[int, Mask, npt.NDArray[np.int64]]:
    """Words, and per paragraph whether it is not blank and how many sentence ends it has."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cls = _classes()[codes]
    word = (cls & _WORD).astype(bool)
    joins = (cls[1:-1] & _JOINER).astype(bool) & word[:-2] & word[2:]
    words = int(np.count_nonzero(_starts(word))) - int(np.count_nonzero(joins))

    separators = _separators(np.flatnonzero(codes == _NEWLINE))
    begins = np.append(0, separators + 2)
    nonblank = np.zeros(len(begins), dtype=bool)
    filled = begins < np.append(separators, len(codes))  # paragraphs with characters
    if filled.any():
        # per paragraph, whether a character is not whitespace; a segment runs on over the separator
        # and any empty paragraphs after it, which hold no such character
        solid = (cls & _SPACE) == 0
        nonblank[filled] = np.logical_or.reduceat(solid, begins[filled])
    ends = np.bincount(np.searchsorted(separators, _sentence_ends(cls)), minlength=len(begins))
    return words, nonblank, ends.astype(np.int64)


def _separators(newlines: Positions) -> Positions:
    """Where str.split("\\n\\n") splits: taken left to right, so a run of k newlines holds k // 2
    separators, at even places from the run's start."""
    if len(newlines) < 2:
        return np.zeros(0, dtype=np.intp)
    index = np.arange(len(newlines))
    first = np.ones(len(newlines), dtype=bool)
    first[1:] = newlines[1:] != newlines[:-1] + 1
    place = index - np.maximum.accumulate(np.where(first, index, 0))
    paired = np.append(~first[1:], False)  # the next newline follows at once
    separators: Positions = newlines[paired & (place % 2 == 0)]
    return separators


def _sentence_ends(cls: npt.NDArray[np.uint8]) -> Positions:
    """Where each sentence-ending run of terminators starts: a maximal run, then its closers, then
    whitespace or the end (a newline ends a paragraph, and is whitespace too)."""
    n = len(cls)
    terminator = (cls & _TERMINATOR).astype(bool)
    if not terminator.any():
        return np.zeros(0, dtype=np.intp)
    closer = (cls & _CLOSER).astype(bool)
    starts = np.flatnonzero(_starts(terminator))
    follows = np.flatnonzero(terminator & ~np.append(terminator[1:], False)) + 1  # just after each run
    closer_starts = np.flatnonzero(_starts(closer))
    closer_ends = np.flatnonzero(closer & ~np.append(closer[1:], False)) + 1
    # where the run is followed by closers (a closer there starts a run of them), skip to their end
    inside = follows < n
    has_closer = np.zeros(len(follows), dtype=bool)
    has_closer[inside] = closer[follows[inside]]
    follows[has_closer] = closer_ends[np.searchsorted(closer_starts, follows[has_closer])]
    space = np.ones(len(follows), dtype=bool)
    inside = follows < n
    space[inside] = (cls[follows[inside]] & _SPACE).astype(bool)
    ends: Positions = starts[space]
    return ends
