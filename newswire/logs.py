"""structlog set up once per process: console on a terminal, JSON otherwise."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog


def configure(level: str = "info", fmt: str = "auto") -> structlog.stdlib.BoundLogger:
    json_out = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    tail: list[Any] = [structlog.processors.dict_tracebacks] if json_out else []
    renderer: Any = structlog.processors.JSONRenderer() if json_out else structlog.dev.ConsoleRenderer()
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
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Libraries that use stdlib logging (FastStream, SQLAlchemy, alembic) stay quiet
    # unless something is wrong; their warnings still reach stderr.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logger: structlog.stdlib.BoundLogger = structlog.get_logger("newswire")
    return logger
