"""services.enrich under fire: bounded, linear work per article within a budget, and never an exception.

The hostile bodies below used to take minutes (a 1 MB article: 40-90 s in the entity step; 20,000
dots and a letter: a minute in the counts and another in the sentence splitter) and now take a
fraction of a second; the timeouts are generous functional bounds, not speed figures.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswire.contracts import Enrichment
from services.enrich import registry
from services.enrich.counts import counts, vectorised
from services.enrich.enrichers import DEFAULT_MAX_CHARS, MAX_HEADLINE_CHARS, analyse, analysed_length, enrich
from services.enrich.patterns import alternation
from services.enrich.quotes import _Automaton, _People
from services.enrich.registry import Doc

SEED = (Path(__file__).resolve().parents[2] / "seeds" / "000_d7b03ab2b022693d.txt").read_text(encoding="utf-8")
BODY = SEED.split("Story Code : 924469\n", 1)[1].strip()
TAIL = (
    "Emmanuel Macron said on Friday that Lyon would host the talks. "
    '"We are ready to discuss all issues," Macron told reporters in Lyon on 4 June 2021.'
)


def realistic(size: int) -> str:
    """News prose (the seed's paragraphs, over and over) of about `size` characters."""
    return "\n\n".join([BODY] * (size // len(BODY) + 1))[:size]


# --- the budget --------------------------------------------------------------------------------------------


def test_a_body_over_the_budget_is_analysed_up_to_a_paragraph_break_and_counted_whole() -> None:
    max_chars = 20_000
    lead = realistic(int(1.5 * max_chars))
    body = lead + "\n\n" + "\n\n".join([TAIL] * (int(1.5 * max_chars) // len(TAIL)))
    assert len(body) >= 3 * max_chars - 1000

    result, signature = analyse("Russia Will Not Allow Americans", body, "2021-03-31T11:59:00", max_chars=max_chars)

    n = result.analysed_chars
    assert result.truncated and n is not None and 0.8 * max_chars <= n <= max_chars
    assert body[n:].startswith("\n\n")  # cut at a paragraph break
    persons = [p.name for p in result.entities.persons]
    assert "Vladimir Putin" in persons and "Emmanuel Macron" not in persons  # only the prefix is analysed
    assert not any(loc.name == "Lyon" for loc in result.entities.locations)
    for entity in result.entities.persons + result.entities.organizations + result.entities.locations:
        assert all(0 <= s < e <= n and body[s:e].strip() for s, e in entity.offsets), entity.name
    assert result.quotes and all(
        q.offset + q.length <= n and body[q.offset :].startswith(q.text) for q in result.quotes
    )
    assert all(body[d.offset :].startswith(d.text) and d.offset < n for d in result.dates)
    assert all(body[a.offset :].startswith(a.text) and a.offset < n for a in result.amounts)
    # the counts describe the whole body, not the prefix: a reader wants the real reading time
    assert (result.word_count, result.sentence_count, result.paragraph_count) == counts(body)
    assert result.word_count > counts(body[:n])[0] * 2
    # and the text analyses are those of the prefix itself
    prefix, prefix_signature = analyse("Russia Will Not Allow Americans", body[:n], "2021-03-31T11:59:00")
    same = {"entities", "countries", "quotes", "tone", "keywords", "dates", "amounts", "summary", "language"}
    assert result.model_dump(include=same) == prefix.model_dump(include=same)
    assert signature is not None and prefix_signature is not None and (signature == prefix_signature).all()
    assert not prefix.truncated and prefix.analysed_chars == n


def test_a_body_within_the_budget_is_analysed_whole() -> None:
    result = enrich("Headline", BODY)
    assert not result.truncated and result.analysed_chars == len(BODY)
    assert enrich("Headline", "").analysed_chars == 0


def test_the_default_budget_applies() -> None:
    body = realistic(DEFAULT_MAX_CHARS + 50_000)
    result = enrich("Headline", body)
    assert result.truncated and result.analysed_chars is not None
    assert 0.8 * DEFAULT_MAX_CHARS <= result.analysed_chars <= DEFAULT_MAX_CHARS


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("a" * 85 + "\n\n" + "b" * 50, 85),  # a paragraph break near the limit
        ("a" * 85 + "\n\n" + "b" * 13 + "\n\ncc", 100),  # the last one: a break at the limit ends the prefix
        ("a" * 10 + "\n\n" + "Word word. " * 20, 99),  # a break too early: the last sentence end
        ("a" * 10 + "\n\n" + "“Word word.” " * 20, 89),  # the sentence end takes its closing quote
        ("a" * 10 + "\n\n" + "word " * 40, 96),  # no sentence end: the last whitespace
        ("a" * 10 + "\n\n" + "x" * 80 + " " * 10 + "y" * 100, 92),  # and the whitespace before it
        ("x" * 300, 100),  # no whitespace: exactly at the limit
        ("word " * 10 + "x" * 300, 100),  # whitespace too early counts for nothing
        (" " * 300 + "word", 0),  # nothing but whitespace before the limit
    ],
)
def test_where_a_long_body_is_cut(body: str, expected: int) -> None:
    assert analysed_length(body, 100) == expected


@given(body=st.text(st.sampled_from("ab .!?\n\t“”"), max_size=300), max_chars=st.integers(0, 200))
@settings(max_examples=300, deadline=None)
def test_the_analysed_prefix_is_within_the_budget_and_ends_cleanly(body: str, max_chars: int) -> None:
    n = analysed_length(body, max_chars)
    if len(body) <= max_chars:
        assert n == len(body)
    else:
        assert 0 <= n <= max_chars
        assert body[:n] == body[:n].rstrip()


@pytest.mark.timeout(30)
def test_a_ten_megabyte_headline_is_read_only_as_far_as_it_matters() -> None:
    headline = "Пресс-секретарь президента России заявил, что это исключено. " * (10_000_000 // 62)
    result = enrich(headline, "OK.")
    assert result.language == "ru"
    assert result == enrich(headline[:MAX_HEADLINE_CHARS], "OK.")


# --- hostile bodies ----------------------------------------------------------------------------------------

MB = 1_000_000
HOSTILE = {
    "10 MB of news": lambda: realistic(10 * MB),
    "5 MB line without a space": lambda: ("Abc123xyZ" * MB)[: 5 * MB],
    "a million capitalised words": lambda: " ".join(["Peskov", "Moscow", "Of", "The", "Vladimir", "U.S."] * (MB // 6)),
    "Peskov a million times": lambda: "Peskov " * MB,
    "100,000 straight quotation marks": lambda: '"' * 100_000,
    "100,000 opening quotes never closed": lambda: "“word word " * 100_000,
    "quote, speaker, verb, 100,000 times": lambda: '"We will not do this at all," Peskov said. ' * 100_000,
    "a description before every quote": lambda: ('"a b" ' + "a spokesman " * 12 + "said ") * 20_000,
    "a million speech verbs": lambda: "said told a déclaré заявил " * (MB // 4),
    "runs of digits and currency signs": lambda: ("$€£¥₽" * 1000 + "1234567890" * 10_000 + " ") * 50,
    "every word a month or a day": lambda: "March May may Monday tomorrow 2021 марта mars " * (MB // 8),
    "mixed scripts": lambda: "abc Привет Ελληνικά العربية 中文 हिन्दी e\u0301\u0301 \u202e\U0001f600 " * 100_000,
    "only punctuation": lambda: "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…«»“”" * 100_000,
    "20,000 dots and a letter": lambda: "." * 20_000 + "x",
    "two million newlines": lambda: "\n" * (2 * MB),
    "junk controls and lone surrogates": lambda: "Peskov said \x00\x01\ud800\udfff. " * 100_000,
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_body_is_enriched_within_the_budget_without_error(name: str) -> None:
    body = HOSTILE[name]()
    failures = registry.failures()
    result, _ = analyse("Headline", body, "2021-03-31T11:59:00")
    assert registry.failures() == failures  # no enricher raised (the registry would have carried on)
    assert result.analysed_chars is not None and result.analysed_chars <= DEFAULT_MAX_CHARS
    assert result.truncated == (len(body) > DEFAULT_MAX_CHARS)
    assert Enrichment.model_validate_json(result.model_dump_json()) == result


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(realistic(MB), id="1 MB of news"),  # the entity step was quadratic: 90 s
        pytest.param('"We will not do this at all," Peskov said. ' * 20_000, id="quotes"),  # speakers: quadratic
        pytest.param("." * 20_000 + "x\n\n" + "!" * 20_000 + "?x", id="terminators"),  # regex backtracking
        pytest.param("The " * 150_000 + "Peskov said.", id="stopwords"),  # a name was trimmed a copy a word
    ],
)
def test_every_enricher_is_linear_without_a_budget(body: str) -> None:
    failures = registry.failures()
    result = enrich("Headline", body, max_chars=len(body))
    assert not result.truncated and result.analysed_chars == len(body)
    assert registry.failures() == failures


@pytest.mark.parametrize(
    ("published", "text", "expected"),
    [
        (date.max, "It ends tomorrow, or next Monday.", {"tomorrow": None, "next Monday": None}),
        (date.min, "It began yesterday, on Sunday.", {"yesterday": None, "Sunday": None}),
    ],
)
def test_dates_beyond_the_calendar_resolve_to_nothing_rather_than_overflow(
    published: date, text: str, expected: dict[str, str | None]
) -> None:
    failures = registry.failures()
    result = enrich("Headline", text, published)
    assert registry.failures() == failures
    assert {d.text: d.date for d in result.dates} == expected


def test_a_number_too_large_for_a_float_is_no_amount() -> None:
    result = enrich("Headline", "It cost $" + "9" * 400 + " and 5 million euros.")
    assert [(a.value, a.unit) for a in result.amounts] == [(5e6, "EUR")]
    assert Enrichment.model_validate_json(result.model_dump_json()) == result


# --- any string at all -------------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [*"\ud800\udfff\x00\x1f\u0301\u202e\u200f\U0001f600\n \t\"“”«»„.!?…$€%-'’", "Peskov said", "Mr.", "March",
     "2021", "tomorrow", "Monday", "Vladimir Putin", "Moscow", "\n\n", "“a b c”", "$5 million", "Заявил Песков"]
)  # fmt: skip
TEXT = st.lists(st.one_of(st.characters(codec=None, exclude_categories=()), _PIECES, st.text(max_size=5)), max_size=60)
PUBLISHED = st.one_of(st.none(), st.dates(), st.dates().map(str), st.sampled_from(["junk", "9999-12-31", "x" * 100]))


@given(headline=TEXT.map("".join), body=TEXT.map("".join), published=PUBLISHED, max_chars=st.integers(0, 80))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_is_enriched_deterministically_without_error(
    headline: str, body: str, published: str | date | None, max_chars: int
) -> None:
    failures = registry.failures()
    result, signature = analyse(headline, body, published, max_chars=max_chars)
    assert registry.failures() == failures
    again, signature_again = analyse(headline, body, published, max_chars=max_chars)
    assert again == result and (signature is None) == (signature_again is None)
    assert signature is None or signature_again is None or (signature == signature_again).all()
    assert Enrichment.model_validate_json(result.model_dump_json()) == result
    n = result.analysed_chars
    assert n is not None and n <= len(body) and result.truncated == (len(body) > max_chars)
    for entity in result.entities.persons + result.entities.organizations + result.entities.locations:
        assert all(0 <= s < e <= n for s, e in entity.offsets)
    assert all(0 <= m.offset <= n for m in [*result.quotes, *result.dates, *result.amounts])
    assert (result.word_count, result.sentence_count, result.paragraph_count) == counts(body)


# --- the fast paths say what the plain definitions say -----------------------------------------------------

_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”)]*(?=\s+|$)")


def counts_by_regex(body: str) -> tuple[int, int, int]:
    """The definitions of the counts, as regular expressions (what the enricher computed before)."""
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    return (
        len(_WORD.findall(body)),
        sum(max(1, len(_SENTENCE_END.findall(p))) for p in paragraphs),
        len(paragraphs),
    )


_COUNTED = st.lists(
    st.one_of(st.sampled_from([*"ab1_'’-.!?…\"»”) \n\t\r\x1c\u2028\u00a0é中😀\ud800", "\n\n", "Mr.", "..."]),
              st.characters(codec=None, exclude_categories=())),
    max_size=80,
).map("".join)  # fmt: skip


@given(body=_COUNTED, chunk=st.sampled_from([1, 2, 3, 7, 1 << 18]))
@settings(max_examples=300, deadline=None)
def test_the_counts_are_those_of_their_regular_expressions_however_the_body_is_chunked(body: str, chunk: int) -> None:
    assert vectorised(body, chunk) == counts(body) == counts_by_regex(body)


@pytest.mark.parametrize("body", [realistic(300_000), "word. " * 50_000 + "\n\n\n" * 1000, "x" * 70_000 + " y."])
def test_the_counts_of_long_bodies_are_those_of_their_regular_expressions(body: str) -> None:
    assert counts(body) == vectorised(body) == counts_by_regex(body)


_NAMES = st.lists(st.text(st.sampled_from("Pesko v"), max_size=8), max_size=100)


@given(names=_NAMES, speaker=st.text(st.sampled_from("Pesko v"), max_size=30))
@settings(max_examples=500, deadline=None)
def test_the_name_automaton_finds_the_first_name_inside_the_speaker(names: list[str], speaker: str) -> None:
    first = next((i for i, name in enumerate(names) if name in speaker), None)
    assert _Automaton(names).first_in(speaker) == first
    people = _People([(name, [(i, i + 1)]) for i, name in enumerate(names)])
    assert people.named_in(speaker) == (None if first is None else names[first])


@given(
    words=st.lists(st.text(st.sampled_from("ab -"), min_size=1, max_size=5), min_size=1, max_size=12),
    text=st.text(st.sampled_from("ab -x"), max_size=12),
    after=st.sampled_from(["", "x", r"\b", " ", "$"]),
)
@settings(max_examples=500, deadline=None)
def test_a_trie_of_words_matches_as_their_alternation_longest_first(words: list[str], text: str, after: str) -> None:
    plain = "|".join(sorted(map(re.escape, dict.fromkeys(words)), key=len, reverse=True))
    expected = re.match(f"(?:{plain}){after}", text)
    found = re.match(alternation(words) + after, text)
    assert (found and found[0]) == (expected and expected[0])


def test_an_enricher_that_raises_costs_only_its_own_fields() -> None:
    def broken(doc: Doc) -> dict[str, Any]:
        raise RuntimeError("a bug")

    before = registry.failures().get("broken", 0)
    registry.register("broken")(broken)
    try:
        fields = registry.run(Doc("Headline", BODY, None))
        result = enrich("Headline", BODY)
    finally:
        registry._registry.remove(("broken", broken))
    assert fields["_failed"] == ["broken"] and fields["entities"].persons  # the others ran
    assert registry.failures()["broken"] == before + 2
    assert result == enrich("Headline", BODY)  # nothing of the failure in the enrichment
