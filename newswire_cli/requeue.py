"""`newswire requeue`: put dead letters back into the pipeline once their cause is fixed.

What is put back, for each dead letter selected (by entry id, --reason or --all; --stage narrows):

- its file, when the dead letter is ingest's or the store's and the file is in the error folder: moved back
  into the inbox under its source_name (ingest publishes it again), and its report removed. The file is the
  one whose report (<name>.error.json) names the dead letter's source_name, stage and reason; of several,
  the one of the same content hash, else the one rejected nearest the dead letter's time;
- else its source entry, when it is still on its source stream (articles:raw for the store, articles:stored
  for enrich): a copy is added to that stream, so the consumer group processes it again.

A dead letter is untrusted input (anyone who can write to Redis can forge one): its source_name is checked as
ingest checks names from events (services.ingest.paths.check_relative), both folders are walked without
following a link (open_folder, and the rename is relative to their descriptors), a file is moved only from
the error folder into the inbox, never over another file (services.ingest.archive._move: RENAME_NOREPLACE,
or a numbered name), and an entry is copied only onto this pipeline's articles:raw or articles:stored.

Each requeue is recorded on the stream <prefix>newswire:requeues (an operational record, not an event of the
contract): dead letter id, what was done, when, by whom. A dead letter recorded there is not requeued again
without --force.

The operation for one dead letter is `Requeue.one` (an `Outcome`): the command calls it for each id it is
given, and the live page's requeue button through `WebRequeue` (services.web never imports the CLI: the
composition roots, newswire_cli.web and newswire_cli.run, hand it in).
"""

from __future__ import annotations

import argparse
import errno
import getpass
import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from newswire.settings import load
from newswire_cli.dead import STAGES, UsageError, check_entry_id, dead_letters, matches, run_redis

if TYPE_CHECKING:
    from services.ingest.config import IngestSettings

RECORD = "newswire:requeues"
_REPORT_LIMIT = 1 << 20  # bytes of an error report read: newswire writes a few hundred


def register(sub: Any) -> None:
    q = sub.add_parser(
        "requeue",
        help="put dead letters back: a fixed file from the error folder into the inbox, or an entry onto its stream",
    )
    q.add_argument("entry_ids", nargs="*", metavar="ENTRY_ID", help="dead letters by their articles:dead entry id")
    q.add_argument("--reason", action="append", help="every dead letter with this reason (repeatable)")
    q.add_argument("--all", action="store_true", help="every dead letter (narrow with --stage)")
    q.add_argument("--stage", action="append", choices=STAGES, help="only dead letters of this stage (repeatable)")
    q.add_argument("--force", action="store_true", help="requeue dead letters that were requeued already")
    q.add_argument("--dry-run", action="store_true", help="print what would be done, do nothing")
    q.set_defaults(func=cmd_requeue)


@dataclass(frozen=True, slots=True)
class FileInError:
    folder_fd: int  # error/<folder>, opened without following a link; the caller closes it
    name: str  # in that folder (os.fsdecode form)
    report: str
    parts: tuple[str, ...]  # the folders below the inbox it goes back to
    inbox_name: str


@dataclass(frozen=True, slots=True)
class SourceEntry:
    stream: str
    entry_id: str
    fields: dict[bytes, bytes]


class Refused(Exception):
    """This dead letter cannot be requeued; the message says why, on one line."""


Status = Literal["requeued", "would", "skipped", "refused", "missing", "invalid"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one dead letter: `line` is what the command prints for it, `detail` the same without
    the dead letter's id (for the page). ok: requeued (or, with --dry-run, would be)."""

    dead_id: str
    status: Status
    line: str
    detail: str

    @property
    def ok(self) -> bool:
        return self.status in ("requeued", "would")


def cmd_requeue(args: argparse.Namespace) -> int:
    from services.ingest.config import IngestSettings

    if args.entry_ids and (args.all or args.reason):
        raise UsageError("requeue: give entry ids, or --reason/--all, not both")
    if not (args.entry_ids or args.all or args.reason):
        raise UsageError("requeue: give dead letter entry ids, --reason R or --all")
    ids = [check_entry_id(i) for i in args.entry_ids]
    settings = load(IngestSettings)
    return run_redis(
        settings,
        lambda r: Requeue(r, settings, force=args.force, dry_run=args.dry_run).run(
            ids, reasons=args.reason, stages=args.stage
        ),
    )


class Requeue:
    def __init__(
        self, r: Any, settings: IngestSettings, *, force: bool = False, dry_run: bool = False, by: str | None = None
    ) -> None:
        self.r = r
        self.settings = settings
        self.streams = settings.streams
        self.record = settings.stream_prefix + RECORD
        self.force = force
        self.dry_run = dry_run
        self.by = by
        self.error = settings.error_dir.resolve()
        self.inbox = settings.inbox.resolve()

    def run(self, ids: list[str], *, reasons: list[str] | None, stages: list[str] | None) -> int:
        """The command: each dead letter of ids (else every one of these reasons, or all), of these stages."""
        done_before = self._requeued()
        failed = skipped = 0
        for dead_id, doc in self._selected(ids, reasons, stages):
            outcome = self._one(dead_id, doc, done_before)
            if outcome.status == "skipped":
                skipped += 1
                if not ids:
                    continue
            failed += outcome.status == "refused"
            print(outcome.line)
        if skipped and not ids:
            print(f"skipped {skipped} requeued already; --force to requeue them again")
        return 1 if failed or (skipped and ids) else 0

    def one(self, dead_id: str) -> Outcome:
        """`newswire requeue DEAD_ID`, for one dead letter: the same checks, the same effects."""
        try:
            check_entry_id(dead_id)
        except UsageError as exc:
            return Outcome(dead_id, "invalid", f"not requeued: {exc}", str(exc))
        doc = self._dead_letter(dead_id)
        if doc is None:
            why = f"no such dead letter on {self.streams.dead}"
            return Outcome(dead_id, "missing", f"not requeued {dead_id}: {why}", why)
        return self._one(dead_id, doc, self._requeued())

    def _one(self, dead_id: str, doc: dict[str, Any], done_before: dict[str, str]) -> Outcome:
        if dead_id in done_before and not self.force:
            why = f"requeued already ({done_before[dead_id]})"
            return Outcome(dead_id, "skipped", f"skipped {dead_id}: {why}; --force to requeue it again", why)
        try:
            line = self._requeue(dead_id, doc)
        except Refused as exc:
            return Outcome(dead_id, "refused", f"not requeued {dead_id}: {exc}", str(exc))
        return Outcome(dead_id, "would" if self.dry_run else "requeued", line, line)

    def _dead_letter(self, dead_id: str) -> dict[str, Any] | None:
        from newswire.contracts import as_json

        got = self.r.xrange(self.streams.dead, min=dead_id, max=dead_id)
        return as_json(got[0][1] or {}) if got else None

    def _selected(
        self, ids: list[str], reasons: list[str] | None, stages: list[str] | None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        if not ids:
            for dead_id, doc in dead_letters(self.r, self.streams.dead, newest_first=False):
                if matches(doc, reasons=reasons, stages=stages):
                    yield dead_id, doc
            return
        for dead_id in ids:
            letter = self._dead_letter(dead_id)
            if letter is None:
                print(f"not requeued {dead_id}: no such dead letter on {self.streams.dead}")
                continue
            if matches(letter, reasons=None, stages=stages):
                yield dead_id, letter

    def _requeued(self) -> dict[str, str]:
        """Dead letter id -> when and by whom it was requeued, from the record."""
        out: dict[str, str] = {}
        low = "-"
        while page := self.r.xrange(self.record, min=low, max="+", count=1000):
            for _id, fields in page:
                dead_id = fields.get(b"dead_id", b"").decode(errors="replace")
                out[dead_id] = f"{fields.get(b'at', b'').decode(errors='replace')} by " + fields.get(b"by", b"").decode(
                    errors="replace"
                )
            low = "(" + page[-1][0].decode()
        return out

    def _requeue(self, dead_id: str, doc: dict[str, Any]) -> str:
        stage, source_name = doc.get("stage"), doc.get("source_name")
        source = self._source_entry(doc)
        if stage in ("ingest", "store") and isinstance(source_name, str):
            found = self._file_in_error(source_name, doc, source)
            if found is not None:
                try:
                    return self._file_back(dead_id, source_name, found)
                finally:
                    os.close(found.folder_fd)
        if source is not None:
            return self._entry_back(dead_id, source)
        if stage in ("ingest", "store"):
            if not isinstance(source_name, str):
                raise Refused(f"it names no file{self._gone(doc)}")
            raise Refused(f"its file is not in the error folder {self.error}{self._gone(doc)}")
        raise Refused(f"nothing to put back{self._gone(doc)}")

    def _gone(self, doc: dict[str, Any]) -> str:
        stream, entry_id = doc.get("source_stream"), doc.get("source_entry_id")
        if isinstance(stream, str) and isinstance(entry_id, str):
            return f", and its entry {entry_id[:40]} is no longer on {stream[:200]} (trimmed)"
        return ""

    # -- the source entry ------------------------------------------------------------------------------

    def _source_entry(self, doc: dict[str, Any]) -> SourceEntry | None:
        stream, entry_id = doc.get("source_stream"), doc.get("source_entry_id")
        if not (isinstance(stream, str) and isinstance(entry_id, str)):
            return None
        if stream not in (self.streams.raw, self.streams.stored):
            raise Refused(f"its source stream {stream[:200]!r} is not {self.streams.raw} or {self.streams.stored}")
        try:
            check_entry_id(entry_id)
        except UsageError:
            raise Refused(f"its source entry id {entry_id[:40]!r} is not a stream entry id") from None
        got = self.r.xrange(stream, min=entry_id, max=entry_id)
        return SourceEntry(stream, entry_id, dict(got[0][1])) if got else None

    def _entry_back(self, dead_id: str, source: SourceEntry) -> str:
        if self.dry_run:
            return f"would requeue {dead_id} entry {source.entry_id} -> {source.stream}"
        with self.r.pipeline(transaction=True) as p:  # the copy and its record, both or neither
            p.xadd(source.stream, source.fields)
            p.xadd(self.record, self._record_fields(dead_id, "entry", f"{source.stream} {source.entry_id}"))
            new_id = p.execute()[0]
        new = new_id.decode() if isinstance(new_id, bytes) else str(new_id)
        return f"requeued {dead_id} entry {source.entry_id} -> {source.stream} as {new}"

    # -- the file ----------------------------------------------------------------------------------------

    def _file_in_error(self, source_name: str, doc: dict[str, Any], source: SourceEntry | None) -> FileInError | None:
        from services.ingest.files import is_numbered, report_name
        from services.ingest.paths import UnsafeName, check_relative, open_folder

        try:
            relative = check_relative(source_name, max_depth=self.settings.max_depth)
        except UnsafeName as exc:
            raise Refused(f"source_name {source_name[:300]!r} refused: {exc}") from None
        folder, _, name = relative.rpartition("/")
        parts = tuple(folder.split("/")) if folder else ()
        try:
            fd = open_folder(str(self.error), parts)
        except OSError:
            return None  # no such folder in error/ (or a link where one should be): no file there
        try:
            with os.scandir(fd) as it:
                names = sorted(e.name for e in it if e.name == name or is_numbered(e.name, name))
            best: tuple[tuple[int, float], str] | None = None
            for candidate in names:
                score = self._score(fd, candidate, source_name, doc, source)
                if score is not None and (best is None or score < best[0]):
                    best = (score, candidate)
        except BaseException:
            os.close(fd)
            raise
        if best is None:
            os.close(fd)
            return None
        return FileInError(fd, best[1], report_name(best[1]), parts, name)

    def _score(
        self, fd: int, candidate: str, source_name: str, doc: dict[str, Any], source: SourceEntry | None
    ) -> tuple[int, float] | None:
        """None when candidate is not this dead letter's file; else lower is likelier: (0 when its report's content
        hash is the one the dead letter's file had, else 1; seconds between the rejection and the dead letter)."""
        from services.ingest.files import report_name
        from services.ingest.paths import read_regular

        try:
            st = os.lstat(candidate, dir_fd=fd)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            return None
        raw = read_regular(report_name(candidate), _REPORT_LIMIT, dir_fd=fd)
        if not isinstance(raw, bytes):
            return None
        try:
            report = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(report, dict) or any(
            report.get(key) != doc.get(key) for key in ("stage", "reason", "source_name")
        ):
            return None
        sha = doc.get("article_id") if doc.get("stage") == "ingest" else _file_sha(source)
        same = 0 if sha and report.get("file_sha256") == sha else 1
        return same, _seconds_apart(report.get("rejected_at"), doc.get("emitted_at"))

    def _file_back(self, dead_id: str, source_name: str, found: FileInError) -> str:
        from services.ingest.archive import _move
        from services.ingest.paths import display_name, open_folder

        if self.dry_run:
            return f"would requeue {dead_id} file {source_name} -> inbox"
        try:
            inbox_fd = open_folder(str(self.inbox), found.parts, create=True)
        except NotADirectoryError:
            raise Refused(f"a link or a file stands where the inbox folder of {source_name!r} should be") from None
        except OSError as exc:
            raise Refused(f"cannot open the inbox {self.inbox}: {exc.strerror}") from None
        try:
            with _in_folder(found.folder_fd, found.name) as source:  # relative to the error folder's descriptor
                final = _move(source, found.inbox_name, dest_dir_fd=inbox_fd)
        except OSError as exc:
            raise Refused(f"cannot move {display_name(found.name)!r} into the inbox: {exc.strerror}") from None
        finally:
            os.close(inbox_fd)
        with suppress(FileNotFoundError):
            os.unlink(found.report, dir_fd=found.folder_fd)
        shown = display_name("/".join((*found.parts, final)))
        self.r.xadd(self.record, self._record_fields(dead_id, "file", f"inbox/{shown}"))
        as_named = "" if shown == source_name else f" as {shown}"
        return f"requeued {dead_id} file {source_name} -> inbox{as_named}"

    def _record_fields(self, dead_id: str, action: str, target: str) -> dict[str, str]:
        return {"dead_id": dead_id, "action": action, "target": target, "at": _now(), "by": self.by or _whom()}


class WebRequeue:
    """The live page's requeue button (NEWSWIRE_WEB_ADMIN): `Requeue.one` for a dead letter id, never forced,
    recorded as by `web:<user>@<host>`. Called from the page's worker threads: one requeue at a time, so that
    two clicks on one dead letter requeue it once."""

    def __init__(self, settings: IngestSettings, redis_url: str) -> None:
        import redis

        self.settings = settings
        self.r = redis.Redis.from_url(redis_url, socket_timeout=30, socket_connect_timeout=5)
        self._lock = threading.Lock()

    def __call__(self, dead_id: str) -> Outcome:
        with self._lock:
            return Requeue(self.r, self.settings, by=f"web:{_whom()}").one(dead_id)

    def close(self) -> None:
        self.r.close()


def _file_sha(source: SourceEntry | None) -> str | None:
    from newswire.contracts import as_json

    if source is None:
        return None
    sha = as_json(source.fields).get("file_sha256")
    return sha if isinstance(sha, str) else None


def _seconds_apart(a: object, b: object) -> float:
    try:
        return abs((datetime.fromisoformat(str(a)) - datetime.fromisoformat(str(b))).total_seconds())
    except (TypeError, ValueError):
        return float("inf")


_PROC_FD = "/proc/self/fd"


@contextmanager
def _in_folder(fd: int, name: str) -> Iterator[str]:
    """A path to name in the folder open as fd. Through /proc/self/fd (Linux), which names that very folder
    whatever was renamed or linked since, without changing the working directory of the process: the page
    requeues from a worker thread while other threads work. Without /proc, the working directory is that
    folder meanwhile, which only a single-threaded caller (the command) may do."""
    if os.path.isdir(_PROC_FD):
        yield f"{_PROC_FD}/{fd}/{name}"
        return
    if threading.current_thread() is not threading.main_thread():
        raise OSError(errno.ENOTSUP, "no /proc/self/fd to reach the error folder from a thread")
    back = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fchdir(fd)
        yield name
    finally:
        os.fchdir(back)
        os.close(back)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _whom() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"
