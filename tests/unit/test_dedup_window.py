"""The near-duplicate window under crowds: bounded work per check, consistent eviction."""

from __future__ import annotations

import numpy as np

from services.enrich import dedup


def _sig(seed: int, base: np.ndarray | None = None, keep: int = 0) -> np.ndarray:
    """A random signature; with base, its first `keep` values copied from base."""
    sig = np.random.default_rng(seed).integers(0, 2**32, size=dedup.BINS, dtype=np.uint64)
    if base is not None:
        sig[:keep] = base[:keep]
    return sig


def test_a_crowd_alike_in_one_band_keeps_a_check_bounded_and_still_finds_the_twin() -> None:
    base = _sig(0)
    w = dedup.Window(capacity=5000, threshold=0.8)
    for i in range(3000):  # every one shares the first band with base, and nothing else
        w.add(f"crowd{i}", _sig(i + 1, base, keep=dedup.ROWS))
    first_band = w._bands(base)[0]
    assert len(w._buckets[first_band]) == dedup.BUCKET_KEEP  # the crowd's bucket keeps its most recent
    w.add("original", base)
    twin = base.copy()
    twin[-5:] += 1  # all values but 5 in common
    found = w.nearest("twin", twin)
    assert found is not None and found[0] == "original" and found[1] == round((dedup.BINS - 5) / dedup.BINS, 4)


def test_eviction_leaves_only_window_members_in_the_buckets() -> None:
    base = _sig(0)
    w = dedup.Window(capacity=10, threshold=0.8)
    for i in range(200):
        w.add(f"a{i}", _sig(i + 1, base, keep=dedup.ROWS * (i % 3)))
    members = set(w._items)
    assert len(members) == 10 and members == {f"a{i}" for i in range(190, 200)}
    in_buckets = {w._ids[slot] for bucket in w._buckets.values() for slot in bucket}
    assert in_buckets <= members and all(w._buckets.values())
    assert sorted(w._items.values()) == list(range(10))


def test_a_window_of_size_zero_finds_nothing() -> None:
    w = dedup.Window(capacity=0)
    sig = _sig(1)
    assert w.check("a", sig) is None and w.check("b", sig) is None and len(w) == 0


def test_nearest_agrees_with_a_brute_force_search_of_the_window() -> None:
    """Each check finds what comparing with every earlier member finds (near-duplicates this close
    always share a band): the most similar at or above the threshold, never itself nor a later one."""
    rng = np.random.default_rng(7)
    w = dedup.Window(capacity=150, threshold=0.7)
    kept: list[tuple[str, np.ndarray]] = []  # the window's members, oldest first
    for i in range(600):
        if kept and i % 3 == 0:  # a near-duplicate of a member: some values changed
            _, base = kept[int(rng.integers(len(kept)))]
            sig = base.copy()
            sig[rng.choice(dedup.BINS, size=int(rng.integers(1, 60)), replace=False)] += 1
            sig %= 2**16  # the window keeps values modulo 2^16
        else:
            sig = rng.integers(0, 2**16, size=dedup.BINS, dtype=np.uint64)
        similar = [(float(np.count_nonzero(s == sig)) / dedup.BINS, name) for name, s in kept]
        best = max(similar, default=(0.0, ""), key=lambda t: t[0])
        expected = (best[1], round(best[0], 4)) if best[0] >= 0.7 else None
        found = w.check(f"a{i}", sig)
        if expected is not None and found is not None and found[1] == expected[1]:
            expected = found  # ties: any member as similar will do
        assert found == expected, i
        assert w.nearest(f"a{i}", sig) in (None, expected) and (w.nearest(f"a{i}", sig) or ("",))[0] != f"a{i}"
        kept.append((f"a{i}", sig))
        kept = kept[-150:]
