"""Engine set-up, migrations at start, and the bulk insert both consumers use."""

from __future__ import annotations

import fcntl
import json
import threading
import time
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Table, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    InternalError,
    NoSuchModuleError,
    OperationalError,
)

from newswire.redaction import redact_text, redact_url
from newswire.settings import ConfigError

SETTING = "NEWSWIRE_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"


def is_transient(exc: BaseException) -> bool:
    """Errors worth retrying with backoff: the database is away, busy, read-only for a moment (a
    failover) or broken inside, not the data wrong. DataError, IntegrityError and the like are the
    data's fault: the entry that causes them is dead-lettered (newswire.streams.entries.rejection_reason)."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | InternalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def parse_url(raw: str) -> URL:
    shown = redact_url(raw)
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"{SETTING}: not a database URL: {shown} (like sqlite:////path/newswire.db or postgresql://user@host/db)"
        ) from None
    except ValueError:  # int() of what it took for the port: not a number, or an IPv6 "[" not closed
        raise ConfigError(f"{SETTING}: cannot read a port number in {shown}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"{SETTING}: unsupported database {url.get_backend_name()!r} (use sqlite or postgresql)")
    if url.port is not None and not 0 < url.port < 65536:
        raise ConfigError(f"{SETTING}: the port of {shown} is not between 1 and 65535")
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        # each connection would have a database of its own, lost when it closes
        raise ConfigError(f"{SETTING}: {shown} is in memory; give a file: sqlite:////absolute/path/newswire.db")
    return url


class JSONText(str):
    """A value for a JSON column that is JSON text already (e.g. a pydantic model_dump_json()):
    written as it is, instead of turned into Python objects and serialised again."""

    __slots__ = ()


def _json_serializer(value: Any) -> str:
    return value if isinstance(value, JSONText) else json.dumps(value)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets store and enrich write while readers read; NORMAL is durable across
    # process crashes (an OS crash may lose the last commits, never corrupt).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    # Checkpoint (copy the log into the database file, and sync it) once the log holds 10,000 pages
    # (40 MB), not SQLite's 1,000: the index pages that every batch of store and enrich rewrites are
    # copied once a checkpoint, so fewer checkpoints write less (store +20%, enrich +7%, CPU -5% in
    # `newswire bench`); a checkpoint's pause stays within the latency line (p99 99 ms at 50 files/s).
    cur.execute("PRAGMA wal_autocheckpoint=10000")
    cur.close()


def make_engine(raw_url: str) -> Engine:
    url = parse_url(raw_url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "json_serializer": _json_serializer}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            folder = Path(url.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise ConfigError(f"{SETTING}: {folder} (folder of {url.database}) is not a folder") from None
            except OSError as exc:
                raise ConfigError(f"{SETTING}: cannot create folder {folder}: {exc.strerror}") from None
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        engine = create_engine(url, **kwargs)
    # ValueError, TypeError: a query parameter of the wrong type for the driver (sqlite's ?timeout=soon)
    except (NoSuchModuleError, ArgumentError, ImportError, ValueError, TypeError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"{SETTING}: {redact_text(first, raw_url)}") from None
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def wait_until_reachable(engine: Engine, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except (DBAPIError, UnicodeError) as exc:  # UnicodeError: a host name IDNA cannot encode
            if isinstance(exc, DBAPIError) and time.monotonic() < deadline:
                time.sleep(0.25)
                continue
            cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
            reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
            raw = engine.url.render_as_string(hide_password=False)
            raise ConfigError(f"{SETTING}: cannot connect to {redact_url(raw)}: {redact_text(reason, raw)}") from None


@contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """SQLite: a file lock held around the whole migration, its commit included. (Held only inside
    the transaction, it was released before the commit: a second replica then saw the tables, which
    SQLite's DDL creates at once, but not yet the alembic_version row, and created them again.)"""
    db = engine.url.database
    if engine.dialect.name != "sqlite" or not db or db == ":memory:":
        yield
        return
    with open(f"{db}.migrate-lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent, safe to race: several replicas may start
    at once, and only one migrates at a time)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with _sqlite_migration_lock(engine), engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # held until this transaction ends, commit included
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(b"newswire-migrate")})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


_sqlite_writers: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_writers_guard = threading.Lock()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """engine.begin(); on SQLite, one at a time per process. SQLite has a single writer, and a
    second writer thread would sleep in its busy handler; waiting on a lock wakes it at once."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with _writers_guard:
        lock = _sqlite_writers.setdefault(engine, threading.Lock())
    with lock, engine.begin() as conn:
        yield conn


def insert_new(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], key: str) -> set[Any]:
    """INSERT ... ON CONFLICT DO NOTHING for many rows at once; the keys actually inserted.

    The statements are written here and run through the driver: SQLAlchemy's own bulk insert
    spends more per row compiling parameters than the database spends storing it. Each value
    still goes through its column type's bind processor (SQLite's datetimes, JSON), as
    SQLAlchemy would. PostgreSQL says which rows it inserted (RETURNING, many rows a statement).
    SQLite is asked which keys exist first, then the others are inserted in one executemany:
    safe in its WAL mode, where a transaction that read before another writer committed cannot
    write (the insert fails busy, a transient error, and the batch is retried)."""
    if not rows:
        return set()
    ins = _Insert(conn, table, list(rows[0]))
    quote = conn.dialect.identifier_preparer.quote
    conflict = f" ON CONFLICT ({quote(key)}) DO NOTHING"
    if conn.dialect.name == "sqlite":
        present = _present(conn, ins.name, quote(key), [row[key] for row in rows])
        fresh = [row for row in rows if row[key] not in present]
        if fresh:
            conn.exec_driver_sql(ins.head + ins.group + conflict, [tuple(ins.values(row)) for row in fresh])
        return {row[key] for row in fresh}
    inserted: set[Any] = set()
    for part, params in ins.parts(rows):
        sql = ins.head + ", ".join([ins.group] * len(part)) + conflict + f" RETURNING {quote(key)}"
        inserted.update(r[0] for r in conn.exec_driver_sql(sql, params))
    return inserted


def insert_all(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT many rows (all with the same columns) through the driver, as insert_new does: one
    executemany on SQLite, statements of many rows on PostgreSQL."""
    if not rows:
        return
    ins = _Insert(conn, table, list(rows[0]))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(ins.head + ins.group, [tuple(ins.values(row)) for row in rows])
        return
    for part, params in ins.parts(rows):
        conn.exec_driver_sql(ins.head + ", ".join([ins.group] * len(part)), params)


class _Insert:
    """An INSERT of these columns written for the connection's dialect; each value through its column
    type's bind processor (SQLite's datetimes, JSON), as SQLAlchemy would."""

    def __init__(self, conn: Connection, table: Table, columns: list[str]) -> None:
        dialect = conn.dialect
        quote = dialect.identifier_preparer.quote
        self.columns = columns
        self.processors = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
        self.name = dialect.identifier_preparer.format_table(table)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.group = "(" + ", ".join([mark] * len(columns)) + ")"
        self.head = f"INSERT INTO {self.name} ({', '.join(quote(c) for c in columns)}) VALUES "

    def values(self, row: Mapping[str, Any]) -> list[Any]:
        return [
            v if proc is None else proc(v)
            for proc, v in zip(self.processors, (row[c] for c in self.columns), strict=True)
        ]

    def parts(self, rows: Sequence[Mapping[str, Any]]) -> Iterator[tuple[Sequence[Mapping[str, Any]], tuple[Any, ...]]]:
        """The rows in groups that fit one statement's parameters, each with its flat parameters."""
        per_statement = max(1, _MAX_PARAMETERS // len(self.columns))
        for lo in range(0, len(rows), per_statement):
            part = rows[lo : lo + per_statement]
            params: list[Any] = []
            for row in part:
                params += self.values(row)
            yield part, tuple(params)


def _present(conn: Connection, table: str, key: str, keys: list[Any]) -> set[Any]:
    found: set[Any] = set()
    for lo in range(0, len(keys), _MAX_PARAMETERS):
        part = keys[lo : lo + _MAX_PARAMETERS]
        sql = f"SELECT {key} FROM {table} WHERE {key} IN ({', '.join('?' * len(part))})"
        found.update(r[0] for r in conn.exec_driver_sql(sql, tuple(part)))
    return found


_MAX_PARAMETERS = 30_000  # per statement: SQLite allows 32,766, PostgreSQL 65,535


def creators(conn: Connection, table: Table, key: str, keys: Iterable[Any]) -> dict[Any, str]:
    """For existing rows: the correlation id of the file that created each (by key)."""
    wanted = list(keys)
    if not wanted:
        return {}
    stmt = table.select().with_only_columns(table.c[key], table.c.correlation_id).where(table.c[key].in_(wanted))
    return {row[0]: row[1] for row in conn.execute(stmt)}


C = TypeVar("C")


def first_per_key(batch: Sequence[C], key: Callable[[C], str]) -> dict[str, C]:
    """The first candidate of each key: what a batch inserts (later ones are duplicates)."""
    first: dict[str, C] = {}
    for c in batch:
        first.setdefault(key(c), c)
    return first


def split_by_creator(
    batch: Sequence[C],
    first: dict[str, C],
    inserted: set[Any],
    existing: dict[Any, str],
    *,
    key: Callable[[C], str],
    creator: Callable[[C], str],
) -> tuple[list[C], list[C]]:
    """(emit, duplicates). The first candidate of a key emits when it inserted the row, or when the
    row exists and was created by the same file (same correlation id): a redelivery, or the same
    claimed file published again after Redis lost its entry, whose event may have been lost with
    it. Anything else is the same content from another file: a duplicate, never emitted."""
    emit: list[C] = []
    duplicates: list[C] = []
    for c in batch:
        k = key(c)
        mine = first[k] is c and (k in inserted or existing.get(k) == creator(c))
        (emit if mine else duplicates).append(c)
    return emit, duplicates
