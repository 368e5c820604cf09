"""newswire_tools.entity_eval: the scorer's arithmetic, and the hand-annotated development set's offsets."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from newswire_tools import entity_eval as ev

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "entities_dev" / "docs.jsonl"


def test_normalise_folds_case_whitespace_possessives_a_final_stop_and_a_leading_the() -> None:
    assert ev.normalise("The  United\nStates's") == "united states"
    assert ev.normalise("Boeing’s") == "boeing"
    assert ev.normalise("Beatles'") == "beatles"
    assert ev.normalise("Apple Inc.") == ev.normalise("Apple Inc") == "apple inc"
    assert ev.normalise('"Anonymous"') == "anonymous"
    assert ev.normalise("Theodore") == "theodore"  # "the" only as a word of its own
    assert ev.normalise("  ") == ""


def test_entity_set_keeps_each_type_and_surface_once() -> None:
    found = ev.entity_set([("PER", "Scholz"), ("PER", "scholz"), ("PER", "Scholz's"), ("ORG", "Scholz"), ("LOC", " ")])
    assert found == {("PER", "scholz"), ("ORG", "scholz")}


def test_counts_of_one_document_per_type() -> None:
    gold = {("PER", "a"), ("PER", "b"), ("ORG", "c"), ("LOC", "e")}
    predicted = {("PER", "a"), ("ORG", "b"), ("LOC", "d"), ("LOC", "e")}
    counts = ev.score_doc(gold, predicted)
    assert (counts["PER"].tp, counts["PER"].fp, counts["PER"].fn) == (1, 0, 1)
    assert (counts["ORG"].tp, counts["ORG"].fp, counts["ORG"].fn) == (0, 1, 1)  # right surface, wrong type
    assert (counts["LOC"].tp, counts["LOC"].fp, counts["LOC"].fn) == (1, 1, 0)


def test_precision_recall_and_f1() -> None:
    c = ev.Counts(tp=3, fp=1, fn=2)
    assert c.precision == pytest.approx(0.75)
    assert c.recall == pytest.approx(0.6)
    assert c.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    empty = ev.Counts()
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)
    assert ev.Counts(tp=0, fp=2, fn=0).f1 == 0.0


def test_documents_are_micro_averaged_not_averaged_per_document() -> None:
    # doc 1: 1 right of 1 predicted, 1 gold (P=R=1); doc 2: 1 right of 4 predicted, 9 gold.
    gold = [{("PER", "a")}, {("PER", f"g{i}") for i in range(9)}]
    predicted = [{("PER", "a")}, {("PER", "g0"), ("PER", "x"), ("PER", "y"), ("PER", "z")}]
    total = ev.score(gold, predicted)
    assert (total["PER"].tp, total["PER"].fp, total["PER"].fn) == (2, 3, 8)
    assert total["PER"].precision == pytest.approx(2 / 5)  # a per-document average would be (1 + 1/4) / 2
    assert total["PER"].recall == pytest.approx(2 / 10)
    assert total["all"].tp == 2 and total["ORG"].tp + total["ORG"].fp + total["ORG"].fn == 0


def test_the_same_name_in_two_documents_counts_twice() -> None:
    total = ev.score([{("LOC", "paris")}, {("LOC", "paris")}], [{("LOC", "paris")}, set()])
    assert (total["LOC"].tp, total["LOC"].fn) == (1, 1)


def test_score_wants_one_prediction_per_document() -> None:
    with pytest.raises(ValueError):
        ev.score([set(), set()], [set()])


def test_spacy_labels_map_to_the_three_types_and_the_others_are_dropped() -> None:
    text = "Angela Merkel of the CDU met French officials in Paris at the Elysee Palace on Monday near the Alps."

    def at(label: str, name: str) -> tuple[str, int, int]:
        return (label, text.index(name), text.index(name) + len(name))

    ents = [at("PERSON", "Angela Merkel"), at("ORG", "CDU"), at("NORP", "French"), at("GPE", "Paris")]
    ents += [at("FAC", "the Elysee Palace"), at("DATE", "Monday"), at("LOC", "Alps")]
    assert ev.from_spacy(text, ents) == {
        ("PER", "angela merkel"),
        ("ORG", "cdu"),
        ("LOC", "paris"),
        ("LOC", "elysee palace"),
        ("LOC", "alps"),
    }


def test_newswire_is_read_at_its_spans_and_its_countries_count_as_places_but_not_demonyms() -> None:
    text = "German Chancellor Olaf Scholz met the Bank of England in London. Scholz left for Kyiv."
    span = {w: (text.index(w), text.index(w) + len(w)) for w in ("German", "Olaf Scholz", "Bank of England", "London")}
    # entities.Result's shape, without importing services.enrich.entities (only from_result is under test)
    result = SimpleNamespace(
        persons=[SimpleNamespace(spans=[span["Olaf Scholz"], (text.rindex("Scholz"), text.rindex("Scholz") + 6)])],
        organizations=[SimpleNamespace(spans=[span["Bank of England"]])],
        locations=[SimpleNamespace(spans=[span["London"]])],
        countries={
            "DE": [span["German"]],  # a demonym: not an entity
            "GB": [(span["Bank of England"][1] - 7, span["Bank of England"][1]), span["London"]],  # in an org
            # a country mention that is not among the locations still counts
            "UA": [(text.index("Kyiv"), text.index("Kyiv") + 4)],
        },
    )
    dropped = ev.Dropped()
    assert ev.from_result(text, result, dropped) == {
        ("PER", "olaf scholz"),
        ("PER", "scholz"),
        ("ORG", "bank of england"),
        ("LOC", "london"),
        ("LOC", "kyiv"),
    }
    assert (dropped.demonyms, dropped.in_org) == (1, 1)


def test_an_unrunnable_spacy_is_reported_not_raised(tmp_path: Path) -> None:
    missing = ev.run_spacy([ev.Doc("d", "Text.", "en")], str(tmp_path / "no-python"), ev.SPACY_MODELS)
    assert isinstance(missing, str) and "could not be run" in missing
    # this interpreter has no spaCy (it is not a dependency): the child fails, and says so
    no_spacy = ev.run_spacy([ev.Doc("d", "Text.", "en")], sys.executable, ["no_such_pipeline"])
    assert isinstance(no_spacy, str)


def test_the_report_shows_every_type_and_the_errors(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    text = "Olaf Scholz visited Paris."
    row = {"id": "x", "source": "s", "licence": "l", "title": "t", "text": text}
    row["entities"] = [{"start": 0, "end": 11, "type": "PER", "text": "Olaf Scholz"}]
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    docs = ev.load(path)
    predicted = [{("PER", "olaf scholz"), ("LOC", "paris")}]
    out = ev.report(docs, (predicted, [1.0], ev.Dropped()), "spaCy could not be run", top=5)
    assert "PER      1  1.000  1.000  1.000" in out
    assert "paris (1)" in out and "spaCy could not be run" in out


def test_a_set_whose_offsets_do_not_match_its_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    row = {"id": "x", "text": "Olaf Scholz", "entities": [{"start": 0, "end": 4, "type": "PER", "text": "Olaf Scholz"}]}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(ValueError):
        ev.load(path)


# --- the development set itself ------------------------------------------------------------------------------


def _rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_offset_in_the_development_set_is_its_entity_text() -> None:
    rows = _rows()
    assert len(rows) >= 40
    for row in rows:
        text = row["text"]
        assert isinstance(text, str) and isinstance(row["entities"], list)
        previous_end = -1
        for e in sorted(row["entities"], key=lambda e: (e["start"], e["end"])):
            assert e["type"] in ("PER", "ORG", "LOC"), (row["id"], e)
            assert 0 <= e["start"] < e["end"] <= len(text), (row["id"], e)
            assert text[e["start"] : e["end"]] == e["text"], (row["id"], e)
            assert e["text"] == e["text"].strip() and e["text"][-2:] not in ("'s", "’s"), (row["id"], e)
            assert e["start"] >= previous_end, (row["id"], "overlapping entities", e)  # no nesting
            previous_end = e["end"]


def test_every_document_has_an_id_a_source_a_licence_and_a_title() -> None:
    rows = _rows()
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids)
    for row in rows:
        for key in ("source", "licence", "title", "date"):
            assert isinstance(row.get(key), str) and row[key], (row["id"], key)
        assert row["entities"], row["id"]
    assert ev.load(DEV_SET)  # and the scorer reads it
