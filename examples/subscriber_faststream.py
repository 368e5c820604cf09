"""The enriched events with FastStream, in a consumer group of your own.

    eval "$(newswire env)"
    .venv/bin/python examples/subscriber_faststream.py [COUNT]

prints each event's headline and language; exits after COUNT events if given. The group is
GROUP (default my-app), the consumer CONSUMER (default worker-1).
"""

import asyncio
import contextlib
import os
import sys

import redis.asyncio as redis
from faststream import FastStream
from faststream.redis import RedisBroker, StreamSub

URL = os.environ["NEWSWIRE_REDIS_URL"]
STREAM = os.environ.get("NEWSWIRE_STREAM_PREFIX", "") + "articles:enriched"
GROUP = os.environ.get("GROUP", "my-app")
CONSUMER = os.environ.get("CONSUMER", "worker-1")
COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else None

broker = RedisBroker(URL)
app = FastStream(broker)
seen = [0]


@broker.subscriber(stream=StreamSub(STREAM, group=GROUP, consumer=CONSUMER, max_records=100))
async def on_article(event: dict) -> None:  # each entry's __data__, decoded from JSON
    print(event["headline"], event["enrichment"]["language"], flush=True)
    seen[0] += 1
    if seen[0] == COUNT:
        app.exit()


async def main() -> None:
    # FastStream would create the group at "$" (new events only); from "0" it starts with the whole stream
    async with redis.from_url(URL) as r:
        try:
            await r.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
    await app.run()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
