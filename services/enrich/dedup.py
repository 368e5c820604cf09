"""Near-duplicates: MinHash signatures of word 3-shingles and an LSH window of recent articles.

A signature is one-permutation MinHash with densification: each shingle is hashed once, the hash
picks one of BINS bins and each bin keeps its least hash; an empty bin (a short text) takes the
value of the first non-empty bin along its own fixed probe sequence (Shrivastava's optimal
densification, 2017). The share of equal values of two signatures is then an unbiased estimate of
the Jaccard similarity of the two texts' shingles, as with BINS independent permutations, for one
hash a shingle instead of BINS. A value is kept as 16 bits of a hash of its bin's least hash (two
different minima agree by chance once in 65,536): a signature takes 512 bytes.

The similarity is estimated from all BINS values, with a standard error of at most about
sqrt(J(1 - J) / BINS), 0.028 at J = 0.7; measured on one-sentence edits, 0.026 for articles of 150
words, 0.018 of 300 and 0.012 of 600 (the bins sample distinct shingles). The LSH index only finds
candidates: BANDS bands of ROWS values, so that an article at the threshold's Jaccard is a candidate
with probability 0.999 (1 - (1 - J^ROWS)^BANDS); each candidate's estimate is then compared with
the threshold.

The default threshold (THRESHOLD) is calibrated with `python -m newswire_tools.dedup_eval`: a
sentence of s words added or removed puts some s + 2 shingles in one text only, one replaced some
s + 2 in each, so one such edit of a 300-word article leaves a true Jaccard of 0.75 to 0.95 (of a
150-word article, 0.55 to 0.9), while distinct articles, even of one topic with the same wire
footer, stay below 0.35.

The window lives in the process (the last `capacity` articles it enriched), warmed at start from the
signatures persisted in `enrichments.minhash` (signatures of an earlier format are skipped: their
values are not comparable). Several enrich processes each see their own window plus what the
database held when they started, so a near-duplicate of an article enriched meanwhile by another
process can be missed.
"""

from __future__ import annotations

import re
import zlib
from collections import OrderedDict
from itertools import chain

import numpy as np
import numpy.typing as npt

BINS = 256  # values a signature holds
BANDS = 16
ROWS = 3  # LSH on the first BANDS x ROWS values: P(candidate) 0.999 at J = 0.7, 0.98 at 0.6
SHINGLE = 3
THRESHOLD = 0.7  # estimated Jaccard similarity from which an article is a near-duplicate (calibrated: see above)
BUCKET_KEEP = 64  # most recent articles an LSH bucket keeps (see Window)
FORMAT = b"\x02"  # first byte of a persisted signature (the 64 x 64-bit MinHash of before had none)
DTYPE = np.uint16
_WORD = re.compile(r"\w+")
_MIX1, _MIX2, _SHIFT = np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(7)
_FMIX1, _FMIX2, _S33 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33)
_BIN_SHIFT = np.uint64(64 - (BINS.bit_length() - 1))  # a hash's top bits pick its bin (BINS: a power of 2)
_FOLD, _FOLD_SHIFT = np.uint64(0x9E3779B97F4A7C15), np.uint64(48)
_EMPTY = np.uint64(2**64 - 1)
_QUICK = 16  # probes tried at first for an empty bin (all BINS for the rare bin whose 16 are all empty)

Signature = npt.NDArray[np.uint16]


def _probe_sequences(seed: int) -> npt.NDArray[np.intp]:
    """Row i: the probe sequence of bin i, the other bins in a fixed random order (the same for every text)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(BINS):
        order = rng.permutation(BINS)
        rows.append(order[order != i])
    return np.array(rows, dtype=np.intp)


_PROBES = _probe_sequences(20210331)
_PROBES_QUICK = np.ascontiguousarray(_PROBES[:, :_QUICK])


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
    # a shingle's hash: its three word hashes mixed (shift-xor-multiply), then MurmurHash3's finaliser
    x = h[:-2] * _MIX1
    x ^= h[1:-1] << _SHIFT
    x ^= h[2:] * _MIX2
    x ^= x >> _S33
    x *= _FMIX1
    x ^= x >> _S33
    x *= _FMIX2
    x ^= x >> _S33
    least = np.full(BINS, _EMPTY, dtype=np.uint64)
    np.minimum.at(least, (x >> _BIN_SHIFT).astype(np.intp), x)
    empty = least == _EMPTY
    if empty.any():
        _densify(least, empty)
    least *= _FOLD
    least >>= _FOLD_SHIFT
    return least.astype(DTYPE)


def _densify(least: npt.NDArray[np.uint64], empty: npt.NDArray[np.bool_]) -> None:
    """Each empty bin takes the value of the first non-empty bin of its probe sequence (in place)."""
    bins = np.flatnonzero(empty)
    rows = np.arange(len(bins))
    probes = _PROBES_QUICK[bins]
    found = ~empty[probes]
    first = found.argmax(axis=1)
    if not found[rows, first].all():  # a text of a few shingles: look along the whole sequences
        probes = _PROBES[bins]
        first = (~empty[probes]).argmax(axis=1)
    least[bins] = least[probes[rows, first]]


def to_bytes(sig: Signature) -> bytes:
    return FORMAT + sig.astype("<u2").tobytes()


def from_bytes(data: bytes) -> Signature | None:
    """The signature to_bytes() made, or None for any other bytes (an earlier format's)."""
    if len(data) != len(FORMAT) + BINS * 2 or not data.startswith(FORMAT):
        return None
    return np.frombuffer(data, dtype="<u2", offset=len(FORMAT)).astype(DTYPE)


class Window:
    """The last `capacity` signatures with a banded LSH index; earlier articles win.

    Each LSH bucket keeps its most recent BUCKET_KEEP articles: a crowd of articles alike in one
    band (templated reports, the same wire copy filed again and again) would otherwise make every
    check compare against thousands. A check compares at most BANDS x BUCKET_KEEP signatures, all
    at once (numpy, one row per window slot); an article alike an old one that only shares
    crowded buckets is matched with a more recent member of the crowd, which shares the band too.
    """

    def __init__(self, capacity: int = 10_000, threshold: float = THRESHOLD) -> None:
        self.capacity = capacity
        self.threshold = threshold
        self._seq = 0
        self._items: OrderedDict[str, int] = OrderedDict()  # article id -> its slot, oldest first
        self._sigs: Signature = np.zeros((capacity, BINS), dtype=DTYPE)
        self._seqs = np.zeros(max(capacity, 0), dtype=np.int64)  # slot -> its article's sequence number
        self._ids: list[str] = [""] * max(capacity, 0)  # slot -> its article's id
        self._free = list(range(capacity - 1, -1, -1))
        self._buckets: dict[bytes, list[int]] = {}  # band -> slots, oldest first

    def __len__(self) -> int:
        return len(self._items)

    @staticmethod
    def _bands(sig: Signature) -> list[bytes]:
        raw = sig[: BANDS * ROWS].astype("<u2").tobytes()
        return [bytes([b]) + raw[b * ROWS * 2 : (b + 1) * ROWS * 2] for b in range(BANDS)]

    def add(self, article_id: str, sig: Signature) -> None:
        """Remember an article (values of another integer type are taken modulo 2^16)."""
        sig = sig.astype(DTYPE, copy=False)
        self._add(article_id, sig, self._bands(sig))

    def _add(self, article_id: str, sig: Signature, keys: list[bytes]) -> None:
        if article_id in self._items or self.capacity < 1:
            return
        if len(self._items) >= self.capacity:
            self._evict()
        slot = self._free.pop()
        self._sigs[slot] = sig
        self._seq += 1
        self._seqs[slot] = self._seq
        self._ids[slot] = article_id
        self._items[article_id] = slot
        for key in keys:
            bucket = self._buckets.get(key)
            if bucket is None:
                self._buckets[key] = [slot]  # most buckets hold one article: a list, not a deque's 64 slots
            else:
                bucket.append(slot)
                if len(bucket) > BUCKET_KEEP:
                    del bucket[0]

    def _evict(self) -> None:
        _, slot = self._items.popitem(last=False)
        for key in self._bands(self._sigs[slot]):
            bucket = self._buckets.get(key)
            if bucket is not None:
                try:
                    bucket.remove(slot)
                except ValueError:  # pushed out of a crowded bucket already
                    continue
                if not bucket:
                    del self._buckets[key]
        self._free.append(slot)

    def nearest(self, article_id: str, sig: Signature) -> tuple[str, float] | None:
        """The most similar earlier article at or above the threshold (never the article itself): the
        candidates the LSH bands find, kept when the share of their values equal to the article's, the
        estimated Jaccard similarity, reaches the threshold."""
        sig = sig.astype(DTYPE, copy=False)
        return self._nearest(article_id, sig, self._bands(sig))

    def _nearest(self, article_id: str, sig: Signature, keys: list[bytes]) -> tuple[str, float] | None:
        mine = self._items.get(article_id)
        before = self._seqs[mine] if mine is not None else self._seq + 1  # added before this one (never itself)
        found = [bucket for key in keys if (bucket := self._buckets.get(key))]
        if not found:
            return None
        # The candidates in band order, each once (a crowd of up to BANDS x BUCKET_KEEP: in arrays, not a loop)
        slots = np.fromiter(chain.from_iterable(found), dtype=np.intp)
        if len(slots) > 1:
            _, first = np.unique(slots, return_index=True)
            slots = slots[np.sort(first)]
        slots = slots[self._seqs[slots] < before]
        if not len(slots):
            return None
        matches = np.count_nonzero(self._sigs[slots] == sig, axis=1)
        best = int(np.argmax(matches))  # the first of the most similar, in band order
        similarity = float(matches[best]) / BINS
        return (self._ids[int(slots[best])], round(similarity, 4)) if similarity >= self.threshold else None

    def check(self, article_id: str, sig: Signature | None) -> tuple[str, float] | None:
        """nearest(), then remember this article."""
        if sig is None:
            return None
        sig = sig.astype(DTYPE, copy=False)
        keys = self._bands(sig)
        found = self._nearest(article_id, sig, keys)
        self._add(article_id, sig, keys)
        return found
