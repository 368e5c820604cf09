"""The watcher's ledger on a real Redis: a claim's files published in one script (any name, any
payload, big batches in several calls), and what the store group has been handed."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from newswire.contracts import GROUP_STORE, Streams
from services.ingest import ledger as ledger_module
from services.ingest.ledger import Ledger, entry_key


def _ledger(r: aioredis.Redis, prefix: str) -> Ledger:
    return Ledger(r, streams=Streams.with_prefix(prefix), prefix=prefix, grace_s=0, waitaof="off")


ITEMS = [
    ("raw", "a.txt", b'{"text": "one"}'),
    ("dead", "sub/empty.txt", b""),
    ("raw", "odd \udcff name\n.txt", bytes(range(256)) * 3),  # not UTF-8, a newline, every byte value
    ("raw", "é/😀.txt", b"\x00" + b"x" * 70_000),
]


async def test_each_file_is_added_to_its_stream_and_recorded_in_the_claims_ledger(
    r: aioredis.Redis, prefix: str
) -> None:
    ledger = _ledger(r, prefix)

    refs = await ledger.publish("claim1", ITEMS)

    assert [ref.kind for ref in refs] == ["raw", "dead", "raw", "raw"]
    streams = ledger.streams
    for (kind, _relative, payload), ref in zip(ITEMS, refs, strict=True):
        [(entry_id, fields)] = await r.xrange(
            streams.raw if kind == "raw" else streams.dead, ref.entry_id, ref.entry_id
        )
        assert fields == {b"__data__": payload}
        assert ref.key == entry_key(entry_id.decode())
    recorded, legacy = await ledger.recorded("claim1")
    assert recorded == {relative: ref for (_k, relative, _p), ref in zip(ITEMS, refs, strict=True)}
    assert not legacy
    assert 0 < await r.ttl(ledger.key("claim1")) <= ledger_module.LEDGER_TTL_S


async def test_a_batch_bigger_than_one_call_goes_in_several_in_order(
    r: aioredis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_module, "MAX_PUBLISH_BYTES", 100)
    ledger = _ledger(r, prefix)
    items = [("raw", f"f{i}.txt", f"payload {i} ".encode() * 5) for i in range(7)]

    refs = await ledger.publish("claim2", items)

    entries = await r.xrange(ledger.streams.raw)
    assert [e[1][b"__data__"] for e in entries] == [p for _k, _r, p in items]
    assert [ref.entry_id for ref in refs] == [e[0].decode() for e in entries]
    assert (await ledger.recorded("claim2"))[0] == {f"f{i}.txt": ref for i, ref in enumerate(refs)}


async def test_what_the_store_group_was_handed(r: aioredis.Redis, prefix: str) -> None:
    ledger = _ledger(r, prefix)
    raw = ledger.streams.raw

    assert await ledger.store_delivered() == (0, 0)  # no stream yet
    first, second = (await r.xadd(raw, {"n": "1"})).decode(), (await r.xadd(raw, {"n": "2"})).decode()
    assert await ledger.store_delivered() == (0, 0)  # a stream, no group
    await r.xgroup_create(raw, "someone-else", id="0")
    await r.xgroup_create(raw, GROUP_STORE, id="0")
    assert await ledger.store_delivered() == (0, 0)  # the group has been handed nothing
    await r.xreadgroup(GROUP_STORE, "c1", {raw: ">"}, count=1)
    assert await ledger.store_delivered() == entry_key(first)
    await r.xreadgroup(GROUP_STORE, "c1", {raw: ">"}, count=1)
    assert await ledger.store_delivered() == entry_key(second) > entry_key(first)
