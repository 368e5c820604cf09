"""WorkerPool: results in order, grouped per pipe message, and each failure pinned on its own item.

Real worker processes (the fork server): a stuck item is timed out and only it fails, the items
its worker had finished but not yet reported are run again, a crash is retried once, an
exception or an unpicklable result fails its item only.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from newswire.workers import FAILED, TOO_SLOW, WORKER_CRASHED, Failed, WorkerPool

TARGET = "tests.pool_targets:run"


@pytest.fixture
async def pool() -> AsyncIterator[WorkerPool]:
    p = WorkerPool(TARGET, size=2, item_timeout_s=1.5)
    await p.start()
    yield p
    await p.close()


def _cheap(lo: int, hi: int) -> list[str]:
    return [f"n:{k}" for k in range(lo, hi)]


async def test_many_cheap_items_come_back_in_order(pool: WorkerPool) -> None:
    results = await pool.map(_cheap(0, 5000))
    assert results == [k * 2 for k in range(5000)]


async def test_a_stuck_item_fails_too_slow_alone_and_its_neighbours_are_all_answered(pool: WorkerPool) -> None:
    # the cheap items before it finish within the flush window and are unreported when it sticks
    # (two workers: the first takes items 0-299, and the stuck one is in the middle of its chunk)
    items = [*_cheap(0, 150), "sleep", *_cheap(150, 599)]
    results = await pool.map(items)
    assert isinstance(results[150], Failed) and results[150].reason == TOO_SLOW
    assert results[:150] + results[151:] == [k * 2 for k in range(599)]
    assert pool.counters[TOO_SLOW] == 1


async def test_an_item_that_kills_its_worker_twice_fails_worker_crashed_alone(pool: WorkerPool) -> None:
    items = [*_cheap(0, 100), "crash", *_cheap(100, 399)]
    results = await pool.map(items)
    assert isinstance(results[100], Failed) and results[100].reason == WORKER_CRASHED
    assert results[:100] + results[101:] == [k * 2 for k in range(399)]


async def test_a_worker_that_dies_once_is_replaced_and_the_item_tried_again(pool: WorkerPool, tmp_path: Path) -> None:
    items = [*_cheap(0, 50), f"crash-once:{tmp_path / 'died'}", *_cheap(50, 199)]
    results = await pool.map(items)
    assert results[50] == "survived"
    assert results[:50] + results[51:] == [k * 2 for k in range(199)]
    assert pool.counters[WORKER_CRASHED] == 0 and pool.counters["replaced"] == 1


async def test_an_exception_or_an_unpicklable_result_fails_that_item_only(pool: WorkerPool) -> None:
    items = [*_cheap(0, 50), "raise", *_cheap(50, 100), "unpicklable", *_cheap(100, 150)]
    results = await pool.map(items)
    raised, unpicklable = results[50], results[101]
    assert isinstance(raised, Failed) and raised.reason == FAILED and "this item is bad" in raised.detail
    assert isinstance(unpicklable, Failed) and unpicklable.reason == FAILED
    assert [r for i, r in enumerate(results) if i not in (50, 101)] == [k * 2 for k in range(150)]


async def test_the_pool_goes_on_after_failures(pool: WorkerPool) -> None:
    await pool.map(["sleep", "crash", *_cheap(0, 10)])
    assert await pool.map(_cheap(0, 1000)) == [k * 2 for k in range(1000)]


async def test_workers_run_at_the_niceness_they_are_given() -> None:
    nice = WorkerPool(TARGET, size=1, item_timeout_s=5, nice=7)
    await nice.start()
    try:
        assert await nice.map(["niceness"]) == [min(19, os.nice(0) + 7)]
    finally:
        await nice.close()


async def test_items_each_under_the_time_limit_are_never_too_slow_together() -> None:
    # each result must reach the pool as its item ends: held back until the next one ended, the
    # pool would see 1.4 s without a message and stop a worker that is doing fine
    pool = WorkerPool(TARGET, size=1, item_timeout_s=1.0)
    await pool.start()
    try:
        assert await pool.map(["slow:0.7", "slow:0.7", "n:1", "slow:0.7"]) == ["0.7", "0.7", 2, "0.7"]
        assert pool.counters[TOO_SLOW] == 0
    finally:
        await pool.close()
