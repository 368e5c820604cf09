"""The exactly-once step: emit an entry's events and acknowledge it, atomically, if still ours.

Redis cannot add to one stream and acknowledge on another atomically except in a script, so this
is one small Lua script rather than FastStream's publish-then-ack: an entry's events are emitted
exactly once even when two consumers processed it (one was slow, the other reclaimed it) or a
reply was lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from newswire.contracts import DATA_FIELD
from newswire.streams.entries import Outbound

MARKER_TTL_NO_RETENTION_S = 7 * 24 * 3600  # how long markers live where streams are never trimmed


def marker_ttl_s(retention_ms: int) -> int:
    """Markers live as long as the entries they stand for may be read again, and an hour."""
    retention_s = retention_ms // 1000
    return retention_s + 3600 if retention_s > 0 else MARKER_TTL_NO_RETENTION_S


# KEYS: source stream, then output streams. ARGV: group, consumer, marker prefix ("" for none),
# marker ttl, entry count, then per entry: id, marker value, number of outputs, and per output:
# KEYS index, payload. With markers, an entry whose marker exists has had its events emitted
# already (it is read again: its group was lost and recreated behind it): acknowledged only.
_COMMIT = """
local src, group, consumer, markers, ttl = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local n, i, committed = tonumber(ARGV[5]), 6, 0
for _ = 1, n do
  local id, mark, nout = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  i = i + 3
  if #redis.call('XPENDING', src, group, id, id, 1, consumer) == 1 then
    if markers == '' or redis.call('EXISTS', markers .. id) == 0 then
      for o = 0, nout - 1 do
        redis.call('XADD', KEYS[tonumber(ARGV[i + 2 * o])], '*', '__data__', ARGV[i + 2 * o + 1])
      end
      if markers ~= '' then
        redis.call('SET', markers .. id, mark, 'EX', ttl)
      end
    end
    redis.call('XACK', src, group, id)
    committed = committed + 1
  end
  i = i + 2 * nout
end
return committed
"""


@dataclass(frozen=True, slots=True)
class _Call:
    keys: list[str]
    args: list[str | bytes]
    entries: int


class Committer:
    """Emit each entry's events and ack it, atomically, for the entries this consumer still owns.

    With ``markers``, each committed entry also leaves ``<markers><entry id>``, set in the same
    atomic step as its events and lost with them (a Redis host crash loses both or neither): an
    entry read again whose marker exists is acknowledged without emitting twice. For the store the
    marker is the file's receipt ("ok", or the dead letter's JSON): the watcher archives a file
    once it has one (services.ingest.ledger). Markers live as long as the entries they stand for
    may be read again: the stream retention and an hour (a week without retention)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        stream: str,
        group: str,
        consumer: str,
        dead: str,
        markers: str | None,
        marker_ttl_s: int,
    ) -> None:
        self._script = redis.register_script(_COMMIT)
        self.stream, self.group, self.consumer, self.dead = stream, group, consumer, dead
        self.markers = markers or ""
        self.marker_ttl_s = marker_ttl_s

    def prepare(self, out: Sequence[Outbound], ack_ids: Sequence[str]) -> _Call:
        keys = [self.stream]
        index: dict[str, int] = {}
        per_entry: dict[str, list[Outbound]] = {i: [] for i in ack_ids}
        for o in out:
            per_entry.setdefault(o.entry_id, []).append(o)
            if o.stream not in index:
                keys.append(o.stream)
                index[o.stream] = len(keys)
        args: list[str | bytes] = [
            self.group,
            self.consumer,
            self.markers,
            str(self.marker_ttl_s),
            str(len(per_entry)),
        ]
        for entry_id, outs in per_entry.items():
            dead = next((o.fields[DATA_FIELD] for o in outs if o.stream == self.dead), None)
            args += [entry_id, dead or b"ok", str(len(outs))]
            for o in outs:
                args += [str(index[o.stream]), o.fields[DATA_FIELD]]
        return _Call(keys, args, len(per_entry))

    async def run(self, call: _Call) -> int:
        """How many of the entries were this consumer's to commit (and are now committed)."""
        return int(await self._script(keys=call.keys, args=call.args))
