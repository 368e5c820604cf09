"""/api/events: articles:enriched as Server-Sent Events, resumable by entry id.

Each entry is an event whose id is its stream entry id, so the browser's EventSource sends the last one it
got as Last-Event-ID when it reconnects, and the stream goes on right after it: nothing missed, nothing
twice. Entries are read with XREAD BLOCK a batch at a time, and the next batch only once the last one is
written to the client (uvicorn waits while the client's socket is full): a connection holds one batch at
most. It ends when the client goes away or the service stops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from newswire.redisio import TRANSIENT
from newswire.waiting import pause
from services.web.items import NotAnArticle, item_from_event
from services.web.reading import ENTRY_ID, Scripts, id_tuple, text, where

BATCH = 100  # entries read at once
BLOCK_MS = 1000  # how long one XREAD waits: the stream notices a stop within this
KEEPALIVE_S = 15.0
RETRY_MS = 1000  # the browser's reconnection delay


@dataclass(frozen=True, slots=True)
class Start:
    """Where a stream starts: after `after`; `reset` says why the id the client gave was not used."""

    after: str
    reset: str | None = None


async def start_of(scripts: Scripts, stream: str, asked: str | None) -> Start:
    """After the id asked for, when it is an id this stream has given out; else after the newest entry
    (with the reason, when an id was asked for: the client is told to start afresh)."""
    w = await where(scripts, stream)
    newest = w["last_generated"] or w["last_id"] or "0-0"
    if asked is None:
        return Start(newest)
    if not ENTRY_ID.fullmatch(asked):
        return Start(newest, "not a stream entry id")
    if id_tuple(asked) > id_tuple(newest):
        # Later than anything the stream gave out: another stream's id, or a Redis that lost its data.
        return Start(newest, "an id this stream has not given out")
    if w["max_deleted"] and id_tuple(asked) < id_tuple(w["max_deleted"]):
        return Start(newest, "entries after this id were trimmed from the stream")
    return Start(asked)


def render(entries: list[tuple[Any, dict[bytes, bytes]]]) -> bytes:
    """The events of a batch of entries: an article each, or a skipped entry with its reason."""
    out = []
    for raw_id, fields in entries:
        entry_id = text(raw_id)
        try:
            item = item_from_event(fields or {}, entry_id)
        except NotAnArticle as exc:
            data = orjson.dumps({"id": entry_id, "reason": str(exc)[:500]})
            out.append(b"id: %s\nevent: skipped\ndata: %s\n\n" % (entry_id.encode(), data))
            continue
        out.append(b"id: %s\nevent: article\ndata: %s\n\n" % (entry_id.encode(), orjson.dumps(item)))
    return b"".join(out)


async def event_stream(
    r: Any,
    stream: str,
    start: Start,
    *,
    stopping: asyncio.Event,
    threaded: Callable[..., Any],
    log: Any,
) -> AsyncIterator[bytes]:
    yield b"retry: %d\n\n" % RETRY_MS
    if start.reset is not None:
        data = orjson.dumps({"reason": start.reset, "newest": start.after})
        yield b"id: %s\nevent: reset\ndata: %s\n\n" % (start.after.encode(), data)
    after = start.after
    quiet_since = time.monotonic()
    while not stopping.is_set():
        try:
            got = await r.xread({stream: after}, count=BATCH, block=BLOCK_MS)
        except TRANSIENT as exc:  # Redis away: the client keeps its connection, and gets what follows
            log.warning("web_stream_redis_failed", error=str(exc)[:200])
            if await pause(stopping, 1.0):
                break
            got = None
        if got:
            entries = got[0][1]
            yield await threaded(render, entries)
            after = text(entries[-1][0])
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= KEEPALIVE_S:
            yield b": keepalive\n\n"
            quiet_since = time.monotonic()
