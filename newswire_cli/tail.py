"""`newswire tail`: a stream's events as JSON lines, with any Redis client's view (no group), or as a consumer
group of the user's own (--group: each event once, across restarts); optionally only the enriched events of a
language, a country or a person."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from newswire.contracts import GROUP_ENRICH, GROUP_STORE, Streams
from newswire.redaction import redact_text
from newswire.redisio import redact
from newswire.settings import CommonSettings, ConfigError, load
from newswire_cli.run import redis_url_of

ALIASES = ("raw", "stored", "enriched", "dead")  # short names of newswire's streams (NEWSWIRE_STREAM_PREFIX applied)
GROUP_CONSUMER = "tail"  # one name, so that what a killed tail left unacknowledged is printed by the next one
CLIENT_NAME = "newswire-tail"
PAGE = 1000
BLOCK_MS = 5000

Entry = tuple[bytes, dict[bytes, bytes]]
Match = Callable[[dict[str, Any]], bool]


def register(sub: Any) -> None:
    t = sub.add_parser(
        "tail",
        help="print a stream's events as JSON lines",
        description="Print a stream's events as JSON lines: the last few, then each new one.",
    )
    t.add_argument(
        "stream",
        nargs="?",
        default="enriched",
        help="raw, stored, enriched or dead (newswire's streams, NEWSWIRE_STREAM_PREFIX applied), "
        "or the full name of an existing stream (default: enriched)",
    )
    t.add_argument(
        "-n",
        "--lines",
        type=_count,
        default=None,
        metavar="N",
        help="events from the past to print first (default 10; 0: only new ones)",
    )
    t.add_argument("--from-start", action="store_true", help="print the whole stream first")
    t.add_argument("--no-follow", action="store_true", help="exit after printing what is there")
    t.add_argument(
        "--group",
        metavar="NAME",
        help="read as this consumer group of your own (created at the stream's end, or at its start with "
        "--from-start): each event is printed once across restarts and acknowledged once printed",
    )
    t.add_argument("--lang", metavar="CODE", help="only enriched events in these languages (ISO 639-1, e.g. en,fr)")
    t.add_argument("--country", metavar="CODE", help="only enriched events mentioning these countries (e.g. RU,UA)")
    t.add_argument("--person", metavar="NAME", help="only enriched events naming this person ('Peskov')")
    t.set_defaults(func=cmd_tail)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def cmd_tail(args: argparse.Namespace) -> int:
    import redis

    common = load(CommonSettings)
    streams = common.streams
    stream = getattr(streams, args.stream) if args.stream in ALIASES else args.stream
    match = matcher(args.lang, args.country, args.person)
    _check_options(args, stream, streams, filtered=match is not None)
    url = redis_url_of(common)
    try:
        # Any: redis-py types replies as wide unions. The name tells tails apart in CLIENT LIST.
        r: Any = redis.Redis.from_url(url, socket_timeout=None, client_name=CLIENT_NAME)
    except ValueError as exc:
        raise ConfigError(f"NEWSWIRE_REDIS_URL: {redact_text(str(exc), url)}") from None
    try:
        _check_stream(r, stream, streams)
        if args.group:
            _tail_group(r, stream, args, match)
        else:
            _tail(r, stream, args, match)
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


def _check_options(args: argparse.Namespace, stream: str, streams: Streams, *, filtered: bool) -> None:
    if args.group is not None:
        if not args.group.strip():
            raise ConfigError("tail: --group needs a name")
        if args.group in (GROUP_STORE, GROUP_ENRICH):
            raise ConfigError(f"tail: --group {args.group} is newswire's own consumer group; choose another name")
        if args.lines is not None:
            raise ConfigError("tail: -n does not apply with --group (the group remembers where it is)")
    if filtered and stream in (streams.raw, streams.stored, streams.dead):
        raise ConfigError(
            f"tail: --lang, --country and --person select enriched events; {stream} has none (use {streams.enriched})"
        )


def _check_stream(r: Any, stream: str, streams: Streams) -> None:
    """newswire's four streams may not exist yet (nothing published); any other name must be a stream."""
    if stream in (streams.raw, streams.stored, streams.enriched, streams.dead):
        return
    kind = r.type(stream)
    kind = kind.decode() if isinstance(kind, bytes) else str(kind)
    if kind == "stream":
        return
    if kind == "none":
        raise ConfigError(
            f"tail: no stream {stream!r} (newswire's streams: {', '.join(ALIASES)}, "
            f"that is {streams.raw}, {streams.stored}, {streams.enriched}, {streams.dead})"
        )
    raise ConfigError(f"tail: {stream!r} is a Redis {kind}, not a stream")


# -- without a group: any Redis client's view ------------------------------------------------------------


def _tail(r: Any, stream: str, args: argparse.Namespace, match: Match | None) -> None:
    last = _print_history(r, stream, args, match)
    while not args.no_follow:
        for _name, entries in r.xread({stream: last}, block=BLOCK_MS, count=PAGE) or []:
            _print_entries(entries, match)
            last = entries[-1][0].decode()


def _print_history(r: Any, stream: str, args: argparse.Namespace, match: Match | None) -> str:
    """Print what is there already (all, or the last -n that match); the id to follow from."""
    if args.from_start:
        last = "-"
        while page := r.xrange(stream, min=last, count=PAGE):
            _print_entries(page, match)
            last = "(" + page[-1][0].decode()
        return last.lstrip("(") if last != "-" else _last_id(r, stream)
    wanted = 10 if args.lines is None else args.lines
    if wanted == 0:
        return _last_id(r, stream)
    newest = None
    recent: list[Entry] = []
    before = "+"
    while len(recent) < wanted:  # newest first, a page at a time, until enough match (or the start)
        size = PAGE if match else wanted
        page = r.xrevrange(stream, max=before, count=size)
        if newest is None:
            newest = page[0][0].decode() if page else "0-0"  # followed from here: nothing printed twice
        recent += [e for e in page if match is None or match(_event(e[1]))][: wanted - len(recent)]
        if len(page) < size:
            break
        before = "(" + page[-1][0].decode()
    _print_entries(list(reversed(recent)), None)
    return newest or "0-0"


# -- with a group of the user's own ---------------------------------------------------------------------


def _tail_group(r: Any, stream: str, args: argparse.Namespace, match: Match | None) -> None:
    import redis

    try:
        r.xgroup_create(stream, args.group, id="0" if args.from_start else "$", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
    # What this group delivered to a tail that was stopped before acknowledging: printed again, first.
    pending = "0"
    while True:
        reply = r.xreadgroup(args.group, GROUP_CONSUMER, {stream: pending}, count=PAGE)
        entries = reply[0][1] if reply else []
        if not entries:
            break
        _print_and_ack(r, stream, args.group, entries, match)
        pending = entries[-1][0].decode()
    while True:
        block = None if args.no_follow else BLOCK_MS
        reply = r.xreadgroup(args.group, GROUP_CONSUMER, {stream: ">"}, count=PAGE, block=block)
        entries = reply[0][1] if reply else []
        if entries:
            _print_and_ack(r, stream, args.group, entries, match)
        elif args.no_follow:
            return


def _print_and_ack(r: Any, stream: str, group: str, entries: list[Any], match: Match | None) -> None:
    """Print, then acknowledge (events filtered out too: skipped on purpose). Entries the group has
    lost since (trimmed: fields None) are acknowledged without a line."""
    _print_entries([e for e in entries if e[1]], match)
    r.xack(stream, group, *[e[0] for e in entries])


# -- printing and filters ---------------------------------------------------------------------------


def _event(fields: Any) -> dict[str, Any]:
    from newswire.contracts import as_json

    return as_json(fields or {})


def _print_entries(entries: Any, match: Match | None) -> None:
    """Print entries as JSON lines (those that match)."""
    for _entry_id, fields in entries:
        event = _event(fields)
        if match is None or match(event):
            sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _last_id(r: Any, stream: str) -> str:
    newest = r.xrevrange(stream, count=1)
    return newest[0][0].decode() if newest else "0-0"


def matcher(lang: str | None, country: str | None, person: str | None) -> Match | None:
    """Whether an enriched event passes --lang, --country and --person (all that are given); None when none is.

    --lang and --country take comma-separated codes, any of which matches: the language enrich detected
    (else the one the source declared), and the countries it found (codes or names). --person matches a
    person enrich found whose name holds every word given, in any case ('peskov' finds 'Dmitry Peskov')."""
    langs = _codes(lang)
    countries = _codes(country)
    words = person.lower().split() if person else []
    if not (langs or countries or words):
        return None

    def match(event: dict[str, Any]) -> bool:
        enrichment = event.get("enrichment")
        if not isinstance(enrichment, dict):
            return False
        if langs and str(enrichment.get("language") or event.get("language") or "").lower() not in langs:
            return False
        if countries and not any(
            str(c.get("code", "")).lower() in countries or str(c.get("name", "")).lower() in countries
            for c in _dicts(enrichment.get("countries"))
        ):
            return False
        if words:
            entities = enrichment.get("entities")
            persons = _dicts(entities.get("persons") if isinstance(entities, dict) else None)
            names = (str(p.get("name", "")).lower().split() for p in persons)
            if not any(all(w in name for w in words) for name in names):
                return False
        return True

    return match


def _codes(text: str | None) -> set[str]:
    return {c.strip().lower() for c in (text or "").split(",") if c.strip()}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
