"""Connecting to Redis with clear errors, and creating consumer groups."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import hiredis
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from newswire.redaction import redact_text, redact_url
from newswire.settings import ConfigError

SETTING = "NEWSWIRE_REDIS_URL"
TRANSIENT = (RedisConnectionError, RedisTimeoutError, OSError)


# Every client of ours, the FastStream brokers' included: a reply slower than 30 s is a dead
# connection (blocking reads block for a second at most), and idle connections are checked.
CLIENT_OPTIONS: dict[str, Any] = {"socket_timeout": 30, "socket_connect_timeout": 5, "health_check_interval": 15}


class _PackedByHiredis:
    """Commands packed by hiredis, in C: redis-py's asyncio connections pack them in Python, one
    argument at a time, which costs more than Redis takes to run a batch's commit script."""

    def pack_command(self, *args: Any) -> list[bytes]:
        first = args[0]
        # "CONFIG GET": the words go as arguments of their own
        if (isinstance(first, str) and " " in first) or (isinstance(first, bytes) and b" " in first):
            args = (*first.split(), *args[1:])
        return [hiredis.pack_command(args)]


class _Connection(_PackedByHiredis, aioredis.Connection):
    pass


class _SSLConnection(_PackedByHiredis, aioredis.SSLConnection):
    pass


class _UnixConnection(_PackedByHiredis, aioredis.UnixDomainSocketConnection):
    pass


def client_options(url: str) -> dict[str, Any]:
    """CLIENT_OPTIONS, and the connection class the URL's scheme asks for, packing with hiredis."""
    scheme = urlsplit(url).scheme
    connection = {"rediss": _SSLConnection, "unix": _UnixConnection}.get(scheme, _Connection)
    return {**CLIENT_OPTIONS, "connection_class": connection}


def client(url: str) -> aioredis.Redis:
    try:
        return aioredis.Redis.from_url(url, **client_options(url))
    except ValueError as exc:
        raise ConfigError(f"{SETTING}: {exc}") from None


async def connect(url: str, timeout_s: float) -> aioredis.Redis:
    """A client that has answered PING, or ConfigError after timeout_s."""
    try:
        r = client(url)
    except ConfigError as exc:  # urllib's message may quote the URL's userinfo
        raise ConfigError(redact_text(str(exc), url)) from None
    await answering(r, url, timeout_s)
    return r


async def answering(r: aioredis.Redis, url: str, timeout_s: float) -> None:
    """Return once r has answered PING; closed and ConfigError after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            await r.ping()
        # TypeError: an option in the URL's query the client does not know; ValueError (UnicodeError):
        # a host name IDNA cannot encode. redis-py raises both when it first connects.
        except (RedisError, TypeError, ValueError) as exc:
            if time.monotonic() >= deadline or not isinstance(exc, TRANSIENT):
                await r.aclose()
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                if isinstance(exc, TypeError):
                    first = f"an option of the URL is not a client setting ({first})"
                raise ConfigError(f"{SETTING}: cannot use {redact(url)}: {redact_text(first, url)}") from None
            await asyncio.sleep(0.25)
        else:
            return


async def ensure_group(r: aioredis.Redis, stream: str, group: str) -> None:
    """Create the group at the stream's start (so nothing published earlier is missed)."""
    try:
        await r.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def trim_bound(r: Any, stream: str, retention_ms: int) -> str | None:
    """The lowest id that must stay on stream; what lies below it may be trimmed (XTRIM MINID).

    An entry stays while it is younger than retention_ms (by the server's clock, which stamps
    the ids) and until every consumer group on the stream has read and acknowledged it: below
    each group's first pending entry and at or below its last delivered id. A group that has
    read nothing keeps everything. None when nothing may go (or there is no such stream).
    """
    seconds, micros = await r.time()
    bound = (int(seconds) * 1000 + int(micros) // 1000 - retention_ms, 0)
    try:
        groups = await r.xinfo_groups(stream)
    except ResponseError:  # no such stream
        return None
    for g in groups:
        last = entry_id_tuple(g["last-delivered-id"])
        bound = min(bound, (last[0], last[1] + 1))
        if int(g["pending"]):
            summary = await r.xpending(stream, g["name"])
            if summary.get("min"):
                bound = min(bound, entry_id_tuple(summary["min"]))
    if bound <= (0, 1):
        return None
    return f"{bound[0]}-{bound[1]}"


def entry_id_tuple(raw: bytes | str) -> tuple[int, int]:
    """A stream entry id as (milliseconds, sequence), for comparing ids."""
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def redact(url: str) -> str:
    """url fit to print: its password and secret query parameters hidden (newswire.redaction)."""
    return redact_url(url)
