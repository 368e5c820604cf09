"""Hostile inputs dropped among 100 good articles: none stalls, crashes, escapes or is lost.

One of each kind of newswire_tools.hostile, among 100 good articles and a folder of good ones
moved in whole. The good ones are enriched within 30 s. Each hostile file is processed
(enriched, possibly truncated, saying so) or rejected (error folder with its .error.json,
and articles:dead with a reason), as its kind allows; FIFOs, sockets, links and files too
deep are left alone in the inbox with the reason logged once. Each stage finishes with
each hostile input within 5 s of its reaching that stage (from the stream entry ids,
stamped by Redis, and the drop times), and no heartbeat is ever more than 10 s old.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from newswire.contracts import content_hash
from newswire_tools import hostile
from tests.chaos.conftest import SERVICES, Chaos, HeartbeatWatch, files_under, settle
from tests.support import drop

GOOD = 100
STAGE_BUDGET_S = 5.0
HEARTBEAT_MAX_AGE_S = 10.0
DROP_EVERY_S = 1.0
MAX_DEPTH = 8  # NEWSWIRE_MAX_DEPTH's default

Entry = tuple[str, float, dict[str, Any]]  # entry id, its time (s since the epoch), the event


def _entries(chaos: Chaos, stream: str) -> list[Entry]:
    out = []
    for entry_id, fields in chaos.redis.xrange(chaos.stream(stream)):
        try:
            event = json.loads(fields[b"__data__"])
        except (KeyError, ValueError):
            continue
        out.append((entry_id.decode(), int(entry_id.split(b"-")[0]) / 1000, event))
    return out


def _stem(name: str | bytes) -> str:
    """The ASCII letters a hostile name starts with: how its events and files are recognised."""
    raw = name if isinstance(name, bytes) else name.encode()
    found = re.match(rb"[A-Za-z]+", raw)
    assert found, name
    return found.group().decode()


def _named(stem: str, source_name: Any) -> bool:
    return isinstance(source_name, str) and source_name.rsplit("/", 1)[-1].startswith(stem)


class Streams:
    """The four streams, read once at the end."""

    def __init__(self, chaos: Chaos) -> None:
        self.raw, self.stored = _entries(chaos, "raw"), _entries(chaos, "stored")
        self.enriched, self.dead = _entries(chaos, "enriched"), _entries(chaos, "dead")

    def first(self, entries: list[Entry], **match: Any) -> Entry | None:
        return next((e for e in entries if all(e[2].get(k) == v for k, v in match.items())), None)

    def stage_times(self, stem: str, dropped_at: float) -> dict[str, float]:
        """Seconds each stage took with the input: from its arrival (drop, or its entry on the stream
        the stage reads) to its output (the entry on the next stream, or its dead letter)."""
        times: dict[str, float] = {}
        raw = next((e for e in self.raw if _named(stem, e[2].get("source_name"))), None)
        refused = next(
            (e for e in self.dead if e[2].get("stage") == "ingest" and _named(stem, e[2].get("source_name"))), None
        )
        if raw or refused:
            times["ingest"] = min(e[1] for e in (raw, refused) if e) - dropped_at
        if raw is None:
            return times
        stored = self.first(self.stored, article_id=raw[2].get("article_id"))
        out = stored or self.first(self.dead, source_entry_id=raw[0])
        if out:
            times["store"] = out[1] - raw[1]
        if stored is None:
            return times
        out = self.first(self.enriched, article_id=stored[2].get("article_id")) or self.first(
            self.dead, source_entry_id=stored[0]
        )
        if out:
            times["enrich"] = out[1] - stored[1]
        return times


def _error_reports(chaos: Chaos) -> list[dict[str, Any]]:
    reports = []
    for path in files_under(chaos.error):
        if path.name.endswith(".error.json"):
            try:
                reports.append(json.loads(path.read_text()))
            except ValueError:
                reports.append({"unreadable": str(path)})
    return reports


def _outcome(chaos: Chaos, streams: Streams, item: hostile.Hostile) -> str:
    """processed, rejected, or what is missing."""
    stem = _stem(item.name)
    if any(_named(stem, e[2].get("source_name")) for e in streams.enriched):
        return "processed"
    dead = [e[2] for e in streams.dead if _named(stem, e[2].get("source_name")) and e[2].get("reason")]
    in_error = [p for p in chaos.rejected_files() if p.name.startswith(stem)]
    reported = [r for r in _error_reports(chaos) if _named(stem, r.get("source_name")) and r.get("reason")]
    if dead and in_error and reported:
        return "rejected"
    return f"not enriched, nor rejected (dead letters {len(dead)}, in error/ {len(in_error)}, reports {len(reported)})"


def _logged_reasons(chaos: Chaos, name: str) -> int:
    """ingest log lines that mention name and give a reason."""
    count = 0
    for line in chaos.service_log("ingest").splitlines():
        if name not in line:
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("reason"):
            count += 1
    return count


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_hostile_inputs_never_stall_crash_escape_or_lose_the_good_ones(chaos: Chaos, tmp_path: Path) -> None:
    outside, staging = tmp_path / "outside", tmp_path / "staging"
    staging.mkdir()
    chaos.launch_all()
    good = {f"good-{i:03d}.txt": hostile.good_article(80_000 + i) for i in range(GOOD)}
    items = hostile.files()
    dropped_at: dict[str, float] = {}
    with HeartbeatWatch({s: chaos.heartbeats / f"{s}.hb" for s in SERVICES}) as beats:
        names = list(good)
        for name in names[: GOOD // 2]:
            drop(chaos.inbox, name, good[name])
        for item in items:  # one at a time: each stall is timed on its own
            hostile.drop(chaos.inbox, item)
            dropped_at[item.kind] = time.time()
            time.sleep(DROP_EVERY_S)
        placed = [
            hostile.fifo(chaos.inbox),
            hostile.unix_socket(chaos.inbox),
            hostile.symlink_out(chaos.inbox, outside),
            hostile.hardlink_out(chaos.inbox, outside),
            hostile.too_deep(chaos.inbox, MAX_DEPTH),
        ]
        outside_before = _state_of(outside)
        moved = hostile.folder_moved_in(chaos.inbox, staging, 10, first=81_000)
        for name in names[GOOD // 2 :]:
            drop(chaos.inbox, name, good[name])

        def all_outcomes() -> bool:
            streams = Streams(chaos)
            return all(_outcome(chaos, streams, i) in ("processed", "rejected") for i in items)

        good_ids = {content_hash(t) for t in good.values()}
        good_in_time = settle(lambda: good_ids <= _enriched_ids(chaos), 30, interval=0.5)
        settle(all_outcomes, 120, interval=2)
        settle(lambda: {content_hash(t) for t in moved.values()} <= _enriched_ids(chaos), 60, interval=1)
        settle(chaos.quiet, 30)

    streams = Streams(chaos)
    problems = [] if good_in_time else [f"{len(good_ids - _enriched_ids(chaos))} good articles not enriched in 30 s"]
    missing_moved = {content_hash(t) for t in moved.values()} - _enriched_ids(chaos)
    if missing_moved:
        problems.append(f"{len(missing_moved)} of the 10 articles of the folder moved in not enriched")
    problems += _file_problems(chaos, streams, items, dropped_at)
    problems += _placed_problems(chaos, placed)
    problems += _escapes(streams, outside, outside_before)
    problems += _truncation_problems(streams)
    stale = {s: round(a, 1) for s, a in beats.max_age.items() if a > HEARTBEAT_MAX_AGE_S}
    if stale:
        problems.append(f"heartbeats up to {stale} s old (at most {HEARTBEAT_MAX_AGE_S} s)")
    problems += chaos.end_problems()
    assert not problems, "\n".join(problems)


def _enriched_ids(chaos: Chaos) -> set[str]:
    return {e["article_id"] for e in chaos.events("enriched")}


def _state_of(folder: Path) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files_under(folder)}


def _file_problems(
    chaos: Chaos, streams: Streams, items: list[hostile.Hostile], dropped_at: dict[str, float]
) -> list[str]:
    problems = []
    for item in items:
        outcome = _outcome(chaos, streams, item)
        if outcome not in ("processed", "rejected") or (item.expect == "rejected" and outcome != "rejected"):
            problems.append(f"{item.kind}: {outcome} (expected {item.expect})")
        took = {s: round(t, 1) for s, t in streams.stage_times(_stem(item.name), dropped_at[item.kind]).items()}
        print(json.dumps({"kind": item.kind, "outcome": outcome, "seconds_per_stage": took}))
        if any(t > STAGE_BUDGET_S for t in took.values()):
            problems.append(f"{item.kind}: seconds per stage {took} (budget {STAGE_BUDGET_S} s)")
    return problems


def _placed_problems(chaos: Chaos, placed: list[hostile.Placed]) -> list[str]:
    problems = []
    for p in placed:
        if p.expect == "rejected":  # a hard link: moved to the error folder unread, with its reason
            dead = [e for e in chaos.events("dead") if e.get("source_name") == p.path.name]
            if [e.get("reason") for e in dead] != ["hard_link"]:
                problems.append(f"{p.kind}: dead letters {[e.get('reason') for e in dead]} (expected ['hard_link'])")
            if not (chaos.error / f"{p.path.name}.error.json").exists():
                problems.append(f"{p.kind}: no {p.path.name}.error.json in the error folder")
            continue
        if not os.path.lexists(p.path):
            problems.append(f"{p.kind}: not left alone in the inbox ({p.path.name} is gone)")
        top = p.path.relative_to(chaos.inbox).parts
        logged = _logged_reasons(chaos, f"{top[0]}/" if len(top) > 1 else p.path.name)  # too deep: its folder
        if logged != 1:
            problems.append(f"{p.kind}: the reason it is skipped logged {logged} times (expected once)")
    return problems


def _truncation_problems(streams: Streams) -> list[str]:
    problems = []
    for _id, _t, event in streams.enriched:
        body, enrichment = event.get("body", ""), event.get("enrichment", {})
        analysed = enrichment.get("analysed_chars")
        if analysed is not None and analysed < len(body) and not enrichment.get("truncated"):
            problems.append(f"{event.get('source_name')}: {analysed} of {len(body)} characters analysed, not truncated")
    return problems


def _escapes(streams: Streams, outside: Path, before: dict[Path, tuple[bytes, int]]) -> list[str]:
    """Links followed, entities loaded or expanded: what came from outside the inbox."""
    problems = []
    after = _state_of(outside)
    if after != before:
        problems.append(f"files outside the inbox changed: {sorted(set(after) ^ set(before)) or 'content or mtime'}")
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    for name, entries in (("raw", streams.raw), ("stored", streams.stored), ("enriched", streams.enriched)):
        for _id, _t, event in entries:
            text = json.dumps(event)
            if "OUTSIDE-SECRET-" in text:
                problems.append(f"{name}: a file outside the inbox was read ({event.get('source_name')})")
            if name != "raw" and passwd in text:
                problems.append(f"{name}: an external entity was loaded ({event.get('source_name')})")
            if name != "raw" and "lollollollol" in text:
                problems.append(f"{name}: an entity was expanded ({event.get('source_name')})")
    return problems
