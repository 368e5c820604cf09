"""Near-duplicates: MinHash signatures of word 3-shingles and an LSH window of recent articles.

The window lives in the process (the last `capacity` articles it enriched), warmed at start from the
signatures persisted in `enrichments.minhash`. Several enrich processes each see their own window
plus what the database held when they started, so a near-duplicate of an article enriched
meanwhile by another process can be missed.
"""

from __future__ import annotations

import re
import zlib
from collections import OrderedDict
from contextlib import suppress

import numpy as np
import numpy.typing as npt

PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
SHINGLE = 3
BUCKET_KEEP = 64  # most recent articles an LSH bucket keeps (see Window)
BLOCK = 8192  # shingles hashed at a time: memory stays PERMUTATIONS x BLOCK words however long the text
_rng = np.random.default_rng(20210331)
_A = _rng.integers(1, 2**63 - 1, size=(PERMUTATIONS, 1), dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63 - 1, size=(PERMUTATIONS, 1), dtype=np.uint64)
_WORD = re.compile(r"\w+")
_MIX1, _MIX2, _SHIFT = np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(7)
_LOW32, _HIGH = np.uint64(0xFFFFFFFF), np.uint64(32)

Signature = npt.NDArray[np.uint64]


# word -> its CRC-32, shared by the articles (a word's hash is computed once, not once an article);
# bounded: a process that has seen this many distinct words starts again, and keeps no word longer
# than _CRC_CHARS.
_CRC: dict[str, int] = {}
_CRC_MAX = 100_000
_CRC_CHARS = 64


def _hashes(words: list[str]) -> npt.NDArray[np.uint64]:
    crc = _CRC
    try:
        return np.fromiter(map(crc.__getitem__, words), dtype=np.uint64, count=len(words))
    except KeyError:
        if len(crc) > _CRC_MAX:
            crc.clear()
        new = {w: zlib.crc32(w.encode()) for w in set(words).difference(crc)}
        kept = {w: h for w, h in new.items() if len(w) <= _CRC_CHARS}  # a run longer than a word is not kept
        crc.update(kept)
        if len(kept) == len(new):
            return np.fromiter(map(crc.__getitem__, words), dtype=np.uint64, count=len(words))
        return np.fromiter((crc[w] if w in crc else new[w] for w in words), dtype=np.uint64, count=len(words))


def signature(text: str, words: list[str] | None = None) -> Signature | None:
    """MinHash of the text's word 3-shingles (None when the text has fewer than 3 words); `words`, if
    given, must be the text's words (runs of \\w of the text lowercased)."""
    if words is None:
        words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return None
    h = _hashes(words)
    # a shingle's hash: its three word hashes mixed (shift-xor-multiply), kept to 32 bits
    x = h[:-2] * _MIX1
    x ^= h[1:-1] << _SHIFT
    x ^= h[2:] * _MIX2
    x &= _LOW32
    if len(x) > BLOCK:
        x = np.unique(x)  # a repeated shingle changes no minimum: dropped, where it can spare a block
    # multiply-shift hashing: 64-bit wrap-around products, high 32 bits kept (no slow modulo)
    sig: Signature = _minima(x[:BLOCK])
    for start in range(BLOCK, len(x), BLOCK):
        np.minimum(sig, _minima(x[start : start + BLOCK]), out=sig)
    return sig


def _minima(x: npt.NDArray[np.uint64]) -> Signature:
    """Per permutation, the least hash of the shingles x (in place: one PERMUTATIONS x len(x) array)."""
    hashed = _A * x
    hashed += _B
    hashed >>= _HIGH
    minima: Signature = hashed.min(axis=1)
    return minima


def to_bytes(sig: Signature) -> bytes:
    return sig.astype("<u8").tobytes()


def from_bytes(data: bytes) -> Signature | None:
    if len(data) != PERMUTATIONS * 8:
        return None
    return np.frombuffer(data, dtype="<u8").astype(np.uint64)


class Window:
    """The last `capacity` signatures with a banded LSH index; earlier articles win.

    Each LSH bucket keeps its most recent BUCKET_KEEP articles: a crowd of articles alike in one
    band (templated reports, the same wire copy filed again and again) would otherwise make every
    check compare against thousands. A check compares at most BANDS x BUCKET_KEEP signatures, all
    at once (numpy, one row per window slot); an article alike an old one that only shares
    crowded buckets is matched with a more recent member of the crowd, which shares the band too.
    """

    def __init__(self, capacity: int = 10_000, threshold: float = 0.8) -> None:
        self.capacity = capacity
        self.threshold = threshold
        self._seq = 0
        self._items: OrderedDict[str, tuple[int, int]] = OrderedDict()  # article id -> (sequence, slot)
        self._sigs: npt.NDArray[np.uint64] = np.zeros((capacity, PERMUTATIONS), dtype=np.uint64)
        self._free = list(range(capacity - 1, -1, -1))
        self._buckets: dict[bytes, list[str]] = {}

    def __len__(self) -> int:
        return len(self._items)

    @staticmethod
    def _bands(sig: Signature) -> list[bytes]:
        raw = sig.astype("<u8").tobytes()
        return [bytes([b]) + raw[b * ROWS * 8 : (b + 1) * ROWS * 8] for b in range(BANDS)]

    def add(self, article_id: str, sig: Signature) -> None:
        if article_id in self._items or self.capacity < 1:
            return
        if len(self._items) >= self.capacity:
            self._evict()
        slot = self._free.pop()
        self._sigs[slot] = sig
        self._seq += 1
        self._items[article_id] = (self._seq, slot)
        for key in self._bands(sig):
            bucket = self._buckets.get(key)
            if bucket is None:
                self._buckets[key] = [article_id]  # most buckets hold one article: a list, not a deque's 64 slots
            else:
                bucket.append(article_id)
                if len(bucket) > BUCKET_KEEP:
                    del bucket[0]

    def _evict(self) -> None:
        old_id, (_, slot) = self._items.popitem(last=False)
        for key in self._bands(self._sigs[slot]):
            bucket = self._buckets.get(key)
            if bucket is not None:
                with suppress(ValueError):  # pushed out of a crowded bucket already
                    bucket.remove(old_id)
                if not bucket:
                    del self._buckets[key]
        self._free.append(slot)

    def nearest(self, article_id: str, sig: Signature) -> tuple[str, float] | None:
        """The most similar earlier article at or above the threshold (never the article itself)."""
        mine = self._items.get(article_id)
        before = mine[0] if mine else self._seq + 1
        seen: set[str] = {article_id}
        names: list[str] = []
        slots: list[int] = []
        for key in self._bands(sig):
            for other in self._buckets.get(key, ()):
                if other in seen:
                    continue
                seen.add(other)
                seq, slot = self._items[other]
                if seq < before:
                    names.append(other)
                    slots.append(slot)
        if not slots:
            return None
        matches = np.count_nonzero(self._sigs[slots] == sig, axis=1)
        best = int(np.argmax(matches))  # the first of the most similar, in band order
        similarity = float(matches[best]) / PERMUTATIONS
        return (names[best], round(similarity, 4)) if similarity >= self.threshold else None

    def check(self, article_id: str, sig: Signature | None) -> tuple[str, float] | None:
        """nearest(), then remember this article."""
        if sig is None:
            return None
        found = self.nearest(article_id, sig)
        self.add(article_id, sig)
        return found
