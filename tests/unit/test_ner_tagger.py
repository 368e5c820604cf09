"""The statistical entity tagger (newswire_tools/ner/tagger.py), its training (newswire_tools/ner/train.py)
and the conversion of its training data (newswire_tools/ner/data.py).

A tiny model is trained here from sentences written for these tests, so that the tests do not depend
on the shipped model; the last test loads the shipped model and tags a sentence of our own.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from newswire_tools.ner import data, train
from services.enrich import tagger

LISTS = tagger.Lists(
    first_names=frozenset({"maria", "peter", "anna"}),
    titles=frozenset({"president", "mr", "dr"}),
    org_words=frozenset({"bank", "council", "university"}),
    known_orgs=frozenset({"Red Cross"}),
    places={"Lisbon": "city", "Norway": "country", "Oslo": "city"},
)

# (text, names), the names as (surface, type); each sentence tokenises as the tagger does at run time
SENTENCES = [
    ("Maria Lopes visited Lisbon on Monday .", [("Maria Lopes", "PER"), ("Lisbon", "LOC")]),
    ("The Central Bank of Norway raised rates .", [("Central Bank of Norway", "ORG")]),
    ("Peter Olsen works for the Red Cross in Oslo .", [("Peter Olsen", "PER"), ("Red Cross", "ORG"), ("Oslo", "LOC")]),
    ("Anna Berg left Norway for Lisbon .", [("Anna Berg", "PER"), ("Norway", "LOC"), ("Lisbon", "LOC")]),
    ("President Maria Lopes met the Red Cross .", [("Maria Lopes", "PER"), ("Red Cross", "ORG")]),
    ("The University of Oslo hired Dr. Peter Olsen .", [("University of Oslo", "ORG"), ("Peter Olsen", "PER")]),
    ("On Monday it rained in Oslo and in Lisbon .", [("Oslo", "LOC"), ("Lisbon", "LOC")]),
    ("Rates rose , the Central Bank of Norway said .", [("Central Bank of Norway", "ORG")]),
]


def _bio(text: str, names: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The sentence's tokens (as the tagger splits them) and their BIO tags."""
    spans = tagger.tokenize(text)
    words = [text[s:e] for s, e in spans]
    tags = ["O"] * len(words)
    for surface, typ in names:
        start = text.index(surface)
        inside = [k for k, (s, e) in enumerate(spans) if start <= s and e <= start + len(surface)]
        for n, k in enumerate(inside):
            tags[k] = ("B-" if n == 0 else "I-") + typ
    return words, tags


@pytest.fixture(scope="module")
def tiny() -> tagger.Tagger:
    sentences = [_bio(text, names) for text, names in SENTENCES]
    return tagger.Tagger(train.train(sentences, LISTS, epochs=10), LISTS)


def test_training_learns_the_sentences_it_was_given(tiny: tagger.Tagger) -> None:
    for text, names in SENTENCES:
        found = [(text[s:e], t) for s, e, t in tiny.tag(text)]
        assert sorted(found) == sorted(names), text


def test_spans_are_character_offsets_into_the_text(tiny: tagger.Tagger) -> None:
    text = "  «Maria Lopes» visited Lisbon's harbour;\n\nthe Red Cross in Oslo agreed."
    found = tiny.tag(text)
    assert all(0 <= s < e <= len(text) for s, e, _ in found)
    assert [(text[s:e], t) for s, e, t in found] == [
        ("Maria Lopes", "PER"),
        ("Lisbon", "LOC"),
        ("Red Cross", "ORG"),
        ("Oslo", "LOC"),
    ]


def test_tokens_keep_initialisms_titles_and_split_possessives() -> None:
    text = "Dr. Smith's U.S. trip, O'Brien and AT&T."
    assert [text[s:e] for s, e in tagger.tokenize(text)] == [
        "Dr.",
        "Smith",
        "'s",
        "U.S.",
        "trip",
        ",",
        "O'Brien",
        "and",
        "AT&T",
        ".",
    ]


def test_run_time_scoring_is_the_training_scoring(tiny: tagger.Tagger) -> None:
    """The packed integer scores of tag_words pick what Model.best (the training path) picks."""
    text = "Peter Olsen and Anna Berg of the Central Bank of Norway met in Oslo , Lisbon and Bergen ."
    words = [text[s:e] for s, e in tagger.tokenize(text)]
    starts = tagger.words_starts(words)
    model = tiny.model
    expected: list[str] = []
    prev, prev2 = "<s>", "<s>"
    for i, feats in enumerate(tagger.token_features(words, starts, LISTS)):
        guess = (
            "O"
            if feats is None or not tagger.scored(words, i, prev)
            else model.classes[model.best(tagger.tag_features(feats, prev, prev2, words[i].lower()), prev)]
        )
        expected.append(guess)
        prev2, prev = prev, guess
    assert model.tag_words(words, starts, LISTS) == expected


def test_a_joiner_outside_a_name_is_not_scored() -> None:
    words = ["talks", "of", "peace", "in", "the", "Hague", "and", "Bank", "of", "England", "and", "more"]
    after_o = [tagger.scored(words, i, "O") for i in range(len(words))]
    # lower-case words: no candidates; joiners after an O: scored only when a capitalised word follows ("in"
    # before "the" is not; "the" before "Hague" is)
    assert after_o == [False, False, False, False, True, True, True, True, True, True, False, False]
    assert tagger.scored(words, 8, "B-ORG")  # "of" inside "Bank of England" is scored


def test_a_model_survives_the_file(tiny: tagger.Tagger, tmp_path: Path) -> None:
    path = tmp_path / "model.json.gz"
    tiny.model.save(path)
    again = tagger.Tagger(tagger.Model.read(path), LISTS)
    text = SENTENCES[2][0]
    assert again.tag(text) == tiny.tag(text)


def test_tagging_is_linear_in_the_text(tiny: tagger.Tagger) -> None:
    sentence = "Maria Lopes of the Central Bank of Norway visited Oslo and Lisbon, said the Red Cross. "
    text = (sentence * (100_000 // len(sentence) + 1))[:100_000]
    tiny.tag(text[:1000])
    start = time.process_time()  # processor time: the wall clock is shared with whatever else runs
    found = tiny.tag(text)
    took = time.process_time() - start
    assert len(found) > 4 * (100_000 // len(sentence))
    assert took < 5.0, f"{took:.2f} s of processor time for 100 KB"
    worst = ("Aaaa " * 20_000)[:100_000]  # every token a candidate, every one capitalised
    start = time.process_time()
    tiny.tag(worst)
    assert time.process_time() - start < 5.0


def test_gum_mentions_become_names_without_titles_or_nested_names() -> None:
    rows = [
        ["1", "Dr.", "_", "PROPN", "NNP", "_", "_", "_", "_", "Entity=(1-person-new-x-x-1,2-sgl"],
        ["2", "Ann", "_", "PROPN", "NNP", "_", "_", "_", "_", "_"],
        ["3", "Lee", "_", "PROPN", "NNP", "_", "_", "_", "_", "Entity=1)"],
        ["4", "left", "_", "VERB", "VBD", "_", "_", "_", "_", "_"],
        ["5", "the", "_", "DET", "DT", "_", "_", "_", "_", "Entity=(2-organization-new-x-x-2-sgl"],
        ["6", "Bank", "_", "PROPN", "NNP", "_", "_", "_", "_", "_"],
        ["7", "of", "_", "ADP", "IN", "_", "_", "_", "_", "_"],
        ["8", "England", "_", "PROPN", "NNP", "_", "_", "_", "_", "Entity=(3-place-new-x-x-1-sgl)2)"],
        ["9", "and", "_", "CCONJ", "CC", "_", "_", "_", "_", "_"],
        [
            "10",
            "her",
            "_",
            "PRON",
            "PRP$",
            "_",
            "_",
            "_",
            "_",
            "Entity=(4-person-new-x-x-2-sgl(1-person-giv-x-x-1-ana)",
        ],
        ["11", "mother", "_", "NOUN", "NN", "_", "_", "_", "_", "Entity=4)"],
    ]
    _, tags = data._gum_sentence(rows, frozenset({"dr"}))
    assert tags == ["O", "B-PER", "I-PER", "O", "O", "B-ORG", "I-ORG", "I-ORG", "O", "O", "O"]


def test_iob1_becomes_bio() -> None:
    assert data._bio(["I-ORG", "I-ORG", "O", "I-PER", "B-PER", "I-MISC"], {"ORG": "ORG", "PER": "PER"}) == [
        "B-ORG",
        "I-ORG",
        "O",
        "B-PER",
        "B-PER",
        "O",
    ]


def test_the_shipped_model_loads_and_tags_a_sentence() -> None:
    if not tagger.MODEL_FILE.exists():
        pytest.skip("no model shipped")
    text = "Angela Merkel flew to Washington on Tuesday to meet executives of General Motors."
    found = {(text[s:e], t) for s, e, t in tagger.load().tag(text)}
    assert ("Angela Merkel", "PER") in found
    assert ("Washington", "LOC") in found
    assert ("General Motors", "ORG") in found
    assert tagger.load() is tagger.load()  # read once


def test_a_the_that_no_of_leads_in_ends_a_name() -> None:
    words = ["U.S.", "the", "President", "and", "Bank", "of", "the", "West"]
    tags = ["B-LOC", "I-LOC", "I-LOC", "O", "B-ORG", "I-ORG", "I-ORG", "I-ORG"]
    tagger.split_at_the(tags, words)
    assert tags == ["B-LOC", "O", "B-LOC", "O", "B-ORG", "I-ORG", "I-ORG", "I-ORG"]


def test_a_model_read_for_tagging_alone_tags_as_the_full_one(tiny: tagger.Tagger, tmp_path: Path) -> None:
    path = tmp_path / "model.json.gz"
    tiny.model.save(path)
    lean = tagger.Tagger(tagger.Model.read(path, run_time_only=True), LISTS)
    text = " ".join(t for t, _ in SENTENCES)
    assert lean.tag(text) == tiny.tag(text)
    with pytest.raises(RuntimeError):
        lean.model.best(["b"], "O")
