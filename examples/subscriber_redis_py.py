"""The enriched events with plain redis-py, in a consumer group of your own: each event is handled
once, even across restarts (what was read but not acknowledged is read again first).

    eval "$(newswire env)"
    .venv/bin/python examples/subscriber_redis_py.py [COUNT]

prints each event's headline and language; exits after COUNT events if given. The group is
GROUP (default my-app), the consumer CONSUMER (default worker-1); run several, each its
own CONSUMER, in one group to share the work.
"""

import contextlib
import json
import os
import sys

import redis

STREAM = os.environ.get("NEWSWIRE_STREAM_PREFIX", "") + "articles:enriched"
GROUP = os.environ.get("GROUP", "my-app")
CONSUMER = os.environ.get("CONSUMER", "worker-1")  # keep it across restarts: its pending entries are read again
BLOCK_MS = 30_000


def main(count: int | None) -> None:
    # The socket timeout must be longer than the BLOCK of a read, or a quiet stream reads as a dead server.
    r = redis.Redis.from_url(os.environ["NEWSWIRE_REDIS_URL"], socket_timeout=BLOCK_MS / 1000 + 30)
    try:
        r.xgroup_create(STREAM, GROUP, id="0", mkstream=True)  # id 0: the group starts with the whole stream
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
    seen = 0
    next_id = "0"  # first this consumer's own pending entries (a previous run died before its ack), then new ones
    while count is None or seen < count:
        replies = r.xreadgroup(GROUP, CONSUMER, {STREAM: next_id}, count=100, block=BLOCK_MS)
        entries = replies[0][1] if replies else []
        if next_id == "0" and not entries:
            next_id = ">"
        for entry_id, fields in entries:
            event = json.loads(fields[b"__data__"])
            print(event["headline"], event["enrichment"]["language"], flush=True)
            r.xack(STREAM, GROUP, entry_id)
            seen += 1
            if seen == count:
                break


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main(int(sys.argv[1]) if len(sys.argv) > 1 else None)
