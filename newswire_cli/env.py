"""`newswire env`: what a subscriber needs to find newswire's Redis, as shell lines to eval."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from newswire.settings import CommonSettings, load
from newswire_cli.run import redis_url_of

HELP = """\
Print the settings a subscriber needs as shell lines, for eval "$(newswire env)":
NEWSWIRE_REDIS_URL (the setting if it is set, else the URL of the embedded Redis of the
`newswire up` running on NEWSWIRE_DATA_DIR) and NEWSWIRE_STREAM_PREFIX when it is set.
The embedded server's URL carries its password (that is what lets the subscriber in; the file it
comes from, DATA_DIR/redis.url, is readable by you alone): do not paste the output where others
can read it. Exit status 2 when there is no URL to print."""


def register(sub: Any) -> None:
    e = sub.add_parser(
        "env",
        help="print NEWSWIRE_REDIS_URL (with the embedded server's password) for a subscriber",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e.set_defaults(func=cmd_env)


def cmd_env(_args: argparse.Namespace) -> int:
    common = load(CommonSettings)
    settings = {"NEWSWIRE_REDIS_URL": redis_url_of(common)}
    if common.stream_prefix:
        settings["NEWSWIRE_STREAM_PREFIX"] = common.stream_prefix
    # export: the subscriber is a child of the shell that evals these lines
    print("".join(f"export {name}={shlex.quote(value)}\n" for name, value in settings.items()), end="")
    return 0
