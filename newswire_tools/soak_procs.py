"""The service processes of a soak run (newswire_tools.soak): started, SIGKILLed and restarted, stopped."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

STARTED = {"ingest": '"watching"', "store": '"consumer_started"', "enrich": '"consumer_started"'}


class SoakError(Exception):
    """The soak could not run; the message says why."""


class Processes:
    """The run's `newswire` processes, each with a log of its own in logs; kills and exits by
    themselves are counted in counts (the run's tally), the victim of a kill drawn with rng."""

    def __init__(self, root: Path, logs: Path, env: dict[str, str], rng: random.Random, counts: Counter[str]) -> None:
        self.root, self.logs, self.env = root, logs, env
        self.rng, self.counts = rng, counts
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.log_of: dict[int, Path] = {}  # pid -> its log
        self.exits_seen: set[int] = set()  # indexes into procs

    def launch(self, service: str) -> subprocess.Popen[bytes]:
        log = self.logs / f"{service}-{len(self.procs):03d}.log"
        with open(log, "ab") as out:
            command = [str(Path(sys.executable).with_name("newswire")), service]
            proc = subprocess.Popen(command, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=self.root)
        self.procs.append((service, proc))
        self.log_of[proc.pid] = log
        return proc

    def live(self) -> list[tuple[str, subprocess.Popen[bytes]]]:
        return [(s, p) for s, p in self.procs if p.poll() is None]

    def start(self, stores: int, enriches: int) -> None:
        for service in ["ingest"] + ["store"] * stores + ["enrich"] * enriches:
            self.launch(service)
        deadline = time.monotonic() + 120
        for service, proc in self.procs:
            log = self.log_of[proc.pid]
            while STARTED[service] not in log.read_text(errors="replace"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SoakError(f"{service} did not start; see {log}")
                time.sleep(0.1)

    def kill_one(self) -> str:
        service, proc = self.rng.choice(self.live())
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        self.launch(service)
        self.counts[f"killed {service}"] += 1
        return service

    def restart_exited(self) -> None:
        """A process that exited by itself is a finding: counted, then restarted."""
        for i, (service, proc) in enumerate(list(self.procs)):
            if proc.poll() is not None and proc.returncode != -signal.SIGKILL and i not in self.exits_seen:
                self.exits_seen.add(i)
                self.counts[f"exited {service}"] += 1
                self.launch(service)

    def stop(self) -> None:
        for _service, proc in self.live():
            proc.send_signal(signal.SIGTERM)
        for _service, proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
