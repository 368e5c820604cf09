"""Reading new entries: a FastStream batch subscriber on the group, feeding the Processor.

FastStream only reads here (XREADGROUP with ``>``). Acknowledging is the Committer's atomic
emit-and-ack, so the subscriber's ack policy is MANUAL; reclaiming is the Reclaimer's, because
FastStream's claiming (``min_idle_time``) claims one entry per round trip, and
``claim_min_idle_time`` needs Redis 8.4.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage

from newswire.streams.entries import Entry
from newswire.streams.membership import Membership
from newswire.streams.processor import Processor
from newswire.text import one_line
from newswire.waiting import pause

IN_FLIGHT = 2  # batches a consumer works on at once: one is parsed while another is written and acked


class Reader:
    def __init__(self, member: Membership, processor: Processor, *, batch_size: int) -> None:
        self.member = member
        self.processor = processor
        self.batch_size = batch_size
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._subscriber: Any = None

    def attach(self, subscriber: Any) -> None:
        """The FastStream subscriber that feeds this reader (see ``subscribe``), watched and stopped here."""
        self._subscriber = subscriber

    async def start_batch(self, entries: Sequence[Entry]) -> None:
        """Hand a batch to a task of its own and return, so the subscriber reads the next batch
        while this one is written and acked; at most IN_FLIGHT batches at once. Order across
        batches is not kept (nor is it across replicas); each entry is still acked only after
        its commit, and an entry whose task dies stays pending and is reclaimed."""
        await self._slots.acquire()
        if self.member.stopping.is_set():
            # Shutting down: left pending, for this name's next start (Reclaimer.drain_own) or a reclaim.
            self._slots.release()
            return
        self.member.progress.step()
        self.member.read(entry_id for entry_id, _ in entries)
        task = asyncio.create_task(self._batch_task(entries))
        self._in_flight.add(task)
        task.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._slots.release()

    async def _batch_task(self, entries: Sequence[Entry]) -> None:
        try:
            await self.processor.handle(entries)
        except Exception as exc:  # noqa: BLE001 - the entries stay pending and are reclaimed; keep consuming
            self.member.log.error("batch_failed", entries=len(entries), error=one_line(exc))

    async def stop(self) -> None:
        """Stop reading (at stop: what is read and not started stays pending for the next start)."""
        if self._subscriber is not None and self._subscriber.running:
            await self._subscriber.stop()

    async def finish_in_flight(self) -> None:
        """Wait for the batches in hand (at stop, after the subscriber stopped reading)."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def watch_forever(self) -> None:
        """FastStream stops a subscriber whose group vanished: bring the group back and restart it.
        Checked twice a second, so every replica notices within the grace a replica that knows
        nothing gives the others (RECREATE_GRACE_S)."""
        m = self.member
        while not await pause(m.stopping, 0.5):
            sub = self._subscriber
            if sub is None or sub.running:
                continue
            try:
                await m.recreate_group()
                await sub.start()
            except Exception as exc:  # noqa: BLE001 - Redis away: tried again in half a second
                m.log.warning("subscriber_restart_failed", error=one_line(exc))
                await pause(m.stopping, 2.0)
                continue
            m.log.warning("subscriber_restarted", stream=m.stream, group=m.group)


def subscribe(
    broker: RedisBroker,
    *,
    stream: str,
    group: str,
    consumer: str,
    batch_size: int,
    deliver: Callable[[list[Entry]], Awaitable[None]],
) -> Any:
    """Declare the batch subscriber of ``stream`` as ``group``/``consumer``: each batch read is handed to
    ``deliver`` as (entry id, fields) pairs, and acknowledged by the Committer, never by FastStream.

    Not in the AsyncAPI document: its handler takes the raw entries (each is decoded in a worker
    process, so a malformed one is dead-lettered alone), so FastStream knows no payload type for it;
    what the stream carries is documented by the publisher that writes it."""
    sub = StreamSub(stream, group=group, consumer=consumer, batch=True, max_records=batch_size, polling_interval=1000)
    subscriber = broker.subscriber(
        stream=sub, ack_policy=AckPolicy.MANUAL, parser=_raw_entries, decoder=_not_decoded, include_in_schema=False
    )

    @subscriber
    async def on_batch(msg: RedisBatchStreamMessage) -> None:
        raw = msg.raw_message
        ids = [i.decode() if isinstance(i, bytes) else str(i) for i in raw["message_ids"]]
        await deliver(list(zip(ids, raw["data"], strict=True)))

    return subscriber


async def _raw_entries(message: Any) -> StreamMessage[Any]:
    """Hand the entries over as read. FastStream's own parser JSON-decodes every entry several
    times (envelope probing, body, batch re-encoding); the handler decodes each entry once."""
    return StreamMessage(raw_message=message, body=b"")


async def _not_decoded(_msg: Any) -> None:
    return None
