"""A delimited table (CSV, TSV, ';') is rejected as unsupported_layout; articles whose lines hold commas are not."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from newswire.contracts import normalise_text
from newswire_tools.corpus import article
from services.store.tables import table_kind
from tests.support import SEED, parse_rejection, parsed_article

ANNOTATED = sorted((Path(__file__).resolve().parent.parent / "data" / "annotated").glob("*.json"))

TABLES = {
    "csv": ("id,title,body\n1,Hello,World\n", "CSV"),
    "csv-rows": (
        "id,headline,published_at,body\n"
        '1,Russia talks,2021-03-31,"The spokesman said, on Wednesday, that talks go on."\n'
        '2,"Gas deal, signed",2021-04-01,"A long body,\nwith a line break inside its quotes."\n'
        "3,Markets,2021-04-02,Shares rose\n",
        "CSV",
    ),
    "tsv": ("id\ttitle\tbody\n1\tHello\tWorld\n2\tBye\tNow\n", "TSV"),
    "semicolon": ("Datum;Titel;Text\n31.03.2021;Russland;Der Sprecher sagte\n01.04.2021;Gas;Ein Vertrag\n", "';'"),
    "crlf-bom": ("\ufeffname,count\r\nalpha,1\r\nbeta,2\r\ngamma,3\r\n", "CSV"),
    "spaced-but-long": ("a, b, c\n" + "".join(f"{i}, x{i}, y{i}\n" for i in range(6)), "CSV"),
    "ragged-last-row": ("a,b,c\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n13,14\n", "CSV"),
    "index-column": (",title,body\n0,a,b\n1,c,d\n", "CSV"),
}


@pytest.mark.parametrize("name", TABLES)
def test_a_table_is_unsupported(name: str) -> None:
    text, kind = TABLES[name]
    result = parse_rejection(text)
    assert result.reason == "unsupported_layout"
    assert kind in result.detail and "not an article" in result.detail


def test_the_detail_names_the_table() -> None:
    assert parse_rejection("id,title,body\n1,a,b\n").detail == "a table (CSV), not an article"


ARTICLES = {
    "comma headline": "Russia, China sign deal\n\nThe deal, signed Monday, covers gas.\n\nOfficials said it was big.\n",
    "one comma a line, spaced": "Moscow, Kyiv\n\nTalks, again.\n\nNo deal, yet.\n",
    "us date line": "March 31, 2021, 11:59\n\nUS Date Headline\n\nStory Code: 1002\nThe spokesman said, on Wednesday, "
    "that it was over.\n",
    "header and one prose line": "Apples, pears\nShe bought apples, pears\n",
    "list of names": "Winners, in order\n\nSmith, John\nDoe, Jane\nRoe, Richard\n\nThe jury, chaired by Smith, met.\n",
    "sentence header": "It rained, and then it stopped.\nWe went out, came back.\nThey stayed, we left.\n",
    "unbalanced quote": 'Headline, with comma\n\n"He said, it all, began\n' + "Then, more, text, here.\n" * 2000,
    "markdown table": "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n",
}


@pytest.mark.parametrize("name", ARTICLES)
def test_text_with_commas_is_not_a_table(name: str) -> None:
    assert table_kind(normalise_text(ARTICLES[name])) is None


def test_articles_with_comma_headlines_still_parse() -> None:
    parsed = parsed_article(ARTICLES["comma headline"])
    assert parsed.headline == "Russia, China sign deal"
    assert parsed_article(ARTICLES["list of names"]).headline == "Winners, in order"


def test_the_seed_the_corpus_and_the_annotated_articles_are_not_tables() -> None:
    texts = [SEED.read_text()] + [article(random.Random(i), i) for i in range(500)]
    for path in ANNOTATED:
        doc = json.loads(path.read_text())
        body = doc["body"]
        texts += [
            f"{doc['headline']}\n\n{body}",
            f"{doc['headline']}\n{body.replace(chr(10) * 2, chr(10))}",  # paragraphs on single lines
            f"{doc['headline']}\n{body.replace('. ', '.' + chr(10))}",  # a sentence a line
            f"Moscow, Kyiv, Berlin\n\n{body}",
        ]
    assert len(ANNOTATED) >= 30
    tables = [t[:60] for t in texts if table_kind(normalise_text(t)) is not None]
    assert tables == []


@pytest.mark.parametrize("date", ["1 января 2000, 00:00", "March 31, 2021, 10:00", "Wednesday, 31 March 2021"])
def test_a_first_line_that_is_a_date_is_an_articles_date_line_not_a_header(date: str) -> None:
    # short lines with one comma each agree with the date's two fields: a table to the record count alone
    text = f"{date}\n\nScores, late\n\n1,\n2,\n3,\n4,\n"
    assert table_kind(text) is None
    assert parsed_article(text).headline == "Scores, late"


def test_lines_that_end_in_a_comma_are_a_list_not_columns() -> None:
    text = "0 0, 0\n\n1,\n\n2,\n3,\n4,\n"
    assert table_kind(text) is None
    assert table_kind("id,score\n1,2\n3,4\n") == "CSV"
