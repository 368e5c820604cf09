"""`newswire status`: what the pipeline is doing, at a glance.

Everything is read in bounded work, so it stays quick on a backlog of millions: XLEN, XINFO
GROUPS (lag), the XPENDING summary, and ranges read a page at a time up to a bound. The
ranges are walked by scripts that return only counts, so entries (raw ones carry whole
articles) never cross the network.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newswire.contracts import GROUP_ENRICH, GROUP_STORE, STREAMS
from newswire.redaction import redact_text
from newswire.redisio import redact
from newswire.settings import ConfigError, load
from newswire_cli.run import redis_url_of

FORMAT_VERSION = 1
RATE_WINDOW_MS = 60_000
PAGE = 1000
RATE_BOUND = 100_000
DEAD_BOUND = 200_000
# newswire's own groups, listed (as not created yet) even before their service first starts
EXPECTED_GROUPS = {"articles:raw": GROUP_STORE, "articles:stored": GROUP_ENRICH}

# Entries with an id at or above ARGV[1] (a page of at most ARGV[2]): how many, and the last id.
_COUNT_SINCE = """
local page = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', tonumber(ARGV[2]))
if #page == 0 then return {0, false} end
return {#page, page[#page][1]}
"""

# The newest entry's id, without its fields.
_NEWEST_ID = """
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #newest == 0 then return false end
return newest[1][1]
"""

# Dead letters from ARGV[1] down (a page of at most ARGV[2]), counted by stage and reason on the
# server: {entries, last id, stage, reason, count, stage, reason, count, ...}.
_DEAD_PAGE = """
local page = redis.call('XREVRANGE', KEYS[1], ARGV[1], '-', 'COUNT', tonumber(ARGV[2]))
if #page == 0 then return {0, false} end
local counts, order = {}, {}
for _, entry in ipairs(page) do
  local fields, stage, reason = entry[2], 'unknown', 'malformed_entry'
  for i = 1, #fields, 2 do
    if fields[i] == '__data__' then
      local ok, doc = pcall(cjson.decode, fields[i + 1])
      if ok and type(doc) == 'table' then
        if type(doc.stage) == 'string' then stage = doc.stage end
        if type(doc.reason) == 'string' then reason = doc.reason end
      end
    end
  end
  local key = stage .. '\\0' .. reason
  if counts[key] == nil then counts[key] = 0; order[#order + 1] = {stage, reason, key} end
  counts[key] = counts[key] + 1
end
local out = {#page, page[#page][1]}
for _, item in ipairs(order) do
  out[#out + 1] = item[1]; out[#out + 1] = item[2]; out[#out + 1] = counts[item[3]]
end
return out
"""


def register(sub: Any) -> None:
    s = sub.add_parser("status", help="what newswire is doing: folders, streams, groups, dead letters, rows, rates")
    s.add_argument("--json", action="store_true", help="print one JSON document (keys in the README)")
    s.add_argument(
        "--dead-limit",
        type=int,
        default=DEAD_BOUND,
        metavar="N",
        help=f"dead letters counted by reason, newest first (default {DEAD_BOUND})",
    )
    s.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    from services.ingest.config import IngestSettings

    if args.dead_limit < 0:
        raise ConfigError("--dead-limit: must be 0 or more")
    settings = load(IngestSettings)
    url = redis_url_of(settings)
    doc: dict[str, Any] = {"format_version": FORMAT_VERSION}
    doc.update(_redis_part(url, settings, args.dead_limit))
    doc["folders"] = _folders_part(settings)
    doc["database"] = _database_part(settings.resolved_database_url, doc["server_time_ms"])
    try:
        if args.json:
            sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        elif sys.stdout.isatty():
            _print_rich(doc)
        else:
            _print_plain(doc)
        sys.stdout.flush()
    except BrokenPipeError:  # `newswire status | head`: the reader had enough
        with suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter quiet at exit
    if not doc["database"]["reachable"]:
        print(f"newswire: error: {doc['database']['error']}", file=sys.stderr)
        return 1
    return 0


# -- gathering --------------------------------------------------------------------------------


def _redis_part(url: str, settings: Any, dead_limit: int) -> dict[str, Any]:
    import redis

    try:
        r: Any = redis.Redis.from_url(  # Any: redis-py types replies as wide unions
            url, socket_connect_timeout=settings.connect_timeout_s, socket_timeout=30
        )
    except ValueError as exc:
        raise ConfigError(f"NEWSWIRE_REDIS_URL: {redact_text(str(exc), url)}") from None
    try:
        seconds, micros = r.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        names = settings.streams
        keys = dict(zip(STREAMS, (names.raw, names.stored, names.enriched, names.dead), strict=True))
        scripts = {name: r.register_script(text) for name, text in _SCRIPTS.items()}
        streams = {name: _stream(r, scripts, key, now_ms) for name, key in keys.items()}
        groups = [g for name, key in keys.items() for g in _groups(r, name, key, now_ms)]
        dead = _dead_letters(scripts["dead"], keys["articles:dead"], streams["articles:dead"]["length"], dead_limit)
    # TypeError: an option in the URL the client does not know; ValueError (UnicodeError): a host
    # name IDNA cannot encode. redis-py raises both at the first command.
    except (redis.RedisError, TypeError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"NEWSWIRE_REDIS_URL: cannot use {redact(url)}: {redact_text(reason, url)}") from None
    finally:
        r.close()
    return {
        "generated_at": _iso(now_ms),
        "server_time_ms": now_ms,
        "redis": {"url": redact(url), "stream_prefix": settings.stream_prefix},
        "streams": streams,
        "groups": groups,
        "dead_letters": dead,
    }


_SCRIPTS = {"count_since": _COUNT_SINCE, "newest_id": _NEWEST_ID, "dead": _DEAD_PAGE}


def _stream(r: Any, scripts: dict[str, Any], key: str, now_ms: int) -> dict[str, Any]:
    length = int(r.xlen(key))
    newest = _text(scripts["newest_id"](keys=[key])) if length else None
    added, bounded = 0, False
    if length:
        start = f"{max(0, now_ms - RATE_WINDOW_MS)}-0"
        while True:
            n, last = scripts["count_since"](keys=[key], args=[start, PAGE])
            added += int(n)
            if int(n) < PAGE or last is None:
                break
            if added >= RATE_BOUND:
                bounded = True
                break
            start = "(" + _text(last)
    newest_ms = _id_ms(newest) if newest else None
    return {
        "key": key,
        "length": length,
        "added_last_minute": added,
        "added_last_minute_bounded": bounded,
        "last_entry_id": newest,
        "last_entry_at": _iso(newest_ms) if newest_ms is not None else None,
        "last_entry_age_s": _age_s(now_ms, newest_ms),
    }


def _groups(r: Any, name: str, key: str, now_ms: int) -> list[dict[str, Any]]:
    import redis

    try:
        infos = r.xinfo_groups(key)
    except redis.ResponseError:  # no such stream yet
        infos = []
    from services.ingest.follower import GROUP as FOLLOWER

    # Any other group is a subscriber's. The watchers' follower reads articles:dead (it moves the
    # files of articles enrich rejected to the error folder).
    roles = {**{(s, g): g for s, g in EXPECTED_GROUPS.items()}, ("articles:dead", FOLLOWER): "ingest"}
    expected = EXPECTED_GROUPS.get(name)
    found = []
    for info in infos:
        group = _text(info["name"])
        pending = int(info["pending"])
        oldest_id, oldest_ms, idle_ms = None, None, None
        if pending:
            summary = r.xpending(key, group)
            if summary.get("min"):
                oldest_id = _text(summary["min"])
                oldest_ms = _id_ms(oldest_id)
                detail = r.xpending_range(key, group, min=oldest_id, max=oldest_id, count=1)
                idle_ms = int(detail[0]["time_since_delivered"]) if detail else None
        lag = info.get("lag")
        found.append(
            {
                "stream": name,
                "group": group,
                "role": roles.get((name, group), "subscriber"),
                "exists": True,
                "consumers": int(info["consumers"]),
                "lag": int(lag) if lag is not None else None,
                "pending": pending,
                "oldest_pending_id": oldest_id,
                "oldest_pending_age_s": _age_s(now_ms, oldest_ms),
                "oldest_pending_idle_s": round(idle_ms / 1000, 1) if idle_ms is not None else None,
            }
        )
    if expected and not any(g["group"] == expected for g in found):
        # Not there until its service first starts: say so rather than leave it out.
        found.insert(
            0,
            {
                "stream": name,
                "group": expected,
                "role": expected,
                "exists": False,
                "consumers": 0,
                "lag": None,
                "pending": 0,
                "oldest_pending_id": None,
                "oldest_pending_age_s": None,
                "oldest_pending_idle_s": None,
            },
        )
    return found


def _dead_letters(script: Any, key: str, length: int, limit: int) -> dict[str, Any]:
    by_stage: dict[str, dict[str, int]] = {}
    counted = 0
    start = "+"
    while counted < min(length, limit):
        reply = script(keys=[key], args=[start, min(PAGE, limit - counted)])
        n, last = int(reply[0]), reply[1]
        if n == 0 or last is None:
            break
        counted += n
        rest = reply[2:]
        for i in range(0, len(rest), 3):
            stage, reason, count = _text(rest[i]), _text(rest[i + 1]), int(rest[i + 2])
            reasons = by_stage.setdefault(stage, {})
            reasons[reason] = reasons.get(reason, 0) + count
        start = "(" + _text(last)
    return {
        "total": length,
        "counted": counted,
        "bounded": counted < length,
        "by_stage": {stage: dict(sorted(reasons.items())) for stage, reasons in sorted(by_stage.items())},
    }


def _folders_part(settings: Any) -> dict[str, Any]:
    from services.ingest.folders import Folders
    from services.ingest.scanning import NameFilter, Scanner

    folders = Folders(settings)
    # What the watcher would take: NEWSWIRE_INCLUDE/EXCLUDE leave the other files there for good.
    scanner = Scanner(folders, NameFilter(settings.include, settings.exclude))
    inbox = sum(1 for _ in scanner.scan()) if folders.root.is_dir() else None
    # processing/<watcher>/<claim>/<the file's path in the inbox, at most max_depth folders deep>
    processing = _count_files(folders.processing, folders.max_depth + 2) if folders.processing.is_dir() else None
    return {
        "inbox": {"path": str(folders.root), "files": inbox},
        "processing": {"path": str(folders.processing), "files": processing},
    }


def _count_files(top: Path, max_depth: int) -> int:
    """Files at least two levels below top (inside a watcher's claim folders; the watchers' lock
    files sit in top itself), at most max_depth folders down; no link followed."""
    count = 0
    stack: list[tuple[str, int]] = [(str(top), 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            it = os.scandir(folder)
        except OSError:
            continue
        with it:
            for entry in it:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if depth < max_depth:
                            stack.append((entry.path, depth + 1))
                    elif depth >= 2:
                        count += 1
                except OSError:
                    continue
    return count


def _database_part(raw_url: str, now_ms: int) -> dict[str, Any]:
    from datetime import timedelta

    from sqlalchemy import func, inspect, select
    from sqlalchemy.exc import DBAPIError

    from newswire.db.engine import SETTING, make_engine, parse_url
    from newswire.db.tables import ARTICLES, ENRICHMENTS
    from newswire.redaction import redact_url

    part: dict[str, Any] = {
        "url": redact_url(raw_url),
        "reachable": False,
        "error": None,
        "articles": None,
        "enrichments": None,
        "articles_last_minute": None,
        "enrichments_last_minute": None,
    }
    try:
        url = parse_url(raw_url)
    except ConfigError as exc:
        part["error"] = str(exc)
        return part
    # Connecting to SQLite would create an empty database where there is none: status only looks.
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
        part["error"] = f"{SETTING}: database unreachable: no database file at {url.database}"
        return part
    since = datetime.fromtimestamp(now_ms / 1000, UTC) - timedelta(milliseconds=RATE_WINDOW_MS)
    try:
        engine = make_engine(raw_url)
    except ConfigError as exc:
        part["error"] = str(exc)
        return part
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            for table, stamp, key in ((ARTICLES, "stored_at", "articles"), (ENRICHMENTS, "enriched_at", "enrichments")):
                if table.name not in tables:  # no service has started on it yet
                    part[key], part[f"{key}_last_minute"] = 0, 0
                    continue
                part[key] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                recent = select(func.count()).select_from(table).where(table.c[stamp] >= since)
                part[f"{key}_last_minute"] = int(conn.execute(recent).scalar_one())
        part["reachable"] = True
    except (DBAPIError, UnicodeError) as exc:  # UnicodeError: a host name IDNA cannot encode
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        part["error"] = f"{SETTING}: database unreachable at {part['url']}: {redact_text(reason, raw_url)}"
    finally:
        engine.dispose()
    return part


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _id_ms(entry_id: str) -> int:
    return int(entry_id.partition("-")[0])


def _age_s(now_ms: int, then_ms: int | None) -> float | None:
    return None if then_ms is None else round(max(0, now_ms - then_ms) / 1000, 1)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- printing ---------------------------------------------------------------------------------

Section = tuple[str, list[str], list[list[str]], list[str]]  # title, headers, rows, notes


def _sections(doc: dict[str, Any]) -> list[Section]:
    folders = doc["folders"]
    sections: list[Section] = [
        (
            "Folders",
            ["folder", "files waiting", "path"],
            [[name, _n(folders[name]["files"], "absent"), folders[name]["path"]] for name in ("inbox", "processing")],
            [],
        )
    ]
    stream_rows = []
    for name, s in doc["streams"].items():
        added = f"{s['added_last_minute']:,}" + ("+" if s["added_last_minute_bounded"] else "")
        last = _ago(s["last_entry_age_s"])
        stream_rows.append([name, f"{s['length']:,}", added, last])
    notes = (
        [f"+: at least (counted up to {RATE_BOUND:,})"]
        if any(s["added_last_minute_bounded"] for s in doc["streams"].values())
        else []
    )
    sections.append(("Streams", ["stream", "length", "added last 60 s", "newest entry"], stream_rows, notes))
    group_rows = []
    for g in doc["groups"]:
        if not g["exists"]:
            group_rows.append([g["stream"], g["group"], "not created yet", "", "", "", ""])
            continue
        oldest = (
            f"{_ago(g['oldest_pending_age_s'])} (idle {_ago(g['oldest_pending_idle_s'], ago=False)})"
            if g["oldest_pending_id"]
            else "-"
        )
        group_rows.append(
            [g["stream"], g["group"], g["role"], str(g["consumers"]), _n(g["lag"], "?"), f"{g['pending']:,}", oldest]
        )
    sections.append(
        (
            "Consumer groups",
            ["stream", "group", "role", "consumers", "lag", "pending", "oldest pending"],
            group_rows,
            [],
        )
    )
    dead = doc["dead_letters"]
    dead_rows = [
        [stage, reason, f"{count:,}"]
        for stage, reasons in dead["by_stage"].items()
        for reason, count in reasons.items()
    ]
    dead_notes = [f"{dead['total']:,} in all"]
    if dead["bounded"]:
        dead_notes.append(f"bounded: reasons counted over the newest {dead['counted']:,} of {dead['total']:,}")
    sections.append(("Dead letters (articles:dead)", ["stage", "reason", "count"], dead_rows, dead_notes))
    db = doc["database"]
    if db["reachable"]:
        db_rows = [
            [table, f"{db[table]:,}", f"{db[table + '_last_minute']:,}"] for table in ("articles", "enrichments")
        ]
        sections.append((f"Database {db['url']}", ["table", "rows", "added last 60 s"], db_rows, []))
    else:
        sections.append((f"Database {db['url']}", [], [], ["unreachable (see the error below)"]))
    return sections


def _n(value: int | None, missing: str) -> str:
    return missing if value is None else f"{value:,}"


def _ago(seconds: float | None, *, ago: bool = True) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            text = f"{seconds / size:.1f} {unit}"
            break
    else:
        text = f"{seconds:.1f} s"
    return f"{text} ago" if ago else text


def _title(doc: dict[str, Any]) -> str:
    prefix = doc["redis"]["stream_prefix"]
    return f"newswire status at {doc['generated_at']}, redis {doc['redis']['url']}" + (
        f", stream prefix {prefix!r}" if prefix else ""
    )


def _print_plain(doc: dict[str, Any]) -> None:
    out = [_title(doc)]
    for title, headers, rows, notes in _sections(doc):
        out.append("")
        out.append(title)
        table = [headers, *rows] if headers else []
        widths = [max(len(row[i]) for row in table) for i in range(len(headers))] if table else []
        for row in table:
            out.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if headers and not rows:
            out.append("  (none)")
        out.extend(f"  {note}" for note in notes)
    sys.stdout.write("\n".join(out) + "\n")


def _print_rich(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    console.print(_title(doc), style="bold", markup=False, highlight=False)
    for title, headers, rows, notes in _sections(doc):
        if headers:
            table = Table(title=title, title_justify="left", title_style="bold")
            for i, header in enumerate(headers):
                table.add_column(header, justify="right" if i and _numeric(rows, i) else "left", no_wrap=i == 0)
            for row in rows:
                table.add_row(*(Text(cell) for cell in row))  # Text: a path may hold [markup]
            console.print(table)
        else:
            console.print(title, style="bold", markup=False, highlight=False)
        for note in notes:
            console.print(f"  {note}", style="dim", markup=False, highlight=False)


def _numeric(rows: list[list[str]], column: int) -> bool:
    cells = [row[column] for row in rows if row[column] not in ("", "-", "?")]
    return bool(cells) and all(c.rstrip("+").replace(",", "").isdigit() for c in cells)
