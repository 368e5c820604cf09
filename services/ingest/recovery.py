"""Recovery: what a crash interrupted is finished, for this watcher's own claims and for those of
dead watchers it adopted. The claim's ledger (ledger.py) says which of its files were published:
those wait for their confirmation again, the others are published now."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from newswire.waiting import retry_transient
from services.ingest.claims import Claimed
from services.ingest.confirm import LOSS_CHECK_S
from services.ingest.inbox import Inbox
from services.ingest.inflight import Awaiting, InFlight
from services.ingest.ledger import Ledger, Ref, transient
from services.ingest.publisher import Publisher


class Recovery:
    """Takes the files of interrupted claims (its own and adopted ones) through the rest of the way."""

    def __init__(
        self,
        *,
        inbox: Inbox,
        ledger: Ledger,
        inflight: InFlight,
        publisher: Publisher,
        stopping: asyncio.Event,
        log: Any,
    ) -> None:
        self.inbox = inbox
        self.ledger = ledger
        self.inflight = inflight
        self.publisher = publisher
        self.stopping = stopping
        self.log = log

    async def recover(self) -> None:
        """Finish what a crash interrupted: our own claims, and those of dead watchers."""
        adopted = await asyncio.to_thread(self.inbox.adopt_orphans)
        busy = self.inflight.busy()
        recovered = await asyncio.to_thread(lambda: list(self.inbox.recover(busy)))
        if not recovered:
            return
        self.log.info("recovering", files=len(recovered), adopted=adopted)
        by_claim: dict[Path, list[Claimed]] = {}
        for c in recovered:
            by_claim.setdefault(c.claim_dir, []).append(c)
        for claim_dir, claims in by_claim.items():
            self.inflight.claimed(claim_dir, len(claims))
            recorded, legacy = await retry_transient(
                lambda d=claim_dir.name: self.ledger.recorded(d),  # type: ignore[misc]  # default binds the loop value
                is_transient=transient,
                stopping=self.stopping,
                log=self.log,
                what="redis_recover",
            )
            unpublished = []
            stale = time.monotonic() - LOSS_CHECK_S  # look for their entries at once
            for c in claims:
                ref = recorded.get(c.relative)
                if legacy:  # an older newswire published the whole claim, and had no receipts
                    self.inflight.add(Awaiting(c, Ref("raw", "legacy"), 0, None, 0, stale, receipt=b"ok"))
                elif ref is None:
                    unpublished.append(c)
                else:
                    self.inflight.add(Awaiting(c, ref, 0, None, 0, stale))
            if unpublished:
                await self.publisher.publish_claimed(unpublished)
