"""A claimed file's entry carries the correlation id the watcher logs, so one file can be followed."""

from __future__ import annotations

import json
from pathlib import Path

from services.ingest.claims import Claimed
from services.ingest.ledger import correlation_id
from services.ingest.reading import Reader


def _claimed(tmp_path: Path, name: str, data: bytes) -> Claimed:
    claim_dir = tmp_path / "claim-1"
    claim_dir.mkdir()
    (claim_dir / name).write_bytes(data)
    return Claimed(path=str(claim_dir / name), source_name=name, claim_dir=claim_dir, relative=name)


def test_a_published_file_carries_its_claims_correlation_id(tmp_path: Path) -> None:
    c = _claimed(tmp_path, "a.txt", b"Headline\n\nBody of the article.\n")
    read = Reader(1 << 20).read(c)
    assert read.kind == "raw"
    assert read.correlation_id == correlation_id("claim-1", "a.txt")
    assert json.loads(read.payload)["correlation_id"] == read.correlation_id


def test_a_file_ingest_rejects_carries_it_too(tmp_path: Path) -> None:
    read = Reader(1 << 20).read(_claimed(tmp_path, "empty.txt", b""))
    assert read.kind == "dead"
    assert read.correlation_id == correlation_id("claim-1", "empty.txt")
    assert json.loads(read.payload)["correlation_id"] == read.correlation_id
