"""The `newswire` command: its arguments, and which part of newswire each subcommand runs."""

from __future__ import annotations

import argparse
import importlib
import sys

from newswire import __version__
from newswire.settings import ConfigError
from newswire_cli.run import cmd_health, cmd_service, cmd_up


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"newswire: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newswire", description="Article files in, enriched events out.")
    p.add_argument("--version", action="version", version=f"newswire {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "up", help="run ingest, store and enrich in one process (embedded Redis unless NEWSWIRE_REDIS_URL)"
    ).set_defaults(func=cmd_up)
    for name, text in (
        ("ingest", "watch the inbox and publish new files"),
        ("store", "parse and persist (group store)"),
        ("enrich", "enrich and emit (group enrich)"),
    ):
        sub.add_parser(name, help=text).set_defaults(func=cmd_service, service=name)
    h = sub.add_parser("health", help="exit 0 if this container's service is alive (for healthchecks)")
    h.add_argument("--max-age", type=float, default=30.0, help="seconds since the last heartbeat (default 30)")
    h.add_argument("--url", help="instead: healthy when this URL answers 2xx within 3 s (the page's /healthz)")
    h.set_defaults(func=cmd_health)
    b = sub.add_parser("bench", help="end-to-end benchmark against the plain redis-py + sqlite3 floor")
    b.add_argument("-n", "--articles", type=int, default=20_000, help="synthetic articles (default 20000)")
    b.add_argument("--runs", type=int, default=3, help="repetitions; medians are reported (default 3)")
    b.add_argument("--floor", default=None, help="path of the floor script (default: newswire_tools/floor.py)")
    b.add_argument(
        "--check-floor",
        default=None,
        metavar="PATH",
        help="also measure this floor and report ours / it (default: ../shared/bench/floor.py if present; '' off)",
    )
    b.add_argument(
        "--plot",
        default=None,
        metavar="FILE",
        help="PNG of stage throughput and latency (default: bench.png, or next to --json; '' off)",
    )
    b.add_argument(
        "--scale-out",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure 2 store + 2 enrich processes (default on)",
    )
    b.add_argument("--json", dest="json_out", default=None, help="also write the figures to this file")
    b.add_argument(
        "--latency-rate", type=float, default=50.0, metavar="FILES_PER_S", help="steady arrival rate (default 50)"
    )
    b.add_argument(
        "--latency-seconds", type=float, default=60.0, metavar="S", help="how long files arrive (default 60; 0: off)"
    )
    b.set_defaults(func=cmd_bench)
    k = sub.add_parser("soak", help="run the pipeline for N minutes under random kills and hostile files; report")
    k.add_argument("--minutes", type=float, default=10.0, help="how long the chaos lasts (default 10)")
    k.add_argument("--kill-every", type=float, default=20.0, metavar="S", help="SIGKILL a service (default 20; 0: no)")
    k.add_argument("--hostile-every", type=float, default=5.0, metavar="S", help="a hostile input (default 5; 0: no)")
    k.add_argument("--rate", type=float, default=20.0, metavar="FILES_PER_S", help="good files a second (default 20)")
    k.add_argument("--store", type=int, default=2, metavar="R", help="store processes (default 2)")
    k.add_argument("--enrich", type=int, default=2, metavar="R", help="enrich processes (default 2)")
    k.add_argument("--database-url", default=None, help="an empty database (default: SQLite in the run's folder)")
    k.add_argument("--redis-url", default=None, help="use this Redis (default: a private server with AOF)")
    k.add_argument("--json", dest="json_out", default=None, help="also write the figures to this file")

    k.set_defaults(func=cmd_soak)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return p


# Modules that add their own subcommands: each has register(sub), and imports what its command
# needs only when the command runs (every command parses all of them).
COMMANDS = (
    "newswire_cli.tail",
    "newswire_cli.status",
    "newswire_cli.env",
    "newswire_cli.dead",
    "newswire_cli.requeue",
    "newswire_cli.replay",
    "newswire_cli.web",
)


# The tools get the embedded server from here, the composition root: they never import the CLI.


def cmd_bench(args: argparse.Namespace) -> int:
    from newswire_cli.embedded import EmbeddedRedis
    from newswire_tools.bench import run_bench

    return int(run_bench(args, embedded=EmbeddedRedis))


def cmd_soak(args: argparse.Namespace) -> int:
    from newswire_cli.embedded import EmbeddedRedis
    from newswire_tools.soak import run_soak

    return run_soak(args, embedded=EmbeddedRedis)


if __name__ == "__main__":
    sys.exit(main())
