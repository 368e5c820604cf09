"""The bench's memory figures count the worker processes: a real process tree shaped like a service's
(service -> fork server -> worker), its worker holding 40 MiB."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from newswire_tools.bench.procs import Services, pss_mib, tree_depths

TREE = """
import os, sys, time
ready = sys.argv[1]
if os.fork() == 0:  # the fork server
    if os.fork() == 0:  # its worker
        held = b"x" * (40 << 20)  # written, so resident
        open(ready, "w").close()
        time.sleep(60)
        os._exit(0)
    time.sleep(60)
    os._exit(0)
time.sleep(60)
"""


@pytest.fixture
def service_tree(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    ready = tmp_path / "worker.ready"
    proc = subprocess.Popen([sys.executable, "-c", TREE, str(ready)], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert time.monotonic() < deadline, "the worker never started"
            time.sleep(0.02)
        yield proc
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the three processes of the session this test started
        proc.wait()


def test_workers_are_counted(tmp_path: Path, service_tree: subprocess.Popen[bytes]) -> None:
    services = Services(tmp_path, {}, procs={"enrich-1": service_tree})

    services.sample_memory(force=True)
    figures = services.memory_figures()["enrich-1"]

    assert figures["workers_seen"] == 1  # the fork server (depth 1) is not a worker; its child is
    assert figures["worker_rss_max_mib"] >= 40
    assert figures["rss_mib"] < 40  # the service process itself does not hold the worker's memory
    assert figures["pss_tree_max_mib"] >= 40
    assert services.service_pss_mib["enrich"] == figures["pss_tree_max_mib"]


def test_samples_are_spaced_unless_forced(tmp_path: Path, service_tree: subprocess.Popen[bytes]) -> None:
    services = Services(tmp_path, {}, procs={"store": service_tree})

    services.sample_memory()
    services.sample_memory()  # within MEMORY_EVERY_S of the first: skipped
    assert services.memory_samples == 1
    services.sample_memory(force=True)
    assert services.memory_samples == 2


def test_tree_depths_and_pss() -> None:
    children = {1: [2, 3], 2: [4], 4: [5]}

    assert sorted(tree_depths(1, children)) == [(1, 0), (2, 1), (3, 1), (4, 2), (5, 3)]
    assert pss_mib(os.getpid()) > 0
    assert pss_mib(2**22 + 12345) == 0.0  # no such process
