"""What the tools need of a Redis server they start for a run: the `newswire` command hands in its
embedded server (newswire_cli.embedded.EmbeddedRedis), so the tools never import the entry points."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol


class Server(Protocol):
    def start(self) -> str:
        """Start (or adopt) the server; its URL."""
        ...

    def stop(self) -> None: ...


ServerFactory = Callable[[Path], Server]
