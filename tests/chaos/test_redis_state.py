"""Redis comes back without what the services expect: they heal, or health says they cannot.

Redis back empty (a fresh data folder, or FLUSHALL: a failover to a replica without the
groups looks the same), and consumer groups destroyed under running consumers. Files
dropped afterwards must be stored and enriched within 60 s; for Redis back empty,
`newswire health` of the stuck service turning red within 60 s is acceptable instead.
"""

from __future__ import annotations

import time

import pytest

from newswire.contracts import content_hash
from newswire_tools.hostile import good_article
from tests.chaos.conftest import Chaos, exactly_once, settle
from tests.support import drop

FILES = 20


def _drop_batch(chaos: Chaos, label: str, first: int) -> dict[str, str]:
    texts = {f"{label}-{i:03d}.txt": good_article(first + i) for i in range(FILES)}
    for name, text in texts.items():
        drop(chaos.inbox, name, text)
    return texts


def _flowed(chaos: Chaos, texts: dict[str, str]) -> bool:
    ids = {content_hash(t) for t in texts.values()}
    rows = {r[0] for r in chaos.sql("SELECT article_id FROM articles")}
    enriched = {e["article_id"] for e in chaos.events("enriched")}
    return ids <= rows and ids <= enriched


def _stuck(chaos: Chaos, texts: dict[str, str]) -> str:
    """The service the files wait on."""
    names = set(texts)
    waiting = {p.name for p in chaos.inbox.iterdir()} | {p.name for p in chaos.claims()}
    if names & waiting:
        return "ingest"
    rows = {r[0] for r in chaos.sql("SELECT article_id FROM articles")}
    return "enrich" if {content_hash(t) for t in texts.values()} <= rows else "store"


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("how", ["fresh_data_dir", "flushall"])
def test_redis_back_empty_files_flow_within_60s_or_health_turns_red(chaos: Chaos, how: str) -> None:
    chaos.launch_all()
    before = _drop_batch(chaos, "before", 20_000)
    chaos.wait(lambda: _flowed(chaos, before), "the first files enriched")

    if how == "fresh_data_dir":
        chaos.server.restart_empty()
    else:
        chaos.server.flushall()
    after = _drop_batch(chaos, "after", 20_100)
    dropped = time.monotonic()
    outcome = ""
    next_health = dropped + 5
    while not outcome and time.monotonic() - dropped < 60:
        if settle(lambda: _flowed(chaos, after), 1):
            outcome = "flowed"
        elif time.monotonic() >= next_health:
            stuck = _stuck(chaos, after)
            if chaos.health(stuck) != 0:
                outcome = f"health of {stuck} red"
            next_health = time.monotonic() + 5
    assert outcome, (
        f"Redis back empty ({how}): the files dropped afterwards are not enriched 60 s later, and "
        f"`newswire health` of the stuck {_stuck(chaos, after)} is still green\n{chaos.state()}\n"
        + chaos.tail(_stuck(chaos, after))
    )


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize(("replicas", "restarted"), [(1, False), (2, False), (2, True)])
def test_destroyed_consumer_groups_are_recreated_and_nothing_is_duplicated(
    chaos: Chaos, replicas: int, restarted: bool
) -> None:
    """With the work done when the groups go (nothing in flight), nothing is emitted twice, however
    many replicas recreate them: the first from what it finished, the others only if they hold
    entries it would skip. Consumers restarted since know nothing: they recreate the groups from
    the start of the streams, and the markers each emission left keep them from emitting again."""
    # The default claim idle time, as in production (the tests' own is shorter).
    chaos.launch_all(NEWSWIRE_CLAIM_IDLE_MS="30000")
    for service in ("store", "enrich")[: 2 * (replicas - 1)]:
        chaos.start(service, env=chaos.service_env(service, NEWSWIRE_CLAIM_IDLE_MS="30000"), name=f"{service}-2")
    before = _drop_batch(chaos, "before", 21_000)
    chaos.wait(lambda: _flowed(chaos, before), "the first files enriched")
    settle(lambda: chaos.finished(FILES), 30)
    if restarted:
        for service in ("store", "enrich"):
            chaos.kill(service)
            chaos.launch(service)

    chaos.redis.xgroup_destroy(chaos.stream("raw"), "store")
    chaos.redis.xgroup_destroy(chaos.stream("stored"), "enrich")
    after = _drop_batch(chaos, "after", 21_100)
    flowed = settle(lambda: _flowed(chaos, after), 60)
    assert flowed, (
        f"consumer groups destroyed: the files dropped afterwards are not enriched 60 s later\n{chaos.state()}\n"
        + chaos.tail("store")
    )
    settle(lambda: chaos.finished(2 * FILES), 30)
    problems = exactly_once(chaos, {**before, **after})
    assert not problems, "after the groups were recreated:\n" + "\n".join(problems)
