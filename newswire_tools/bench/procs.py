"""newswire's service processes of one measurement, and the environment they run in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from newswire_tools.bench.wait import BenchError


def _newswire_command() -> list[str]:
    script = Path(sys.executable).parent / "newswire"
    return [str(script)] if script.exists() else [sys.executable, "-m", "newswire_cli"]


MEMORY_EVERY_S = 0.5  # how often the wait loops sample the process trees' memory


@dataclass
class TreeMemory:
    """The memory of one service process and its process tree, the largest figures seen so far.

    Its tree: the fork server and the resource tracker (its children) and the worker processes
    (the fork server's children, every process two or more levels down)."""

    worker_hwm_mib: float = 0.0  # the largest peak RSS (VmHWM) of any of its worker processes
    pss_mib: float = 0.0  # the largest total PSS of the whole tree at one sample
    workers: set[int] = field(default_factory=set)  # every worker pid seen


@dataclass
class Services:
    """The service processes of one measurement, each with its log file and heartbeat file."""

    folder: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    memory: dict[str, TreeMemory] = field(default_factory=dict)
    service_pss_mib: dict[str, float] = field(default_factory=dict)  # per service (all its processes), max seen
    memory_samples: int = 0
    _sampled_at: float = float("-inf")

    def start(self, name: str, command: str) -> None:
        env = {
            **self.env,
            "NEWSWIRE_HEARTBEAT_FILE": str(self.heartbeat(name)),
            "NEWSWIRE_CONSUMER_NAME": f"bench-{name}",
        }
        with open(self.folder / f"{name}.log", "ab") as log:
            # A session of its own: Ctrl-C reaches the bench, which then stops each service once.
            self.procs[name] = subprocess.Popen(
                [*_newswire_command(), command],
                env=env,
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def heartbeat(self, name: str) -> Path:
        return self.folder / "heartbeat" / f"{name}.alive"

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            rc = proc.poll()
            if rc is not None:
                tail = (self.folder / f"{name}.log").read_text(errors="replace")[-1500:]
                raise BenchError(f"`newswire {name.split('-')[0]}` exited with status {rc}:\n{tail}")

    def cpu_s(self) -> dict[str, float]:
        """CPU seconds (user + system) each service and its live worker processes have used so far."""
        children = _children()
        return {
            name: round(sum(_cpu_s(pid) for pid in _tree(proc.pid, children)), 3) for name, proc in self.procs.items()
        }

    def peak_rss_mib(self) -> dict[str, float]:
        """Peak RSS (VmHWM) of each service process itself, its workers not counted."""
        return {name: _vm_hwm_mib(proc.pid) for name, proc in self.procs.items()}

    def sample_memory(self, *, force: bool = False) -> None:
        """Read every tree's memory, at most every MEMORY_EVERY_S unless forced (the wait loops call it)."""
        now = time.monotonic()
        if not force and now - self._sampled_at < MEMORY_EVERY_S:
            return
        self._sampled_at = now
        children = _children()
        totals: dict[str, float] = {}
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                continue
            mem = self.memory.setdefault(name, TreeMemory())
            pss = 0.0
            for pid, depth in tree_depths(proc.pid, children):
                pss += pss_mib(pid)
                if depth >= 2:
                    mem.workers.add(pid)
                    mem.worker_hwm_mib = max(mem.worker_hwm_mib, _vm_hwm_mib(pid))
            mem.pss_mib = max(mem.pss_mib, round(pss, 1))
            service = name.split("-")[0]
            totals[service] = totals.get(service, 0.0) + pss
        for service, total in totals.items():
            self.service_pss_mib[service] = max(self.service_pss_mib.get(service, 0.0), round(total, 1))
        self.memory_samples += 1

    def memory_figures(self) -> dict[str, dict[str, float]]:
        """Per service process: its own peak RSS, its workers' largest peak RSS, its tree's largest PSS."""
        own = self.peak_rss_mib()
        return {
            name: {
                "rss_mib": own[name],
                "worker_rss_max_mib": self.memory.get(name, TreeMemory()).worker_hwm_mib,
                "pss_tree_max_mib": self.memory.get(name, TreeMemory()).pss_mib,
                "workers_seen": len(self.memory.get(name, TreeMemory()).workers),
            }
            for name in self.procs
        }

    def stop(self) -> dict[str, int | None]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
                codes[name] = None
        return codes


_TICKS = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc (worker pools fork their workers from a fork server)."""
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            out.setdefault(ppid, []).append(int(entry.name))
    return out


def _tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    return [p for p, _ in tree_depths(pid, children)]


def tree_depths(pid: int, children: dict[int, list[int]]) -> list[tuple[int, int]]:
    """pid and every process below it, each with its depth (0 for pid, 1 for its children...)."""
    found: list[tuple[int, int]] = []
    todo = [(pid, 0)]
    while todo:
        p, depth = todo.pop()
        found.append((p, depth))
        todo += [(c, depth + 1) for c in children.get(p, [])]
    return found


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _vm_hwm_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def pss_mib(pid: int) -> float:
    """The process's proportional set size (its share of the pages it maps) from smaps_rollup; 0 if gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def service_env(folder: Path, redis_url: str, prefix: str) -> dict[str, str]:
    data = folder / "data"
    return {
        **os.environ,
        "NEWSWIRE_INBOX": str(folder / "inbox"),
        "NEWSWIRE_DATA_DIR": str(data),
        "NEWSWIRE_PROCESSING_DIR": str(data / "processing"),
        "NEWSWIRE_DONE_DIR": str(data / "done"),
        "NEWSWIRE_ERROR_DIR": str(data / "error"),
        "NEWSWIRE_REDIS_URL": redis_url,
        "NEWSWIRE_DATABASE_URL": f"sqlite:///{data / 'newswire.db'}",
        "NEWSWIRE_STREAM_PREFIX": prefix,
        "NEWSWIRE_SETTLE_S": "0",
        # the default level: each service writes its line per article (to its log file), as in use
        "NEWSWIRE_LOG_LEVEL": "info",
        "NEWSWIRE_LOG_FORMAT": "json",
    }
