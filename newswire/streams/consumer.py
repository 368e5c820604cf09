"""A consumer of one stream in one group, assembled from parts with one job each.

- Membership: who this consumer is, what it holds and read, the group (recreated when lost), health.
- Reader: new entries, from a FastStream batch subscriber.
- Processor: a batch through the service's handler, failures isolated, then the Committer.
- Committer: emit and acknowledge, atomically, only what this consumer still owns.
- Reclaimer: entries left pending by consumers that died; poison past max_deliveries.
- Housekeeper: streams trimmed to their retention; consumers of replaced processes forgotten.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from newswire.streams.committer import Committer, marker_ttl_s
from newswire.streams.entries import BatchHandler, Options
from newswire.streams.housekeeping import Housekeeper
from newswire.streams.membership import Membership
from newswire.streams.processor import Processor
from newswire.streams.reader import Reader
from newswire.streams.reclaimer import Reclaimer


@dataclass(frozen=True, slots=True)
class Consumer:
    member: Membership
    processor: Processor
    reader: Reader
    reclaimer: Reclaimer
    housekeeper: Housekeeper

    @property
    def stream(self) -> str:
        return self.member.stream

    @property
    def group(self) -> str:
        return self.member.group

    @property
    def consumer(self) -> str:
        return self.member.consumer

    @property
    def stopping(self) -> asyncio.Event:
        return self.member.stopping


def build_consumer(
    *,
    redis: aioredis.Redis,
    stream: str,
    dead: str,
    group: str,
    consumer: str,
    stage: str,
    handler: BatchHandler,
    options: Options,
    stopping: asyncio.Event,
    log: Any,
    trim: Sequence[str] = (),
    markers: str | None = None,
) -> Consumer:
    """The parts of a consumer of ``stream`` as ``group``/``consumer``, sharing one Membership.

    ``markers``: the key prefix of the emission markers (see Committer); ``trim``: the streams
    this consumer trims to ``options.retention_ms`` (see Housekeeper)."""
    member = Membership(
        redis=redis, stream=stream, group=group, consumer=consumer, stall_s=options.stall_s, stopping=stopping, log=log
    )
    committer = Committer(
        redis,
        stream=stream,
        group=group,
        consumer=consumer,
        dead=dead,
        markers=markers,
        marker_ttl_s=marker_ttl_s(options.retention_ms),
    )
    processor = Processor(
        member, handler=handler, committer=committer, stage=stage, dead=dead, claim_idle_ms=options.claim_idle_ms
    )
    return Consumer(
        member=member,
        processor=processor,
        reader=Reader(member, processor, batch_size=options.batch_size),
        reclaimer=Reclaimer(
            member,
            processor,
            batch_size=options.batch_size,
            claim_idle_ms=options.claim_idle_ms,
            max_deliveries=options.max_deliveries,
        ),
        housekeeper=Housekeeper(member, trim=trim, retention_ms=options.retention_ms),
    )
