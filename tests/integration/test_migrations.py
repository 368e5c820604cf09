"""Migrations at start: several replicas starting at once on a fresh database, real processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from newswire.db.engine import make_engine, migrate
from tests.support import wait_for

# Each process says it is ready (imports done), then waits for the go file: they all migrate at once.
_RACER = """
import sys, time
from pathlib import Path
from newswire.db.engine import make_engine, migrate
engine = make_engine(sys.argv[1])
go = Path(sys.argv[2])
Path(sys.argv[3]).touch()
while not go.exists():
    time.sleep(0.0005)
migrate(engine)
"""


@pytest.mark.parametrize("round_", range(3))  # the window is short: a few rounds make a race likely
def test_replicas_migrating_a_fresh_database_at_once_all_succeed(
    database_url: str, tmp_path: Path, round_: int
) -> None:
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / f'race-{round_}.db'}"  # fresh for this round
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, database_url, str(go), str(tmp_path / f"ready-{i}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(6)
    ]
    wait_for(lambda: len(list(tmp_path.glob("ready-*"))) == len(racers), timeout=60, what="every racer ready")
    go.touch()
    results = [(p.wait(timeout=120), p.stderr.read().decode() if p.stderr else "") for p in racers]
    for p in racers:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()

    assert all(code == 0 for code, _ in results), "\n".join(err[-1500:] for code, err in results if code)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert len(heads) == 1
        tables = set(inspect(engine).get_table_names())
        assert {"articles", "enrichments", "entity_mentions", "country_mentions"} <= tables
        migrate(engine)  # and once more later: nothing to do, no error
    finally:
        engine.dispose()
