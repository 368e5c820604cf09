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

import numpy as np
import numpy.typing as npt

PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
SHINGLE = 3
BLOCK = 8192  # shingles hashed at a time: memory stays PERMUTATIONS x BLOCK words however long the text
_rng = np.random.default_rng(20210331)
_A = _rng.integers(1, 2**63 - 1, size=(PERMUTATIONS, 1), dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63 - 1, size=(PERMUTATIONS, 1), dtype=np.uint64)
_WORD = re.compile(r"\w+")

Signature = npt.NDArray[np.uint64]


def signature(text: str) -> Signature | None:
    """MinHash of the text's word 3-shingles (None when the text has fewer than 3 words)."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return None
    ids = {w: zlib.crc32(w.encode()) for w in set(words)}
    h = np.fromiter((ids[w] for w in words), dtype=np.uint64, count=len(words))
    # a shingle's hash: its three word hashes mixed (shift-xor-multiply), kept to 32 bits
    x = (h[:-2] * np.uint64(0x9E3779B1)) ^ (h[1:-1] << np.uint64(7)) ^ (h[2:] * np.uint64(0x85EBCA77))
    x = np.unique(x & np.uint64(0xFFFFFFFF))
    # multiply-shift hashing: 64-bit wrap-around products, high 32 bits kept (no slow modulo)
    sig: Signature = ((_A * x[:BLOCK] + _B) >> np.uint64(32)).min(axis=1)
    for start in range(BLOCK, len(x), BLOCK):
        np.minimum(sig, ((_A * x[start : start + BLOCK] + _B) >> np.uint64(32)).min(axis=1), out=sig)
    return sig


def to_bytes(sig: Signature) -> bytes:
    return sig.astype("<u8").tobytes()


def from_bytes(data: bytes) -> Signature | None:
    if len(data) != PERMUTATIONS * 8:
        return None
    return np.frombuffer(data, dtype="<u8").astype(np.uint64)


class Window:
    """The last `capacity` signatures with a banded LSH index; earlier articles win."""

    def __init__(self, capacity: int = 10_000, threshold: float = 0.8) -> None:
        self.capacity = capacity
        self.threshold = threshold
        self._seq = 0
        self._items: OrderedDict[str, tuple[int, Signature]] = OrderedDict()
        self._buckets: dict[bytes, list[str]] = {}

    def __len__(self) -> int:
        return len(self._items)

    @staticmethod
    def _bands(sig: Signature) -> list[bytes]:
        raw = sig.astype("<u8").tobytes()
        return [bytes([b]) + raw[b * ROWS * 8 : (b + 1) * ROWS * 8] for b in range(BANDS)]

    def add(self, article_id: str, sig: Signature) -> None:
        if article_id in self._items:
            return
        self._seq += 1
        self._items[article_id] = (self._seq, sig)
        for key in self._bands(sig):
            self._buckets.setdefault(key, []).append(article_id)
        while len(self._items) > self.capacity:
            old_id, (_, old_sig) = self._items.popitem(last=False)
            for key in self._bands(old_sig):
                bucket = self._buckets.get(key)
                if bucket is not None:
                    bucket.remove(old_id)
                    if not bucket:
                        del self._buckets[key]

    def nearest(self, article_id: str, sig: Signature) -> tuple[str, float] | None:
        """The most similar earlier article at or above the threshold (never the article itself)."""
        mine = self._items.get(article_id)
        before = mine[0] if mine else self._seq + 1
        best: tuple[str, float] | None = None
        seen: set[str] = {article_id}
        for key in self._bands(sig):
            for other in self._buckets.get(key, ()):
                if other in seen:
                    continue
                seen.add(other)
                seq, other_sig = self._items[other]
                if seq >= before:
                    continue
                similarity = float(np.count_nonzero(other_sig == sig)) / PERMUTATIONS
                if similarity >= self.threshold and (best is None or similarity > best[1]):
                    best = (other, round(similarity, 4))
        return best

    def check(self, article_id: str, sig: Signature | None) -> tuple[str, float] | None:
        """nearest(), then remember this article."""
        if sig is None:
            return None
        found = self.nearest(article_id, sig)
        self.add(article_id, sig)
        return found
