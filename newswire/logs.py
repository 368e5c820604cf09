"""structlog set up once per process: console on a terminal, JSON otherwise."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import orjson
import structlog


def configure(level: str = "info", fmt: str = "auto") -> structlog.stdlib.BoundLogger:
    json_out = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    tail: list[Any] = [structlog.processors.dict_tracebacks] if json_out else []
    binary = getattr(sys.stderr, "buffer", None)
    factory: Any = structlog.PrintLoggerFactory(file=sys.stderr)
    renderer: Any = structlog.dev.ConsoleRenderer()
    if json_out and binary is not None:
        # One line per article in every service: orjson renders it in a fraction of json's time.
        renderer = structlog.processors.JSONRenderer(serializer=_dumps)
        factory = structlog.BytesLoggerFactory(file=binary)
    elif json_out:
        renderer = structlog.processors.JSONRenderer()
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *tail,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
    # Libraries that use stdlib logging (FastStream, SQLAlchemy, alembic) stay quiet
    # unless something is wrong; their warnings still reach stderr.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logger: structlog.stdlib.BoundLogger = structlog.get_logger("newswire")
    return logger


def _dumps(event: dict[str, Any], default: Callable[[Any], Any] | None = None) -> bytes:
    """orjson, or json where orjson refuses (a lone surrogate in a message, an integer past 64 bits):
    a log line is never lost to its encoding."""
    try:
        return orjson.dumps(event, default=default, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # orjson.JSONEncodeError included
        return json.dumps(event, default=default, separators=(",", ":")).encode()
