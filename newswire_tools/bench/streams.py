"""Figures read off the streams (Redis stamps entry ids with its clock in ms), and a run's keys deleted."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import redis

from newswire.contracts import Streams


def stream_rate(r: Any, stream: str, after: str | None = None) -> float:
    """Entries per second between the stream's first entry (after `after`) and its last."""
    first = r.xrange(stream, min=f"({after}" if after else "-", count=1)
    last = r.xrevrange(stream, count=1)
    count = int(r.xlen(stream)) - (1 if after else 0)
    # Entry ids carry milliseconds: entries written within one ms (one pipelined batch) have no span
    # to measure, so a span under the clock's resolution counts as 1 ms, and the rate is a lower bound.
    span_ms = max(_id_ms(last[0][0]) - _id_ms(first[0][0]), 1)
    # (count - 1) intervals between first and last
    return round((count - 1) * 1000 / span_ms, 1) if count > 1 else 0.0


def server_ms(r: Any) -> float:
    seconds, micros = r.time()
    return float(seconds) * 1000 + float(micros) / 1000


def stage_figures(r: Any, streams: Streams, probe_ids: dict[str, str], t0_ms: float) -> dict[str, Any]:
    out: dict[str, Any] = {"counts": {}}
    for stage, stream in (("ingest", streams.raw), ("store", streams.stored), ("enrich", streams.enriched)):
        after = probe_ids[stream]
        first = r.xrange(stream, min=f"({after}", count=1)
        last = r.xrevrange(stream, count=1)
        count = int(r.xlen(stream)) - 1
        first_ms, last_ms = _id_ms(first[0][0]), _id_ms(last[0][0])
        done_ms = max(last_ms - t0_ms, 1.0)
        span_ms = last_ms - first_ms
        # (count - 1) intervals between first and last; with no span to measure, fall back to time from the drop.
        rate = (count - 1) * 1000 / span_ms if count > 1 and span_ms > 0 else count * 1000 / done_ms
        out[f"{stage}_aps"] = round(rate, 1)
        out[f"{stage}_done_s"] = round(done_ms / 1000, 3)
        out["counts"][stage] = count
    out["counts"]["dead"] = int(r.xlen(streams.dead))
    out["end_to_end_aps"] = round(out["counts"]["enrich"] / out["enrich_done_s"], 1)
    out["end_to_end_done_s"] = out["enrich_done_s"]
    return out


PAGE = 1000


def entry_ms(r: Any, stream: str, after: str | None = None) -> list[int]:
    """The time (ms, Redis's clock) of every entry of the stream after `after`, in pages."""
    out: list[int] = []
    low = f"({after}" if after else "-"
    while True:
        page = r.xrange(stream, min=low, count=PAGE)
        out += [_id_ms(entry_id) for entry_id, _ in page]
        if len(page) < PAGE:
            return out
        last = page[-1][0]
        low = "(" + (last.decode() if isinstance(last, bytes) else last)


def stage_times(
    r: Any, keys: dict[str, str], t0_ms: float, after: dict[str, str] | None = None
) -> dict[str, list[float]]:
    """Per stage (ingest, store, enrich), the seconds from t0_ms to each entry on its output stream
    (keys: stage -> stream key; after: stream key -> the id to start after, e.g. the probe's)."""
    after = after or {}
    return {
        stage: [round((ms - t0_ms) / 1000, 3) for ms in entry_ms(r, key, after.get(key))] for stage, key in keys.items()
    }


def _id_ms(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def delete_prefix(r: Any, prefix: str) -> None:
    with suppress(redis.RedisError):
        keys = list(r.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            r.delete(*keys)
