"""The floor: newswire's three stages written with nothing but redis-py and sqlite3.

    python newswire_tools/floor.py REDIS_URL INBOX DB_FILE [--prefix PREFIX] [--keep]

It is what plain Python does with the same work on the same machine, the reference `newswire bench`
compares newswire with. There is no validation, no claim, no receipt and no retry; each stage runs
in a process of its own:

- watcher: lists INBOX once (scandir), reads every *.txt file and adds {path, sha, body} to
  <prefix>raw, 256 XADDs to a pipeline;
- store: reads <prefix>raw as group `store`, 256 entries a read, parses the seed layout with one
  regular expression, writes the batch into SQLite (WAL, INSERT OR IGNORE, one commit a batch),
  then adds one entry a row to <prefix>stored and acknowledges the batch, in one pipeline;
- enrich: reads <prefix>stored as group `enrich`, counts the words and the capitalised names of
  each body, adds the result to <prefix>enriched and acknowledges, in one pipeline.

From the start of the three processes until <prefix>enriched holds one entry per file, then prints

    floor: N articles in S s = R articles/s

(the line `newswire bench` reads). The prefix is `floor<pid>:` unless --prefix says otherwise; its
streams are deleted at the end unless --keep is given (then the caller deletes them). A text that
does not have the seed layout goes to <prefix>dead and counts as done, so a stray file cannot make
the floor wait for ever; a stage that dies makes it exit with status 1.

`watcher` and `store_stage` are also run one at a time by newswire_tools.bench_floor (each stage
alone). This file imports nothing from newswire, so it runs as a script from anywhere.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import Any

import redis

BATCH = 256
BLOCK_MS = 1000
POLL_S = 0.005

# <date line> / blank / <headline> / blank / "Story Code : <digits>" / the body, to the end
SEED_LAYOUT = re.compile(
    r"(?P<date>[^\n]+)\n"
    r"\n"
    r"(?P<headline>[^\n]+)\n"
    r"\n"
    r"Story Code : (?P<code>[0-9]+)\n"
    r"(?P<body>.*)\Z",
    re.DOTALL,
)
# Runs of capitalised words separated by single spaces: "Sergei Lavrov", "Moscow"
CAPITALISED_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*\b")
TOP_NAMES = 10

Entry = tuple[bytes, dict[bytes, bytes]]
Handler = Callable[[list[Entry]], tuple[list[dict[str, Any]], list[dict[str, Any]]]]


def watcher(url: str, inbox: str, prefix: str) -> None:
    """Every *.txt file of inbox onto <prefix>raw, once."""
    client: Any = redis.Redis.from_url(url)
    pipe = client.pipeline(transaction=False)
    queued = 0
    with os.scandir(inbox) as listing:
        for item in listing:
            if not item.name.endswith(".txt"):
                continue
            with open(item.path, "rb") as handle:
                content = handle.read()
            pipe.xadd(f"{prefix}raw", {"path": item.name, "sha": hashlib.sha256(content).hexdigest(), "body": content})
            queued += 1
            if queued == BATCH:
                pipe.execute()
                queued = 0
    if queued:
        pipe.execute()
    client.close()


def _consume(url: str, prefix: str, source: str, group: str, sink: str, handle: Handler) -> None:
    """Read source as group for ever; each batch's results onto sink (its rejects onto dead), then XACK."""
    client: Any = redis.Redis.from_url(url)
    with contextlib.suppress(redis.ResponseError):  # BUSYGROUP: the group exists already
        client.xgroup_create(prefix + source, group, id="0", mkstream=True)
    while True:
        reply = client.xreadgroup(group, "floor", {prefix + source: ">"}, count=BATCH, block=BLOCK_MS)
        if not reply:
            continue
        entries: list[Entry] = reply[0][1]
        results, rejects = handle(entries)
        pipe = client.pipeline(transaction=False)
        for doc in results:
            pipe.xadd(prefix + sink, {"data": json.dumps(doc)})
        for doc in rejects:
            pipe.xadd(f"{prefix}dead", {"data": json.dumps(doc)})
        pipe.xack(prefix + source, group, *(entry_id for entry_id, _ in entries))
        pipe.execute()


def _open_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS article (sha TEXT PRIMARY KEY, code TEXT, date TEXT, headline TEXT, body TEXT)"
    )
    return db


def store_stage(url: str, db_path: str, prefix: str) -> None:
    """<prefix>raw -> parsed rows in SQLite -> <prefix>stored, for ever."""
    db = _open_db(db_path)

    def handle(entries: list[Entry]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rows: list[tuple[str, str, str, str, str]] = []
        stored: list[dict[str, Any]] = []
        dead: list[dict[str, Any]] = []
        for _entry_id, fields in entries:
            sha = fields[b"sha"].decode()
            found = SEED_LAYOUT.match(fields[b"body"].decode("utf-8", "replace"))
            if found is None:
                dead.append({"sha": sha, "path": fields[b"path"].decode(), "reason": "not the seed layout"})
                continue
            rows.append((sha, found["code"], found["date"], found["headline"], found["body"]))
            stored.append(
                {
                    "sha": sha,
                    "code": found["code"],
                    "date": found["date"],
                    "headline": found["headline"],
                    "body": found["body"],
                }
            )
        db.executemany("INSERT OR IGNORE INTO article VALUES (?, ?, ?, ?, ?)", rows)
        db.commit()
        return stored, dead

    _consume(url, prefix, "raw", "store", "stored", handle)


def enrich_stage(url: str, prefix: str) -> None:
    """<prefix>stored -> word count and most frequent capitalised names -> <prefix>enriched, for ever."""

    def handle(entries: list[Entry]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        enriched: list[dict[str, Any]] = []
        for _entry_id, fields in entries:
            doc = json.loads(fields[b"data"])
            counts: dict[str, int] = {}
            for name in CAPITALISED_NAME.findall(doc["body"]):
                counts[name] = counts.get(name, 0) + 1
            doc["words"] = len(doc["body"].split())
            doc["names"] = sorted(counts, key=counts.__getitem__, reverse=True)[:TOP_NAMES]
            enriched.append(doc)
        return enriched, []

    _consume(url, prefix, "stored", "enrich", "enriched", handle)


def _articles(inbox: str) -> int:
    with os.scandir(inbox) as listing:
        return sum(1 for item in listing if item.name.endswith(".txt"))


def _finished(client: Any, prefix: str, n: int, stages: list[mp.Process]) -> bool:
    """Whether every article reached <prefix>enriched or <prefix>dead; fails when a stage died."""
    for stage in stages:
        if stage.exitcode not in (None, 0):
            raise SystemExit(f"floor: the {stage.name} process exited with status {stage.exitcode}")
    return int(client.xlen(f"{prefix}enriched")) + int(client.xlen(f"{prefix}dead")) >= n


def run(url: str, inbox: str, db_path: str, prefix: str, *, keep: bool = False) -> tuple[int, float]:
    """The three stages until every file is through; (articles, seconds)."""
    n = _articles(inbox)
    client: Any = redis.Redis.from_url(url)
    stages = [
        mp.Process(target=store_stage, args=(url, db_path, prefix), daemon=True, name="floor-store"),
        mp.Process(target=enrich_stage, args=(url, prefix), daemon=True, name="floor-enrich"),
        mp.Process(target=watcher, args=(url, inbox, prefix), daemon=True, name="floor-watcher"),
    ]
    try:
        started = time.perf_counter()
        for stage in stages:
            stage.start()
        polls = 0
        # One XLEN a poll, as light as the loop can be; dead letters and dead stages every 50th.
        while int(client.xlen(f"{prefix}enriched")) < n:
            polls += 1
            if polls % 50 == 0 and _finished(client, prefix, n, stages):
                break
            time.sleep(POLL_S)
        seconds = time.perf_counter() - started
    finally:
        for stage in stages:
            if stage.is_alive():
                stage.terminate()
        for stage in stages:
            stage.join(timeout=10)
        if not keep:
            client.delete(*(f"{prefix}{name}" for name in ("raw", "stored", "enriched", "dead")))
        client.close()
    return n, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="floor.py", description="the plain redis-py + sqlite3 pipeline")
    parser.add_argument("redis_url")
    parser.add_argument("inbox", help="a folder of *.txt articles in the seed layout")
    parser.add_argument("db_file", help="the SQLite file (created if missing)")
    parser.add_argument("--prefix", default=None, help="key prefix of the streams (default floor<pid>:)")
    parser.add_argument("--keep", action="store_true", help="leave the streams in Redis (the caller deletes them)")
    args = parser.parse_args(argv)
    prefix = args.prefix if args.prefix is not None else f"floor{os.getpid()}:"
    n, seconds = run(args.redis_url, args.inbox, args.db_file, prefix, keep=args.keep)
    rate = n / seconds if seconds > 0 else 0.0
    print(f"floor: {n} articles in {seconds:.2f} s = {rate:.0f} articles/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
