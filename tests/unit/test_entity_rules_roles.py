"""Role nouns, titles, organisation nouns and particles around persons' names (English).

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


# Particles: a person's name is given as the text writes it, its particles included ("bin", "da",
# "von der"), and an Arabic article glued to a name ("al-Assad") is part of it. All were wrong before:
# the particles were dropped from the name ("Mohammed Salman"), and "al-" cut it in two.


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Mohammed bin Salman met the envoy in Riyadh on Tuesday.", "Mohammed bin Salman"),
        ("Luiz Inacio Lula da Silva won the election in Brazil.", "Luiz Inacio Lula da Silva"),
        ("Ursula von der Leyen spoke in Brussels on Monday.", "Ursula von der Leyen"),
        ("Syrian opposition leader Suleiman al-Amr said the talks had failed.", "Suleiman al-Amr"),
        ("Abu Bakr al-Baghdadi was killed in a raid, officials said.", "Abu Bakr al-Baghdadi"),
        ("Egyptian President Abdel Fattah el-Sisi visited the dam.", "Abdel Fattah el-Sisi"),
    ],
)
def test_a_name_keeps_its_particles_as_written(text: str, person: str) -> None:
    assert persons(text) == [person]


def test_a_surname_alone_later_is_the_same_person_as_the_name_with_its_article() -> None:
    text = "Bashar al-Assad met Vladimir Putin in Moscow. Later, Assad said the war was over."
    found = {p.name: [text[s:e] for s, e in p.spans] for p in extract(text, "en").persons}
    assert found["Bashar al-Assad"] == ["Bashar al-Assad", "Assad"]


def organisations(text: str) -> list[str]:
    return [o.name for o in extract(text, "en").organizations]


# "and" inside an organisation's name: "<organisation word> of <A> and <B>" is one name (each was cut
# at "and" before); words after "and" that start another name keep it apart (guards).


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Department of Health and Human Services issued new rules.", ["Department of Health and Human Services"]),
        (
            "He heads the National Institute of Allergy and Infectious Diseases in Maryland.",
            ["National Institute of Allergy and Infectious Diseases"],
        ),
        ("The Ministry of Industry and Trade said exports rose.", ["Ministry of Industry and Trade"]),
    ],
)
def test_an_organisation_name_with_and_after_of_is_one_name(text: str, expected: list[str]) -> None:
    assert organisations(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Department of Justice and FBI opened an inquiry.", ["Department of Justice", "FBI"]),
        ("The Bank of England and Goldman Sachs raised forecasts.", ["Bank of England", "Goldman Sachs"]),
        ("The University of Oxford and Cambridge University signed.", ["University of Oxford", "Cambridge University"]),
        ("The Ministry of Foreign Affairs and Russia disagreed.", ["Ministry of Foreign Affairs"]),
    ],
)
def test_words_after_and_that_start_another_name_stay_apart(text: str, expected: list[str]) -> None:
    assert organisations(text) == expected


def test_a_person_of_an_organisation_after_and_stays_a_person() -> None:
    text = "Alan Leong of the Civic Party and Wong Pik-wan of the Democratic Party spoke."
    assert "Wong Pik-wan" in persons(text)
    assert set(organisations(text)) == {"Civic Party", "Democratic Party"}


# Names that a leading common word opened, particles of Dutch, Spanish, Italian and Arabic names, and
# storms. Wrong before: both "New York Times" cases ("York Times" and a place "New York City"), "Erik
# ten Hag" ("Erik" and "Hag"), "Guillermo del Toro", "Hurricane Ian" (a person); the others are guards.


@pytest.mark.parametrize(
    "text",
    ["The New York Times reported the story.", "He told the New York Times that he would run."],
)
def test_a_leading_common_word_that_opens_a_known_name_is_kept(text: str) -> None:
    result = extract(text, "en")
    assert [o.name for o in result.organizations] == ["New York Times"]
    assert result.locations == []


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Manchester United manager Erik ten Hag said the team was tired.", "Erik ten Hag"),
        ("Director Guillermo del Toro won the award on Sunday.", "Guillermo del Toro"),
        ("Abdullah ibn Abdulaziz ruled for a decade.", "Abdullah ibn Abdulaziz"),
    ],
)
def test_more_particles_inside_a_name(text: str, person: str) -> None:
    assert persons(text) == [person]


@pytest.mark.parametrize(
    "text",
    ["Hurricane Ian made landfall in Florida on Wednesday.", "Typhoon Haiyan killed thousands in the Philippines."],
)
def test_a_storm_is_no_person(text: str) -> None:
    assert persons(text) == []


# A given name before a known club's or company's name is a person's ("Peter Blackburn" was the club
# "Blackburn"); "for" names an organisation as "of" does ("Organisation for Economic Co-operation and
# Development" was cut at "and"); a person's full name owns what follows its possessive ("Boris
# Johnson's Conservative Party" was one organisation); "Lord" alone is nobody ("Lord's" was a person).


def test_a_given_name_before_a_club_name_is_a_person() -> None:
    text = "Peter Blackburn, a spokesman for the European Union, told reporters in Brussels."
    assert persons(text) == ["Peter Blackburn"]
    assert organisations(text) == ["European Union"]


def test_a_common_word_before_a_known_name_at_a_sentence_start_is_dropped() -> None:  # guard
    assert organisations("Will Apple sell more phones this year?") == ["Apple"]


def test_an_organisation_for_a_and_b_is_one_name() -> None:
    text = "The Organisation for Economic Co-operation and Development raised its forecast."
    assert organisations(text) == ["Organisation for Economic Co-operation and Development"]


def test_a_persons_possessive_before_an_organisation_makes_two_names() -> None:
    text = "Boris Johnson's Conservative Party lost seats in the local elections."
    assert persons(text) == ["Boris Johnson"]
    assert organisations(text) == ["Conservative Party"]


def test_a_cricket_ground_is_no_person() -> None:
    assert "Lord" not in persons("Pakistan's bowlers took five wickets as England collapsed at Lord's.")


# A part of a country is a location of its own name, counted as a mention of its country ("Crimea"
# was a location "Ukraine", "Gaza" one named "Palestinian Territory").


def test_a_part_of_a_country_keeps_its_own_name_and_counts_for_its_country() -> None:
    text = "Russia annexed Crimea in 2014. Fighting goes on in Gaza and the West Bank."
    result = extract(text, "en")
    located = {loc.name: loc.place.code for loc in result.locations if loc.place is not None}
    assert located == {"Russia": "RU", "Crimea": "UA", "Gaza": "PS", "West Bank": "PS"}
    assert {code: len(spans) for code, spans in result.countries.items()} == {"RU": 1, "UA": 1, "PS": 2}
