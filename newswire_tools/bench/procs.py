"""newswire's service processes of one measurement, and the environment they run in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from newswire_tools.bench.wait import BenchError


def _newswire_command() -> list[str]:
    script = Path(sys.executable).parent / "newswire"
    return [str(script)] if script.exists() else [sys.executable, "-m", "newswire_cli"]


@dataclass
class Services:
    """The service processes of one measurement, each with its log file and heartbeat file."""

    folder: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

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
        return {name: _vm_hwm_mib(proc.pid) for name, proc in self.procs.items()}

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
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
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
        "NEWSWIRE_LOG_LEVEL": "warning",
        "NEWSWIRE_LOG_FORMAT": "json",
    }
