"""Forged entries written straight to the streams: each dead-lettered on its first delivery,
and nothing outside the data folders created, moved or changed.

Anyone who can write to Redis can write these. article.discovered events whose
source_name is absolute, climbs out with ../, or holds a NUL, with a text the store
rejects (so the ingest's dead-letter follower acts on the name, with the file hash of
a canary so that it would find one); an article.stored of an article nobody stored;
an entry nested 100,000 deep; entries with no __data__; 1,000 junk entries. Canary
files sit where those names lead (/tmp, the test folder, the data folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.contracts import ArticleDiscovered, ArticleStored, content_hash, new_correlation_id
from newswire_tools.hostile import good_article
from tests.chaos.conftest import Chaos, settle
from tests.support import drop

JUNK = 1000


def _snapshot(root: Path, skip: set[Path]) -> dict[str, tuple[int, str, int]]:
    """Every path under root outside skip: (is a folder, content hash, mtime)."""
    seen = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if Path(folder, d) not in skip]
        for name in dirs:
            seen[os.path.join(folder, name)] = (1, "", 0)
        for name in files:
            path = Path(folder, name)
            if path in skip or path.suffix == ".log" or path.name.startswith("newswire.db"):
                continue
            st = path.lstat()
            seen[str(path)] = (0, hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns)
    return seen


def _junk(rng: random.Random, n: int) -> dict[bytes, bytes]:
    kinds: list[dict[bytes, bytes]] = [
        {b"__data__": rng.randbytes(rng.randrange(1, 64))},
        {b"__data__": b"not json at all"},
        {b"__data__": str(rng.random()).encode()},
        {b"__data__": b'{"event": "article.discovered"}'},
        {b"__data__": json.dumps({"event": "article.enriched", "article_id": n}).encode()},
        {b"__data__": json.dumps({"event": "article.discovered", "text": None, "source_name": 7}).encode()},
        {b"__data__": b"{" * 2000},
        {b"__data__": b""},
        {b"x": b"y", b"z": rng.randbytes(8)},
        {b"__data__": json.dumps(["a", {"b": None}]).encode()},
    ]
    return kinds[n % len(kinds)]


@pytest.fixture
def canary() -> Iterator[str]:
    name = f"newswire-canary-{uuid.uuid4().hex[:12]}"
    yield name
    for leftover in Path("/tmp").glob(f"{name}*"):  # only what this test made (or what newswire moved there)
        if leftover.is_file():
            leftover.unlink()


def _forge_discovered(source_name: str, sha: str) -> bytes:
    text = "A forged headline, and no body"
    return (
        ArticleDiscovered(
            article_id=content_hash(text),
            correlation_id=new_correlation_id(),
            source_name=source_name,
            file_sha256=sha,
            size_bytes=len(text),
            encoding="utf-8",
            text=text,
        )
        .model_dump_json()
        .encode()
    )


def _forge_stored() -> bytes:
    return (
        ArticleStored(
            article_id=uuid.uuid4().hex * 2,
            correlation_id=new_correlation_id(),
            headline="An article nobody stored",
            story_code=None,
            published_at=None,
            body="Its body.",
            source_name="forged-stored.txt",
        )
        .model_dump_json()
        .encode()
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_forged_events_are_dead_lettered_at_once_and_touch_nothing_outside(
    chaos: Chaos, tmp_path: Path, canary: str
) -> None:
    chaos.launch_all()
    warm = {f"warm-{i}.txt": good_article(90_000 + i) for i in range(5)}
    for name, text in warm.items():
        drop(chaos.inbox, name, text)
    chaos.wait(lambda: chaos.xlen("enriched") >= len(warm), "the first files enriched (done/<day>/ exists)")

    bait = good_article(90_100).encode()
    (tmp_path / "outside").mkdir()
    for folder in (Path("/tmp"), tmp_path, chaos.data, tmp_path / "outside"):
        (folder / f"{canary}.txt").write_bytes(bait)
    own = {chaos.inbox, chaos.processing, chaos.done, chaos.error, chaos.heartbeats, chaos.server.folder}
    before = {**_snapshot(tmp_path, own), **_tmp_canaries(canary)}
    forged = _forge(chaos, canary, hashlib.sha256(bait).hexdigest())

    settle(lambda: all(f in _dead_letters(chaos) for f in forged), 60, interval=1)
    after = {f"after-{i:02d}.txt": good_article(90_200 + i) for i in range(20)}
    for name, text in after.items():
        drop(chaos.inbox, name, text)
    after_ids = {content_hash(t) for t in after.values()}
    flowed = settle(lambda: after_ids <= {e["article_id"] for e in chaos.events("enriched")}, 60, interval=0.5)
    settle(chaos.quiet, 30)

    reasons = _dead_letters(chaos)
    problems = []
    missing = [f for f in forged if f not in reasons]
    if missing:
        problems.append(f"{len(missing)} of {len(forged)} forged entries not dead-lettered (e.g. {missing[:3]})")
    late = [f for f in forged if reasons.get(f) == "max_deliveries"]
    if late:
        problems.append(f"{len(late)} forged entries dead-lettered only after max_deliveries (e.g. {late[:3]})")
    now = {**_snapshot(tmp_path, own), **_tmp_canaries(canary)}
    changed = sorted(p for p in set(before) | set(now) if before.get(p) != now.get(p))
    if changed:
        problems.append(f"outside the data folders: created, moved or changed {changed[:6]}")
    if not flowed:
        problems.append(f"good files dropped afterwards not enriched within 60 s: {chaos.state()}")
    problems += chaos.end_problems()
    assert not problems, "\n".join(problems)


def _forge(chaos: Chaos, canary: str, sha: str) -> list[tuple[str, str]]:
    """Write the forged entries; (stream, entry id) of each."""
    raw, stored = chaos.stream("raw"), chaos.stream("stored")
    entries: list[tuple[str, dict[bytes, bytes]]] = [
        (raw, {b"__data__": _forge_discovered(name, sha)})
        for name in (
            f"/tmp/{canary}.txt",
            f"../../{canary}.txt",
            f"../../outside/{canary}.txt",
            f"evil\x00{canary}.txt",
        )
    ]
    entries += [
        (stored, {b"__data__": _forge_stored()}),
        (raw, {b"__data__": b"[" * 100_000 + b"]" * 100_000}),
        (raw, {b"payload": b"no __data__ here"}),
        (stored, {b"payload": b"no __data__ here"}),
    ]
    rng = random.Random(5)
    entries += [(raw if n % 2 else stored, _junk(rng, n)) for n in range(JUNK)]
    return [(stream, chaos.redis.xadd(stream, fields).decode()) for stream, fields in entries]


def _dead_letters(chaos: Chaos) -> dict[tuple[str, str], str]:
    """(source stream, source entry id) -> reason, of every dead letter."""
    return {(e.get("source_stream"), e.get("source_entry_id")): str(e.get("reason")) for e in chaos.events("dead")}


def _tmp_canaries(canary: str) -> dict[str, tuple[int, str, int]]:
    return {
        str(p): (
            int(p.is_dir()),
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "",
            p.stat().st_mtime_ns,
        )
        for p in Path("/tmp").glob(f"{canary}*")
    }
