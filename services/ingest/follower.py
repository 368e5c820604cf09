"""Files whose article enrich dead-lettered move from done/ to the error folder.

(Articles the store rejects never reach done/: the watcher archives a file only once the store's
receipt says how its entry ended, and puts a rejected one in the error folder itself.)

A dead letter is untrusted input: anyone who can write to Redis can forge one. Its source_name is
validated (services.ingest.paths.safe_relative) and every path built from it stays inside the
done and error folders without following a link (Inbox.find_archived, Inbox.to_error). A dead
letter that cannot be applied (a name refused, the file gone, a disk error) is logged once and
acknowledged: it stays on articles:dead, and the file stays where it is.
"""

from __future__ import annotations

import asyncio
from typing import Any

from newswire.contracts import Streams, as_json
from newswire.redisio import ensure_group
from newswire.text import one_line
from newswire.waiting import pause
from services.ingest.inbox import Inbox, UnsafeName
from services.ingest.ledger import transient

GROUP = "ingest"
# One consumer name for every watcher: entries a dead watcher left pending are read again (id 0)
# by whichever watcher starts next; moving a file twice is harmless (the second finds nothing).
CONSUMER = "watchers"


async def follow_dead_letters(*, redis: Any, inbox: Inbox, streams: Streams, stopping: asyncio.Event, log: Any) -> None:
    stream = streams.dead
    await ensure_group(redis, stream, GROUP)
    cursor = "0"
    while not stopping.is_set():
        try:
            resp = await redis.xreadgroup(GROUP, CONSUMER, {stream: cursor}, count=100, block=2000)
        except Exception as exc:
            if not transient(exc) and "NOGROUP" not in str(exc):
                raise
            log.warning("follow_dead_retrying", error=one_line(exc))
            if "NOGROUP" in str(exc):
                await ensure_group(redis, stream, GROUP)
            await pause(stopping, 2.0)
            continue
        entries = resp[0][1] if resp else []
        if cursor == "0" and not entries:
            cursor = ">"
            continue
        for entry_id, fields in entries:
            await _apply(as_json(fields or {}), inbox=inbox, log=log)
            await redis.xack(stream, GROUP, entry_id)
        if cursor != ">" and entries:
            cursor = entries[-1][0]


async def _apply(doc: dict[str, Any], *, inbox: Inbox, log: Any) -> None:
    source_name = doc.get("source_name")
    if doc.get("stage") != "enrich" or not isinstance(source_name, str):
        return  # ingest's own rejections and the store's are in the error folder already
    try:
        # Enrich's dead letter names a stored event, which has no file hash: the newest archived
        # file of that name is the one (its content is not checked).
        sha = None
        current = await asyncio.to_thread(inbox.find_archived, source_name, sha)
        dest = await asyncio.to_thread(
            inbox.to_error_untrusted,
            current,
            source_name,
            stage="enrich",
            reason=str(doc.get("reason"))[:100],
            detail=str(doc.get("detail"))[:500],
            file_sha256=sha,
        )
    except UnsafeName as exc:
        log.warning("dead_letter_refused", path=source_name[:300], reason=str(exc))
        return
    except OSError as exc:
        log.warning("dead_letter_not_applied", path=source_name[:300], error=one_line(exc))
        return
    log.warning("moved_to_errors", path=source_name, stage="enrich", reason=doc.get("reason"), dest=str(dest))
