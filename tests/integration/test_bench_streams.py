"""Rates read off a stream's entry ids (milliseconds), on a real Redis."""

from __future__ import annotations

import redis

from newswire_tools.bench.streams import stream_rate


def test_entries_within_one_millisecond_give_a_lower_bound_not_zero(sync_redis: redis.Redis, prefix: str) -> None:
    stream = prefix + "one-ms"
    for seq in range(200):  # one pipelined batch: every entry stamped in the same millisecond
        sync_redis.xadd(stream, {"n": seq}, id=f"5000-{seq}")
    assert stream_rate(sync_redis, stream) == 199_000.0


def test_the_rate_is_intervals_over_the_span(sync_redis: redis.Redis, prefix: str) -> None:
    stream = prefix + "spread"
    for i in range(11):
        sync_redis.xadd(stream, {"n": i}, id=f"{5000 + 100 * i}-0")  # 11 entries over 1 s
    assert stream_rate(sync_redis, stream) == 10.0
    assert stream_rate(sync_redis, stream, after="5000-0") == 10.0  # 10 entries, 9 intervals over 0.9 s
    sync_redis.delete(stream)
    sync_redis.xadd(stream, {"n": 0}, id="5000-0")
    assert stream_rate(sync_redis, stream) == 0.0  # one entry has no rate
