"""services.enrich.quotes: quotation, speaker and verb."""

from __future__ import annotations

import pytest

from services.enrich.quotes import extract

PEOPLE = [("Maria Lopez", [(0, 11)]), ("Dmitry Peskov", [(20, 33)])]


@pytest.mark.parametrize(
    ("text", "speaker", "verb"),
    [
        ('"We will not back down on this," Lopez said.', "Maria Lopez", "said"),
        ('"We will not back down on this," said Foreign Minister Maria Lopez.', "Maria Lopez", "said"),
        ('Lopez told reporters: "The talks are over for now."', "Maria Lopez", "told"),
        ("“This is a good deal for everyone,” he added.", "Dmitry Peskov", "added"),
        ("«Это исключено, и точка», — заявил Пескова.", "Дмитрий Песков", "заявил"),
        ("« Nous ne céderons pas sur ce point », a déclaré la ministre, Maria Lopez.", "Maria Lopez", "a déclaré"),
        ('"We are here to stay for good," the Kremlin spokesman said.', "Dmitry Peskov", "said"),
    ],
)
def test_speaker_and_verb(text: str, speaker: str, verb: str) -> None:
    people = [("Maria Lopez", [(0, 11)]), ("Dmitry Peskov", [(16, 29)]), ("Дмитрий Песков", [(200, 214)])]
    quotes = extract("Maria Lopez met Dmitry Peskov.\n\n" + text, people)
    assert [(q.speaker, q.verb) for q in quotes] == [(speaker, verb)]


def test_scare_quotes_are_not_quotes_and_a_sentence_after_a_closed_quote_is_no_attribution() -> None:
    text = 'He called it an "extreme scenario" today. The ministry said it was "nothing to be proud of." Lopez said no.'
    quotes = extract(text, PEOPLE)
    assert [(q.text, q.speaker) for q in quotes] == [("nothing to be proud of.", "The ministry")]


def test_offsets_point_at_the_quote() -> None:
    text = 'Intro. "One two three four," Lopez said.'
    (q,) = extract(text, PEOPLE)
    assert text[q.start : q.start + len(q.text)] == q.text == "One two three four,"


@pytest.mark.parametrize(
    ("text", "speaker", "verb"),
    [
        (
            'The Russian Embassy in the US described the report as "another set of baseless accusations against us."',
            "Russian Embassy",
            "described",
        ),
        (
            'A spokesman for the Ministry of Defence said: "The exercises will go ahead as planned next week."',
            "spokesman for the Ministry of Defence",
            "said",
        ),
    ],
)
def test_a_name_at_the_end_of_a_longer_subject_is_not_the_speaker(text: str, speaker: str, verb: str) -> None:
    # the speaker is the whole subject (an organisation, an unnamed spokesman of one), not "US" or "Defence"
    [quote] = extract(text, [])
    assert (quote.speaker, quote.verb) == (speaker, verb)
