"""A soak run (newswire_tools.soak): the folders, the chaos (good articles at a steady rate, hostile
inputs, kills of the service processes in newswire_tools.soak_procs), then the wait until the
pipeline is quiet and the reading of the end state: the report and its verdict."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import create_engine, text

from newswire.contracts import GROUP_ENRICH, GROUP_STORE, Streams, content_hash
from newswire_tools import hostile
from newswire_tools.soak_procs import Processes

QUIET_TIMEOUT_S = 300.0
PLACED = ("fifo", "unix_socket", "symlink", "hardlink", "too_deep", "folder_moved_in")
FILES = {
    "huge_text": hostile.huge_text,
    "attribute_flood": hostile.attribute_flood,
    "deep_nesting": hostile.deep_nesting,
    "billion_laughs": hostile.billion_laughs,
    "xxe": hostile.xxe,
    "json_nesting": hostile.json_nesting,
    "lone_surrogate": hostile.lone_surrogate,
    "nul_bytes": hostile.nul_bytes,
    "empty": hostile.empty,
    "binary": hostile.binary,
    "too_large": hostile.too_large,
    "bad_utf8_name": hostile.bad_utf8_name,
    "long_name": hostile.long_name,
}


class Soak:
    """One soak run: its folders, its Redis, the processes, what was dropped; the chaos, then the verdict."""

    def __init__(self, root: Path, redis_url: str, prefix: str, database_url: str) -> None:
        self.root, self.inbox, self.data = root, root / "inbox", root / "data"
        self.outside, self.staging, self.logs = root / "outside", root / "staging", root / "logs"
        for folder in (self.inbox, self.data, self.outside, self.staging, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.redis_url, self.prefix, self.database_url = redis_url, prefix, database_url
        self.streams = Streams.with_prefix(prefix)
        self.r: Any = redis.Redis.from_url(redis_url, socket_timeout=30)  # Any: replies are wide unions
        self.good: dict[str, str] = {}  # source name -> article id
        self.placed: set[Path] = set()
        self.outside_before: dict[str, tuple[str, int]] = {}
        self.counts: Counter[str] = Counter()
        self.rng = random.Random()
        self.max_depth = int(os.environ.get("NEWSWIRE_MAX_DEPTH", "8"))
        self.services = Processes(root, self.logs, self.env(), self.rng, self.counts)

    # -- the processes (newswire_tools.soak_procs) -------------------------------------------
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            NEWSWIRE_INBOX=str(self.inbox),
            NEWSWIRE_DATA_DIR=str(self.data),
            NEWSWIRE_DONE_DIR=str(self.data / "done"),
            NEWSWIRE_ERROR_DIR=str(self.data / "error"),
            NEWSWIRE_PROCESSING_DIR=str(self.data / "processing"),
            NEWSWIRE_REDIS_URL=self.redis_url,
            NEWSWIRE_DATABASE_URL=self.database_url,
            NEWSWIRE_STREAM_PREFIX=self.prefix,
            NEWSWIRE_LOG_FORMAT="json",
        )
        env.pop("NEWSWIRE_CONSUMER_NAME", None)  # each process its own (host-pid)
        return env

    def stop(self) -> None:
        self.services.stop()
        self.r.close()

    # -- the chaos ------------------------------------------------------------------------
    def run(self, args: argparse.Namespace) -> dict[str, Any]:
        (self.outside / "canary.txt").write_text(hostile.good_article(999_999))
        self._note_outside()
        self.services.start(args.store, args.enrich)
        _say(f"running for {args.minutes:g} min in {self.root}")
        started = time.monotonic()
        end = started + args.minutes * 60
        next_kill = started + args.kill_every if args.kill_every > 0 else float("inf")
        next_hostile = started + args.hostile_every if args.hostile_every > 0 else float("inf")
        next_say = started + 60
        while (now := time.monotonic()) < end:
            while self.counts["good"] < (now - started) * args.rate:
                self.drop_good()
            if now >= next_hostile:
                self.drop_hostile()
                next_hostile += args.hostile_every
            if now >= next_kill:
                self.services.kill_one()
                next_kill += args.kill_every
            if now >= next_say:
                _say(self.progress(now - started))
                next_say += 60
            self.services.restart_exited()
            time.sleep(0.02)
        _say(f"chaos over; waiting until the pipeline is quiet (at most {QUIET_TIMEOUT_S:.0f} s)")
        quiet_s = self.wait_quiet()
        return self.report(args, quiet_s)

    def drop_good(self) -> None:
        n = self.counts["good"]
        name, article = f"good-{n:07d}.txt", hostile.good_article(n)
        tmp = self.inbox / f".{name}.tmp"
        tmp.write_text(article)
        os.rename(tmp, self.inbox / name)
        self.good[name] = content_hash(article)
        self.counts["good"] += 1

    def drop_hostile(self) -> None:
        kind = self.rng.choice([*FILES, *PLACED])
        stem = f"h{self.counts['hostile']:05d}-{kind}"
        self.counts["hostile"] += 1
        self.counts[f"hostile {kind}"] += 1
        if kind in FILES:
            hostile.drop(self.inbox, FILES[kind](stem))
        elif kind == "folder_moved_in":
            first = 10_000_000 + 10 * self.counts["hostile"]  # far from the good files' numbers
            texts = hostile.folder_moved_in(self.inbox, self.staging, 10, stem=stem, first=first)
            self.good.update({name: content_hash(t) for name, t in texts.items()})
        else:
            self.placed.add(self._place(kind, stem).path)
            self._note_outside()

    def _place(self, kind: str, stem: str) -> hostile.Placed:
        if kind == "fifo":
            return hostile.fifo(self.inbox, stem)
        if kind == "unix_socket":
            return hostile.unix_socket(self.inbox, stem)
        if kind == "symlink":
            return hostile.symlink_out(self.inbox, self.outside, stem)
        if kind == "hardlink":
            return hostile.hardlink_out(self.inbox, self.outside, stem)
        return hostile.too_deep(self.inbox, self.max_depth, stem)

    def _note_outside(self) -> None:
        for path in self.outside.iterdir():
            self.outside_before.setdefault(path.name, _fingerprint(path))

    def progress(self, elapsed: float) -> str:
        kills = sum(v for k, v in self.counts.items() if k.startswith("killed "))
        return (
            f"{elapsed / 60:.1f} min: {self.counts['good']:,} good and {self.counts['hostile']} hostile dropped, "
            f"{kills} kills, {self.r.xlen(self.streams.enriched):,} enriched"
        )

    # -- the end --------------------------------------------------------------------------
    def wait_quiet(self) -> float | None:
        """Seconds until nothing is pending, unread or in processing, and the inbox holds only what
        must be left there; None when that did not happen within QUIET_TIMEOUT_S."""
        started = time.monotonic()
        while time.monotonic() - started < QUIET_TIMEOUT_S:
            self.services.restart_exited()
            with suppress(redis.RedisError):
                if not any(self.pending().values()) and not self.claims() and not self.inbox_left():
                    return round(time.monotonic() - started, 1)
            time.sleep(1)
        return None

    def pending(self) -> dict[str, int]:
        """Entries each group holds (pending) or has not read yet (unread)."""
        out = {}
        for name, stream, group in (
            ("store", self.streams.raw, GROUP_STORE),
            ("enrich", self.streams.stored, GROUP_ENRICH),
            ("follower", self.streams.dead, "ingest"),
        ):
            info: dict[str, Any] = {}
            with suppress(redis.ResponseError):  # no such stream or group yet
                info = next((g for g in self.r.xinfo_groups(stream) if _text(g["name"]) == group), {})
            out[name] = int(info.get("pending") or 0)
            out[f"{name} unread"] = int(info.get("lag") or 0)
        return out

    def claims(self) -> list[Path]:
        processing = self.data / "processing"
        return [p for p in _files(processing) if not (p.parent == processing and p.suffix == ".lock")]

    def inbox_left(self) -> list[Path]:
        """Files in the inbox other than those that must be left alone there."""
        return [p for p in _files(self.inbox) if p not in self.placed]

    def report(self, args: argparse.Namespace, quiet_s: float | None) -> dict[str, Any]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                rows = {r[0] for r in conn.execute(text("SELECT article_id FROM articles"))}
                enrichment_rows = int(conn.execute(text("SELECT count(*) FROM enrichments")).scalar_one())
        finally:
            engine.dispose()
        enriched = Counter(str(e.get("article_id")) for e in self._events(self.streams.enriched))
        reasons = Counter(str(e.get("reason")) for e in self._events(self.streams.dead))
        sits = self.where_files_are()
        lost = sorted(n for n, a in self.good.items() if a not in rows or not enriched[a] or n not in sits)
        duplicated = sorted(a for a, c in enriched.items() if c > 1)
        pending = self.pending()
        touched = self.touched_outside()
        verdict = {"lost": len(lost), "duplicated": len(duplicated), "pending": sum(pending.values())}
        verdict["passed"] = not any(verdict.values()) and not touched
        return {
            "settings": {k: v for k, v in vars(args).items() if k != "func"},
            "dropped": {"good": len(self.good), "hostile": self.counts["hostile"]},
            "hostile": {k.split(" ", 1)[1]: v for k, v in sorted(self.counts.items()) if k.startswith("hostile ")},
            "killed": {k.split(" ", 1)[1]: v for k, v in sorted(self.counts.items()) if k.startswith("killed ")},
            "exited": {k.split(" ", 1)[1]: v for k, v in sorted(self.counts.items()) if k.startswith("exited ")},
            "rows": {"articles": len(rows), "enrichments": enrichment_rows},
            "events": self._xlens(),
            "dead_letters": dict(reasons.most_common()),
            "pending": pending,
            "files": {
                "processing": len(self.claims()),
                "done": len(_files(self.data / "done")),
                "error": len([p for p in _files(self.data / "error") if not p.name.endswith(".error.json")]),
                "inbox": len(_files(self.inbox)),
            },
            "quiet_after_s": quiet_s,
            "outside_touched": touched,
            "lost_examples": lost[:5],
            "duplicated_examples": duplicated[:5],
            "verdict": verdict,
        }

    def _xlens(self) -> dict[str, int]:
        s = self.streams
        named = (("raw", s.raw), ("stored", s.stored), ("enriched", s.enriched), ("dead", s.dead))
        return {name: int(self.r.xlen(stream)) for name, stream in named}

    def _events(self, stream: str) -> Iterator[dict[str, Any]]:
        last = "-"
        while page := self.r.xrange(stream, min=last, count=500):
            for _id, fields in page:
                with suppress(ValueError, KeyError):
                    event = json.loads(fields[b"__data__"])
                    if isinstance(event, dict):
                        yield event
            last = "(" + _text(page[-1][0])

    def where_files_are(self) -> set[str]:
        """Source names of the files in done/, error/, processing/ and the inbox."""
        names: set[str] = set()
        done = self.data / "done"
        names.update(p.relative_to(done).as_posix().split("/", 1)[-1] for p in _files(done))
        names.update(p.relative_to(self.data / "error").as_posix() for p in _files(self.data / "error"))
        names.update(p.relative_to(self.inbox).as_posix() for p in _files(self.inbox))
        for claim in self.claims():  # processing/<watcher>/<claim>/<source name>
            names.add(claim.relative_to(self.data / "processing").as_posix().split("/", 2)[-1])
        return names

    def touched_outside(self) -> list[str]:
        """Paths outside the data folders created, moved or changed: in outside/, and new in the run's folder."""
        now = {p.name: _fingerprint(p) for p in self.outside.iterdir()}
        before = self.outside_before
        changed = sorted(f"outside/{n}" for n in set(now) | set(before) if now.get(n) != before.get(n))
        ours = {"inbox", "data", "outside", "staging", "logs", "server"}
        strays = sorted(
            p.name for p in self.root.iterdir() if p.name not in ours and not p.name.startswith("newswire.db")
        )
        return changed + strays


# -- small helpers ------------------------------------------------------------------------------


def _files(folder: Path) -> list[Path]:
    """Everything below folder that is not a folder (no link followed)."""
    out: list[Path] = []
    for dirpath, _dirs, names in os.walk(folder):
        out.extend(Path(dirpath, n) for n in names)
    return out


def _fingerprint(path: Path) -> tuple[str, int]:
    st = path.lstat()
    content = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
    return hashlib.sha256(content).hexdigest(), st.st_mtime_ns


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _say(line: str) -> None:
    print(f"soak: {line}", file=sys.stderr, flush=True)
