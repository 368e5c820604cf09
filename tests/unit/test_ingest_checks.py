"""The watcher's per-file checks, and which receipts the Confirmer looks up: a file a notification
reported is taken on the lstat taken then (one system call, not two), a folder moved in is scanned,
and the receipts of entries the store has not been handed are not asked for every round."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
import structlog

from newswire.health import Progress
from services.ingest.claims import Claimed
from services.ingest.config import IngestSettings
from services.ingest.confirm import LOSS_CHECK_S, Confirmer
from services.ingest.discovery import Discovery
from services.ingest.inbox import Inbox
from services.ingest.inflight import Awaiting, InFlight
from services.ingest.intake import Intake
from services.ingest.kept import Kept
from services.ingest.ledger import Ref
from services.ingest.settle import Settler

LOG = structlog.get_logger("test")


def _settings(tmp_path: Path, **fields: Any) -> IngestSettings:
    defaults: dict[str, Any] = {
        "inbox": tmp_path / "inbox",
        "processing_dir": tmp_path / "processing",
        "done_dir": tmp_path / "done",
        "error_dir": tmp_path / "error",
        "settle_s": 0,
    }
    return IngestSettings(**(defaults | fields))


class _Parts:
    """An inbox on disk, its settler, and the discovery and intake that share them (no Redis)."""

    def __init__(self, tmp_path: Path, **fields: Any) -> None:
        self.settings = _settings(tmp_path, **fields)
        self.inbox = Inbox(self.settings)
        self.inbox.prepare()
        self.settler = Settler(self.settings.settle_s)
        stopping = asyncio.Event()
        kept = Kept(settings=self.settings, redis=None, inbox=self.inbox, stopping=stopping, log=LOG)
        self.skipped: list[tuple[str, str]] = []
        self.discovery = Discovery(
            settings=self.settings,
            inbox=self.inbox,
            settler=self.settler,
            kept=kept,
            stopping=stopping,
            log=LOG,
            on_adopted=_nothing,
        )
        self.discovery.skip = lambda path, reason: self.skipped.append((path, reason))  # type: ignore[method-assign]
        self.intake = Intake(
            settings=self.settings,
            redis=None,
            settler=self.settler,
            kept=kept,
            publisher=None,  # type: ignore[arg-type]  # not reached: _ready_now only
            inflight=InFlight(),
            progress=Progress(60),
            stopping=stopping,
            log=LOG,
            on_skip=lambda path, reason: self.skipped.append((path, reason)),
            made_room=_nothing,
        )

    def file(self, name: str, text: str = "Headline\n\nBody.\n") -> str:
        path = self.inbox.root / name
        path.write_text(text)
        return str(path)


async def _nothing() -> None:
    return None


def _no_lstat(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every lstat the intake makes from here on fails the test (and is recorded)."""
    made: list[str] = []

    def lstat(path: str) -> os.stat_result:
        made.append(path)
        raise AssertionError(f"an lstat of {path} the notification's own one stood for")

    monkeypatch.setattr("services.ingest.intake.os.lstat", lstat)
    return made


def test_a_file_a_notification_reported_is_taken_on_the_lstat_taken_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = _Parts(tmp_path)
    path = parts.file("a.txt")
    folders: list[str] = []

    take, st = parts.discovery._added(path, folders)
    assert take and st is not None and folders == []
    parts.settler.note(path, st)
    _no_lstat(monkeypatch)

    assert parts.intake._ready_now() == [path]
    assert len(parts.settler) == 0


def test_a_file_a_scan_found_is_checked_with_an_lstat(tmp_path: Path) -> None:
    parts = _Parts(tmp_path)
    path = parts.file("a.txt")
    os.symlink(path, parts.inbox.root / "link.txt")
    parts.settler.note(path)
    parts.settler.note(str(parts.inbox.root / "link.txt"))
    parts.settler.note(str(parts.inbox.root / "gone.txt"))

    assert parts.intake._ready_now() == [path]
    assert parts.skipped == [(str(parts.inbox.root / "link.txt"), "symlink")]
    assert len(parts.settler) == 0  # the link is left alone, the missing file forgotten


def test_a_link_a_notification_reported_is_left_alone_on_its_lstat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = _Parts(tmp_path)
    target = parts.file("a.txt")
    link = str(parts.inbox.root / "link.txt")
    os.symlink(target, link)

    take, st = parts.discovery._added(link, [])
    assert take
    parts.settler.note(link, st)
    _no_lstat(monkeypatch)

    assert parts.intake._ready_now() == []
    assert parts.skipped == [(link, "symlink")]


def test_with_a_settle_time_the_noted_lstat_only_starts_the_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = _Parts(tmp_path, settle_s=0.05)
    path = parts.file("a.txt")
    _take, st = parts.discovery._added(path, [])
    parts.settler.note(path, st)

    assert parts.intake._ready_now() == []  # first check: the noted lstat
    time.sleep(0.06)
    parts.file("a.txt", "Headline\n\nBody, still being written, longer.\n")
    assert parts.intake._ready_now() == []  # changed: an lstat of its own says so
    time.sleep(0.06)
    assert parts.intake._ready_now() == [path]


def test_a_folder_moved_in_is_scanned_not_noted(tmp_path: Path) -> None:
    parts = _Parts(tmp_path)
    (parts.inbox.root / "batch").mkdir()
    folders: list[str] = []

    assert parts.discovery._added(str(parts.inbox.root / "batch"), folders) == (False, None)
    assert folders == [str(parts.inbox.root / "batch")]


def test_a_newswire_folder_inside_the_inbox_is_neither_scanned_nor_noted(tmp_path: Path) -> None:
    parts = _Parts(tmp_path, processing_dir=tmp_path / "inbox" / "processing")
    folders: list[str] = []

    assert parts.discovery._added(str(parts.inbox.processing), folders) == (False, None)
    assert folders == []


def test_a_file_gone_before_its_notification_is_handled_is_not_noted(tmp_path: Path) -> None:
    parts = _Parts(tmp_path)

    assert parts.discovery._added(str(parts.inbox.root / "gone.txt"), []) == (False, None)


def test_an_excluded_file_is_reported_at_once_and_not_noted(tmp_path: Path) -> None:
    parts = _Parts(tmp_path, include=("*.txt",))
    path = parts.file("a.csv")

    assert parts.discovery._added(path, []) == (False, None)
    assert parts.skipped == [(path, "excluded")]


# --- which receipts the Confirmer asks for -------------------------------------------------------------------------


class _Ledger:
    def __init__(self, delivered: tuple[int, int] | None) -> None:
        self.delivered = delivered

    async def store_delivered(self) -> tuple[int, int] | None:
        return self.delivered


def _awaiting(kind: str, entry_id: str, checked_at: float) -> Awaiting:
    claimed = Claimed(f"/p/{entry_id}.txt", f"{entry_id}.txt", Path("/p"), f"{entry_id}.txt")
    return Awaiting(claimed, Ref(kind, entry_id), 1, None, 0, checked_at)


def _confirmer(delivered: tuple[int, int] | None) -> Confirmer:
    return Confirmer(
        ledger=_Ledger(delivered),  # type: ignore[arg-type]
        inflight=InFlight(),
        publisher=None,  # type: ignore[arg-type]
        archiver=None,  # type: ignore[arg-type]
        stopping=asyncio.Event(),
        log=LOG,
    )


async def test_receipts_are_asked_for_entries_the_store_was_handed_and_ingests_own_rejections() -> None:
    now = 1000.0
    handed = _awaiting("raw", "1700000000000-5", now)
    not_yet = _awaiting("raw", "1700000000000-6", now)
    later = _awaiting("raw", "1700000000001-0", now)
    rejected = _awaiting("dead", "1700000000002-0", now)

    asked = await _confirmer((1700000000000, 5))._worth_asking([handed, not_yet, later, rejected], now)

    assert asked == [handed, rejected]


async def test_an_entry_not_looked_for_in_a_while_is_asked_for_whatever_the_group_says() -> None:
    """A receipt set before the store group was lost, made again or moved back is still found (and a
    lost entry noticed): every LOSS_CHECK_S."""
    now = 1000.0
    stale = _awaiting("raw", "1700000000009-0", now - LOSS_CHECK_S)
    fresh = _awaiting("raw", "1700000000009-1", now - LOSS_CHECK_S + 1)

    assert await _confirmer((0, 0))._worth_asking([stale, fresh], now) == [stale]


async def test_every_receipt_is_asked_for_when_the_server_cannot_say_what_the_store_was_handed() -> None:
    waiting = [_awaiting("raw", "1700000000009-0", 1000.0), _awaiting("raw", "1700000000010-0", 1000.0)]

    assert await _confirmer(None)._worth_asking(waiting, 1000.0) == waiting
