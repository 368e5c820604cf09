"""`newswire dead`: the dead letters on articles:dead, newest first, filtered; `newswire dead show ID`: one, whole.

Output: a table on a terminal; JSON lines (the dead letter's event, its stream `entry_id` first) with --json
or when stdout is not a terminal, so that a pipe gets what a program can read. Times given to --since and
--until are ISO 8601 (UTC unless they carry an offset) or ages (30s, 15m, 1h, 2d, 1w): an entry id is the
time its entry was added, so the range is read straight off the stream.

Also the helpers requeue and replay share: the Redis client, usage errors, times.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from newswire.settings import CommonSettings, ConfigError, load

STAGES = ("ingest", "store", "enrich")
ENTRY_ID = re.compile(r"\d{1,20}-\d{1,20}")
_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_PAGE = 500


class UsageError(ConfigError):
    """Arguments that do not make sense together: one line, exit status 2 (as a bad setting)."""


def register(sub: Any) -> None:
    d = sub.add_parser(
        "dead",
        help="list the dead letters (articles:dead), newest first; `dead show ID` prints one whole",
        description="The dead letters on articles:dead, newest first: a table on a terminal, JSON lines "
        "otherwise (or with --json).",
    )
    d.add_argument("-n", "--count", type=int, default=20, help="how many to print (default 20; 0: all)")
    d.add_argument("--reason", action="append", help="only this reason (repeatable)")
    d.add_argument("--stage", action="append", choices=STAGES, help="only this stage (repeatable)")
    d.add_argument("--since", help="from this time: ISO 8601 (UTC unless it has an offset) or an age (1h, 2d)")
    d.add_argument("--until", help="up to this time (same forms)")
    d.add_argument("--json", action="store_true", help="JSON lines even on a terminal")
    d.set_defaults(func=cmd_dead)
    actions = d.add_subparsers(dest="action", metavar="show ENTRY_ID")
    s = actions.add_parser("show", help="print one dead letter as JSON")
    s.add_argument("entry_id", metavar="ENTRY_ID")
    s.set_defaults(func=cmd_show)


# -- shared with requeue and replay -------------------------------------------------------------------


def redis_client(common: CommonSettings) -> Any:
    """A client for NEWSWIRE_REDIS_URL (or the running `newswire up`'s embedded server). Any: redis-py
    types its replies as wide unions."""
    import redis

    from newswire.redaction import redact_text
    from newswire_cli.run import redis_url_of

    url = redis_url_of(common)
    try:
        return redis.Redis.from_url(url, socket_timeout=30)
    except ValueError as exc:
        raise ConfigError(f"NEWSWIRE_REDIS_URL: {redact_text(str(exc), url)}") from None


def run_redis(common: CommonSettings, work: Callable[[Any], int]) -> int:
    """work(client), with a Redis that fails (unreachable, refused) reported as one line naming the setting."""
    import redis

    from newswire.redaction import redact_text
    from newswire.redisio import redact
    from newswire_cli.run import redis_url_of

    r = redis_client(common)
    try:
        return work(r)
    # TypeError: an option in the URL the client does not know; ValueError (UnicodeError): a host name
    # IDNA cannot encode. redis-py raises both at the first command.
    except (redis.RedisError, TypeError, UnicodeError) as exc:
        url = redis_url_of(common)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"NEWSWIRE_REDIS_URL: {redact(url)}: {redact_text(reason, url)}") from None
    finally:
        r.close()


def time_ms(text: str, option: str) -> int:
    """Milliseconds since the epoch of an ISO 8601 time (UTC unless it has an offset) or an age ("2d": two
    days ago); UsageError otherwise."""
    age = _AGE.fullmatch(text.strip())
    if age:
        return int(time.time() * 1000 - float(age[1]) * _SECONDS[age[2]] * 1000)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{option}: {text!r} is neither a time (2024-05-01T10:00, UTC unless it has an offset) "
            "nor an age (30s, 15m, 1h, 2d, 1w)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def entry_time(entry_id: str) -> str:
    """The time an entry was added (its id's milliseconds), ISO 8601 UTC to the second."""
    ms = int(entry_id.partition("-")[0])
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def dead_letters(
    r: Any, stream: str, *, since: str | None = None, until: str | None = None, newest_first: bool = True
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(entry id, the dead letter as JSON) between since and until (entry ids or milliseconds), a page at a time."""
    from newswire.contracts import as_json

    low, high = since or "-", until or "+"
    while True:
        if newest_first:
            page = r.xrevrange(stream, max=high, min=low, count=_PAGE)
        else:
            page = r.xrange(stream, min=low, max=high, count=_PAGE)
        for raw_id, fields in page:
            yield raw_id.decode(), as_json(fields or {})
        if len(page) < _PAGE:
            return
        last = page[-1][0].decode()
        if newest_first:
            high = "(" + last
        else:
            low = "(" + last


def matches(doc: dict[str, Any], *, reasons: list[str] | None, stages: list[str] | None) -> bool:
    return (not reasons or doc.get("reason") in reasons) and (not stages or doc.get("stage") in stages)


def check_entry_id(text: str) -> str:
    if not ENTRY_ID.fullmatch(text):
        raise UsageError(f"{text!r} is not a stream entry id (such as 1714557600000-0)")
    return text


# -- the command -------------------------------------------------------------------------------------


def cmd_dead(args: argparse.Namespace) -> int:
    common = load(CommonSettings)
    since = str(time_ms(args.since, "--since")) if args.since else None
    until = str(time_ms(args.until, "--until")) if args.until else None
    as_json = args.json or not sys.stdout.isatty()

    def work(r: Any) -> int:
        try:
            return _list(r, common.streams.dead, args, since, until, as_json=as_json)
        except BrokenPipeError:  # `newswire dead | head`: the reader has what it wanted
            with suppress(OSError):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter quiet at exit
            return 0

    return run_redis(common, work)


def _list(r: Any, stream: str, args: argparse.Namespace, since: str | None, until: str | None, *, as_json: bool) -> int:
    found: list[tuple[str, dict[str, Any]]] = []
    shown = 0
    for entry_id, doc in dead_letters(r, stream, since=since, until=until):
        if not matches(doc, reasons=args.reason, stages=args.stage):
            continue
        if as_json:
            _json_line({"entry_id": entry_id, **doc})
        else:
            found.append((entry_id, doc))
        shown += 1
        if shown == args.count:
            break
    if not as_json:
        _table(found, stream)
    sys.stdout.flush()
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from newswire.contracts import as_json

    common = load(CommonSettings)
    entry_id = check_entry_id(args.entry_id)

    def work(r: Any) -> int:
        got = r.xrange(common.streams.dead, min=entry_id, max=entry_id)
        if not got:
            print(f"newswire: error: no dead letter {entry_id} on {common.streams.dead}", file=sys.stderr)
            return 1
        doc = {"entry_id": entry_id, **as_json(got[0][1] or {})}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0

    return run_redis(common, work)


def _json_line(doc: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")


def _table(found: list[tuple[str, dict[str, Any]]], stream: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if not found:
        console.print(f"no dead letters on {escape(stream)} that match")
        return
    table = Table(title=f"{escape(stream)}, newest first", title_justify="left")
    for column in ("entry id", "added (UTC)", "stage", "reason"):
        table.add_column(column, no_wrap=True)
    for column in ("source", "detail"):
        table.add_column(column, overflow="fold")
    for entry_id, doc in found:
        table.add_row(
            *(
                escape(str(value))
                for value in (
                    entry_id,
                    entry_time(entry_id),
                    doc.get("stage") or "",
                    doc.get("reason") or "",
                    doc.get("source_name") or "",
                    str(doc.get("detail") or "")[:200],
                )
            )
        )
    console.print(table)
