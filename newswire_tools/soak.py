"""`newswire soak`: the pipeline for N minutes under random kills and hostile files, then a verdict.

A run works in a folder of its own (kept when the verdict fails): inbox/, data/ (processing,
done, error), newswire.db (unless --database-url), logs/, outside/ (canaries and the targets
of links dropped in the inbox: nothing may touch them) and a private Redis-compatible server
with AOF (unless --redis-url: then a stream prefix of the run's own, deleted afterwards).

ingest, R store and R enrich run as separate `newswire` processes. Good articles are dropped
at a steady rate, a random hostile input (newswire_tools.hostile) every --hostile-every seconds, and
a random service process is SIGKILLed and restarted every --kill-every seconds. Then the chaos
stops, the run waits (at most QUIET_TIMEOUT_S) until nothing is pending, unread or in
processing, stops the services and reports. Lost: a good file whose article has no row or no
enriched event, or that sits in none of the folders. Duplicated: an article with more than one
enriched event. Exit status 0 only when lost, duplicated and pending are 0 and nothing outside
the data folders was touched. Other NEWSWIRE_* settings in the environment reach the services.

The run itself is newswire_tools.soak_run (the chaos, the end state read, the verdict) over
newswire_tools.soak_procs (the service processes); this module is the command and its table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

from newswire_tools.server import ServerFactory
from newswire_tools.soak_procs import SoakError
from newswire_tools.soak_run import Soak


def run_soak(args: argparse.Namespace, *, embedded: ServerFactory) -> int:
    if args.minutes <= 0 or args.store < 1 or args.enrich < 1 or args.rate <= 0:
        print("newswire soak: error: --minutes, --rate, --store and --enrich must be positive", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="newswire-soak-"))
    passed = False
    try:
        with _redis(root, args.redis_url, embedded) as (url, prefix):
            soak = Soak(root, url, prefix, args.database_url or f"sqlite:///{root / 'newswire.db'}")
            try:
                report = soak.run(args)
            finally:
                soak.stop()
        print(_table(report))
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(report, indent=2) + "\n")
        passed = report["verdict"]["passed"]
        return 0 if passed else 1
    except (SoakError, redis.RedisError) as exc:
        print(f"newswire soak: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    finally:
        if passed:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"newswire soak: folders, database and service logs kept in {root}", file=sys.stderr)


@contextmanager
def _redis(root: Path, url: str | None, embedded: ServerFactory) -> Iterator[tuple[str, str]]:
    """(URL, stream prefix): --redis-url with a prefix of the run's own, or a private server with AOF."""
    if url:
        prefix = f"soak{uuid.uuid4().hex[:8]}:"
        try:
            yield url, prefix
        finally:
            with redis.Redis.from_url(url) as r:
                keys = list(r.scan_iter(match=f"{prefix}*", count=1000))
                if keys:
                    r.delete(*keys)
        return
    server = embedded(root / "server")
    try:
        yield server.start(), ""
    finally:
        server.stop()


def _table(r: dict[str, Any]) -> str:
    s, v = r["settings"], r["verdict"]

    def pairs(d: dict[str, Any]) -> str:
        return "   ".join(f"{k} {n:,}" for k, n in d.items()) or "none"

    rows = [
        ("dropped", f"good {r['dropped']['good']:,}   hostile {r['dropped']['hostile']:,}"),
        ("killed", pairs(r["killed"])),
        ("exited by itself", pairs(r["exited"])),
        ("rows", pairs(r["rows"])),
        ("events", pairs(r["events"])),
        ("dead letters", pairs(r["dead_letters"])),
        ("pending", pairs({k: n for k, n in r["pending"].items() if "unread" not in k})),
        ("unread", pairs({k.split()[0]: n for k, n in r["pending"].items() if "unread" in k})),
        ("files", pairs(r["files"])),
        ("quiet after", "not within the wait" if r["quiet_after_s"] is None else f"{r['quiet_after_s']} s"),
        ("outside touched", ", ".join(r["outside_touched"][:5]) or "no"),
        (
            "verdict",
            f"lost {v['lost']:,}   duplicated {v['duplicated']:,}   pending {v['pending']:,}   -> "
            + ("PASS" if v["passed"] else "FAIL"),
        ),
    ]
    if r["lost_examples"]:
        rows.append(("lost, e.g.", ", ".join(r["lost_examples"])))
    head = (
        f"newswire soak: {s['minutes']:g} min, 1 ingest + {s['store']} store + {s['enrich']} enrich, "
        f"{s['rate']:g} files/s, kill every {s['kill_every']:g} s, hostile every {s['hostile_every']:g} s"
    )
    width = max(len(k) for k, _ in rows)
    return "\n".join([head, *(f"  {k:<{width}}  {val}" for k, val in rows)])
