"""services.ingest.settle.Settler: a file is taken only once its size and mtime held still for settle_s."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest.settle import Settler

P = Path("inbox/article.txt")
Q = Path("inbox/other.txt")


def test_not_ready_after_a_single_observation() -> None:
    s = Settler(1.0)
    assert s.observe(P, 100, 5, now=0.0) is False


def test_not_ready_after_a_single_observation_however_late_it_comes() -> None:
    s = Settler(1.0)
    assert s.observe(P, 100, 5, now=1_000_000.0) is False


def test_ready_after_two_unchanged_observations_spanning_settle_s() -> None:
    s = Settler(1.0)
    assert not s.observe(P, 100, 5, now=10.0)
    assert s.observe(P, 100, 5, now=11.0)


def test_two_unchanged_observations_closer_than_settle_s_are_not_enough() -> None:
    s = Settler(1.0)
    assert not s.observe(P, 100, 5, now=10.0)
    assert not s.observe(P, 100, 5, now=10.5)
    assert not s.observe(P, 100, 5, now=10.99)
    assert s.observe(P, 100, 5, now=11.0)


def test_a_change_of_size_restarts_the_clock() -> None:
    s = Settler(1.0)
    assert not s.observe(P, 100, 5, now=10.0)
    assert not s.observe(P, 200, 5, now=10.8)  # still being written
    assert not s.observe(P, 200, 5, now=11.5)  # 1.5 s after the first stat, but only 0.7 s after the change
    assert s.observe(P, 200, 5, now=11.8)


def test_a_change_of_mtime_alone_restarts_the_clock() -> None:
    s = Settler(1.0)
    assert not s.observe(P, 100, 5, now=10.0)
    assert not s.observe(P, 100, 6, now=10.8)  # rewritten in place with the same size
    assert not s.observe(P, 100, 6, now=11.5)
    assert s.observe(P, 100, 6, now=11.8)


def test_a_file_that_keeps_changing_is_never_ready() -> None:
    s = Settler(0.5)
    for i in range(50):
        assert not s.observe(P, 100 + i, 5 + i, now=float(i))


def test_settle_zero_means_ready_at_first_sight() -> None:
    s = Settler(0)
    assert s.observe(P, 100, 5, now=0.0) is True


def test_a_ready_file_is_forgotten_and_a_later_file_at_that_path_settles_anew() -> None:
    s = Settler(1.0)
    s.note(P)
    s.observe(P, 100, 5, now=0.0)
    assert s.observe(P, 100, 5, now=1.0)
    assert P not in s.paths()
    assert len(s) == 0
    # a new file dropped under the same name must settle again
    assert not s.observe(P, 100, 5, now=2.0)
    assert s.observe(P, 100, 5, now=3.0)


def test_settle_zero_forgets_the_path_it_hands_out() -> None:
    s = Settler(0)
    s.note(P)
    assert s.observe(P, 1, 1, now=0.0)
    assert s.paths() == []


def test_noted_paths_are_listed_once_each_until_forgotten() -> None:
    s = Settler(1.0)
    s.note(P)
    s.note(Q)
    s.note(P)
    assert sorted(s.paths()) == sorted([P, Q])
    assert len(s) == 2
    s.forget(P)
    assert s.paths() == [Q]
    s.forget(P)  # forgetting twice is harmless
    assert len(s) == 1


def test_noting_a_path_does_not_count_as_an_observation() -> None:
    s = Settler(1.0)
    s.note(P)
    assert not s.observe(P, 100, 5, now=5.0)
    assert s.observe(P, 100, 5, now=6.0)


def test_noting_again_does_not_reset_a_settling_file() -> None:
    s = Settler(1.0)
    assert not s.observe(P, 100, 5, now=0.0)
    s.note(P)  # a second notification for the same file
    assert s.observe(P, 100, 5, now=1.0)


def test_forgetting_a_settling_file_restarts_it() -> None:
    s = Settler(1.0)
    s.observe(P, 100, 5, now=0.0)
    s.forget(P)
    assert not s.observe(P, 100, 5, now=1.0)


def test_files_settle_independently() -> None:
    s = Settler(1.0)
    assert not s.observe(P, 100, 5, now=0.0)
    assert not s.observe(Q, 100, 5, now=0.5)
    assert s.observe(P, 100, 5, now=1.0)
    assert not s.observe(Q, 100, 5, now=1.0)
    assert s.observe(Q, 100, 5, now=1.5)


# --- a stat taken when the path was noted (a notification's folder check) -----------------------------------------


def _lstat_of(size: int, mtime_ns: int) -> os.stat_result:
    return os.stat_result((0o100644, 0, 0, 1, 0, 0, size, 0, 0, 0, 0.0, 0.0, 0.0, 0, mtime_ns, 0))


def test_a_stat_noted_with_a_path_is_handed_out_once_for_its_first_check() -> None:
    s = Settler(0)
    taken = _lstat_of(100, 5)
    s.note("inbox/a.txt", taken)
    s.note("inbox/b.txt")

    assert s.pending() == [("inbox/a.txt", taken), ("inbox/b.txt", None)]
    assert s.pending() == [("inbox/a.txt", None), ("inbox/b.txt", None)]  # once: a later check stats again


def test_a_noted_stat_never_decides_that_a_file_held_still() -> None:
    """Only a path not observed yet gets it: a stat from a while ago may start the clock, not end it."""
    s = Settler(1.0)
    s.note("inbox/a.txt")
    [(path, noted)] = s.pending()
    assert noted is None
    assert not s.observe(path, 100, 5, now=10.0)
    s.note("inbox/a.txt", _lstat_of(100, 5))  # noted again, with its stat (another notification)

    assert s.pending() == [("inbox/a.txt", None)]


def test_a_forgotten_path_leaves_no_stat_behind() -> None:
    s = Settler(0)
    s.note("inbox/a.txt", _lstat_of(1, 1))
    s.forget("inbox/a.txt")
    s.note("inbox/a.txt")

    assert s.pending() == [("inbox/a.txt", None)]


# --- property: the Settler against a direct statement of the rule ----------------------------------------------

_stat = st.tuples(st.integers(0, 2), st.integers(0, 2), st.floats(0.0, 2.0, allow_nan=False))


@given(settle_s=st.sampled_from([0.0, 0.25, 1.0, 1.5]), steps=st.lists(_stat, min_size=1, max_size=25))
@settings(max_examples=200, deadline=None)
def test_ready_exactly_when_the_same_stat_was_seen_twice_settle_s_apart(
    settle_s: float, steps: list[tuple[int, int, float]]
) -> None:
    """Model: t0 = first sighting since the last change or hand-out; ready when seen again at t >= t0 + settle_s."""
    s = Settler(settle_s)
    now = 0.0
    current: tuple[int, int] | None = None
    since = 0.0
    for size, mtime, dt in steps:
        now += dt
        if settle_s == 0:
            expected = True
        elif current != (size, mtime):
            current, since = (size, mtime), now
            expected = False
        else:
            expected = now - since >= settle_s
        assert s.observe(P, size, mtime, now) is expected, (size, mtime, now)
        if expected:
            current = None  # handed out: a later sighting starts over
