"""services.store.parser.parse: the seed layout and its variants -> ParsedArticle; anything else -> Rejection."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.store.dates import parse_date
from services.store.parser import _LABEL, MAX_HEADLINE, ParsedArticle, Rejection, parse
from services.store.tables import table_kind
from tests.support import parsed_article as _article

SEED_PATH = Path(__file__).resolve().parents[2] / "seeds" / "000_d7b03ab2b022693d.txt"
SEED = SEED_PATH.read_text(encoding="utf-8")
SEED_HEADLINE = "Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman"
PROPS = settings(max_examples=150, deadline=None)


# --- the seed --------------------------------------------------------------------------------------------------


def test_seed_headline_is_kept_verbatim_typo_included() -> None:
    assert _article(SEED).headline == SEED_HEADLINE


def test_seed_story_code_and_publication_time() -> None:
    article = _article(SEED)
    assert article.story_code == "924469"
    assert article.published_at == datetime(2021, 3, 31, 11, 59)
    assert article.published_utc_offset_min is None
    assert article.published_iso == "2021-03-31T11:59:00"


def test_seed_body_is_its_ten_paragraphs_without_header_lines() -> None:
    article = _article(SEED)
    assert len(article.paragraphs) == 10
    assert article.paragraphs[0].startswith('"The Americans keep repeating like a mantra')
    assert article.paragraphs[-1] == "Similar allegations had been brought forth about Russia in 2016."
    assert "Story Code" not in article.body
    assert SEED_HEADLINE not in article.body
    assert article.body == "\n\n".join(article.paragraphs)


# --- variants of the same layout give the same article ---------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(SEED.replace("\n", "\r\n"), id="crlf"),
        pytest.param("\ufeff" + SEED, id="bom"),
        pytest.param("\ufeff" + SEED.replace("\n", "\r\n"), id="bom+crlf"),
        pytest.param(SEED.replace("\n", "\r"), id="cr-only"),
        pytest.param("\n\n\n" + SEED + "\n\n\n", id="blank-lines-around"),
        pytest.param(SEED.replace("\n\n", "\n\n\n\n"), id="extra-blank-lines-between"),
        pytest.param(SEED.replace("\n\n", "\n   \t\n"), id="whitespace-only-separator-lines"),
        pytest.param("\n".join(line + "  " for line in SEED.split("\n")), id="trailing-spaces"),
    ],
)
def test_crlf_bom_and_blank_line_variants_parse_to_the_same_article(variant: str) -> None:
    assert _article(variant) == _article(SEED)


@pytest.mark.parametrize(
    "line",
    ["Story Code : 924469", "Story Code: 924469", "Story Code:924469", "Story code : 924469", "STORY CODE: 924469",
     "StoryCode:924469", "Story Code   :   924469", "Story Code 924469", "Story Code #924469", "Story Code： 924469",
     "  Story Code : 924469  ", "Story Code - 924469", "Story Code – 924469", "Story Code—924469"],
)  # fmt: skip
def test_story_code_spacing_and_case_variants_are_recognised(line: str) -> None:
    article = _article(SEED.replace("Story Code : 924469", line))
    assert article.story_code == "924469"
    assert article.paragraphs == _article(SEED).paragraphs


def test_alphanumeric_story_codes_are_kept_as_text() -> None:
    article = _article(SEED.replace("Story Code : 924469", "Story Code : AB-0042"))
    assert article.story_code == "AB-0042"


def test_without_story_code_the_body_starts_right_after_the_headline() -> None:
    article = _article(SEED.replace("Story Code : 924469\n", ""))
    assert article.story_code is None
    assert article.headline == SEED_HEADLINE
    assert article.paragraphs == _article(SEED).paragraphs


def test_a_story_code_line_without_a_code_is_body_text_not_a_code() -> None:
    article = _article("Headline\n\nStory Code:\n\nThe body.")
    assert article.story_code is None
    assert article.paragraphs == ("Story Code:", "The body.")


def test_date_under_the_headline_is_recognised() -> None:
    text = f"{SEED_HEADLINE}\nWednesday 31 March 2021 - 11:59\nStory Code : 924469\n\nFirst paragraph.\n\nSecond."
    article = _article(text)
    assert article.headline == SEED_HEADLINE
    assert article.published_at == datetime(2021, 3, 31, 11, 59)
    assert article.story_code == "924469"
    assert article.paragraphs == ("First paragraph.", "Second.")


def test_no_date_line_means_no_date_never_a_guess() -> None:
    article = _article(SEED.replace("Wednesday 31 March 2021 - 11:59\n", ""))
    assert article.headline == SEED_HEADLINE
    assert article.published_at is None
    assert article.published_iso is None
    assert article.published_utc_offset_min is None
    assert article.story_code == "924469"


@pytest.mark.parametrize(
    ("date_line", "iso", "offset"),
    [
        ("March 31, 2021, 11:59", "2021-03-31T11:59:00", None),
        ("2021-03-31 11:59", "2021-03-31T11:59:00", None),
        ("31 марта 2021, 11:59", "2021-03-31T11:59:00", None),
        ("mercredi 31 mars 2021 - 18:30", "2021-03-31T18:30:00", None),
        ("2021-03-31T11:59:00+04:30", "2021-03-31T11:59:00+04:30", 270),
        ("2021-03-31T11:59:00-05:00", "2021-03-31T11:59:00-05:00", -300),
        ("31 March 2021", "2021-03-31", None),
    ],
)
def test_other_date_layouts_in_the_seed_position(date_line: str, iso: str, offset: int | None) -> None:
    article = _article(SEED.replace("Wednesday 31 March 2021 - 11:59", date_line))
    assert article.headline == SEED_HEADLINE
    assert article.published_iso == iso
    assert article.published_utc_offset_min == offset


def test_a_date_line_with_a_negative_offset_is_not_taken_for_the_headline() -> None:
    article = _article(SEED.replace("Wednesday 31 March 2021 - 11:59", "March 31, 2021 11:59 -0500"))
    assert article.headline == SEED_HEADLINE
    assert article.published_utc_offset_min == -300


def test_a_headline_with_a_month_name_is_the_headline_not_a_date() -> None:
    text = "March 31 deadline passes without a deal\n\nStory Code : 1\nThe talks ended on Wednesday."
    article = _article(text)
    assert article.headline == "March 31 deadline passes without a deal"
    assert article.published_at is None
    assert article.paragraphs == ("The talks ended on Wednesday.",)


def test_lines_of_one_paragraph_stay_together_and_paragraphs_split_on_blank_lines() -> None:
    article = _article("Headline\n\nline one\nline two\n\n\n\nsecond paragraph")
    assert article.paragraphs == ("line one\nline two", "second paragraph")
    assert article.body == "line one\nline two\n\nsecond paragraph"


def test_an_impossible_offset_in_the_date_line_does_not_crash_the_parser() -> None:
    """parse() returns an article or a Rejection for any text; today it raises ValueError from ParsedDate.iso()."""
    result = parse("2021-03-31T11:59:00+25:00\n\nHeadline\n\nBody text.")
    assert isinstance(result, ParsedArticle | Rejection)


# --- rejections, each with a reason ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n\r\n", "\ufeff", "\ufeff \r\n"])
def test_empty_text_is_rejected_as_empty(text: str) -> None:
    result = parse(text)
    assert isinstance(result, Rejection)
    assert result.reason == "empty"
    assert result.detail


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("\ufeff<!doctype html>\r\n<HTML><body>x</body></HTML>", "no_headline"),
        ("  \n<head><meta charset='utf-8'></head>\n<html lang='en'><body>x</body></html>", "no_headline"),
        ("<html><head><title>Home</title></head><body><nav><a href='/'>Home</a></nav></body></html>", "no_body"),
        ("<?xml version='1.0'?><rss><item><title>x</title></item></rss>", "unsupported_layout"),
    ],
)
def test_html_and_xml_documents_without_an_article_are_rejected_with_a_reason(text: str, reason: str) -> None:
    result = parse(text)
    assert isinstance(result, Rejection)
    assert result.reason == reason
    assert result.detail


@pytest.mark.parametrize(
    ("text", "headline", "paragraphs"),
    [
        (
            "<!DOCTYPE html>\n<html><head><title>Russia</title></head><body><p>Text</p></body></html>",
            "Russia",
            ("Text",),
        ),
        ("<html><body><h1>Russia Will Not Allow</h1><p>Body</p></body></html>", "Russia Will Not Allow", ("Body",)),
    ],
)
def test_html_pages_are_articles(text: str, headline: str, paragraphs: tuple[str, ...]) -> None:
    article = _article(text)  # more in test_parser_html.py
    assert (article.headline, article.paragraphs) == (headline, paragraphs)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('\ufeff{\r\n  "headline": "x"\r\n}', "not_an_article"),
        ('[{"headline": "a"}, {"headline": "b"}]', "not_an_article"),
        ('\n\n  {"headline": "x"}', "not_an_article"),
        ('{"headline": "x"', "invalid_json"),
    ],
)
def test_json_documents_that_are_not_one_article_are_rejected_with_a_reason(text: str, reason: str) -> None:
    result = parse(text)
    assert isinstance(result, Rejection)
    assert result.reason == reason
    assert result.detail


def test_json_documents_are_articles() -> None:
    article = _article('{"headline": "Russia Will Not Allow", "story_code": "924469", "body": "Text"}')
    assert (article.headline, article.story_code, article.paragraphs) == ("Russia Will Not Allow", "924469", ("Text",))


def test_a_date_line_alone_is_rejected_for_want_of_a_headline() -> None:
    result = parse("Wednesday 31 March 2021 - 11:59\n\n")
    assert isinstance(result, Rejection)
    assert result.reason == "no_headline"


@pytest.mark.parametrize(
    "text",
    [SEED_HEADLINE, f"Wednesday 31 March 2021 - 11:59\n\n{SEED_HEADLINE}", f"{SEED_HEADLINE}\n\nStory Code : 924469"],
)
def test_a_headline_without_body_is_rejected(text: str) -> None:
    result = parse(text)
    assert isinstance(result, Rejection)
    assert result.reason == "no_body"


def test_a_first_line_too_long_for_a_headline_is_rejected() -> None:
    result = parse("word " * 100 + "\n\nBody.")
    assert isinstance(result, Rejection)
    assert result.reason == "no_headline"
    assert str(len(("word " * 100).strip())) in result.detail


def test_a_headline_of_exactly_the_maximum_length_is_accepted() -> None:
    article = _article("h" * MAX_HEADLINE + "\n\nBody.")
    assert len(article.headline) == MAX_HEADLINE


# --- property: render in the seed layout, parse back -----------------------------------------------------------

_WORD_CHARS = st.characters(categories=["L", "N"], exclude_characters="\ufeff")
_WORD = st.text(_WORD_CHARS, min_size=1, max_size=12)
_PUNCT = st.sampled_from(["", "", "", ",", ".", ":", "!", "?", ";", "'", '"', "»", "…"])


@st.composite
def text_lines(draw: st.DrawFn, max_words: int = 12) -> str:
    words = draw(st.lists(st.tuples(_WORD, _PUNCT), min_size=1, max_size=max_words))
    return " ".join(w + p for w, p in words)


_paragraph = st.lists(text_lines(), min_size=1, max_size=3).map("\n".join)

_EN_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]  # fmt: skip
_RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
              "ноября", "декабря"]  # fmt: skip


@st.composite
def date_lines(draw: st.DrawFn) -> tuple[str, datetime, int | None]:
    day = draw(st.dates(min_value=datetime(1990, 1, 1).date(), max_value=datetime(2099, 12, 31).date()))
    w = datetime(day.year, day.month, day.day, draw(st.integers(0, 23)), draw(st.integers(0, 59)))
    hm = f"{w.hour:02d}:{w.minute:02d}"
    layout = draw(st.sampled_from(["seed", "us", "iso", "ru", "iso_offset"]))
    if layout == "iso_offset":
        offset = draw(st.integers(-12 * 4, 14 * 4)) * 15
        sign = "-" if offset < 0 else "+"
        oh, om = divmod(abs(offset), 60)
        return f"{w:%Y-%m-%dT%H:%M}:00{sign}{oh:02d}:{om:02d}", w, offset
    line = {
        "seed": f"{_EN_WEEKDAYS[w.weekday()]} {w.day} {_EN_MONTHS[w.month - 1]} {w.year} - {hm}",
        "us": f"{_EN_MONTHS[w.month - 1]} {w.day}, {w.year}, {hm}",
        "iso": f"{w:%Y-%m-%d} {hm}",
        "ru": f"{w.day} {_RU_MONTHS[w.month - 1]} {w.year}, {hm}",
    }[layout]
    return line, w, None


@given(
    date=st.none() | date_lines(),
    headline=text_lines(max_words=15),
    story_code=st.none() | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True),
    paragraphs=st.lists(_paragraph, min_size=1, max_size=5),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    gap=st.sampled_from(["\n", "\n\n", "\n\n\n"]),
)
@PROPS
def test_any_article_rendered_in_the_seed_layout_parses_back(
    date: tuple[str, datetime, int | None] | None,
    headline: str,
    story_code: str | None,
    paragraphs: list[str],
    newline: str,
    bom: bool,
    gap: str,
) -> None:
    # What makes a headline or a first body line something else is tested above; keep the generated ones plain.
    assume(parse_date(headline) is None)
    assume(parse_date(paragraphs[0].split("\n")[0]) is None)
    assume(not paragraphs[0].lower().startswith(("story", "<")))
    assume(not _LABEL.match(headline) and not _LABEL.match(paragraphs[0]))  # "Title: ...", "Source: ..." are headers

    text = f"{date[0]}{gap}\n" if date is not None else ""
    text += f"{headline}\n{gap}"
    if story_code is not None:
        text += f"Story Code : {story_code}\n"
    text += "\n\n".join(paragraphs) + "\n"
    # Lines of short values separated alike ("0, 0" over and over) read as a table too: which one it is
    # is the table detector's to say (tests/unit/test_table_detector.py), not this property's.
    assume(table_kind(text) is None)
    text = text.replace("\n", newline)
    if bom:
        text = "\ufeff" + text

    article = _article(text)
    assert article.headline == headline
    assert article.story_code == story_code
    assert article.paragraphs == tuple(paragraphs)
    if date is None:
        assert article.published_at is None
    else:
        assert article.published_at == date[1]
        assert article.published_utc_offset_min == date[2]


@given(st.text(max_size=400))
@PROPS
def test_parse_never_raises_and_always_gives_a_reason_or_an_article(text: str) -> None:
    result = parse(text)
    if isinstance(result, Rejection):
        assert result.reason in {"empty", "unsupported_layout", "no_headline", "no_body", "invalid_json",
                                 "not_an_article"}  # fmt: skip
        assert result.detail
    else:
        assert isinstance(result, ParsedArticle)
        assert result.headline
        assert result.paragraphs
        assert all(p.strip() for p in result.paragraphs)


# --- header lines in other orders, labelled, or in Markdown ---------------------------------------------------------

_BODY = '"The Americans keep repeating," Peskov said.\n\nSecond paragraph, with more words.'
_BODY_PARAGRAPHS = ('"The Americans keep repeating," Peskov said.', "Second paragraph, with more words.")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param(f"{SEED_HEADLINE}\n\nStory Code : 924469\n\nWednesday 31 March 2021 - 11:59\n\n{_BODY}", "924469",
                     id="headline-code-date"),
        pytest.param(f"Story Code : 924469\n\nWednesday 31 March 2021 - 11:59\n\n{SEED_HEADLINE}\n\n{_BODY}", "924469",
                     id="code-date-headline"),
        pytest.param(f"Title: {SEED_HEADLINE}\nDate: Wednesday 31 March 2021 - 11:59\nStory Code: 924469\n\n{_BODY}",
                     "924469", id="labelled"),
        pytest.param(f"# {SEED_HEADLINE}\n\n*Wednesday 31 March 2021 - 11:59*\n\n{_BODY}", None, id="markdown"),
        pytest.param(f"Subject: {SEED_HEADLINE}\nDate: Wednesday, 31 Mar 2021 11:59\nFrom: desk@example.com\n\n{_BODY}",
                     None, id="mail-export"),
        pytest.param(f"Wednesday 31 March 2021 - 11:59\n\n{SEED_HEADLINE}\n\nAuthor: John Smith\nStory Code : 924469\n"
                     f"{_BODY}", "924469", id="author-line"),
    ],
)  # fmt: skip
def test_header_lines_in_any_order_labelled_or_in_markdown(text: str, code: str | None) -> None:
    article = _article(text)
    assert article.headline == SEED_HEADLINE
    assert article.published_at == datetime(2021, 3, 31, 11, 59)
    assert article.story_code == code
    assert article.paragraphs == _BODY_PARAGRAPHS


def test_a_story_code_under_a_byline_is_lifted_and_the_byline_stays_in_the_body() -> None:
    article = _article(f"{SEED_HEADLINE}\n\nBy John Smith\n\nStory Code : 924469\n{_BODY}")
    assert article.story_code == "924469"
    assert article.paragraphs == ("By John Smith", *_BODY_PARAGRAPHS)


def test_an_unreadable_labelled_date_is_left_out_never_guessed() -> None:
    article = _article(f"Title: {SEED_HEADLINE}\nDate: sometime last spring\n\n{_BODY}")
    assert article.headline == SEED_HEADLINE
    assert article.published_at is None
    assert article.paragraphs == _BODY_PARAGRAPHS


def test_labelled_language_and_url_are_kept() -> None:
    article = _article(f"Title: {SEED_HEADLINE}\nLanguage: en-GB\nURL: https://news.example.com/a\n\n{_BODY}")
    assert (article.language, article.url) == ("en", "https://news.example.com/a")


def test_a_second_date_line_is_body_text() -> None:
    article = _article(f"Wednesday 31 March 2021 - 11:59\n\n{SEED_HEADLINE}\n\n1 April 2021\n\n{_BODY}")
    assert article.published_at == datetime(2021, 3, 31, 11, 59)
    assert article.paragraphs == ("1 April 2021", *_BODY_PARAGRAPHS)


def test_only_header_lines_is_no_headline() -> None:
    rejected = parse("Date: Wednesday 31 March 2021 - 11:59\nAuthor: John Smith\n")
    assert isinstance(rejected, Rejection) and rejected.reason == "no_headline"


def test_an_updated_line_that_is_not_a_date_stays_in_the_body() -> None:
    article = _article(f"{SEED_HEADLINE}\n\nUpdated: the minister's name was corrected.\n\n{_BODY}")
    assert article.paragraphs == ("Updated: the minister's name was corrected.", *_BODY_PARAGRAPHS)
