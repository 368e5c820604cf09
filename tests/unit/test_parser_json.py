"""services.store.parser.parse on JSON article documents: news-please, newspaper3k and generic layouts."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.store.article import STORY_CODE
from services.store.parser import ParsedArticle, Rejection, parse
from tests.support import parse_rejection as _rejection
from tests.support import parsed_article as _article

PROPS = settings(max_examples=150, deadline=None)

HEADLINE = "Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman"
PARAGRAPHS = (
    '"The Americans keep repeating like a mantra that they are going to speak to Russia from a position of '
    'strength," the spokeswoman said.',
    "She said any dialogue had to be built on mutual respect and a balance of interests.",
    "Similar allegations had been brought forth about Russia in 2016.",
)


# --- the layouts crawlers emit ---------------------------------------------------------------------------------

NEWS_PLEASE = {
    "authors": ["Staff Writer"],
    "date_download": "2021-04-01 09:12:44",
    "date_modify": "2021-04-01 08:00:00",
    "date_publish": "2021-03-31 11:59:00",
    "description": "Moscow rejects what it calls a mantra repeated by Washington.",
    "filename": "https%3A%2F%2Fnews.example.com%2Fworld%2Frussia.json",
    "image_url": "https://news.example.com/img/russia.jpg",
    "language": "en",
    "localpath": None,
    "maintext": "\n".join(PARAGRAPHS),
    "source_domain": "news.example.com",
    "text": None,
    "title": HEADLINE,
    "title_page": None,
    "title_rss": None,
    "url": "https://news.example.com/world/russia",
}

NEWSPAPER = {
    "title": HEADLINE,
    "authors": ["Staff Writer"],
    "publish_date": "2021-03-31T11:59:00+04:30",
    "text": "\n\n".join(PARAGRAPHS),
    "top_image": "https://news.example.com/img/russia.jpg",
    "movies": [],
    "keywords": ["russia", "usa"],
    "summary": "",
    "meta_lang": "en",
    "meta_description": "Moscow rejects what it calls a mantra.",
    "url": "https://news.example.com/world/russia",
}


def test_news_please_document() -> None:
    article = _article(json.dumps(NEWS_PLEASE, indent=4))
    assert article.headline == HEADLINE
    assert article.published_iso == "2021-03-31T11:59:00"
    assert article.published_at == datetime(2021, 3, 31, 11, 59)
    assert article.published_utc_offset_min is None
    assert article.paragraphs == PARAGRAPHS
    assert article.language == "en"
    assert article.url == "https://news.example.com/world/russia"
    assert article.story_code is None
    assert "Moscow rejects" not in article.body  # the description is not the body


def test_news_please_without_a_publication_date_has_none() -> None:
    article = _article(json.dumps(NEWS_PLEASE | {"date_publish": None}))
    assert article.published_iso is None  # date_modify and date_download are not publication dates


def test_newspaper3k_document_keeps_the_offset() -> None:
    article = _article(json.dumps(NEWSPAPER))
    assert article.headline == HEADLINE
    assert article.published_iso == "2021-03-31T11:59:00+04:30"
    assert article.published_utc_offset_min == 270
    assert article.paragraphs == PARAGRAPHS
    assert article.language == "en"


def test_generic_document_with_a_story_code_and_a_body_of_lines_in_paragraphs() -> None:
    doc = {
        "headline": "  Le gouvernement présente\nson plan pour l'hôpital ",
        "body": "Premier paragraphe,\nsur deux lignes.\n\nDeuxième paragraphe.",
        "published_at": "mercredi 31 mars 2021 - 18:30",
        "lang": "fr-FR",
        "story_code": 924469,
        "link": "https://quotidien.example.fr/sante/plan",
        "source": "Le Quotidien",
    }
    article = _article(json.dumps(doc, ensure_ascii=False))
    assert article.headline == "Le gouvernement présente son plan pour l'hôpital"
    assert article.paragraphs == ("Premier paragraphe,\nsur deux lignes.", "Deuxième paragraphe.")
    assert article.published_iso == "2021-03-31T18:30:00"
    assert article.language == "fr"
    assert article.story_code == "924469"
    assert article.url == "https://quotidien.example.fr/sante/plan"


@pytest.mark.parametrize(
    ("doc", "iso"),
    [
        ({"title": "T", "content": "x", "date": "2021-03-31 11:59"}, "2021-03-31T11:59:00"),
        ({"title": "T", "article": "x", "pubDate": "Wed, 31 Mar 2021 11:59:00 GMT"}, "2021-03-31T11:59:00+00:00"),
        ({"title": "T", "text": "x", "published": "31 марта 2021, 11:59"}, "2021-03-31T11:59:00"),
        ({"title": "T", "text": "x", "datePublished": "2021-03-31T11:59:00Z"}, "2021-03-31T11:59:00+00:00"),
        ({"title": "T", "text": "x", "published_at": 1617191940}, "2021-03-31T11:59:00+00:00"),
        ({"title": "T", "text": "x", "published_at": 1617191940000}, "2021-03-31T11:59:00+00:00"),
        ({"title": "T", "text": "x", "date": "yesterday"}, None),
        ({"title": "T", "text": "x", "date": "03/04/2021"}, None),  # day or month first: never a guess
        ({"title": "T", "text": "x"}, None),
    ],
)
def test_generic_date_fields(doc: dict[str, object], iso: str | None) -> None:
    assert _article(json.dumps(doc, ensure_ascii=False)).published_iso == iso


def test_schema_org_news_article_document() -> None:
    doc = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Москва ответила на новые санкции США",
        "articleBody": "Первый абзац.\n\nВторой абзац.",
        "datePublished": "2021-03-31T11:59:00+03:00",
        "inLanguage": "ru-RU",
        "storyCode": "AB-0042",
    }
    article = _article(json.dumps(doc, ensure_ascii=False))
    assert article.headline == "Москва ответила на новые санкции США"
    assert article.paragraphs == ("Первый абзац.", "Второй абзац.")
    assert article.published_iso == "2021-03-31T11:59:00+03:00"
    assert article.language == "ru"
    assert article.story_code == "AB-0042"


def test_a_body_given_as_a_list_of_paragraphs() -> None:
    article = _article(json.dumps({"title": "T", "text": [*PARAGRAPHS, "  ", 42]}))
    assert article.paragraphs == PARAGRAPHS


def test_an_html_body_is_read_as_html_not_kept_with_its_tags() -> None:
    content = "".join(f"<p>{p.replace('&', '&amp;')}</p>" for p in PARAGRAPHS) + "<script>track()</script>"
    article = _article(json.dumps({"title": {"rendered": HEADLINE}, "content": {"rendered": content}}))
    assert article.headline == HEADLINE
    assert article.paragraphs == PARAGRAPHS


def test_a_story_code_line_at_the_top_of_the_text_is_the_story_code() -> None:
    article = _article(json.dumps(NEWS_PLEASE | {"maintext": "Story Code : 924469\n" + "\n".join(PARAGRAPHS)}))
    assert article.story_code == "924469"
    assert article.paragraphs == PARAGRAPHS


def test_unknown_languages_are_none_not_a_guess() -> None:
    for language in ("English", "eng", "und", "en, fr", "", None, 7):
        assert _article(json.dumps(NEWS_PLEASE | {"language": language})).language is None


@pytest.mark.parametrize(
    "text",
    [
        "[" + json.dumps(NEWS_PLEASE) + "]",
        "\ufeff" + json.dumps(NEWS_PLEASE, indent=2).replace("\n", "\r\n"),
        "\n\n   " + json.dumps(NEWS_PLEASE, ensure_ascii=False),
    ],
    ids=["array-of-one", "bom-crlf", "leading-blanks"],
)
def test_the_same_document_in_other_shapes_is_the_same_article(text: str) -> None:
    assert _article(text) == _article(json.dumps(NEWS_PLEASE))


# --- rejections ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('{"maintext": "Body text.", "url": "https://x.example"}', "title"),
        ('{"title": "Headline", "description": "Only a summary."}', "text"),
        ('{"title": "Headline", "maintext": "   "}', "text"),
        ('{"title": "", "maintext": "Body"}', "title"),
        ('[{"title": "a", "text": "x"}, {"title": "b", "text": "y"}]', "2 items"),
        ("[]", "0 items"),
        ("[1]", "int"),
        ('[["title", "text"]]', "list"),
    ],
)
def test_json_that_is_not_one_article_is_rejected_naming_what_is_missing(text: str, named: str) -> None:
    rejection = _rejection(text)
    assert rejection.reason == "not_an_article"
    assert named in rejection.detail


@pytest.mark.parametrize(
    "text", ['{"title": "Headline", "text": "Body"', "{title: 'Headline'}", '{"a": 1} trailing', "{" * 100_000]
)
def test_invalid_json_that_starts_with_a_brace_is_rejected(text: str) -> None:
    rejection = _rejection(text)
    assert rejection.reason == "invalid_json"
    assert rejection.detail


def test_a_headline_too_long_for_a_headline_is_rejected() -> None:
    assert _rejection(json.dumps({"title": "word " * 100, "text": "Body"})).reason == "no_headline"


def test_plain_text_that_starts_with_a_bracket_is_plain_text() -> None:
    article = _article("[Updated] Talks resume in Geneva\n\nStory Code : 42\n\nThe talks resumed on Monday.")
    assert article.headline == "[Updated] Talks resume in Geneva"
    assert article.story_code == "42"
    assert article.paragraphs == ("The talks resumed on Monday.",)


# --- property: render as a news-please document, parse back ----------------------------------------------------

_WORD = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12)
_PUNCT = st.sampled_from(["", "", "", ",", ".", ":", "!", "?", ";", "'", '"', "»", "…", "\\", "{", "}"])


@st.composite
def sentences(draw: st.DrawFn, max_words: int = 15) -> str:
    words = draw(st.lists(st.tuples(_WORD, _PUNCT), min_size=1, max_size=max_words))
    return " ".join(w + p for w, p in words)


@given(
    headline=sentences(),
    paragraphs=st.lists(sentences(max_words=40), min_size=1, max_size=6),
    wall=st.none() | st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)),
    separator=st.sampled_from(["\n", "\n\n"]),
    language=st.sampled_from(["en", "fr", "ru", "de", "ar"]),
    ensure_ascii=st.booleans(),
    indent=st.sampled_from([None, 2, 4]),
    wrapped=st.booleans(),
)
@PROPS
def test_any_article_rendered_as_news_please_json_parses_back(
    headline: str,
    paragraphs: list[str],
    wall: datetime | None,
    separator: str,
    language: str,
    ensure_ascii: bool,
    indent: int | None,
    wrapped: bool,
) -> None:
    assume(not STORY_CODE.match(paragraphs[0]))
    wall = wall.replace(microsecond=0) if wall else None
    doc: object = NEWS_PLEASE | {
        "title": headline,
        "maintext": separator.join(paragraphs),
        "date_publish": f"{wall:%Y-%m-%d %H:%M:%S}" if wall else None,
        "language": language,
    }
    text = json.dumps([doc] if wrapped else doc, ensure_ascii=ensure_ascii, indent=indent)
    article = _article(text)
    assert article.headline == headline
    assert article.paragraphs == tuple(paragraphs)
    assert article.published_at == wall
    assert article.published_iso == (wall.isoformat() if wall else None)
    assert article.language == language


# --- wrapped and other crawlers' layouts ---------------------------------------------------------------------------


def test_a_json_ld_graph_gives_its_news_article_node() -> None:
    doc = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "World news", "url": "https://news.example.com/world"},
            {
                "@type": ["NewsArticle"],
                "headline": "Ministers Meet Over Trade",
                "articleBody": "First paragraph.\n\nSecond paragraph.",
                "datePublished": "2021-03-31T11:59:00+02:00",
                "inLanguage": "en-GB",
                "url": "https://news.example.com/world/trade",
            },
        ],
    }
    article = parse(json.dumps(doc))
    assert isinstance(article, ParsedArticle), article
    assert article.headline == "Ministers Meet Over Trade"
    assert article.paragraphs == ("First paragraph.", "Second paragraph.")
    assert article.published_iso == "2021-03-31T11:59:00+02:00"
    assert (article.language, article.url) == ("en", "https://news.example.com/world/trade")


def test_an_article_object_inside_a_wrapper_is_the_article() -> None:
    doc = {"status": "ok", "article": {"title": "Wrapped Headline", "text": "The body.", "date": "2021-03-31"}}
    article = parse(json.dumps(doc))
    assert isinstance(article, ParsedArticle), article
    assert (article.headline, article.paragraphs, article.published_iso) == (
        "Wrapped Headline",
        ("The body.",),
        "2021-03-31",
    )


def test_trafilatura_json_gives_the_url_from_source_but_a_publication_name_is_no_url() -> None:
    doc = {
        "title": "T",
        "text": "Body.",
        "date": "2021-03-31",
        "source": "https://news.example.com/a",
        "hostname": "news.example.com",
    }
    article = parse(json.dumps(doc))
    assert isinstance(article, ParsedArticle) and article.url == "https://news.example.com/a"
    named = parse(json.dumps({"title": "T", "text": "Body.", "source": "Reuters"}))
    assert isinstance(named, ParsedArticle) and named.url is None


def test_a_graph_without_an_article_node_is_rejected_with_its_reason() -> None:
    doc = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "Home"}]}
    rejected = parse(json.dumps(doc))
    assert isinstance(rejected, Rejection)
    assert rejected.reason == "not_an_article"
