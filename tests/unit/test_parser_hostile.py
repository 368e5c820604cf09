"""services.store.parser.parse on hostile input: linear time, never an exception, text every store accepts.

Each hostile input is built here (nothing big is committed) and sized so that the code before these
bounds took from a minute to hours on it; the timeouts are generous functional bounds (the inputs take
well under 2 s now), so a regression to quadratic time fails the test rather than slowing the suite.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from newswire.text import clean_text
from services.store import html_layout
from services.store.article import (
    STORY_CODE,
    ParsedArticle,
    Rejection,
    _needs_cleaning,
    _paragraphs_of_long_block,
    _stripped_lines,
    paragraphs_of_block,
    paragraphs_of_text,
)
from services.store.dates import parse_date
from services.store.parser import parse
from tests.support import parse_rejection as _rejection
from tests.support import parsed_article as _article

FUZZ = settings(max_examples=300, deadline=None)
PROPS = settings(max_examples=200, deadline=None)

SENTENCE = "The minister said the talks would resume next week after a pause in the negotiations."
HEAD = "<!DOCTYPE html><html lang='en'><head><title>Talks to resume next week</title></head><body><article>"
TAIL = "</article></body></html>"
CLOSING = "The closing paragraph says what happens next, in a sentence long enough to be article text."


def _page(middle: str, *, after: str = CLOSING) -> str:
    return f"{HEAD}<h1>Talks to resume next week</h1><p>{SENTENCE}</p>{middle}<p>{after}</p>{TAIL}"


def _assert_clean(result: ParsedArticle | Rejection) -> None:
    """Every text field as every store accepts it: no NUL or other control character, no lone surrogate."""
    if isinstance(result, Rejection):
        assert clean_text(result.reason) == result.reason
        return
    for value in (result.headline, result.body, result.story_code, result.url, result.language):
        if value is not None:
            assert clean_text(value) == value, repr(value[:80])
            assert not re.search(r"[\x00-\x08\x0e-\x1f\ud800-\udfff]", value)
            value.encode("utf-8")  # what a database driver and a JSON encoder do with it


# --- HTML: shapes that were quadratic (or worse) in libxml2, trafilatura or our own queries ---------------------


@pytest.mark.timeout(60)
def test_a_tag_with_200000_attributes_keeps_the_first_hundred_and_the_article():
    # libxml2 compares each attribute with every one before it: over 300 s before the bound
    article = _article(_page("<div " + " ".join(f'a{i}="x"' for i in range(200_000)) + ">inside</div>"))
    assert SENTENCE in article.body and CLOSING in article.body
    bounded = html_layout._bounded_markup("<div " + " ".join(f"a{i}" for i in range(200_000)) + ">x</div>")
    tree = lxml_html.fragment_fromstring(bounded)
    assert list(tree.attrib) == [f"a{i}" for i in range(html_layout.MAX_ATTRIBUTES)]


@pytest.mark.timeout(60)
def test_attributes_holding_quotes_and_angle_brackets_are_still_one_tag():
    # a quoted value may hold '>' and '<': a pass that ended the tag there would let the rest through uncounted
    # (40,000 attributes: below the 50,000 tags, a '<p' in a value counted, that a page is read up to)
    tag = "<div " + " ".join(f"a{i}=\">\" b{i}='<p'" for i in range(20_000)) + ">inside</div>"
    bounded = html_layout._bounded_markup(tag)
    tree = lxml_html.fragment_fromstring(bounded)
    assert len(tree.attrib) == html_layout.MAX_ATTRIBUTES and tree.text == "inside"
    assert CLOSING in _article(_page(tag)).body


@pytest.mark.timeout(60)
def test_a_giant_attribute_value_is_dropped_and_an_unterminated_one_ends_the_page():
    value = "a" * 5_000_000
    article = _article(_page(f'<div data-state="{value}" class="lead">inside</div>'))
    assert CLOSING in article.body
    tree = lxml_html.fragment_fromstring(html_layout._bounded_markup(f'<div data-state="{value}" id="k">x</div>'))
    assert dict(tree.attrib) == {"id": "k"}
    # a quote that never closes runs to the end of the text, as the HTML tokenizer reads it
    assert SENTENCE in _article(_page(f'<div data-x="{value}')).body


@pytest.mark.timeout(60)
def test_a_million_tiny_elements_are_read_up_to_the_element_budget():
    # 8 MB of <i>a</i>: libxml2 alone took seconds to build them, trafilatura minutes to read them
    article = _article(_page("<i>a</i>" * 1_000_000))
    assert SENTENCE in article.body


@pytest.mark.timeout(60)
def test_100000_unclosed_paragraphs_are_read_up_to_the_element_budget():
    # flat <p>x<p>x...: trafilatura's text queries are quadratic in the paragraphs (over 60 s before)
    article = _article(_page("".join(f"<p>paragraph {i}" for i in range(100_000)), after="never reached"))
    assert article.paragraphs[0] == SENTENCE
    assert "paragraph 0" in article.paragraphs
    assert "paragraph 99999" not in article.body
    assert len(article.paragraphs) <= html_layout.MAX_ELEMENTS


@pytest.mark.timeout(60)
def test_a_script_full_of_comparisons_does_not_count_as_tags():
    script = "<script>" + "for(i=0;i<n;i++){if(a<b)c()}" * 200_000 + "</script>"
    article = _article(HEAD.replace("</head>", f"{script}</head>") + f"<h1>T</h1><p>{SENTENCE}</p>{TAIL}")
    assert article.body == SENTENCE


def test_the_text_past_the_budget_is_not_read_and_scripts_do_not_count():
    script = "<script>" + "x" * 2_000_000 + "</script>"
    paragraphs = [f"Paragraph {i} " + "of the article. " * 40 for i in range(3_000)]  # 2 MB of text
    article = _article(HEAD.replace("</head>", f"{script}</head>") + "<h1>T</h1><p>" + "</p><p>".join(paragraphs))
    assert article.paragraphs[0] == paragraphs[0].strip()
    assert html_layout.MAX_TEXT - 2_000 < len("".join(article.paragraphs)) <= html_layout.MAX_TEXT
    assert paragraphs[-1].strip() not in article.body


def test_a_page_of_more_elements_than_the_budget_loses_its_scripts_and_navigation_first():
    svg = "<svg>" + "<path d='M0 0'/>" * 6_000 + "</svg>"
    menu = "<nav><ul>" + "<li><a href='/s'>Section</a></li>" * 3_000 + "</ul></nav>"
    article = _article(f"{HEAD[:-9]}{svg}{menu}<h1>Talks to resume next week</h1><p>{SENTENCE}</p><p>{CLOSING}</p>")
    assert article.body == f"{SENTENCE}\n\n{CLOSING}"


@pytest.mark.timeout(60)
def test_a_paragraph_of_20000_links_is_read_as_its_text():
    # trafilatura strips the links and reads the run of text nodes left behind in cubic time (minutes before)
    words = [f"word{i}" for i in range(20_000)]
    article = _article(_page("<p>" + " ".join(f"<a href='/t/{w}'>{w}</a>" for w in words) + "</p>"))
    assert all(w in article.body for w in (words[0], words[9_999], words[-1]))


@pytest.mark.timeout(60)
def test_a_million_line_breaks_and_a_table_of_400000_rows_are_bounded():
    assert SENTENCE in _article(_page("<p>" + "line<br>" * 1_000_000 + "</p>")).body
    assert SENTENCE in _article(_page("<table>" + "<tr><td>cell</td></tr>" * 400_000 + "</table>")).body


@pytest.mark.timeout(60)
def test_deep_nesting_stops_at_libxml2s_depth_without_a_stall():
    for opening in ("<div>", "<b>", "<section class='date meta cookie'>"):
        result = parse(_page(opening * 100_000 + "deep text"))
        _assert_clean(result)


@pytest.mark.timeout(60)
def test_nested_blocks_around_a_5_mb_text_read_it_once():
    # string-length(normalize-space(.)) on each of 250 nested cookie/date blocks read the 5 MB once per block,
    # and the extractor's fallbacks read it again and again: the text past a million characters is not read
    nested = "<div class='cookie-note date'><time>t</time>" * 250
    article = _article(_page(nested + "word " * 1_000_000))
    assert article.paragraphs[0] == SENTENCE and article.paragraphs[1].startswith("word word")
    assert len(article.body) < html_layout.MAX_TEXT


@pytest.mark.timeout(60)
def test_a_5_mb_text_node_and_a_9_mb_page_are_read_in_linear_time():
    article = _article(_page("<p>" + "word " * 1_000_000 + "</p>"))
    assert article.paragraphs[0] == SENTENCE
    assert article.paragraphs[1].startswith("word word") and len(article.body) <= html_layout.MAX_TEXT
    sections = "".join(f"<h2>Section {i}</h2>" + f"<p>{SENTENCE}</p>" * 5 for i in range(19_000))
    assert len(sections) > 9_000_000
    article = _article(_page(sections))
    assert article.paragraphs[:3] == (SENTENCE, "Section 0", SENTENCE)


@pytest.mark.timeout(60)
def test_thousands_of_metas_and_json_ld_scripts_keep_the_article_and_its_date():
    metas = "".join(f"<meta name='m{i}' content='v{i}'>" for i in range(5_000))
    ld = '<script type=\'application/ld+json\'>{"@type": "Thing", "name": "x"}</script>' * 5_000
    page = HEAD.replace(
        "</head>", f"<meta property='article:published_time' content='2021-03-31T11:59:00Z'>{metas}{ld}</head>"
    )
    article = _article(f"{page}<h1>Talks to resume next week</h1><p>{SENTENCE}</p>{TAIL}")
    assert article.published_iso == "2021-03-31T11:59:00+00:00" and article.body == SENTENCE


@pytest.mark.timeout(60)
def test_json_ld_nested_100000_deep_or_of_5_mb_is_read_or_skipped():
    deep = "<script type='application/ld+json'>" + "[" * 100_000 + "]" * 100_000 + "</script>"
    big = json.dumps({"@type": "NewsArticle", "datePublished": "2021-03-31", "x": ["y" * 10] * 400_000})
    article = _article(_page(f"{deep}<script type='application/ld+json'>{big}</script>"))
    assert article.published_iso == "2021-03-31"


@pytest.mark.timeout(60)
def test_datelines_in_250_nested_articles_are_read_in_one_walk():
    # `(//article//* | //main//*)[...]` merged every nested article's elements: over two minutes before.
    # The tree is built without the element budget, to time the walk itself.
    nested = "<article>" * 250 + "<span class='date'><time datetime='not a date'>t</time></span>" * 8_000
    root = lxml_html.document_fromstring(f"<html><body>{nested}</body></html>")
    assert html_layout._dateline_time(root) == "not a date"
    assert html_layout._published(root, {}, []) is None


@pytest.mark.timeout(60)
def test_a_doctype_of_200000_blanks_is_read_in_linear_time():
    # `<!doctype[^\[>]*(...)?\s*>` backtracked over the blanks once per blank when no `]>` follows the `[`:
    # 141 s before
    assert SENTENCE in _article("<!doctype html" + " " * 200_000 + "[" + _page("")).body


def test_billion_laughs_and_external_entities_stay_text():
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    page = f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY lol0 "lol">{laughs}]>' + _page("<p>&lol9;</p>")
    article = _article(page)
    assert "lol" * 100 not in article.body and CLOSING in article.body
    xxe = '<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + _page("<p>&xxe; here</p>")
    article = _article(xxe)
    assert "root:" not in article.body and CLOSING in article.body


# --- JSON and plain text ----------------------------------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "invalid_json"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "invalid_json"),
        ("[" + ",".join(["1"] * 1_000_000) + "]", "not_an_article"),
        (json.dumps({"title": "w" * 10_000_000, "text": "body"}), "no_headline"),
        (json.dumps({"title": ["a list"], "text": {"an": "object"}}), "not_an_article"),
        (json.dumps({"title": "T", "text": 12, "body": None, "content": ["", 3]}), "not_an_article"),
    ],
)
def test_hostile_json_is_a_rejection_with_its_reason(document: str, reason: str):
    assert _rejection(document).reason == reason


@pytest.mark.timeout(60)
def test_json_with_10_mb_strings_and_odd_values_is_an_article():
    article = _article(json.dumps({"title": "T", "text": "word " * 2_000_000}))
    assert len(article.body) == len("word " * 2_000_000) - 1
    odd = {"title": "T", "text": "Body", "date": [1], "language": 5, "url": {"x": 1}, "story_code": True}
    article = _article(json.dumps(odd).replace("true", "1e400"))
    assert (article.published_at, article.language, article.url, article.story_code) == (None, None, None, None)


@pytest.mark.timeout(60)
def test_a_json_body_of_a_million_unclosed_tags_is_read_in_linear_time():
    # `<p\b[^>]*>` read to the end of the text from every '<p': hours before
    assert _article(json.dumps({"title": "T", "text": "<p " * 1_000_000})).body.startswith("<p <p")


@pytest.mark.timeout(60)
def test_a_9_9_mb_plain_article_parses_in_linear_time():
    count = 9_950_000 // len(f"{SENTENCE}\n\n")
    text = "Wednesday 31 March 2021 - 11:59\n\nHeadline\n\nStory Code : 924469\n" + f"{SENTENCE}\n\n" * count
    assert 9_900_000 < len(text) < 10 * 1024 * 1024
    article = _article(text)
    assert (article.story_code, len(article.paragraphs)) == ("924469", count)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "line",
    [
        "1" * 1_000_000,
        "1 " * 500_000,
        "2021-03-31 " * 100_000,
        "31 March 2021 " + " " * 1_000_000 + "x",
        "Story Code" + " " * 100_000 + "!",  # `\s*[:]?\s*` split the blanks every way: hours before
        "Story Code :" + " " * 100_000 + "x" + " " * 100_000 + "!",
        "Title:" + " " * 1_000_000 + "x",
        "# " + "#" * 1_000_000,
    ],
)
def test_a_long_first_or_body_line_is_read_in_linear_time(line: str):
    _assert_clean(parse(line + "\n\nbody text"))
    _assert_clean(parse("Headline\n\n" + line))


@pytest.mark.timeout(60)
def test_millions_of_lines_and_blank_lines_are_read_in_linear_time():
    assert _article("Headline\n" + "\n" * 5_000_000 + "body").body == "body"
    assert _article("Headline\n\n" + "x\n" * 4_000_000).body.count("x") == 4_000_000
    assert _article("Headline\n\n" + " \t\n" * 2_000_000 + "y").body == "y"


def test_parse_date_refuses_a_line_longer_than_a_thousand_characters_at_once():
    assert parse_date(" " * 990 + "2021-03-31") is not None
    assert parse_date(" " * 991 + "2021-03-31") is None
    assert parse_date("2021-03-31" * 1_000_000) is None


# --- text every store accepts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "headline", "body"),
    [
        ("Head\x00line\x01\n\nBody\x00 text\x1f here\n\nStory Code : 12\x0034", "Headline", "Body text here"),
        ("Head\ud800line\n\nBody \udfff text", "Head\ufffdline", "Body \ufffd text"),
        (
            '{"title": "T\\ud800\\u0000", "text": "Body \\udfff\\u0001", "url": "http://x\\u0000/y"}',
            "T\ufffd",
            "Body \ufffd",
        ),
        (
            "<html lang='en'><head><title>T\x01itle</title></head><body><article><p>Body \x02text that is long "
            "enough to be read as the article by the extractor.</p></article></body></html>",
            "Title",
            "Body text that is long enough to be read as the article by the extractor.",
        ),
    ],
)
def test_every_text_field_is_clean_in_every_layout(text: str, headline: str, body: str):
    article = _article(text)
    _assert_clean(article)
    assert (article.headline, article.paragraphs[0]) == (headline, body)


def test_a_headline_or_body_of_only_control_characters_is_rejected():
    assert _rejection('{"title": "\\u0000\\u0001", "text": "Body"}').reason == "no_headline"
    assert _rejection('{"title": "T", "text": "\\u0000\\n\\u0001"}').reason == "no_body"


@FUZZ
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=400))
def test_needs_cleaning_agrees_with_clean_text(text: str):
    assert _needs_cleaning(text) == (clean_text(text) != text)


# --- parse never raises -----------------------------------------------------------------------------------------

_ANY_CHAR = st.characters(exclude_categories=())
_MARKUP = st.sampled_from(
    ["<", ">", "</", "/>", "<!--", "-->", "--!>", "<!-->", "<!", "<?", "=", '"', "'", " ", "\t", "\n", "\r", "\x0c",
     "a", "<p>", "<p", "<div>", "</div>", "<b>", "<br/>", "<script>", "</script>", "<script/>", "<title>", "</title>",
     "<style>", "<textarea>", "<xmp>", "<iframe>", "<plaintext>", "<SCRIPT>", "<article>", "</article>", "<main>",
     "<time datetime='2021-03-31'>", "</time>", "<h1>", "</h1>", "<meta property='og:title' content='", "<li>",
     "<td>", "<table>", "<nav>", "<header>", "<footer>", " class='date meta'", " class='cookie'", " id='comments'",
     "<script type='application/ld+json'>", '{"@type": "NewsArticle", "headline": "H", "datePublished": "2021"}',
     "Story Code : 123", "&amp;", "&lol;", "&#0;", "&#xd800;", "\x00", "\ud800", "text of the article ", SENTENCE]
)  # fmt: skip
_HTML_ISH = st.lists(st.one_of(_MARKUP, st.text(alphabet=_ANY_CHAR, max_size=5)), max_size=60).map(
    lambda parts: "<html><body>" + "".join(parts)
)
_JSON_KEYS = st.sampled_from(
    ["title", "headline", "text", "body", "content", "maintext", "date", "date_publish", "publish_date", "language",
     "url", "source", "story_code", "@graph", "@type", "article", "rendered"]
)  # fmt: skip


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(_JSON_KEYS, st.text(max_size=5)), inner, max_size=5)
    )


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(alphabet=_ANY_CHAR, max_size=30),
    _containers,
    max_leaves=20,
)


def _json_ish(value: Any, cut: int) -> str:
    text = json.dumps(value)
    return text[: len(text) - cut] if cut < len(text) else text


@FUZZ
@given(st.text(alphabet=_ANY_CHAR, max_size=600))
def test_parse_never_raises_on_any_text(text: str):
    _assert_clean(parse(text))


@FUZZ
@given(_HTML_ISH)
def test_parse_never_raises_on_html_ish_text(text: str):
    _assert_clean(parse(text))


@FUZZ
@given(st.dictionaries(_JSON_KEYS, _JSON_VALUES, max_size=8) | _JSON_VALUES, st.integers(0, 3))
def test_parse_never_raises_on_json_ish_text(value: Any, cut: int):
    _assert_clean(parse(_json_ish(value, cut)))


# --- the bounded passes read pages as before ------------------------------------------------------------------


def _tree_of(markup: str) -> bytes | None:
    try:
        return etree.tostring(lxml_html.document_fromstring(markup, parser=html_layout._PARSER))
    except (ValueError, etree.LxmlError):
        return None


_NO_FORM_FEED = _HTML_ISH.map(lambda text: html_layout._NOT_XML_CHARS.sub("", text))


@PROPS
@given(_NO_FORM_FEED)
def test_bounding_the_markup_leaves_libxml2s_tree_as_it_was_within_the_bounds(markup: str):
    # the pass tokenises tags as libxml2 does: had it misread one, the trees would differ
    assert _tree_of(html_layout._bounded_markup(markup)) == _tree_of(markup)


@PROPS
@given(
    st.lists(st.sampled_from(["a", "b=1", "c='>'", 'd="<p x=1>"', "e=", "/", "=f", "g=h/", " "]), max_size=300),
    st.sampled_from(["div", "script", "title", "p"]),
)
def test_bounding_the_markup_keeps_at_most_a_hundred_attributes_a_tag(attributes: list[str], name: str):
    markup = f"<html><body><{name} {' '.join(attributes)}>inner</{name}><p>after</p></body></html>"
    root = lxml_html.document_fromstring(html_layout._bounded_markup(markup), parser=html_layout._PARSER)
    assert all(len(el.attrib) <= html_layout.MAX_ATTRIBUTES for el in root.iter(etree.Element))
    # however the attributes read (`e= c='>'` is one attribute, e="c='"), the text is the page's text
    unbounded = lxml_html.document_fromstring(markup, parser=html_layout._PARSER)
    assert etree.tostring(root, method="text") == etree.tostring(unbounded, method="text")


_XPATH_TEXT = "string-length(normalize-space(.))"


@PROPS
@given(_NO_FORM_FEED)
def test_text_sizes_are_xpaths_lengths(markup: str):
    root, _ = html_layout._tree(markup)
    if root is None:
        return
    sizes = html_layout._TextSizes(root)
    for el in root.iter(etree.Element):
        length, _, _, size = sizes[el]
        assert length == min(int(el.xpath(_XPATH_TEXT)), html_layout._LONGEST)
        assert size == len(el.text_content())
        assert html_layout._opening(el, 200) == el.text_content()[:200]


_DATELINE_TIME = (  # the XPath queries the walk replaces, as they were
    "(//article//time | //main//time)[@datetime][not(ancestor::p or ancestor::li or ancestor::td or ancestor::th "
    "or ancestor::blockquote)][not(contains(translate(@class, 'UPDATEMOIF', 'updatemoif'), 'updat') or "
    "contains(translate(@class, 'UPDATEMOIF', 'updatemoif'), 'modif'))][not(ancestor::*[contains({low}, 'comment') "
    "or contains({low}, 'related')])]"
)
_DATELINE_TEXT = (
    "(//article//* | //main//*)[contains({low}, 'date') or contains({low}, 'publish') or contains({low}, 'meta') or "
    "contains({low}, 'byline')][string-length(normalize-space(.)) < 80][not(contains({low}, 'updat') or "
    "contains({low}, 'modif'))][not(ancestor::*[contains({low}, 'comment') or contains({low}, 'related')])]"
)
_LOW = "translate(concat(' ', @id, ' ', @class), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_DATELINE_PARTS = st.sampled_from(
    ["<article>", "</article>", "<main>", "</main>", "<p>", "</p>", "<li>", "<div class='Comments'>", "</div>",
     "<div id='related-x'>", "<div class='post-date'>", "<span class='byline'>", "</span>", "<blockquote>",
     "<time datetime='2021-03-31'>", "<time class='Updated' datetime='2021-04-01'>", "</time>", "<td>",
     "31 March 2021", "text ", "<section class='META modified'>", "</section>"]
)  # fmt: skip


@PROPS
@given(st.lists(_DATELINE_PARTS, max_size=40))
def test_the_dateline_walk_finds_what_the_xpath_queries_found(parts: list[str]):
    root, _ = html_layout._tree("<html><body>" + "".join(parts) + "</body></html>")
    assert root is not None
    times = root.xpath(_DATELINE_TIME.format(low=_LOW))
    assert html_layout._dateline_time(root) == (times[0].get("datetime") if times else None)
    blocks = root.xpath(_DATELINE_TEXT.format(low=_LOW))
    found = list(html_layout._datelines(root, html_layout._TextSizes(root)))
    assert found == [" ".join(el.text_content().split()) for el in blocks]


# --- the linear helpers read text as the ones they replace --------------------------------------------------------

_LINES = st.text(alphabet=st.sampled_from(["a", "b", " ", "\t", "\n", "\n", "\u00a0", "\u2028", "\x0b", "\x1c"]))
_OLD_STORY_CODE = re.compile(r"^story\s*code\s*[:：#\-–—]?\s*([A-Za-z0-9][\w-]{0,63})\s*$", re.IGNORECASE)


def _old_paragraphs(lines: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    current: list[str] = []
    for raw in lines:
        if line := raw.strip():
            current.append(line)
        elif current:
            out.append("\n".join(current))
            current = []
    if current:
        out.append("\n".join(current))
    return tuple(out)


@PROPS
@given(_LINES)
def test_paragraphs_are_those_of_the_line_by_line_reading(text: str):
    lines = text.split("\n")
    assert paragraphs_of_block(text) == _paragraphs_of_long_block(text) == _old_paragraphs(lines)
    stripped = tuple(s for line in lines if (s := line.strip()))
    assert tuple(line for line in _stripped_lines(text).split("\n") if line) == stripped
    if any(not line.strip() for line in lines[1:-1]):
        assert paragraphs_of_text(text) == _old_paragraphs(lines)
    else:
        assert paragraphs_of_text(text) == stripped


def test_header_lines_after_many_blank_lines_are_still_header_lines():
    article = _article("31 March 2021\n" + "\n" * 100 + "Headline\n" + " \n" * 100 + "Story Code: 7\n\nBody")
    assert (article.headline, article.published_iso, article.story_code, article.body) == (
        "Headline",
        "2021-03-31",
        "7",
        "Body",
    )


@PROPS
@given(
    st.lists(st.sampled_from(["Story", "story", "Code", "CODE", " ", "\t", ":", "#", "–", "-", "9", "x_"])).map("".join)
)
def test_the_story_code_pattern_reads_what_it_read_before(line: str):
    old, new = _OLD_STORY_CODE.match(line), STORY_CODE.match(line)
    assert (old and old[1]) == (new and new[1])
