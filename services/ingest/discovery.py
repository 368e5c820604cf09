"""Discovery: the inbox's files found by OS notifications (or polling where those do not work,
checked with a probe file), by rescans, and inside folders moved in whole; each is noted in the
settler (settle.py), which says when it is complete. What is left alone on purpose is logged once,
with its reason (symlink, special_file, too_deep; excluded: by NEWSWIRE_INCLUDE/EXCLUDE).
"""

from __future__ import annotations

import asyncio
import os
import stat
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from watchfiles import Change, awatch

from newswire.text import one_line
from newswire.waiting import pause
from services.ingest.config import IngestSettings
from services.ingest.inbox import Inbox
from services.ingest.kept import Kept
from services.ingest.settle import Settler

NETWORK_FILESYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smbfs",
    "smb3",
    "9p",
    "virtiofs",
    "fuse.sshfs",
    "vboxsf",
    "fuse.grpcfuse",
    "afs",
}
MAX_PENDING = 5_000  # files being settled at once; a scan waits beyond this
SKIPPED_REMEMBERED = 10_000  # paths whose skip was logged (each is logged once)


class Discovery:
    """Finds the inbox's files and notes them in the settler."""

    def __init__(
        self,
        *,
        settings: IngestSettings,
        inbox: Inbox,
        settler: Settler,
        kept: Kept,
        stopping: asyncio.Event,
        log: Any,
        on_adopted: Callable[[], Awaitable[None]],
    ) -> None:
        self.settings = settings
        self.inbox = inbox
        self.settler = settler
        self.kept = kept
        self.stopping = stopping
        self.log = log
        self.on_adopted = on_adopted  # claims of dead watchers were adopted: recover them
        self.on_noted: Callable[[], None] = lambda: None  # files were noted: intake need not wait for its tick
        self._room = asyncio.Condition()
        self._probe_name = ""
        self._probe_seen = asyncio.Event()
        self._rescan_now = asyncio.Event()
        self.counters = {"skipped": 0}
        self._skipped: OrderedDict[str, str] = OrderedDict()

    def polling(self) -> bool:
        if self.settings.poll != "auto":
            return self.settings.poll == "on"
        return filesystem_type(self.inbox.root) in NETWORK_FILESYSTEMS

    async def watch_with_probe(self, polling: bool) -> None:
        """OS notifications where they work; polling where they do not (checked with a probe file)."""
        if polling:
            await self._watch(True)
            return
        watch = asyncio.create_task(self._watch(False))
        if await self._probe():
            await watch
            return
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
        self.log.warning("notifications_missing", inbox=str(self.inbox.root), action="polling")
        await self._watch(True)

    async def _probe(self) -> bool:
        """Touch a hidden file in the inbox and see whether a notification for it arrives."""
        probe = self.inbox.root / f".newswire-probe-{uuid.uuid4().hex[:8]}"
        self._probe_name = probe.name
        self._probe_seen.clear()
        try:
            for _attempt in range(3):
                await asyncio.to_thread(probe.write_text, str(time.time()))
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._probe_seen.wait(), timeout=1.0)
                if self._probe_seen.is_set() or self.stopping.is_set():
                    return True
            return False
        finally:
            probe.unlink(missing_ok=True)

    async def _watch(self, polling: bool) -> None:
        """Notifications until stop. watchfiles fails on a name that is not UTF-8 (the whole batch of
        changes with it is lost): then a rescan finds what the batch held, and watching resumes."""
        while not self.stopping.is_set():
            try:
                await self._watch_once(polling)
            except Exception as exc:  # noqa: BLE001 - notifications are an optimisation; rescans are the truth
                self.log.warning("notifications_failed", error=one_line(exc), action="rescan")
                await pause(self.stopping, 0.5)
                # What arrived while nothing watched (and what the failed batch held) is found by a scan.
                self._rescan_now.set()

    async def _watch_once(self, polling: bool) -> None:
        folders: list[str] = []
        accepts, settler = self.inbox.accepts, self.settler
        async for changes in awatch(
            self.inbox.root,
            stop_event=self.stopping,
            force_polling=polling,
            poll_delay_ms=int(self.settings.poll_interval_s * 1000),
            recursive=True,
            watch_filter=None,  # Inbox.accepts decides, as it does for scans
            # Changes come in groups: the first waits at most 50 ms for others (files arriving steadily
            # would otherwise wait for the cap), and a group ends after 20 ms without one.
            debounce=50,
            step=20,
        ):
            probe = os.sep + self._probe_name if self._probe_name else None
            for change, raw in changes:
                if change == Change.deleted:
                    continue  # files leaving (our own claims, mostly): nothing to take
                if probe is not None and raw.endswith(probe):
                    self._probe_seen.set()
                    continue
                st = None
                if change == Change.added:
                    take, st = self._added(raw, folders)
                else:
                    take = accepts(raw)
                if not take:
                    continue
                if len(settler) < MAX_PENDING and not self.kept.keep:
                    settler.note(raw, st)  # the common case, without a coroutine
                else:
                    await self._note(raw, st)
            for folder in folders:
                await self._scan_into_settler(lambda f=folder: self.inbox.scanner.scan_folder_paths(f, self.skip))
            folders.clear()
            self.on_noted()

    def _added(self, raw: str, folders: list[str]) -> tuple[bool, os.stat_result | None]:
        """A path a notification reports added: whether to note it, and its lstat where one was taken.

        Moved or copied in whole, a folder holds files no notification reports: it goes to folders, to
        be scanned. The lstat that tells is also the settler's first check of a file (Settler.pending)."""
        try:
            st = os.lstat(raw)
        except FileNotFoundError:
            return False, None  # gone already (taken by a scan, or by another watcher)
        except OSError:
            st = None  # the settler's own check decides
        if st is not None and stat.S_ISDIR(st.st_mode):
            if not self.inbox.owns(raw):
                folders.append(raw)
            return False, None
        if self.inbox.accepts(raw):
            return True, st
        if self.inbox.scanner.excluded(raw):
            self.skip(raw, "excluded")  # at once, not at the next rescan
        return False, None

    def skip(self, path: str, reason: str) -> None:
        """A file left alone on purpose: logged once with the reason, counted (thread-safe enough:
        a dict assignment)."""
        if self._skipped.get(path) == reason:
            return
        self._skipped[path] = reason
        if len(self._skipped) > SKIPPED_REMEMBERED:
            self._skipped.popitem(last=False)
        self.counters["skipped"] += 1
        self.log.warning("skipped", path=path, reason=reason)

    async def rescan_forever(self) -> None:
        # The notifier starts in its own task; a file dropped before it was watching but after
        # the first scan passed is caught by a second scan soon after, not a full interval later.
        await asyncio.sleep(0.1)
        intervals = iter([2.0])
        while not self.stopping.is_set():
            started = time.perf_counter()
            self._rescan_now.clear()
            seen = await self._scan_into_settler(lambda: self.inbox.scanner.scan_paths(on_skip=self.skip))
            self.log.debug("scanned", files=seen, ms=round((time.perf_counter() - started) * 1000, 1))
            if await asyncio.to_thread(self.inbox.adopt_orphans):
                await self.on_adopted()
            wait = next(intervals, self.settings.rescan_interval_s)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._either(self.stopping, self._rescan_now), timeout=wait)

    @staticmethod
    async def _either(a: asyncio.Event, b: asyncio.Event) -> None:
        waits = [asyncio.create_task(a.wait()), asyncio.create_task(b.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def _scan_into_settler(self, make_scan: Any) -> int:
        seen = 0
        scan = make_scan()
        while True:
            batch = await asyncio.to_thread(_take, scan, 500)
            if not batch:
                return seen
            for path in batch:
                await self._note(path)
            seen += len(batch)

    async def _note(self, path: str, st: os.stat_result | None = None) -> None:
        if self.kept.keep and self.kept.is_kept(path):
            return
        if len(self.settler) >= MAX_PENDING:
            async with self._room:
                await self._room.wait_for(lambda: len(self.settler) < MAX_PENDING or self.stopping.is_set())
        self.settler.note(path, st)  # no await between the check and this: nothing else noted meanwhile

    async def made_room(self) -> None:
        """The settler gave files up: a scan waiting for room goes on."""
        async with self._room:
            self._room.notify_all()


def _take(it: Any, n: int) -> list[str]:
    out = []
    for item in it:
        out.append(item)
        if len(out) >= n:
            break
    return out


def filesystem_type(path: Path) -> str:
    """The filesystem type holding path, from /proc/self/mountinfo ('' where unknown)."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return ""
    target = os.path.realpath(path)
    best, fstype = "", ""
    for line in lines:
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount = fields[4].replace("\\040", " ")
        if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
            best, fstype = mount, right.split()[0]
    return fstype
