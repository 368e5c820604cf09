"""Settings shared by every service, read from NEWSWIRE_* environment variables."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from newswire.contracts import Streams

UMASK = re.compile(r"(0o)?0*[0-7]{1,3}")


class ConfigError(Exception):
    """A setting is wrong; the message is one line naming the setting."""


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def default_workers() -> int:
    """One worker process per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_", extra="ignore")

    redis_url: str | None = Field(
        default=None, description="Redis server; unset means the embedded server of `newswire up`"
    )
    data_dir: Path = Field(default=Path("data"), description="Embedded Redis and SQLite live here")
    embedded_port: int = Field(
        default=6390,
        ge=0,
        le=65535,
        description="Port of the embedded Redis of `newswire up` (0: any free port); another is taken if it is in use",
    )
    umask: str = Field(
        default="077", description="Octal umask of every file and folder newswire creates (077: owner only)"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset means SQLite at DATA_DIR/newswire.db"
    )
    stream_prefix: str = Field(default="", description="Prepended to every stream name")
    consumer_name: str = Field(default_factory=default_consumer_name)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"
    heartbeat_file: Path | None = Field(
        default=None, description="Touched every few seconds while the process is healthy (for `newswire health`)"
    )
    connect_timeout_s: float = Field(default=5.0, gt=0, description="How long to wait at start")
    stall_s: float = Field(
        default=60.0, gt=0, description="Unhealthy when work waits this long with no progress (`newswire health`)"
    )
    http_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Serve /healthz, /readyz and /metrics on this port (unset or 0: no HTTP server)",
    )
    http_host: str = Field(
        default="127.0.0.1", description="Address the HTTP server listens on (0.0.0.0: every interface)"
    )

    @field_validator("http_port", mode="before")
    @classmethod
    def _blank_port_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("umask")
    @classmethod
    def _octal_umask(cls, value: str) -> str:
        if not UMASK.fullmatch(value.strip()):
            raise ValueError("an octal umask such as 077 (owner only) or 027 (group may read)")
        return value.strip()

    @property
    def streams(self) -> Streams:
        return Streams.with_prefix(self.stream_prefix)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newswire.db').resolve()}"


class ConsumerSettings(CommonSettings):
    batch_size: int = Field(default=100, ge=1, le=10_000)
    workers: int = Field(
        default_factory=default_workers, ge=1, le=256, description="Worker processes that parse or enrich"
    )
    article_timeout_s: float = Field(
        default=10.0, gt=0, description="An article still being parsed or enriched after this is dead-lettered"
    )
    claim_idle_ms: int = Field(default=30_000, ge=100, description="Reclaim entries pending this long")
    max_deliveries: int = Field(default=5, ge=1)
    stream_retention_s: float = Field(
        default=86_400,
        ge=0,
        description="Stream entries stay this long, and until every consumer group acknowledged them (0: forever)",
    )


def apply_umask(settings: CommonSettings, *, own: Iterable[Path] = ()) -> None:
    """Files and folders this process (and the embedded Redis it starts) creates get the permissions
    NEWSWIRE_UMASK leaves them: by default 0600 and 0700, private to the user running newswire.
    The folders in own, newswire's own already, are made as private as new ones would be."""
    umask = int(settings.umask, 8)
    os.umask(umask)
    for folder in own:
        with suppress(OSError):  # not there yet (it will be made so), or not ours to change
            os.chmod(folder, 0o700 | (0o777 & ~umask))


S = TypeVar("S", bound=BaseSettings)


def load(cls: type[S]) -> S:
    """Build settings or raise ConfigError naming the first bad variable."""
    try:
        return cls()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "NEWSWIRE_" + str(err["loc"][0]).upper() if err["loc"] else "settings"
        raise ConfigError(f"{name}: {err['msg']} (got {err.get('input')!r})") from None
