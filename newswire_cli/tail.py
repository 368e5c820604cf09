"""`newswire tail`: a stream's events as JSON lines, with any Redis client's view (no group)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import suppress
from typing import Any

from newswire.redaction import redact_text
from newswire.redisio import redact
from newswire.settings import CommonSettings, ConfigError, load
from newswire_cli.run import redis_url_of


def register(sub: Any) -> None:
    t = sub.add_parser("tail", help="print a stream's events as JSON lines")
    t.add_argument("stream", nargs="?", default="articles:enriched")
    t.add_argument("-n", "--lines", type=int, default=10, help="events from the past to print first (default 10)")
    t.add_argument("--from-start", action="store_true", help="print the whole stream first")
    t.add_argument("--no-follow", action="store_true", help="exit after printing what is there")
    t.set_defaults(func=cmd_tail)


def cmd_tail(args: argparse.Namespace) -> int:
    import redis

    common = load(CommonSettings)
    url = redis_url_of(common)
    try:
        r: Any = redis.Redis.from_url(url, socket_timeout=None)  # Any: redis-py types replies as wide unions
    except ValueError as exc:
        raise ConfigError(f"NEWSWIRE_REDIS_URL: {redact_text(str(exc), url)}") from None
    try:
        last = _print_history(r, args)
        while not args.no_follow:
            for _name, entries in r.xread({args.stream: last}, block=5000, count=1000) or []:
                last = _print_entries(entries) or last
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        with suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter quiet at exit
        return 0
    # TypeError: an option in the URL the client does not know; ValueError (UnicodeError): a host
    # name IDNA cannot encode. redis-py raises both at the first command.
    except (redis.RedisError, TypeError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"NEWSWIRE_REDIS_URL: {redact(url)}: {redact_text(reason, url)}") from None
    return 0


def _print_history(r: Any, args: argparse.Namespace) -> str:
    """Print what is there already (all, or the last -n); the id to follow from."""
    if args.from_start:
        last = "-"
        while page := r.xrange(args.stream, min=last, count=1000):
            last = "(" + (_print_entries(page) or "0-0")
        return last.lstrip("(") if last != "-" else _last_id(r, args.stream)
    recent = r.xrevrange(args.stream, count=args.lines) if args.lines > 0 else []
    _print_entries(list(reversed(recent)))
    return recent[0][0].decode() if recent else _last_id(r, args.stream)


def _print_entries(entries: Any) -> str | None:
    """Print entries as JSON lines; the id of the last one."""
    from newswire.contracts import as_json

    last = None
    for entry_id, fields in entries:
        sys.stdout.write(json.dumps(as_json(fields or {}), ensure_ascii=False) + "\n")
        last = entry_id.decode()
    sys.stdout.flush()
    return last


def _last_id(r: Any, stream: str) -> str:
    newest = r.xrevrange(stream, count=1)
    return newest[0][0].decode() if newest else "0-0"
