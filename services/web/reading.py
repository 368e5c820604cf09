"""What the page reads from Redis: pages of articles:enriched, where a stream stands, the dead letters.

Stream entries carry whole articles, so what only needs ids and counts is read by small scripts that
return ids and counts only: the entries stay in Redis."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from newswire.contracts import as_json

ENTRY_ID = re.compile(r"\d{1,20}-\d{1,20}")
TEXT_MAX = 2000  # characters of a dead letter's text field shown: a dead letter is untrusted input

# {length, newest entry id, last generated id, entries ever added, the highest id deleted (these two Redis
# 7+)}; a missing stream is {0, false, false, false, false}.
_WHERE = """
local info = redis.pcall('XINFO', 'STREAM', KEYS[1])
local out = {0, false, false, false, false}
if type(info) ~= 'table' or info.err then return out end
for i = 1, #info, 2 do
  local key, value = info[i], info[i + 1]
  if key == 'length' then out[1] = value
  elseif key == 'last-entry' and type(value) == 'table' then out[2] = value[1]
  elseif key == 'last-generated-id' then out[3] = value
  elseif key == 'entries-added' then out[4] = value
  elseif key == 'max-deleted-entry-id' then out[5] = value
  end
end
return out
"""

# The newest ARGV[2] entries above ARGV[1], newest first, as {id, article_id or false, 1 if a replay}.
# article_id is the event's third field (pydantic writes the fields in order): found at once.
_ARTICLE_IDS = """
local page = redis.call('XREVRANGE', KEYS[1], '+', ARGV[1], 'COUNT', tonumber(ARGV[2]))
local out = {}
for _, entry in ipairs(page) do
  local fields, article, replay = entry[2], false, 0
  for i = 1, #fields, 2 do
    if fields[i] == '__data__' then
      local data = fields[i + 1]
      article = string.match(data, '"article_id"%s*:%s*"(%x+)"') or false
      if string.find(string.sub(data, -40), '"replay"%s*:%s*true') then replay = 1 end
    end
  end
  out[#out + 1] = {entry[1], article, replay}
end
return out
"""


class Scripts:
    """The scripts, registered once per client (redis-py sends EVALSHA, and the script when Redis lost it)."""

    def __init__(self, r: Any) -> None:
        self.where = r.register_script(_WHERE)
        self.article_ids = r.register_script(_ARTICLE_IDS)


def text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def id_ms(entry_id: str) -> int:
    return int(entry_id.partition("-")[0])


def id_tuple(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


async def where(scripts: Scripts, stream: str) -> dict[str, Any]:
    """{"length", "last_id" (the newest entry's), "last_generated" (the id the stream last gave out, also of
    an entry deleted since), "added" (entries ever added), "max_deleted" (the highest id trimmed or deleted;
    "0-0": none); the last two None before Redis 7."""
    length, last, generated, added, deleted = await scripts.where(keys=[stream])
    return {
        "length": int(length),
        "last_id": text(last) if last else None,
        "last_generated": text(generated) if generated else None,
        "added": int(added) if added is not None else None,
        "max_deleted": text(deleted) if deleted else None,
    }


async def feed_page(r: Any, stream: str, *, before: str | None, limit: int) -> list[tuple[str, dict[bytes, bytes]]]:
    """Up to limit entries, newest first, older than before (an entry id) when given."""
    page = await r.xrevrange(stream, max=f"({before}" if before else "+", min="-", count=limit)
    return [(text(entry_id), fields or {}) for entry_id, fields in page]


async def dead_letters(r: Any, stream: str, *, limit: int) -> list[dict[str, Any]]:
    """The newest dead letters, as the page lists them."""
    page = await r.xrevrange(stream, max="+", min="-", count=limit)
    return [dead_letter(text(entry_id), as_json(fields or {})) for entry_id, fields in page]


def dead_letter(entry_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    at = doc.get("emitted_at")
    item: dict[str, Any] = {"id": entry_id}
    for key in ("stage", "reason", "detail", "source_name", "source_stream", "source_entry_id"):
        value = doc.get(key)
        item[key] = value[:TEXT_MAX] if isinstance(value, str) else None
    item["at"] = at[:64] if isinstance(at, str) else datetime.fromtimestamp(id_ms(entry_id) / 1000, UTC).isoformat()
    return item


async def groups(r: Any, stream: str) -> list[dict[str, Any]]:
    from redis.exceptions import ResponseError

    try:
        infos = await r.xinfo_groups(stream)
    except ResponseError:  # no such stream yet
        return []
    found = []
    for info in infos:
        lag = info.get("lag")
        found.append(
            {
                "group": text(info["name"]),
                "lag": int(lag) if lag is not None else None,
                "pending": int(info["pending"]),
                "consumers": int(info["consumers"]),
            }
        )
    return found
