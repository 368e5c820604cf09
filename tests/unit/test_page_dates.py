"""Publication dates of saved HTML news pages, in the shapes real pages write them: unpadded ISO dates, zone
abbreviations glued to the time, JSON-LD that a strict JSON reader refuses, and modification times that must
never pass for the publication date. The pages are small, written here, in several languages."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from services.store import dates
from services.store.dates import parse_date
from services.store.html import metadata
from services.store.html.tree import read_tree
from tests.support import parsed_article as _article

BODY_EN = (
    "<p>The city council voted on Tuesday evening to approve the new harbour wall after a debate that lasted "
    "more than four hours and drew a crowd of residents to the town hall.</p>"
    "<p>Work on the wall is expected to begin in the spring and to last for two years, the council said.</p>"
)


def _page(head: str, article: str, *, lang: str = "en", body: str = BODY_EN) -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Harbour wall approved</title>'
        f"{head}</head><body><header><nav><a href='/'>Home</a></nav></header><main><article>"
        f"<h1>Harbour wall approved after four-hour debate</h1>{article}{body}</article></main></body></html>"
    )


# --- parse_date: unpadded ISO dates and zone abbreviations --------------------------------------------------


@pytest.mark.parametrize(
    ("line", "wall", "has_time"),
    [
        ("2022-5-5 22:17:36", datetime(2022, 5, 5, 22, 17, 36), True),
        ("2022-5-5T22:17:36", datetime(2022, 5, 5, 22, 17, 36), True),
        ("2022-11-5 8:07", datetime(2022, 11, 5, 8, 7), True),
        ("2022-5-5", datetime(2022, 5, 5), False),
        ("Published 2022-5-5 22:17", datetime(2022, 5, 5, 22, 17), True),
    ],
)
def test_unpadded_iso_dates_are_read(line: str, wall: datetime, has_time: bool) -> None:
    parsed = parse_date(line)
    assert parsed is not None, f"{line!r} was not recognised as a date"
    assert parsed.wall == wall
    assert parsed.has_time is has_time
    assert parsed.offset_min is None


@pytest.mark.parametrize(
    ("line", "offset"),
    [
        ("2020-09-25T16:02:50CDT", -300),
        ("2020-09-25T16:02:50PDT", -420),
        ("2020-09-25T16:02:50MST", -420),
        ("2020-09-25T16:02:50.000MDT", -360),
        ("2020-09-25T16:02:50BST", 60),
        ("2020-09-25T16:02:50JST", 540),
        ("2020-09-25 16:02:50 KST", 540),
        ("2020-09-25 16:02:50 AEST", 600),
        ("2020-09-25 16:02:50 AEDT", 660),
        ("2020-09-25T16:02:50MSK", 180),
        ("2020-09-25T16:02:50GMT+2", 120),
        ("2020-09-25T16:02:50UTC-03:00", -180),
        ("2020-09-25T16:02:50CEST", 120),
        ("25 September 2020 16:02:50 JST", 540),
        ("25.09.2020 16:02 AEDT", 660),
    ],
)
def test_zone_abbreviations_after_or_glued_to_the_time_are_offsets(line: str, offset: int) -> None:
    parsed = parse_date(line)
    assert parsed is not None, f"{line!r} was not recognised as a date"
    assert (parsed.wall.hour, parsed.wall.minute) == (16, 2)
    assert parsed.offset_min == offset


@pytest.mark.parametrize(
    ("line", "offset"),
    [
        ("2020-09-25 16:02 EST", -300),
        ("2020-09-25 16:02:50 EDT", -240),
        ("2020-09-25 16:02:50 GMT+2", 120),
        ("2020-09-25 16:02:50 GMT+0200", 120),
        ("2020-09-25 16:02:50 UTC-03:00", -180),
        ("2020-09-25 16:02:50 CEST", 120),
        ("2020-09-25T16:02:50Z", 0),
        ("2020-09-25T16:02:50 Z", 0),
        ("2020-09-25 16:02:50 GMT", 0),
        ("2020-09-25 16:02 ET", None),  # EST or EDT: the line does not say which
    ],
)
def test_zones_read_before_still_are(line: str, offset: int | None) -> None:
    parsed = parse_date(line)
    assert parsed is not None
    assert parsed.offset_min == offset


@pytest.mark.parametrize(
    "line",
    [
        "2020-09-25T16:02:50IST",  # India, Israel or Ireland: the line does not say which
        "2020-09-25 16:02 IST",
        "25 September 2020, 16:02 IST",
        "2020-09-25T16:02:50QQT",  # written as an abbreviation, but no zone known here
        "2020-09-25 16:02:50 XYZT",
    ],
)
def test_an_unknown_or_ambiguous_zone_keeps_the_date_without_inventing_an_offset(line: str) -> None:
    parsed = parse_date(line)
    assert parsed is not None, f"{line!r}: the day was lost with a zone not known"
    assert parsed.wall == datetime(2020, 9, 25, 16, 2, parsed.wall.second)
    assert parsed.offset_min is None
    assert parsed.iso().startswith("2020-09-25T16:02")


@pytest.mark.parametrize(
    "line",
    [
        "2021-03-31 11:59 news",  # a word in lower case is a word, not a zone
        "2021-03-31 NEWS",  # no time for a zone to qualify
        "2021-03-31 11:59 MOSCOW",  # longer than any abbreviation
        "Wednesday 31 March 2021 - 11:59 Moscow",
        "2021-5-45",
        "2021-13-5 10:00",
        "2020-09-25 16:02 GMT+25",
    ],
)
def test_text_after_a_date_is_still_no_date(line: str) -> None:
    assert parse_date(line) is None


def test_the_new_patterns_return_at_once_on_100_kb_of_digits_and_blanks() -> None:
    hostile = [
        "1" * 100_000,
        "2021-03-31" + " " * 100_000 + "x",
        "2021-03-31 11:59" + " 1" * 50_000,
        "2021-3-3" + "t " * 50_000,
        "2021-03-31T11:59:00." + "1" * 100_000 + "x",
    ]
    for text in hostile:
        low = text.lower()
        assert dates._ISO.match(low) is None
        assert parse_date(text) is None
        for pattern in (dates._ISO, dates._GLUED_ZONE):
            took = []
            for _ in range(3):  # the fastest of three: a busy machine slows one run, a backtracking pattern all
                start = time.perf_counter()
                assert pattern.match(low) is None
                took.append(time.perf_counter() - start)
            assert min(took) < 0.05, f"{pattern.pattern[:20]} on {text[:20]!r}: {min(took):.3f} s"


# --- saved pages: the dates above, read from the page --------------------------------------------------------


def test_an_unpadded_publishdate_meta_is_the_date() -> None:
    page = _page('<meta name="publishdate" content="2022-5-5 22:17:36">', "", lang="zh")
    assert _article(page).published_iso == "2022-05-05T22:17:36"


def test_a_glued_zone_in_itemprop_date_published_wins_over_a_dateline_time_of_the_update() -> None:
    page = _page(
        '<meta itemprop="datePublished" content="2020-09-25T16:02:50CDT">',
        '<div class="story-dates"><time datetime="2020-09-27T09:00:00-05:00">Sept. 27</time></div>',
    )
    assert _article(page).published_iso == "2020-09-25T16:02:50-05:00"


# --- saved pages: JSON-LD a strict reader refuses --------------------------------------------------------------

_LD_ES = """{
  "@context": "https://schema.org",
  "@type": "NewsArticle",
  "headline": "El concejo aprueba el nuevo muro\tdel puerto",
  "description": "Tras cuatro horas de debate,
el concejo aprobó la obra.",
  "datePublished": "2021-03-31T11:59:00-04:00",
  "dateModified": "2021-04-02T08:00:00-04:00"
}"""


def _ld(text: str) -> str:
    return f'<script type="application/ld+json">{text}</script>'


@pytest.mark.parametrize(
    "script",
    [
        _LD_ES,  # a raw line break and a raw tab inside strings
        _LD_ES + ";",
        _LD_ES + " ;\n",
        "<!--\n" + _LD_ES + "\n-->",
        "<![CDATA[" + _LD_ES + "]]>",
        "//<![CDATA[\n" + _LD_ES + "\n//]]>",
        "/*<![CDATA[*/" + _LD_ES + "/*]]>*/",
        '{"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "Inicio"}, '
        + _LD_ES.removeprefix("{").removesuffix("}").join(["{", "}"])
        + "]}",
    ],
    ids=["control-characters", "semicolon", "semicolon-blanks", "html-comment", "cdata", "js-cdata",
         "css-cdata", "graph"],
)  # fmt: skip
def test_lenient_json_ld_gives_its_date_published(script: str) -> None:
    page = _page(_ld(script), "", lang="es")
    assert _article(page).published_iso == "2021-03-31T11:59:00-04:00"


def test_json_ld_objects_are_read_from_a_lenient_script() -> None:
    root, _ = read_tree(_page(_ld("<!--" + _LD_ES + ";-->"), "", lang="es"))
    assert root is not None
    [obj] = metadata.json_ld_articles(root)
    assert obj["headline"] == "El concejo aprueba el nuevo muro\tdel puerto"


def test_json_ld_past_the_page_budget_is_skipped_and_the_next_script_still_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(metadata, "MAX_JSON_LD_CHARS", 2_000)
    big = '{"@type": "NewsArticle", "datePublished": "2019-01-01", "x": "' + "y" * 3_000 + '"}'
    small = '{"@type": "NewsArticle", "datePublished": "2021-03-31"}'
    root, _ = read_tree(_page(_ld(big) + _ld(small), ""))
    assert root is not None
    assert [obj["datePublished"] for obj in metadata.json_ld_articles(root)] == ["2021-03-31"]


# --- saved pages: publication wins over modification, whatever the order -----------------------------------


def test_an_update_time_before_the_publication_time_is_not_the_date() -> None:
    article = (
        '<div class="date-updated">Updated <time datetime="2021-04-02T10:00:00+01:00">2 April 2021</time></div>'
        '<div class="date-published"><time datetime="2021-03-31T11:59:00+01:00">31 March 2021</time></div>'
    )
    assert _article(_page("", article)).published_iso == "2021-03-31T11:59:00+01:00"


def test_a_time_marked_date_modified_is_not_the_dateline() -> None:
    article = (
        '<div class="artikel-kopf"><time itemprop="dateModified" datetime="2021-04-02T10:00:00+02:00">'
        "2. April 2021</time></div>"
        '<p class="byline">Veröffentlicht: 31.03.2021, 11:59 Uhr</p>'
    )
    body = (
        "<p>Der Stadtrat hat am Dienstagabend nach mehr als vier Stunden Debatte den Bau der neuen Hafenmauer "
        "beschlossen, zahlreiche Anwohner verfolgten die Sitzung im Rathaus.</p>"
        "<p>Die Arbeiten sollen im Frühjahr beginnen und zwei Jahre dauern, teilte die Stadt mit.</p>"
    )
    assert _article(_page("", article, lang="de", body=body)).published_iso == "2021-03-31T11:59:00"


def test_a_time_after_an_update_word_is_skipped_for_the_publication_time_after_it() -> None:
    article = (
        '<div class="fechas">Actualizado: <time datetime="2021-04-02T10:00:00-04:00">2 de abril</time> · '
        'Publicado: <time datetime="2021-03-31T11:59:00-04:00">31 de marzo</time></div>'
    )
    assert _article(_page("", article, lang="es")).published_iso == "2021-03-31T11:59:00-04:00"


def test_a_dateline_block_inside_an_update_block_or_naming_an_update_is_not_the_date() -> None:
    article = (
        '<div class="story-updated"><span class="date">2 April 2021</span></div>'
        '<p class="meta">Updated: 3 April 2021</p>'
        '<p class="date">Mis à jour le 4 avril 2021</p>'
        '<p class="byline">31 March 2021</p>'
    )
    assert _article(_page("", article)).published_iso == "2021-03-31"


def test_json_ld_date_published_wins_over_a_dateline_time_of_the_update_whatever_the_order() -> None:
    ld = _ld('{"@type": "NewsArticle", "dateModified": "2021-04-02T10:00:00Z",\n'
             '"description": "line one\nline two", "datePublished": "2021-03-31T11:59:00Z"}')  # fmt: skip
    article = '<div class="stamp"><time datetime="2021-04-02T10:00:00Z">2 April</time></div>'
    assert _article(_page(ld, article)).published_iso == "2021-03-31T11:59:00+00:00"


def test_a_page_with_only_modification_times_has_no_publication_date() -> None:
    """A news archive files a story under the day it was published: an update time is never taken for it."""
    head = (
        '<meta property="article:modified_time" content="2021-04-02T10:00:00+00:00">'
        '<meta property="og:updated_time" content="2021-04-02T10:00:00+00:00">'
        '<meta http-equiv="last-modified" content="2021-04-02 10:00:00">'
        + _ld('{"@type": "NewsArticle", "dateModified": "2021-04-02T10:00:00Z"}')
    )
    article = '<p class="updated"><time itemprop="dateModified" datetime="2021-04-02T10:00:00Z">2 April</time></p>'
    assert _article(_page(head, article)).published_iso is None


@pytest.mark.parametrize(
    "line", ["Updated: 2 April 2021 10:00", "Actualizado: 2 de abril de 2021", "Mis à jour le 2 avril 2021"]
)
def test_a_first_line_that_names_an_update_is_neither_the_date_nor_the_text(line: str) -> None:
    """A page with no date in its markup whose text opens with its update time: the line is taken out of
    the body as a dateline is, and the article has no publication date rather than the update's."""
    article = _article(_page("", f"<p>{line}</p>"))
    assert article.published_iso is None
    assert not article.body.startswith(line)


def test_a_first_line_that_is_the_publication_date_is_still_the_date() -> None:
    article = _article(_page("", "<p>Published: 1 April 2021</p>"))
    assert article.published_iso is not None and article.published_iso.startswith("2021-04-01")
    assert "Published" not in article.body
