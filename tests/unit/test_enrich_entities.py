"""services.enrich.entities and gazetteer: people, organisations, places, ISO country codes."""

from __future__ import annotations

import pytest

from services.enrich import gazetteer
from services.enrich.entities import extract


def names(text: str, kind: str, lang: str = "en") -> list[str]:
    return [f.name for f in getattr(extract(text, lang), kind)]


def countries(text: str, lang: str = "en") -> dict[str, int]:
    return {code: len(spans) for code, spans in extract(text, lang).countries.items()}


def test_title_and_given_name_make_a_person_and_a_surname_resolves_to_the_full_name() -> None:
    text = "Foreign Minister Maria Lopez arrived on Monday. Lopez said the talks would go on."
    result = extract(text, "en")
    assert [(p.name, len(p.spans)) for p in result.persons] == [("Maria Lopez", 2)]
    assert result.persons[0].spans == [(17, 28), (48, 53)]


def test_a_surname_alone_with_a_speech_verb_is_a_person_and_alone_without_cue_is_not() -> None:
    assert names("The plan failed, Kowalczyk said on Friday.", "persons") == ["Kowalczyk"]
    assert names("Kowalczyk is a small town.", "persons") == []


def test_a_given_name_inside_a_person_is_not_a_place() -> None:
    result = extract("President Vladimir Putin met Olaf Scholz in Moscow.", "en")
    assert [p.name for p in result.persons] == ["Vladimir Putin", "Olaf Scholz"]
    assert [loc.name for loc in result.locations] == ["Moscow"]
    assert {code: len(s) for code, s in result.countries.items()} == {"RU": 1}


@pytest.mark.parametrize(
    ("text", "orgs"),
    [
        ("The Russian Embassy in Paris protested.", ["Russian Embassy"]),
        ("NATO and the Kremlin disagreed.", ["NATO", "Kremlin"]),
        ("The Bank of England held rates.", ["Bank of England"]),
        ("She told Russia's Argumenty i Fakty newspaper.", ["Argumenty i Fakty"]),
        ("The order went to Hindustan Aeronautics Limited on Monday.", ["Hindustan Aeronautics Limited"]),
        ("General Electric and Goldman Sachs reported profits.", ["General Electric", "Goldman Sachs"]),
        ("The Bundestag voted. Rival BYD sold more cars than Volkswagen.", ["Bundestag", "BYD", "Volkswagen"]),
        ("Shares in the Wolfsburg-based company fell.", []),  # a description, not a name
        ("Siemens AG and Thyssen GmbH signed the deal.", ["Siemens AG", "Thyssen GmbH"]),
    ],
)
def test_organisations(text: str, orgs: list[str]) -> None:
    assert names(text, "organizations") == orgs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russian officials met American envoys in Washington.", {"RU": 1, "US": 2}),
        ("The U.S. and the UK warned Kiev.", {"US": 1, "GB": 1, "UA": 1}),
        ("Russia-US relations soured over Syria.", {"RU": 1, "US": 1, "SY": 1}),
        ("The EU and the Middle East", {}),  # the EU is not a country, a region has none
        ("George Washington crossed the river.", {}),  # a place name inside a person's name is no mention
    ],
)
def test_countries_from_names_demonyms_capitals_and_aliases(text: str, expected: dict[str, int]) -> None:
    assert countries(text) == expected


def test_russian_and_french_forms() -> None:
    assert countries("Президент России Владимир Путин прибыл в Москву.", "ru") == {"RU": 2}
    assert names("Президент России Владимир Путин прибыл в Москву.", "persons", "ru") == ["Владимир Путин"]
    assert countries("Les soldats français ont quitté le Mali pour le Niger.", "fr") == {"FR": 1, "ML": 1, "NE": 1}


@pytest.mark.parametrize(
    ("text", "person", "country"),
    [
        ("Ранее госсекретарь США Энтони Блинкен заявил о новых ограничениях.", "Энтони Блинкен", "US"),
        ("Председатель КНР Си Цзиньпин пообещал выделить кредиты.", "Си Цзиньпин", "CN"),
    ],
)
def test_a_russian_title_and_country_before_a_name_give_the_person_and_the_country(
    text: str, person: str, country: str
) -> None:
    assert names(text, "persons", "ru") == [person]
    assert countries(text, "ru") == {country: 1}


def test_places_carry_coordinates_and_codes() -> None:
    moscow = gazetteer.english()["Moscow"]
    assert (moscow.code, moscow.kind) == ("RU", "city")
    assert moscow.lat == pytest.approx(55.75, abs=0.1) and moscow.lon == pytest.approx(37.62, abs=0.1)
    assert gazetteer.english()["Kyiv"].code == gazetteer.english()["Kiev"].code == "UA"
