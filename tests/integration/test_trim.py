"""Stream trimming on a real Redis: only what every consumer group acknowledged, and only past the retention."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
import structlog

from newswire.redisio import ensure_group, trim_bound
from newswire.streams import Consumer, Options, Outbound, build_consumer

LOG = structlog.get_logger("test")


async def _fill(r: aioredis.Redis, stream: str, n: int) -> list[str]:
    return [(await r.xadd(stream, {"n": str(i)})).decode() for i in range(n)]


async def _read(r: aioredis.Redis, stream: str, group: str, count: int) -> list[str]:
    resp = await r.xreadgroup(group, "c1", {stream: ">"}, count=count)
    return [i.decode() for i, _ in resp[0][1]] if resp else []


async def _ids(r: aioredis.Redis, stream: str) -> list[str]:
    return [i.decode() for i, _ in await r.xrange(stream)]


def _consumer(r: aioredis.Redis, stream: str, *, retention_ms: int, trim: list[str]) -> Consumer:
    async def handler(_entries: object) -> list[Outbound]:
        return []

    return build_consumer(
        redis=r,
        stream=stream,
        dead=stream + ":dead",
        group="g1",
        consumer="c1",
        stage="store",
        handler=handler,
        options=Options(batch_size=10, claim_idle_ms=30_000, max_deliveries=5, retention_ms=retention_ms),
        stopping=asyncio.Event(),
        log=LOG,
        trim=trim,
    )


async def _past(r: aioredis.Redis, entry_id: str) -> None:
    """Wait until the server clock is past the millisecond of entry_id (a 1 ms retention has elapsed)."""
    ms = int(entry_id.split("-", maxsplit=1)[0])
    while True:
        seconds, micros = await r.time()
        if int(seconds) * 1000 + int(micros) // 1000 > ms + 1:
            return
        await asyncio.sleep(0.002)


async def test_only_entries_every_group_acknowledged_are_trimmed(r: aioredis.Redis, prefix: str) -> None:
    stream = prefix + "raw"
    await ensure_group(r, stream, "g1")
    ids = await _fill(r, stream, 10)
    read = await _read(r, stream, "g1", 6)  # 6 delivered, 4 not yet
    await r.xack(stream, "g1", *read[:2], read[3])  # acked: 0, 1, 3; pending: 2, 4, 5
    await _past(r, ids[-1])

    deleted = await _consumer(r, stream, retention_ms=1, trim=[stream]).housekeeper.trim_streams()

    assert deleted == {stream: 2}
    # 3 was acknowledged, but 2 before it is pending: trimming stops at the first pending entry
    assert await _ids(r, stream) == ids[2:]


async def test_undelivered_entries_are_kept_even_without_pending_ones(r: aioredis.Redis, prefix: str) -> None:
    stream = prefix + "raw"
    await ensure_group(r, stream, "g1")
    ids = await _fill(r, stream, 8)
    read = await _read(r, stream, "g1", 5)
    await r.xack(stream, "g1", *read)
    await _past(r, ids[-1])

    await _consumer(r, stream, retention_ms=1, trim=[stream]).housekeeper.trim_streams()

    assert await _ids(r, stream) == ids[5:]  # the 3 never delivered stay


async def test_a_group_that_read_nothing_keeps_everything(r: aioredis.Redis, prefix: str) -> None:
    stream = prefix + "stored"
    await ensure_group(r, stream, "g1")
    await ensure_group(r, stream, "someone-elses")  # e.g. a subscriber's own group
    ids = await _fill(r, stream, 5)
    await r.xack(stream, "g1", *await _read(r, stream, "g1", 5))
    await _past(r, ids[-1])

    assert await trim_bound(r, stream, 1) is None
    assert await _consumer(r, stream, retention_ms=1, trim=[stream]).housekeeper.trim_streams() == {}
    assert await _ids(r, stream) == ids


async def test_acknowledged_entries_younger_than_the_retention_stay(r: aioredis.Redis, prefix: str) -> None:
    stream = prefix + "raw"
    await ensure_group(r, stream, "g1")
    ids = await _fill(r, stream, 5)
    await r.xack(stream, "g1", *await _read(r, stream, "g1", 5))

    assert await _consumer(r, stream, retention_ms=3_600_000, trim=[stream]).housekeeper.trim_streams() == {stream: 0}
    assert await _ids(r, stream) == ids


async def test_a_stream_without_groups_is_trimmed_by_age_and_zero_retention_keeps_all(
    r: aioredis.Redis, prefix: str
) -> None:
    stream = prefix + "enriched"  # read with plain XREAD by subscribers: only the retention protects it
    ids = await _fill(r, stream, 4)
    await _past(r, ids[-1])

    assert await _consumer(r, stream, retention_ms=0, trim=[stream]).housekeeper.trim_streams() == {}
    assert await _ids(r, stream) == ids
    assert await _consumer(r, stream, retention_ms=1, trim=[stream]).housekeeper.trim_streams() == {stream: 4}
    assert await _ids(r, stream) == []


async def test_a_missing_stream_is_not_an_error(r: aioredis.Redis, prefix: str) -> None:
    stream = prefix + "nothing-here"
    assert await _consumer(r, stream, retention_ms=1, trim=[stream]).housekeeper.trim_streams() == {}
    assert not await r.exists(stream)


async def test_a_long_backlog_is_trimmed_in_bounded_steps_down_to_the_exact_bound(
    r: aioredis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newswire.streams.housekeeping

    monkeypatch.setattr(newswire.streams.housekeeping, "TRIM_STEP", 150)
    stream = prefix + "raw"
    await ensure_group(r, stream, "g1")
    async with r.pipeline(transaction=False) as pipe:
        for i in range(1_000):
            pipe.xadd(stream, {"n": str(i)})
        ids = [i.decode() for i in await pipe.execute()]
    read = []
    while batch := await _read(r, stream, "g1", 500):
        read += batch
    await r.xack(stream, "g1", *read[:-3])  # the last 3 stay pending
    await _past(r, ids[-1])
    calls: list[object] = []
    real_xtrim = r.xtrim

    async def counting_xtrim(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("limit"))
        return await real_xtrim(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(r, "xtrim", counting_xtrim)

    deleted = await _consumer(r, stream, retention_ms=1, trim=[stream]).housekeeper.trim_streams()

    assert deleted == {stream: 997}
    assert await _ids(r, stream) == ids[-3:]
    assert len(calls) > 2 and all(limit == 150 for limit in calls[:-1]), calls  # bounded calls, then one exact
