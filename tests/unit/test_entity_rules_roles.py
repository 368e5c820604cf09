"""Role nouns, titles and organisation nouns around persons' names (English).

A noun of a role that opens a sentence carries the sentence's capital, not the name's ("Lawmaker Wu
Chi-wai said"); two initials open a name whatever word comes before them ("Author J. K. Rowling"); a
lone title or organisation noun is nobody's name ("The Church said", "The Duke of Edinburgh"). The
cases marked "was wrong" failed on the extractor before the change; the others guard what was right.
"""

from __future__ import annotations

import pytest

from services.enrich.entities import extract


def persons(text: str) -> list[str]:
    return [p.name for p in extract(text, "en").persons]


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Lawmaker Wu Chi-wai said the bill would pass.", "Wu Chi-wai"),  # was wrong
        ("Author J. K. Rowling spoke in London on Monday.", "J. K. Rowling"),  # was wrong ("J")
        ("Historian Jane Smith said the archive was lost.", "Jane Smith"),  # was wrong
        ("Spokeswoman Maria Lopez declined to comment.", "Maria Lopez"),
    ],
)
def test_a_role_noun_opening_the_sentence_is_not_part_of_the_name(text: str, person: str) -> None:
    assert persons(text) == [person]


@pytest.mark.parametrize(
    "text",
    [
        "The Church said it would appeal the ruling.",  # was wrong
        "The Duke of Edinburgh visited Canada in May.",  # was wrong
        "The Council said the road would close.",
    ],
)
def test_a_lone_title_or_organisation_noun_is_no_person(text: str) -> None:
    assert persons(text) == []


def test_a_title_after_a_person_is_not_a_second_person() -> None:
    assert persons("Prince Philip, the Duke of Edinburgh, visited Canada.") == ["Philip"]  # was wrong (+ "Duke")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Peter Walker said the bill would pass.", ["Peter Walker"]),  # a given name ending as agent nouns do
        ("Walter Peter Smith said so on Friday.", ["Walter Peter Smith"]),
        ("Hunter Biden said so on Friday.", ["Hunter Biden"]),
        ("He met George W. Bush in Texas.", ["George W. Bush"]),
        ("They played in Group B. John Smith said it was over.", ["John Smith"]),  # an initial ending a sentence
    ],
)
def test_names_that_were_right_stay_right(text: str, expected: list[str]) -> None:
    assert persons(text) == expected
