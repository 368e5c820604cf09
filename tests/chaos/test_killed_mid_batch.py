"""Each service SIGKILLed while it holds a full batch of 250: exactly once still holds.

ingest is killed while a claimed batch sits in its processing folder (another watcher
adopts it); store and enrich each while their consumer holds 250 or more pending entries
(another consumer reclaims them after NEWSWIRE_CLAIM_IDLE_MS). Every file then has one
articles row and one enriched event, and nothing is pending.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newswire_tools.hostile import good_article
from tests.chaos.conftest import Chaos, exactly_once, scaled, settle
from tests.support import drop

BATCH = 250
PER_PHASE = max(scaled(1500), 3 * BATCH)
SIZES = {"NEWSWIRE_BATCH_SIZE": str(BATCH), "NEWSWIRE_PUBLISH_BATCH": str(BATCH)}


def _drop_phase(chaos: Chaos, label: str, first: int) -> dict[str, str]:
    texts = {f"{label}-{i:05d}.txt": good_article(first + i) for i in range(PER_PHASE)}
    for name, text in texts.items():
        drop(chaos.inbox, name, text)
    return texts


def _claimed(folder: Path) -> int:
    return sum(len(files) for _dir, _dirs, files in os.walk(folder))


def _kill_consumer_holding_a_batch(chaos: Chaos, service: str, stream: str) -> int:
    """Restart the service on a backlog of PER_PHASE entries; SIGKILL it once it holds a batch."""
    chaos.wait(lambda: chaos.lag(stream, service) >= PER_PHASE, f"a backlog of {PER_PHASE} for {service}")
    chaos.launch(service, wait=False)
    chaos.wait(lambda: chaos.pending(stream, service) >= BATCH, f"{service} holding a batch", interval=0.002)
    chaos.kill(service)
    held = chaos.pending(stream, service)
    chaos.launch(service)
    return held


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_each_service_killed_mid_batch_keeps_exactly_once(chaos: Chaos) -> None:
    chaos.launch("store", **SIZES)
    chaos.launch("enrich", **SIZES)
    texts = _drop_phase(chaos, "ingest", 30_000)
    chaos.launch("ingest", wait=False, NEWSWIRE_CONSUMER_NAME="watcher-1", **SIZES)
    mine = chaos.processing / "watcher-1"
    chaos.wait(lambda: _claimed(mine) >= 50, "ingest holding a claimed batch", interval=0.002)
    chaos.kill("ingest")
    held = {"ingest": _claimed(mine)}
    chaos.launch("ingest", NEWSWIRE_CONSUMER_NAME="watcher-2")

    chaos.stop(chaos.current["store"])
    texts.update(_drop_phase(chaos, "store", 40_000))
    held["store"] = _kill_consumer_holding_a_batch(chaos, "store", "raw")

    chaos.stop(chaos.current["enrich"])
    texts.update(_drop_phase(chaos, "enrich", 50_000))
    chaos.wait(lambda: not chaos.lag("raw", "store") and not chaos.pending("raw", "store"), "the store caught up")
    held["enrich"] = _kill_consumer_holding_a_batch(chaos, "enrich", "stored")
    assert all(held.values()), f"a kill found nothing in hand (files or entries held per service: {held})"

    settled = settle(lambda: chaos.finished(len(texts)), 180)
    problems = exactly_once(chaos, texts)
    if not settled:
        problems.append(f"not quiet 180 s after the last kill: {chaos.state()}")
    assert not problems, f"held at the kills: {held}\n" + "\n".join(problems)
