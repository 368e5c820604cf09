"""What the watcher published, and what the store confirmed: the file's side of "no loss".

A claimed file is published by one Lua script that adds its entry (articles:raw; articles:dead
for a file ingest itself rejects) and records the entry in the claim's ledger, the hash
``<prefix>ingest:claim:<claim id>`` (field: the file's path inside the claim, value
``raw:<entry id>`` or ``dead:<entry id>``), in one atomic step. The file stays in processing/
until its entry is confirmed:

- an articles:raw entry has the store's receipt ``<receipts><entry id>``, which the store sets in
  the same atomic step as its acknowledgement and its article.stored event or dead letter
  (newswire.streams.committer.Committer); an articles:dead entry of ingest's own is its own confirmation;
- and the confirmation is durable: on a server with an append-only file, the receipt is still
  there ``grace_s`` (NEWSWIRE_DURABILITY_GRACE_S, 2 s) after it was first seen (appendfsync everysec
  writes about a second behind), and, where the server has WAITAOF (Redis 7.2+, Valkey), WAITAOF
  after a write of ours said the write and everything before it, the receipt included, is on disk
  (a slow disk can fall further behind than a second); without an append-only file there is
  nothing to wait for.

Then the file is archived (done/, error/, deleted or kept, by the receipt and NEWSWIRE_DONE_POLICY)
and its ledger field removed (the receipt expires with the stream's retention: it is also the
store's marker that the entry's events were emitted, newswire.streams.committer.Committer). An entry that
is gone without a receipt (Redis lost its last second of writes, or came back empty) is published
again under the same correlation id, so the store recognises the file and emits its article again
if it stored it already.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ResponseError

from newswire.contracts import GROUP_STORE, Streams
from newswire.redisio import TRANSIENT

LEDGER_TTL_S = 30 * 24 * 3600
MAX_PUBLISH_BYTES = 32 * 1024 * 1024  # payload bytes per script call: a batch of big files goes in several
CHECK_MODE_EVERY_S = 60.0

_PUBLISH = """
local ttl = ARGV[1]
local refs = {}
for i = 2, #ARGV, 3 do
  local kind, field, payload = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local stream = KEYS[1]
  if kind == 'dead' then stream = KEYS[2] end
  local ref = kind .. ':' .. redis.call('XADD', stream, '*', '__data__', payload)
  redis.call('HSET', KEYS[3], field, ref)
  refs[#refs + 1] = ref
end
redis.call('EXPIRE', KEYS[3], ttl)
return refs
"""


def correlation_id(claim_id: str, relative: str) -> str:
    """The file's correlation id: the same for every publication of one claimed file (after a
    crash, by any watcher that adopts the claim), different for every claim."""
    digest = hashlib.sha256(f"{claim_id}\0".encode() + os.fsencode(relative))
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Ref:
    kind: str  # "raw" or "dead"
    entry_id: str
    key: tuple[int, int] = dataclasses.field(init=False, compare=False, repr=False)  # entry_key(entry_id), once

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", entry_key(self.entry_id))

    @classmethod
    def parse(cls, text: bytes | str) -> Ref | None:
        raw = text.decode() if isinstance(text, bytes) else text
        kind, _, entry_id = raw.partition(":")
        return cls(kind, entry_id) if kind in ("raw", "dead") and entry_id else None

    def __str__(self) -> str:
        return f"{self.kind}:{self.entry_id}"


class Ledger:
    def __init__(self, redis: Any, *, streams: Streams, prefix: str, grace_s: float, waitaof: str) -> None:
        self.redis = redis
        self.streams = streams
        self.prefix = f"{prefix}ingest:claim:"
        self.legacy_prefix = f"{prefix}ingest:published:"  # newswire before the ledger: a claim was published whole
        self.sync_key = f"{prefix}ingest:sync"
        self.grace_s = grace_s
        self.waitaof = waitaof  # "auto", "on" or "off"
        self._publish = redis.register_script(_PUBLISH)
        self._mode: str | None = None  # "waitaof", "grace" or "none"
        self._mode_at = 0.0

    def key(self, claim_id: str) -> str:
        return self.prefix + claim_id

    async def publish(self, claim_id: str, items: list[tuple[str, str, bytes]]) -> list[Ref]:
        """Add each (kind, relative path, payload) to its stream and the claim's ledger; the refs."""
        refs: list[Ref] = []
        start = 0
        while start < len(items):
            end, size = start, 0
            while end < len(items) and (end == start or size + len(items[end][2]) <= MAX_PUBLISH_BYTES):
                size += len(items[end][2])
                end += 1
            args: list[Any] = [str(LEDGER_TTL_S)]
            for kind, relative, payload in items[start:end]:
                args += [kind, os.fsencode(relative), payload]
            keys = [self.streams.raw, self.streams.dead, self.key(claim_id)]
            replies = await self._publish(keys=keys, args=args)
            refs += [r for r in (Ref.parse(x) for x in replies) if r is not None]
            start = end
        return refs

    async def recorded(self, claim_id: str) -> tuple[dict[str, Ref], bool]:
        """What the ledger says was published of a claim (relative path -> ref), and whether an
        older newswire marked the whole claim published (then every file counts as confirmed)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.key(claim_id))
            pipe.exists(self.legacy_prefix + claim_id)
            fields, legacy = await pipe.execute()
        out = {}
        for field, value in (fields or {}).items():
            ref = Ref.parse(value)
            if ref is not None:
                out[os.fsdecode(field)] = ref
        return out, bool(legacy)

    async def receipts(self, refs: list[Ref]) -> dict[Ref, bytes | None]:
        """Each raw entry's receipt (None: none yet); a dead entry of ours confirms itself while it exists."""
        raw = [r for r in refs if r.kind == "raw"]
        dead = [r for r in refs if r.kind == "dead"]
        out: dict[Ref, bytes | None] = {}
        if raw:
            values = await self.redis.mget([self.streams.receipts + r.entry_id for r in raw])
            out.update(zip(raw, values, strict=True))
        if dead:
            present = await self._present(self.streams.dead, [r.entry_id for r in dead])
            out.update((r, b"ingest" if r.entry_id in present else None) for r in dead)
        return out

    async def store_delivered(self) -> tuple[int, int] | None:
        """The id (as entry_key) of the last raw entry the store group was handed; (0, 0) while there is
        no such group (nor stream); None when the server cannot say.

        The store sets a receipt only on an entry its group was handed (the Committer's owner check),
        so an entry above this id has none yet, but where the group was lost, made again or moved back
        (a receipt set before stays): the Confirmer asks for such entries' receipts now and then anyway."""
        try:
            groups = await self.redis.xinfo_groups(self.streams.raw)
        except ResponseError as exc:
            return (0, 0) if "no such key" in str(exc).lower() else None
        for g in groups:
            name = g.get("name")
            if (name.decode() if isinstance(name, bytes) else name) == GROUP_STORE:
                last = g.get("last-delivered-id")
                return entry_key(last.decode() if isinstance(last, bytes) else str(last))
        return (0, 0)

    async def lost(self, refs: list[Ref]) -> list[Ref]:
        """Of entries with no confirmation, those no longer on their stream: lost with Redis's last
        writes or a server that came back empty (an entry is trimmed only after its receipt)."""
        by_stream: dict[str, list[Ref]] = {}
        for r in refs:
            by_stream.setdefault(self.streams.raw if r.kind == "raw" else self.streams.dead, []).append(r)
        gone = []
        for stream, group in by_stream.items():
            present = await self._present(stream, [r.entry_id for r in group])
            gone += [r for r in group if r.entry_id not in present]
        return gone

    async def _present(self, stream: str, ids: list[str]) -> set[str]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for i in ids:
                pipe.xrange(stream, min=i, max=i, count=1)
            replies = await pipe.execute()
        return {i for i, rows in zip(ids, replies, strict=True) if rows}

    async def forget(self, claim_id: str, relatives: list[str]) -> None:
        """The files are archived: drop their ledger fields. Their receipts stay until they expire:
        they are also the store's markers that an entry read again has been emitted already."""
        if relatives:
            await self.redis.hdel(self.key(claim_id), *[os.fsencode(r) for r in relatives])

    async def forget_claim(self, claim_id: str) -> None:
        await self.redis.delete(self.key(claim_id), self.legacy_prefix + claim_id)

    # -- durability -----------------------------------------------------------------------------
    async def mode(self) -> str:
        """How confirmations become durable on this server: "waitaof", "grace" or "none"."""
        now = time.monotonic()
        if self._mode is None or now - self._mode_at > CHECK_MODE_EVERY_S:
            self._mode = await self._detect_mode()
            self._mode_at = now
        return self._mode

    async def _detect_mode(self) -> str:
        if self.waitaof == "off":
            return "none"
        try:
            info = await self.redis.info("persistence")
        except ResponseError:  # INFO renamed or refused (managed servers): assume the worst
            info = {"aof_enabled": 1}
        if not int(info.get("aof_enabled", 0)):
            return "none"
        try:
            await self.redis.execute_command("WAITAOF", 0, 0, 1)
        except ResponseError:
            if self.waitaof == "on":
                raise
            return "grace"
        return "waitaof"

    async def sync(self) -> bool:
        """WAITAOF mode: make what was observed so far durable (True when the local AOF has it)."""
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(self.sync_key, str(time.time()), ex=3600)
                pipe.execute_command("WAITAOF", 1, 0, 2000)
                _, reply = await pipe.execute()
        except ResponseError:
            self._mode = None  # the server changed (no AOF any more, or an older one): look again
            return False
        return bool(reply) and int(reply[0]) >= 1


def entry_key(entry_id: str) -> tuple[int, int]:
    """A stream entry id ("<ms>-<seq>") as numbers, in the order the stream holds them; an id that is
    not one (a legacy ref's) sorts after every real one."""
    ms, _, seq = entry_id.partition("-")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        return _NOT_AN_ID


_NOT_AN_ID = (1 << 64, 0)


def transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)
