"""CPU-bound work in worker processes, with a time limit per item.

A WorkerPool runs one module-level function ("package.module:function") over items in a few
worker processes, so parsing and enrichment never run on a service's event loop: heartbeats,
claim refreshes, the watcher and the other services of `newswire up` keep running whatever an
article costs. A batch is split into one chunk per worker; a worker sends its results back in
small groups (whatever finished in the last few milliseconds: one pipe message per group, not
per item, is what keeps a pool of cheap items from costing more than the items), and it marks
in shared memory the item it is on, so the pool knows which item that is and since when:

- an item still running after ``item_timeout_s`` (a stall that the function's own bounds did
  not prevent) has its worker killed and replaced; the item fails with reason ``too_slow`` and
  the rest of its chunk goes on in the new worker (items it had finished but not yet reported
  included: they are run again);
- an item whose worker dies (the OOM killer, a crash in a native library) is tried once more in
  a new worker, and fails with ``worker_crashed`` if that one dies too;
- an exception raised by the function fails that item only, with its type and message.

Workers are forked from a fork server that imported the work modules once, so they share those
modules' tables (copy-on-write) and inherit none of the service's threads, sockets or event
loop. A worker exits when its pipe closes, and Linux kills it when its parent (the fork server,
which exits with the service) dies, so a killed service leaves no worker behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

from newswire.text import one_line

TOO_SLOW = "too_slow"
WORKER_CRASHED = "worker_crashed"
FAILED = "processing_failed"
FLUSH_S = 0.002  # results are sent once this much work is waiting (an item this slow: its result alone)


@dataclass(frozen=True, slots=True)
class Failed:
    """An item the function could not finish: reason code and one line for a human."""

    reason: str
    detail: str


class PoolUnavailable(RuntimeError):
    """Worker processes cannot be started (not an item's fault: retried, never dead-lettered)."""


_preload: set[str] = set()
_context_lock = threading.Lock()


def preload(*modules: str) -> None:
    """Modules the fork server imports before it forks any worker (call before the first pool
    starts: the composition root names every module its pools will use)."""
    _preload.update(modules)


def _context() -> Any:
    with _context_lock:
        if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not Linux
            return multiprocessing.get_context("spawn")
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(sorted(_preload))
        return ctx


class _Worker:
    def __init__(self, ctx: Any, target: str, nice: int) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.on_item = ctx.RawValue("q", 0)  # the position, in what it was last sent, of the item it is on
        self.proc = ctx.Process(
            target=_worker_main, args=(child, target, self.on_item, nice), daemon=True, name="newswire-worker"
        )
        try:
            self.proc.start()
        except OSError as exc:
            self.conn.close()
            raise PoolUnavailable(f"cannot start a worker process: {one_line(exc)}") from exc
        finally:
            child.close()

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.proc.kill()
        self.proc.join(timeout=10)
        self.conn.close()
        with contextlib.suppress(ValueError):
            self.proc.close()


class WorkerPool:
    def __init__(
        self,
        target: str,
        *,
        size: int,
        item_timeout_s: float,
        on_result: Callable[[], None] | None = None,
        nice: int = 0,
    ) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.target = target
        self.size = size
        self.item_timeout_s = item_timeout_s
        self.nice = nice  # added to each worker's niceness: work that yields the CPU to the other services
        self.on_result = on_result or (lambda: None)
        self.counters = {TOO_SLOW: 0, WORKER_CRASHED: 0, "replaced": 0}
        self._ctx: Any = None
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._threads: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        """Start the workers (the first pool of a process also starts the fork server: about a second)."""
        self._ctx = _context()
        self._threads = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="newswire-pool")
        self._idle = asyncio.Queue()
        workers = await asyncio.get_running_loop().run_in_executor(self._threads, self._start_all)
        for w in workers:
            self._idle.put_nowait(w)

    def _start_all(self) -> list[_Worker]:
        return [self._spawn() for _ in range(self.size)]

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self.target, self.nice)
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        with self._lock:
            self._all.discard(worker)
        worker.kill()
        self.counters["replaced"] += 1
        return self._spawn()

    async def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), set()
        for w in workers:
            with contextlib.suppress(OSError):
                w.conn.close()  # the worker sees its pipe close and exits
        for w in workers:
            w.proc.join(timeout=2)
            if w.proc.is_alive():
                w.kill()
            else:
                with contextlib.suppress(ValueError):
                    w.proc.close()
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)

    async def map(self, items: Sequence[Any]) -> list[Any]:
        """Each item's result, or a Failed, in the order of items."""
        if not items:
            return []
        assert self._idle is not None and self._threads is not None, "start() the pool first"
        n = min(self.size, len(items))
        bounds = [(len(items) * k // n, len(items) * (k + 1) // n) for k in range(n)]
        results: list[Any] = [None] * len(items)
        loop = asyncio.get_running_loop()

        async def run(lo: int, hi: int) -> None:
            assert self._idle is not None
            worker = await self._idle.get()
            try:
                worker, out = await loop.run_in_executor(self._threads, self._run_chunk, worker, list(items[lo:hi]))
                results[lo:hi] = out
            finally:
                self._idle.put_nowait(worker)

        await asyncio.gather(*(run(lo, hi) for lo, hi in bounds))
        return results

    def _run_chunk(self, worker: _Worker, chunk: list[Any]) -> tuple[_Worker, list[Any]]:
        """In a pool thread: send the chunk, collect one result per item, replacing the worker when
        an item overruns its time or the worker dies. Returns the worker now in use."""
        results: dict[int, Any] = {}
        crashed_once: set[int] = set()  # items that were running in a worker that died
        while len(results) < len(chunk):
            todo = [i for i in range(len(chunk)) if i not in results]
            worker.on_item.value = 0
            try:
                worker.conn.send([chunk[i] for i in todo])
            except (OSError, ValueError):
                worker = self._replace(worker)
                continue
            got = 0  # results received for todo[0], todo[1], ...
            while got < len(todo):
                if not worker.conn.poll(self.item_timeout_s):
                    stuck = todo[max(got, worker.on_item.value)]
                    self.counters[TOO_SLOW] += 1
                    results[stuck] = Failed(TOO_SLOW, f"took longer than {self.item_timeout_s:g} s; stopped")
                    worker = self._replace(worker)
                    break  # what it finished and had not reported yet is run again in the new worker
                try:
                    messages = worker.conn.recv()
                except (EOFError, OSError):
                    stuck = todo[max(got, min(worker.on_item.value, len(todo) - 1))]
                    worker = self._replace(worker)
                    if stuck in crashed_once:
                        self.counters[WORKER_CRASHED] += 1
                        results[stuck] = Failed(WORKER_CRASHED, "the worker process died twice on this item")
                    else:
                        crashed_once.add(stuck)
                    break
                for message in messages:
                    results[todo[got]] = _outcome(message)
                    got += 1
                    self.on_result()
        return worker, [results[i] for i in range(len(chunk))]


def _outcome(message: tuple[Any, ...]) -> Any:
    if message[0] == "ok":
        return message[1]
    return Failed(FAILED, f"{message[1]}: {message[2]}" if message[2] else str(message[1]))


def _worker_main(conn: Connection, target: str, on_item: Any, nice: int) -> None:
    """A worker: receive chunks; for each item one ("ok", result) or ("error", type, message),
    sent in groups: what FLUSH_S of work produced (one item's result alone, when it took that long)."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the service, which stops us itself
    if nice > 0:
        with contextlib.suppress(OSError):
            os.nice(nice)
    module, _, name = target.partition(":")
    fn = getattr(importlib.import_module(module), name)
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        pending: list[tuple[Any, ...]] = []
        since = 0.0  # when the first item of the results not sent yet started
        for position, item in enumerate(chunk):
            if not pending:
                since = time.monotonic()
            on_item.value = position
            try:
                message: tuple[Any, ...] = ("ok", fn(item))
            except Exception as exc:  # noqa: BLE001 - reported as this item's failure, the next one goes on
                message = ("error", type(exc).__name__, one_line(exc))
            pending.append(message)
            # Sent once FLUSH_S of work is waiting: a slow item's result goes at once (the pool's time
            # limit runs from its last message), cheap items' results go together.
            if time.monotonic() - since >= FLUSH_S:
                if not _send(conn, pending):
                    return
                pending = []
        if pending and not _send(conn, pending):
            return


def _send(conn: Connection, messages: list[tuple[Any, ...]]) -> bool:
    """Send a group of results; False when the pool has gone. A result that cannot be pickled
    fails its item only: the group is sent again with that result replaced by its error."""
    try:
        conn.send(messages)
        return True
    except (EOFError, OSError):
        return False
    except Exception:  # noqa: BLE001 - pickling failed (nothing was written): find the culprits
        pass
    checked: list[tuple[Any, ...]] = []
    for message in messages:
        try:
            ForkingPickler.dumps(message)
            checked.append(message)
        except Exception as exc:  # noqa: BLE001
            checked.append(("error", type(exc).__name__, one_line(exc)))
    try:
        conn.send(checked)
        return True
    except (EOFError, OSError):
        return False


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when its parent (the fork server) exits."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(0)
