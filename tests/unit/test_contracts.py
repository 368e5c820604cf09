"""newswire.contracts: frozen events, their plain-JSON stream entries, and the content hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from newswire.contracts import (
    DATA_FIELD,
    SCHEMA_VERSION,
    ArticleDiscovered,
    ArticleEnriched,
    ArticleRejected,
    ArticleStored,
    Enrichment,
    Event,
    MalformedEvent,
    Streams,
    as_json,
    content_hash,
    decode,
    encode,
    normalise_text,
)

SEED = (Path(__file__).resolve().parents[2] / "seeds" / "000_d7b03ab2b022693d.txt").read_text(encoding="utf-8")
PROPS = settings(max_examples=150, deadline=None)
AID = content_hash(SEED)
WHEN = datetime(2021, 3, 31, 11, 59, 7, 123456, tzinfo=UTC)

ENRICHMENT = Enrichment(
    language="en",
    language_confidence=0.99,
    word_count=335,
    sentence_count=16,
    paragraph_count=10,
    reading_time_s=88,
    enricher_version="0.1.0",
)
FIELDS: dict[str, Any] = {
    "headline": "Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman",
    "story_code": "924469",
    "published_at": "2021-03-31T11:59:00",
    "body": "Para one.\n\nPara two «ещё».",
    "source_name": "sub/000_d7b03ab2b022693d.txt",
}


def _events() -> list[Event]:
    common: dict[str, Any] = {"article_id": AID, "correlation_id": "c0ffee", "emitted_at": WHEN}
    return [
        ArticleDiscovered(
            **common,
            source_name="000_d7b03ab2b022693d.txt",
            file_sha256="f" * 64,
            size_bytes=2195,
            encoding="utf-8",
            text=SEED,
        ),
        ArticleStored(**common, **FIELDS),
        ArticleStored(**common, **{**FIELDS, "story_code": None, "published_at": None}),
        ArticleEnriched(**common, **FIELDS, enrichment=ENRICHMENT),
        ArticleEnriched(**common, **FIELDS, enrichment=ENRICHMENT.model_copy(update={"language": None})),
        ArticleRejected(
            **common, stage="ingest", reason="not_text", detail="binary content (NUL bytes)", source_name="x.png"
        ),
        ArticleRejected(
            **common,
            stage="store",
            reason="unsupported_layout",
            detail="an HTML page",
            source_stream="articles:raw",
            source_entry_id="1-0",
        ),
    ]


EVENTS = _events()
IDS = [f"{type(e).__name__}-{i}" for i, e in enumerate(EVENTS)]


# --- encode / decode -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event", EVENTS, ids=IDS)
def test_every_event_type_round_trips_through_a_stream_entry(event: Event) -> None:
    back = decode(encode(event))
    assert type(back) is type(event)
    assert back == event


@pytest.mark.parametrize("event", EVENTS, ids=IDS)
def test_an_entry_is_one_field_data_holding_plain_json_that_starts_with_event(event: Event) -> None:
    fields = encode(event)
    assert list(fields) == [b"__data__"] == [DATA_FIELD]
    doc = json.loads(fields[DATA_FIELD].decode("utf-8"))  # plain JSON, readable by any client
    assert isinstance(doc, dict)
    assert next(iter(doc)) == "event"
    assert doc["event"] == event.event
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["article_id"] == AID
    assert doc["correlation_id"] == "c0ffee"


def test_event_type_names_are_the_documented_ones() -> None:
    assert {type(e): e.event for e in EVENTS} == {
        ArticleDiscovered: "article.discovered",
        ArticleStored: "article.stored",
        ArticleEnriched: "article.enriched",
        ArticleRejected: "article.rejected",
    }


def test_enrichment_is_nested_as_an_object_in_the_enriched_event() -> None:
    doc = json.loads(encode(EVENTS[3])[DATA_FIELD])
    assert doc["enrichment"]["language"] == "en"
    assert doc["enrichment"]["reading_time_s"] == 88
    assert doc["headline"] == FIELDS["headline"]


def test_emitted_at_keeps_its_instant_and_zone_through_the_wire() -> None:
    plus_three = WHEN.astimezone(timezone(timedelta(hours=3)))
    event = EVENTS[0].model_copy(update={"emitted_at": plus_three})
    back = decode(encode(event))
    assert back.emitted_at == WHEN
    assert back.emitted_at.utcoffset() == timedelta(hours=3)


def test_emitted_at_defaults_to_an_aware_now() -> None:
    before = datetime.now(UTC)
    event = ArticleRejected(article_id="a", correlation_id="c", stage="enrich", reason="r", detail="d")
    assert event.emitted_at.tzinfo is not None
    assert before <= event.emitted_at <= datetime.now(UTC)


def test_unknown_fields_from_newer_producers_are_ignored() -> None:
    doc = json.loads(encode(EVENTS[1])[DATA_FIELD])
    doc["added_in_v2"] = {"anything": [1, 2]}
    back = decode({DATA_FIELD: json.dumps(doc).encode()})
    assert back == EVENTS[1]


def test_events_are_frozen() -> None:
    with pytest.raises(ValidationError):
        EVENTS[0].article_id = "other"  # type: ignore[misc]


def test_as_json_reads_our_entries_and_foreign_ones() -> None:
    assert as_json(encode(EVENTS[0]))["event"] == "article.discovered"
    assert as_json({b"foo": b"bar", b"n": b"1"}) == {"foo": "bar", "n": "1"}
    assert as_json({DATA_FIELD: b"not json"}) == {"__data__": "not json"}


def test_stream_prefix_applies_to_every_stream() -> None:
    streams = Streams.with_prefix("t1:")
    assert (streams.raw, streams.stored, streams.enriched, streams.dead) == (
        "t1:articles:raw",
        "t1:articles:stored",
        "t1:articles:enriched",
        "t1:articles:dead",
    )


# --- malformed entries -----------------------------------------------------------------------------------------

_VALID = json.loads(encode(EVENTS[5])[DATA_FIELD])
_LINE_BREAKS = "\n\r\x85\u2028\u2029"


def _one_line(message: str) -> bool:
    return bool(message.strip()) and not any(ch in message for ch in _LINE_BREAKS)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="no-fields"),
        pytest.param({b"data": encode(EVENTS[0])[DATA_FIELD]}, id="wrong-field-name"),
        pytest.param({DATA_FIELD: b"not json"}, id="not-json"),
        pytest.param({DATA_FIELD: b'{"event": "article.discovered", '}, id="truncated-json"),
        pytest.param({DATA_FIELD: b"\xff\xfe\x00"}, id="not-utf8"),
        pytest.param({DATA_FIELD: b"[]"}, id="json-array"),
        pytest.param({DATA_FIELD: b'"article.stored"'}, id="json-string"),
        pytest.param(
            {DATA_FIELD: json.dumps({k: v for k, v in _VALID.items() if k != "event"}).encode()}, id="no-event"
        ),
        pytest.param({DATA_FIELD: json.dumps({**_VALID, "event": "article.exploded"}).encode()}, id="unknown-event"),
        pytest.param({DATA_FIELD: json.dumps({**_VALID, "event": 7}).encode()}, id="event-not-a-string"),
        pytest.param(
            {DATA_FIELD: json.dumps({k: v for k, v in _VALID.items() if k != "article_id"}).encode()},
            id="missing-article-id",
        ),
        pytest.param({DATA_FIELD: json.dumps({**_VALID, "stage": "publish"}).encode()}, id="bad-stage"),
        pytest.param({DATA_FIELD: json.dumps({**_VALID, "emitted_at": "yesterday"}).encode()}, id="bad-timestamp"),
        pytest.param(
            {DATA_FIELD: json.dumps({**_VALID, "event": "article.stored"}).encode()}, id="fields-of-another-type"
        ),
        pytest.param(
            {DATA_FIELD: json.dumps({**_VALID, "event": "article\nrejected"}).encode()}, id="newline-in-event"
        ),
        pytest.param(
            {DATA_FIELD: json.dumps({**_VALID, "event": "a\r\nb\u2028c"}).encode()}, id="line-breaks-in-event"
        ),
    ],
)
def test_malformed_entries_raise_malformed_event_with_a_one_line_message(fields: dict[bytes, bytes]) -> None:
    with pytest.raises(MalformedEvent) as info:
        decode(fields)
    message = str(info.value)
    assert _one_line(message), f"not one line: {message!r}"


def test_malformed_event_says_which_field_is_wrong() -> None:
    with pytest.raises(MalformedEvent, match="article_id"):
        decode({DATA_FIELD: json.dumps({k: v for k, v in _VALID.items() if k != "article_id"}).encode()})
    with pytest.raises(MalformedEvent, match="__data__"):
        decode({b"other": b"{}"})


def test_malformed_event_is_a_value_error() -> None:
    assert issubclass(MalformedEvent, ValueError)


@given(st.binary(max_size=200) | st.text(max_size=100).map(lambda t: json.dumps({**_VALID, "event": t}).encode()))
@example(json.dumps({**_VALID, "event": "x\ny"}).encode())  # pinned: what the random search usually finds
@PROPS
def test_any_bad_payload_is_either_an_event_or_a_one_line_malformed_event(data: bytes) -> None:
    try:
        event = decode({DATA_FIELD: data})
    except MalformedEvent as exc:
        assert _one_line(str(exc)), repr(str(exc))
    else:
        assert isinstance(event, Event)


# --- content hash ----------------------------------------------------------------------------------------------


def test_content_hash_is_sha256_hex() -> None:
    h = content_hash(SEED)
    assert len(h) == 64
    assert int(h, 16) >= 0


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(SEED.replace("\n", "\r\n"), id="crlf"),
        pytest.param("\ufeff" + SEED, id="bom"),
        pytest.param("\ufeff" + SEED.replace("\n", "\r\n"), id="bom+crlf"),
        pytest.param(SEED.replace("\n", "\r"), id="cr"),
        pytest.param("\n\n" + SEED + "\n\n  ", id="surrounding-blank-lines"),
    ],
)
def test_content_hash_is_equal_for_line_end_and_bom_variants(variant: str) -> None:
    assert content_hash(variant) == content_hash(SEED)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(SEED.replace("Spokseman", "Spokesman"), id="typo-fixed"),
        pytest.param(SEED.replace("924469", "924470"), id="story-code"),
        pytest.param(SEED + "\nOne more paragraph.", id="extra-paragraph"),
        pytest.param(SEED.replace("\n\n", "\n", 1), id="paragraph-break-removed"),
    ],
)
def test_content_hash_differs_for_different_text(other: str) -> None:
    assert content_hash(other) != content_hash(SEED)


_hash_text = st.text(st.characters(exclude_characters="\r\ufeff", exclude_categories=["Cs"]), max_size=200)


@given(text=_hash_text, bom=st.booleans(), crlf=st.booleans(), cr_only=st.booleans())
@PROPS
def test_any_text_hashes_the_same_whatever_its_line_ends_and_bom(
    text: str, bom: bool, crlf: bool, cr_only: bool
) -> None:
    variant = text.replace("\n", "\r" if cr_only else "\r\n") if crlf else text
    if bom:
        variant = "\ufeff" + variant
    assert content_hash(variant) == content_hash(text)
    assert normalise_text(variant) == normalise_text(text)


@given(a=_hash_text, b=_hash_text)
@PROPS
def test_texts_that_normalise_differently_hash_differently(a: str, b: str) -> None:
    if normalise_text(a) != normalise_text(b):
        assert content_hash(a) != content_hash(b)
    else:
        assert content_hash(a) == content_hash(b)


def test_normalise_text_drops_bom_unifies_line_ends_and_trims() -> None:
    assert normalise_text("\ufeff  a\r\nb\rc\n\n") == "a\nb\nc"
    assert normalise_text("a\u00a0b") == "a\u00a0b"  # inner characters untouched


def test_correlation_ids_are_32_hex_digits_unique_and_differ_in_a_forked_child() -> None:
    import subprocess
    import sys

    from newswire.contracts import new_correlation_id

    ids = [new_correlation_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    # A fresh interpreter forks (single-threaded there): the child's next id is not the parent's next id.
    script = (
        "import os\n"
        "from newswire.contracts import new_correlation_id as n\n"
        "n()\n"
        "r, w = os.pipe()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.write(w, n().encode()); os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "print(os.read(r, 64).decode(), n())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    child, parent = out.stdout.split()
    assert child[:16] != parent[:16], "a forked child repeats its parent's ids"
