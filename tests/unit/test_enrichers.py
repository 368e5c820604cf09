"""services.enrich.enrichers: language, counts and reading time, as pure functions."""

from __future__ import annotations

import math
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswire.contracts import Enrichment
from services.enrich.enrichers import ENRICHER_VERSION, WORDS_PER_MINUTE, counts, enrich, language
from services.store.parser import ParsedArticle, parse

SEED = (Path(__file__).resolve().parents[2] / "seeds" / "000_d7b03ab2b022693d.txt").read_text(encoding="utf-8")
PROPS = settings(max_examples=100, deadline=None)

RU = (
    "Пресс-секретарь президента России Дмитрий Песков заявил, что Россия не позволит американцам "
    "разговаривать с ней с позиции силы. По его словам, это исключено."
)
FR = (
    "Le porte-parole du Kremlin a déclaré mercredi que la Russie ne permettrait pas aux Américains de lui "
    "parler en position de force. Selon lui, c'est exclu."
)
DE = (
    "Der Kremlsprecher sagte am Mittwoch, Russland werde es den Amerikanern nicht erlauben, aus einer Position "
    "der Stärke zu sprechen."
)
ES = (
    "El portavoz del Kremlin afirmó el miércoles que Rusia no permitirá que los estadounidenses le hablen desde "
    "una posición de fuerza."
)


def _seed() -> ParsedArticle:
    article = parse(SEED)
    assert isinstance(article, ParsedArticle)
    return article


# --- language --------------------------------------------------------------------------------------------------


def test_the_seed_is_english() -> None:
    article = _seed()
    result = enrich(article.headline, article.body)
    assert result.language == "en"
    assert result.language_confidence > 0.9


@pytest.mark.parametrize(("text", "code"), [(RU, "ru"), (FR, "fr"), (DE, "de"), (ES, "es")])
def test_language_of_news_prose(text: str, code: str) -> None:
    found, confidence = language(text)
    assert found == code
    assert 0.5 < confidence <= 1.0


def test_the_headline_counts_towards_the_language() -> None:
    # A body too short to say anything, in a Russian article: the headline decides.
    result = enrich(RU, "OK.")
    assert result.language == "ru"


@pytest.mark.parametrize("text", ["", "   ", "Hi", "Hello there", "—", "!!! ???"])
def test_fewer_than_three_words_give_no_language(text: str) -> None:
    assert language(text) == (None, 0.0)


@pytest.mark.parametrize("text", ["2021 2022 2023", "1 2 3 4 5", "100 200 300\n\n400 500"])
def test_text_without_words_of_any_language_has_no_language(text: str) -> None:
    """Contract: language is null when undetectable. Today numbers alone come back as 'mg' (Malagasy) or 'pcm'."""
    found, confidence = language(text)
    assert found is None, f"{text!r} was given language {found!r} (confidence {confidence})"


@pytest.mark.parametrize(
    "text",
    ["Hello big world", "Photo gallery\nPhotos: Moscow Kremlin Red Square", RU, FR, SEED],
)
def test_language_is_an_iso_639_1_code_or_none(text: str) -> None:
    """Contract (Enrichment.language): an ISO 639-1 code. py3langid also knows 'pcm', 'fuv', 'zxx', ... (not 639-1)."""
    found, _ = language(text)
    assert found is None or (len(found) == 2 and found.isascii() and found.islower()), found


def test_language_reads_a_bounded_sample() -> None:
    # 2000 characters of Russian, then a long French tail: the sample decides, the tail is not read.
    text = (RU + " ") * (2000 // len(RU) + 1) + FR * 200
    assert language(text)[0] == "ru"


# --- counts ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words", "sentences", "paragraphs"),
    [
        ("One two three. Four five!\n\nSix seven eight nine ten?", 10, 3, 2),
        ("Don't stop the state-of-the-art test.", 5, 1, 1),  # contractions and hyphenated words are one word
        ("In 2020, a 15-page report\n\nno end here\n\n\n\nWait... what?! Yes.", 11, 5, 3),
        ("Пресс-секретарь заявил: «Это исключено». Песков ответил.", 6, 2, 1),
        ('He said "no." Then he left.', 6, 2, 1),
        ("a paragraph without a full stop", 6, 1, 1),  # a paragraph is at least one sentence
        ("", 0, 0, 0),
        ("\n\n   \n\n", 0, 0, 0),
    ],
)
def test_word_sentence_and_paragraph_counts_of_known_texts(
    body: str, words: int, sentences: int, paragraphs: int
) -> None:
    assert counts(body) == (words, sentences, paragraphs)


def test_seed_counts() -> None:
    article = _seed()
    result = enrich(article.headline, article.body)
    assert result.paragraph_count == 10
    assert result.word_count == 312 == len(article.body.split())  # every whitespace token of the seed is a word
    assert result.sentence_count == 14
    assert result.reading_time_s == math.ceil(312 * 60 / WORDS_PER_MINUTE) == 82


def test_the_headline_is_not_counted_in_the_body_figures() -> None:
    result = enrich("A long headline with many many words in it", "One two.")
    assert (result.word_count, result.sentence_count, result.paragraph_count) == (2, 1, 1)


_ascii_word = st.text(st.sampled_from(string.ascii_letters), min_size=1, max_size=10)


@given(paragraphs=st.lists(st.lists(_ascii_word, min_size=1, max_size=30), min_size=1, max_size=10))
@PROPS
def test_counts_of_generated_paragraphs(paragraphs: list[list[str]]) -> None:
    body = "\n\n".join(" ".join(words) + "." for words in paragraphs)
    assert counts(body) == (sum(map(len, paragraphs)), len(paragraphs), len(paragraphs))


# --- reading time ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_words", "seconds"),
    [(0, 0), (1, 1), (WORDS_PER_MINUTE, 60), (WORDS_PER_MINUTE + 1, 61), (2 * WORDS_PER_MINUTE, 120)],
)
def test_reading_time_is_words_at_the_reading_speed_rounded_up(n_words: int, seconds: int) -> None:
    assert enrich("Headline", " ".join(["word"] * n_words)).reading_time_s == seconds


@given(a=st.integers(0, 3000), b=st.integers(0, 3000))
@PROPS
def test_reading_time_grows_with_words(a: int, b: int) -> None:
    ta = enrich("H", " ".join(["word"] * a)).reading_time_s
    tb = enrich("H", " ".join(["word"] * b)).reading_time_s
    if a < b:
        assert ta <= tb
    if b - a >= WORDS_PER_MINUTE:
        assert tb - ta >= 59


def test_a_longer_article_takes_longer_to_read() -> None:
    article = _seed()
    short = enrich(article.headline, article.paragraphs[0])
    full = enrich(article.headline, article.body)
    assert full.reading_time_s > short.reading_time_s > 0


# --- the Enrichment as a whole ---------------------------------------------------------------------------------


def test_enrich_returns_a_versioned_enrichment() -> None:
    article = _seed()
    result = enrich(article.headline, article.body)
    assert isinstance(result, Enrichment)
    assert result.enricher_version == ENRICHER_VERSION
    assert enrich(article.headline, article.body) == result  # pure: same input, same output
