"""Connecting to Redis with clear errors, and creating consumer groups."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from newswire.settings import ConfigError

SETTING = "NEWSWIRE_REDIS_URL"
TRANSIENT = (RedisConnectionError, RedisTimeoutError, OSError)


def client(url: str) -> aioredis.Redis:
    try:
        return aioredis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5, health_check_interval=15)
    except ValueError as exc:
        raise ConfigError(f"{SETTING}: {exc}") from None


async def connect(url: str, timeout_s: float) -> aioredis.Redis:
    """A client that has answered PING, or ConfigError after timeout_s."""
    r = client(url)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            await r.ping()
        except RedisError as exc:
            if time.monotonic() >= deadline or not isinstance(exc, TRANSIENT):
                await r.aclose()
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ConfigError(f"{SETTING}: cannot use {redact(url)}: {first}") from None
            await asyncio.sleep(0.25)
        else:
            return r


async def ensure_group(r: aioredis.Redis, stream: str, group: str) -> None:
    """Create the group at the stream's start (so nothing published earlier is missed)."""
    try:
        await r.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
