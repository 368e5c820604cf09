"""services.enrich.mentions, tone, keywords: dates resolved against publication, amounts, tone, keywords."""

from __future__ import annotations

from datetime import date

import pytest

from services.enrich import keywords, mentions, tone

PUBLISHED = date(2021, 3, 31)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "resolved"),
    [
        ("published on Tuesday", [("Tuesday", "2021-03-30", "day")]),
        ("due next Monday", [("next Monday", "2021-04-05", "day")]),
        ("on 12 March 2020", [("12 March 2020", "2020-03-12", "day")]),
        ("March 3, 2019", [("March 3, 2019", "2019-03-03", "day")]),
        ("since 2021-01-05", [("2021-01-05", "2021-01-05", "day")]),
        ("who took over in January", [("January", "2021-01", "month")]),
        ("in May 2020, you may go", [("May 2020", "2020-05", "month")]),
        ("in 2016", [("2016", "2016", "year")]),
        ("yesterday", [("yesterday", "2021-03-30", "day")]),
        ("le 1er mars 2021", [("1er mars 2021", "2021-03-01", "day")]),
        ("31 марта 2021 года", [("31 марта 2021", "2021-03-31", "day")]),
        ("1,200 troops", []),
    ],
)
def test_dates(text: str, resolved: list[tuple[str, str, str]]) -> None:
    assert [(d.text, d.date, d.granularity) for d in mentions.dates(text, PUBLISHED)] == resolved


def test_relative_dates_without_a_publication_date_are_kept_unresolved() -> None:
    assert [(d.text, d.date) for d in mentions.dates("on Tuesday", None)] == [("Tuesday", None)]


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("a 15-page report", [(15.0, "page")]),
        ("a $3 billion loan", [(3e9, "USD")]),
        ("rates at 5.25% and 3 percent", [(5.25, "percent"), (3.0, "percent")]),
        ("1,200 troops and two sides", [(1200.0, "troops"), (2.0, "sides")]),
        ("300 millions d'euros", [(3e8, "EUR")]),
        ("the 2020 presidential election", []),
    ],
)
def test_amounts(text: str, amounts: list[tuple[float, str]]) -> None:
    assert [(a.value, a.unit) for a in mentions.amounts(text)] == amounts


def test_tone_is_gdelt_style_and_english_only() -> None:
    bad = tone.score(["The attack killed many people and destroyed the hospital."], "en")
    good = tone.score(["The festival was a wonderful success and everyone was happy."], "en")
    assert bad is not None and good is not None
    assert bad.tone < 0 < good.tone
    assert bad.polarity == pytest.approx(bad.positive + bad.negative, abs=0.01)
    assert -1 <= bad.sentence_mean < 0 < good.sentence_mean <= 1
    assert tone.score(["Это ужасно."], "ru") is None


def test_negation_flips_the_sentence_score() -> None:
    plain = tone.score(["The deal is good."], "en")
    negated = tone.score(["The deal is not good."], "en")
    assert plain is not None and negated is not None and negated.sentence_mean < 0 < plain.sentence_mean


def test_keywords_prefer_recurring_phrases_over_stopwords() -> None:
    text = (
        "Arms control talks resumed. The arms control treaty expired. "
        "Officials said arms control matters, and the sanctions regime matters too."
    )
    found = keywords.extract(text)
    assert "arms control" in found[0]
    assert not any(k in ("the", "and", "said") for k in found)
