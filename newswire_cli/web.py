"""`newswire web`: the live page alone, against any Redis and database (the compose deployment's `web`).

`newswire up` serves the same page beside its services (newswire_cli.run); this command serves it for
pipelines whose services run elsewhere: NEWSWIRE_REDIS_URL (or the Redis of the `newswire up` running on
NEWSWIRE_DATA_DIR) and NEWSWIRE_DATABASE_URL, brought to the newest schema as the services do."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from newswire import __version__, logs
from newswire.redaction import redact_url
from newswire.redisio import redact
from newswire.settings import apply_umask, load


def register(sub: Any) -> None:
    w = sub.add_parser(
        "web",
        help="serve the live page of the feed alone (NEWSWIRE_WEB_HOST, NEWSWIRE_WEB_PORT; `up` serves it too)",
    )
    w.set_defaults(func=cmd_web)


def cmd_web(_args: argparse.Namespace) -> int:
    from newswire_cli.run import _check_database, _check_redis, _http_address, _run, redis_url_of
    from services.web.config import WebSettings
    from services.web.main import listen, run, url_of

    settings = load(WebSettings)
    apply_umask(settings)
    log = logs.configure(settings.log_level, settings.log_format)
    database_url = settings.resolved_database_url
    _check_database(database_url, settings.connect_timeout_s)
    redis_url = redis_url_of(settings)
    _check_redis(redis_url, settings.connect_timeout_s)
    requeue = web_requeue(settings, redis_url)
    sock = listen(settings.web_host, settings.web_port)  # 0: a free port (this command is there to serve)
    try:
        print(
            "\n".join(
                [
                    f"newswire {__version__} web",
                    f"  page      {url_of(sock)}",
                    f"  database  {redact_url(database_url)}",
                    f"  redis     {redact(redis_url)}",
                    f"  requeue   {'on (NEWSWIRE_WEB_ADMIN)' if requeue else 'off: the page only reads'}",
                    "Ctrl-C stops cleanly.",
                ]
            ),
            file=sys.stderr,
            flush=True,
        )
        return _run(
            lambda stopping, checks: [
                run(
                    settings,
                    redis_url=redis_url,
                    database_url=database_url,
                    stopping=stopping,
                    log=log,
                    health=checks,
                    requeue=requeue,
                    sock=sock,
                )
            ],
            heartbeat=settings.heartbeat_file,
            redis_url=redis_url,
            service="web",
            http=_http_address(settings),
        )
    finally:
        sock.close()
        if requeue is not None:
            requeue.close()


def web_requeue(settings: Any, redis_url: str) -> Any:
    """The requeue command's operation for the page's button when NEWSWIRE_WEB_ADMIN is on, else None. It
    needs the folders' settings (a dead letter's file goes from the error folder back into the inbox)."""
    if not settings.web_admin:
        return None
    from newswire_cli.requeue import WebRequeue
    from services.ingest.config import IngestSettings

    return WebRequeue(load(IngestSettings), redis_url)
