"""services.store.parser.parse on saved HTML pages: headline, date and time, body without boilerplate, language."""

from __future__ import annotations

import html
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.store.article import STORY_CODE
from tests.support import parse_rejection as _rejection
from tests.support import parsed_article as _article

ROOT = Path(__file__).resolve().parents[2]
PROPS = settings(max_examples=100, deadline=None)


# --- saved pages -----------------------------------------------------------------------------------------------

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en-GB" class="no-js">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Russia will not allow Americans to speak to it from position of force | The Daily Wire Service</title>
  <meta property="og:site_name" content="The Daily Wire Service">
  <meta property="og:type" content="article">
  <meta property="og:title" content="Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman">
  <meta property="og:url" content="https://news.example.com/world/2021/03/31/russia-position-of-force">
  <meta property="og:locale" content="en_GB">
  <meta property="article:published_time" content="2021-03-31T11:59:00+04:30">
  <meta property="article:modified_time" content="2021-04-01T08:00:00+04:30">
  <meta name="description" content="Moscow rejects what it calls a mantra repeated by Washington.">
  <link rel="canonical" href="https://news.example.com/world/2021/03/31/russia-position-of-force">
  <link rel="stylesheet" href="/static/site.css">
  <style>.cookie-banner{position:fixed;bottom:0} body{font-family:serif}</style>
  <script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}</script>
  <script type="application/ld+json">
  {"@context": "https://schema.org", "@type": "NewsArticle",
   "headline": "Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman",
   "datePublished": "2021-03-31T11:59:00+04:30", "dateModified": "2021-04-01T08:00:00+04:30",
   "author": {"@type": "Person", "name": "Staff Writer"},
   "publisher": {"@type": "Organization", "name": "The Daily Wire Service"}}
  </script>
</head>
<body class="article-page">
  <div id="cookie-consent" class="cookie-banner" role="dialog">
    <p>We use cookies to improve your experience on our website. By continuing to browse you agree to our use
    of cookies.</p>
    <button>Accept all cookies</button> <a href="/privacy">Manage cookie settings</a>
  </div>
  <header class="site-header">
    <a class="logo" href="/"><h1 class="site-title">The Daily Wire Service</h1></a>
    <nav class="main-nav" aria-label="Sections">
      <ul>
        <li><a href="/">Home</a></li><li><a href="/world">World news</a></li>
        <li><a href="/politics">Politics coverage</a></li><li><a href="/business">Business and markets</a></li>
        <li><a href="/sport">Sport results</a></li>
      </ul>
    </nav>
  </header>
  <main id="content">
    <nav class="breadcrumbs"><a href="/">Home</a> &rsaquo; <a href="/world">World</a></nav>
    <article class="story">
      <header class="story-header">
        <h1 class="headline">Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman</h1>
        <p class="byline">By Staff Writer &middot; <time datetime="2021-03-31T11:59:00+04:30">31 March 2021</time></p>
      </header>
      <div class="story-body">
        <p>"The Americans keep repeating like a mantra that they are going to speak to Russia from a position of
        strength," the foreign ministry spokeswoman told reporters in Moscow on Wednesday.</p>
        <p>She said Moscow would not accept such a tone and that any dialogue had to be built on mutual respect
        and a balance of interests, adding that sanctions had never changed Russian policy.</p>
        <script>loadAd("inline-1");</script>
        <div class="ad-slot" aria-hidden="true">Advertisement</div>
        <p>The remarks came a day after Washington announced new measures against several Russian officials and
        companies, which the Kremlin described as unfriendly and counterproductive.</p>
        <p>Similar allegations had been brought forth about Russia in 2016.</p>
      </div>
      <aside class="related">
        <h2>Related stories</h2>
        <ul>
          <li><a href="/world/a">Kremlin says talks with Washington are not on the agenda this month</a></li>
          <li><a href="/world/b">European ministers meet in Brussels to discuss new sanctions package</a></li>
          <li><a href="/world/c">Oil prices climb after a surprise fall in American crude inventories</a></li>
        </ul>
      </aside>
      <section class="comments" id="comments">
        <h2>Comments</h2>
        <div class="comment"><p>Reader1234: This is exactly what everyone expected to happen, nothing new.</p></div>
      </section>
    </article>
  </main>
  <footer class="site-footer">
    <p>&copy; 2021 The Daily Wire Service. All rights reserved. Registered in England and Wales.</p>
    <ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact the newsroom</a></li></ul>
  </footer>
  <script src="/static/app.js"></script>
  <script>document.getElementById('cookie-consent').hidden = localStorage.getItem('ok');</script>
</body>
</html>
"""

NEWS_PARAGRAPHS = (
    '"The Americans keep repeating like a mantra that they are going to speak to Russia from a position of '
    'strength," the foreign ministry spokeswoman told reporters in Moscow on Wednesday.',
    "She said Moscow would not accept such a tone and that any dialogue had to be built on mutual respect and a "
    "balance of interests, adding that sanctions had never changed Russian policy.",
    "The remarks came a day after Washington announced new measures against several Russian officials and "
    "companies, which the Kremlin described as unfriendly and counterproductive.",
    "Similar allegations had been brought forth about Russia in 2016.",
)

TITLE_ONLY_PAGE = """<!doctype html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>Flood waters recede in the valley | Local news | Valley Herald</title>
</head>
<body>
<div id="top"><a href="/">Valley Herald</a> | <a href="/local">Local</a> | <a href="/weather">Weather</a></div>
<div class="content">
<span class="dateline">Published <time pubdate datetime="2021-04-02T08:15:00Z">April 2, 2021</time></span>
<p>Residents of the lower valley began returning to their homes on Friday as the river fell below the flood
mark for the first time in nine days.</p>
<p>The county said the main bridge would stay closed until engineers had inspected its foundations, which
were under water for most of the week.</p>
<p>Volunteers handed out more than four thousand sandbags and hot meals at the community hall on Main Street.</p>
</div>
<div id="bottom">Valley Herald &middot; 12 Mill Lane &middot; Subscribe to our newsletter</div>
</body>
</html>
"""

FRENCH_PAGE = """<!DOCTYPE html>
<html lang="fr" dir="ltr">
<head>
<meta charset="utf-8">
<title>Le gouvernement présente son plan pour l'hôpital - Le Quotidien du Matin</title>
<meta property="og:site_name" content="Le Quotidien du Matin">
<meta property="og:locale" content="fr_FR">
<meta itemprop="datePublished" content="2021-03-31T18:30:00+02:00">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXX"></script>
</head>
<body>
<div class="cmp-container" id="didomi-consent-popup">
  <p>Nous utilisons des cookies pour mesurer l'audience et personnaliser les publicités. Vous pouvez accepter
  ou refuser à tout moment.</p>
  <button>Tout accepter</button><button>Continuer sans accepter</button>
</div>
<header><h1 class="logo">Le Quotidien du Matin</h1>
<nav><a href="/politique">Politique</a> <a href="/economie">Économie</a> <a href="/sport">Sport</a></nav></header>
<main>
<article>
<h1>Le gouvernement présente son plan pour l'hôpital</h1>
<p class="chapo">Le ministre a détaillé mercredi soir les mesures destinées aux services d'urgence.</p>
<p>« Nous allons recruter dix mille soignants d'ici à la fin de l'année », a déclaré le ministre de la Santé
devant les députés, précisant que les crédits seraient débloqués dès le mois prochain.</p>
<p>Les syndicats ont salué un premier pas mais jugent l'effort insuffisant face à la fermeture de lits
constatée depuis plusieurs années dans les hôpitaux publics.</p>
</article>
</main>
<footer><p>© Le Quotidien du Matin – Mentions légales – Politique de confidentialité</p></footer>
</body>
</html>
"""

RUSSIAN_PAGE = """<!DOCTYPE html>
<html lang="ru-RU">
<head>
<meta charset="UTF-8">
<title>Москва ответила на новые санкции США — Вечерние новости</title>
<meta property="og:title" content="Москва ответила на новые санкции США">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Вечерние новости", "url": "https://vesti.example.ru/"},
  {"@type": "NewsArticle", "headline": "Москва ответила на новые санкции США",
   "datePublished": "2021-03-31T11:59:00+03:00", "inLanguage": "ru"}]}
</script>
</head>
<body>
<nav class="menu"><a href="/">Главная</a> <a href="/politics">Политика</a> <a href="/economy">Экономика</a></nav>
<article>
<h1>Москва ответила на новые санкции США</h1>
<p>Официальный представитель МИД России заявила в среду, что Москва не позволит говорить с собой с позиции
силы.</p>
<p>По её словам, любые переговоры возможны только на основе взаимного уважения и баланса интересов.</p>
<p>В Кремле назвали новые меры недружественными и контрпродуктивными.</p>
</article>
<div class="footer">© 2021 Вечерние новости. Все права защищены.</div>
</body>
</html>
"""

NO_DATE_PAGE = """<!DOCTYPE html>
<html lang="en-US">
<head>
<title>Council approves new cycle lanes for the city centre</title>
<meta property="og:title" content="Council approves new cycle lanes for the city centre">
<meta property="og:url" content="https://city.example.org/2021/03/31/cycle-lanes">
</head>
<body>
<article>
<h1>Council approves new cycle lanes for the city centre</h1>
<p class="updated">Updated 3 hours ago</p>
<p>The city council voted by a large majority to build six kilometres of protected cycle lanes along the
ring road, a project first proposed in 2019.</p>
<p>Work is expected to start in the summer and to last about eighteen months, the transport committee said.</p>
</article>
<footer>© 2021 City Courier</footer>
</body>
</html>
"""

STORY_CODE_PAGE = """<html><head>
<meta http-equiv="content-language" content="en">
<meta property="og:title" content="Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman">
<meta name="sailthru.date" content="2021-03-31 11:59">
</head><body>
<div class="menu"><a href="/">Home</a></div>
<div class="news-body">
<h1>Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman</h1>
<div class="code">Story Code : 924469</div>
<p>"The Americans keep repeating like a mantra that they are going to speak to Russia from a position of
strength," the spokeswoman said.</p>
<p>Similar allegations had been brought forth about Russia in 2016.</p>
</div></body></html>
"""

BOILERPLATE = ("Home", "World news", "Sport results", "cookies", "Accept all", "All rights reserved", "About us",
               "Related stories", "Kremlin says talks", "Reader1234", "Comments", "dataLayer", "loadAd", "gtag",
               "Advertisement", "By Staff Writer", "The Daily Wire Service")  # fmt: skip


def test_news_page_headline_comes_from_og_title() -> None:
    assert (
        _article(NEWS_PAGE).headline
        == "Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman"
    )


def test_news_page_publication_time_keeps_its_offset() -> None:
    article = _article(NEWS_PAGE)
    assert article.published_iso == "2021-03-31T11:59:00+04:30"
    assert article.published_at == datetime(2021, 3, 31, 11, 59)
    assert article.published_utc_offset_min == 270


def test_news_page_body_is_the_article_paragraphs_only() -> None:
    article = _article(NEWS_PAGE)
    assert article.paragraphs == NEWS_PARAGRAPHS
    for junk in BOILERPLATE:
        assert junk not in article.body, junk
    assert article.headline not in article.body


def test_news_page_language_url_and_no_story_code() -> None:
    article = _article(NEWS_PAGE)
    assert article.language == "en"
    assert article.url == "https://news.example.com/world/2021/03/31/russia-position-of-force"
    assert article.story_code is None


def test_news_page_with_crlf_and_a_bom_is_the_same_article() -> None:
    assert _article("\ufeff" + NEWS_PAGE.replace("\n", "\r\n")) == _article(NEWS_PAGE)


def test_title_only_page_takes_the_longest_part_of_the_title() -> None:
    article = _article(TITLE_ONLY_PAGE)
    assert article.headline == "Flood waters recede in the valley"
    assert article.published_iso == "2021-04-02T08:15:00+00:00"
    assert article.language is None  # the page declares none; enrich detects it
    assert article.paragraphs[0].startswith("Residents of the lower valley began returning")
    assert article.paragraphs[-1].startswith("Volunteers handed out more than four thousand sandbags")
    assert len(article.paragraphs) == 3


@pytest.mark.parametrize(
    ("title", "site_name", "headline"),
    [
        ("Storm closes ports - Coast Gazette", "Coast Gazette", "Storm closes ports"),
        ("Coast Gazette — Storm closes ports", "Coast Gazette", "Storm closes ports"),
        ("Storm closes ports - again", None, "Storm closes ports - again"),  # a dash of the headline's own
        ("Storm closes ports - again", "Coast Gazette", "Storm closes ports - again"),
        ("Storm closes ports | Coast Gazette", None, "Storm closes ports"),
    ],
)
def test_site_names_are_cut_from_a_title_only_where_the_page_names_them(
    title: str, site_name: str | None, headline: str
) -> None:
    site = f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    page = f"<html><head><title>{title}</title>{site}</head><body><p>{NEWS_PARAGRAPHS[0]}</p></body></html>"
    assert _article(page).headline == headline


def test_french_page_h1_of_the_article_not_the_site_logo() -> None:
    article = _article(FRENCH_PAGE)
    assert article.headline == "Le gouvernement présente son plan pour l'hôpital"
    assert article.published_iso == "2021-03-31T18:30:00+02:00"
    assert article.language == "fr"
    assert article.paragraphs[0] == "Le ministre a détaillé mercredi soir les mesures destinées aux services d'urgence."
    assert article.paragraphs[1].startswith("« Nous allons recruter dix mille soignants")
    assert len(article.paragraphs) == 3
    for junk in ("cookies", "Tout accepter", "Politique", "Mentions légales", "Le Quotidien du Matin"):
        assert junk not in article.body, junk


def test_russian_page_in_utf8_with_its_date_from_json_ld() -> None:
    article = _article(RUSSIAN_PAGE)
    assert article.headline == "Москва ответила на новые санкции США"
    assert article.published_iso == "2021-03-31T11:59:00+03:00"
    assert article.language == "ru"
    assert article.paragraphs == (
        "Официальный представитель МИД России заявила в среду, что Москва не позволит говорить с собой с позиции силы.",
        "По её словам, любые переговоры возможны только на основе взаимного уважения и баланса интересов.",
        "В Кремле назвали новые меры недружественными и контрпродуктивными.",
    )
    assert "Главная" not in article.body


def test_a_page_without_a_declared_date_has_none_never_a_guess() -> None:
    article = _article(NO_DATE_PAGE)
    assert article.headline == "Council approves new cycle lanes for the city centre"
    assert article.published_at is None
    assert article.published_iso is None
    assert article.published_utc_offset_min is None
    assert article.language == "en"
    assert article.url == "https://city.example.org/2021/03/31/cycle-lanes"
    assert any(p.startswith("The city council voted") for p in article.paragraphs)


def test_a_story_code_block_on_the_page_is_the_story_code() -> None:
    article = _article(STORY_CODE_PAGE)
    assert article.story_code == "924469"
    assert "Story Code" not in article.body
    assert article.published_iso == "2021-03-31T11:59:00"
    assert article.language == "en"
    assert article.paragraphs[-1] == "Similar allegations had been brought forth about Russia in 2016."


@pytest.mark.parametrize(
    ("tag", "iso"),
    [
        ('<meta property="article:published_time" content="2021-03-31T11:59:00Z">', "2021-03-31T11:59:00+00:00"),
        ('<meta property="og:published_time" content="2021-03-31T11:59:00-05:00">', "2021-03-31T11:59:00-05:00"),
        ('<meta itemprop="datePublished" content="2021-03-31T11:59:00+02:00">', "2021-03-31T11:59:00+02:00"),
        ('<meta name="pubdate" content="2021-03-31T11:59:00">', "2021-03-31T11:59:00"),
        ('<meta name="publishdate" content="2021-03-31 11:59:00">', "2021-03-31T11:59:00"),
        ('<meta name="date" content="2021-03-31">', "2021-03-31"),
        ('<meta name="DC.date.issued" content="2021-03-31">', "2021-03-31"),
        ('<meta name="parsely-pub-date" content="2021-03-31T11:59:00.000Z">', "2021-03-31T11:59:00+00:00"),
        ('<meta name="sailthru.date" content="Wed, 31 Mar 2021 11:59:00 -0500">', "2021-03-31T11:59:00-05:00"),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2021-03-31T11:59:00+04:30"}'
         "</script>", "2021-03-31T11:59:00+04:30"),
    ],
)  # fmt: skip
def test_each_declared_publication_date_is_read(tag: str, iso: str) -> None:
    page = f"<html><head><title>Headline</title>{tag}</head><body><p>{NEWS_PARAGRAPHS[0]}</p></body></html>"
    assert _article(page).published_iso == iso


def test_the_article_published_time_meta_wins_over_json_ld_and_an_unreadable_one_is_skipped() -> None:
    page = NEWS_PAGE.replace('"datePublished": "2021-03-31T11:59:00+04:30"', '"datePublished": "2020-01-01T00:00:00Z"')
    assert _article(page).published_iso == "2021-03-31T11:59:00+04:30"
    unreadable = NEWS_PAGE.replace('content="2021-03-31T11:59:00+04:30"', 'content="last Wednesday"')
    assert _article(unreadable).published_iso == "2021-03-31T11:59:00+04:30"  # from the JSON-LD


def test_an_xhtml_page_with_an_xml_declaration_naming_its_encoding() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?>\n' + NEWS_PAGE.replace("<!DOCTYPE html>", "", 1)
    assert _article(page).paragraphs == NEWS_PARAGRAPHS


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    page = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Entity test</title></head>'
        f"<body><article><h1>Entity test</h1><p>Before &xxe; after &net;.</p><p>{NEWS_PARAGRAPHS[0]}</p>"
        "</article></body></html>"
    )
    article = _article(page)
    assert "TOP-SECRET" not in repr(article)
    assert article.headline == "Entity test"


# --- rejections ------------------------------------------------------------------------------------------------


def test_a_page_of_navigation_cookie_banner_and_footer_only_has_no_body() -> None:
    page = """<!DOCTYPE html><html lang="en"><head><title>Home | The Daily Wire Service</title>
    <script>var tracking = "abcdefghijklmnopqrstuvwxyz";</script></head><body>
    <div id="cookie-notice"><p>We use cookies to improve your experience. Accept all cookies</p></div>
    <header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li></ul></nav></header>
    <footer><p>&copy; 2021 The Daily Wire Service. All rights reserved.</p></footer></body></html>"""
    assert _rejection(page).reason == "no_body"


def test_a_page_without_og_title_h1_or_title_has_no_headline() -> None:
    rejection = _rejection(f"<html><body><p>{NEWS_PARAGRAPHS[0]}</p></body></html>")
    assert rejection.reason == "no_headline"
    assert "title" in rejection.detail


@pytest.mark.parametrize(
    "text",
    [
        "<?xml version='1.0'?><rss><channel><item><title>x</title></item></channel></rss>",
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>',
    ],
)
def test_xml_documents_that_are_not_pages_are_unsupported(text: str) -> None:
    rejection = _rejection(text)
    assert rejection.reason == "unsupported_layout"
    assert "XML" in rejection.detail


def test_plain_text_that_starts_with_an_angle_bracket_is_still_plain_text() -> None:
    article = _article("<Exclusive> Talks resume in Geneva\n\nStory Code : 42\n\nThe talks resumed.")
    assert article.headline == "<Exclusive> Talks resume in Geneva"
    assert article.story_code == "42"


def test_plain_text_parsing_never_imports_the_html_extractor() -> None:
    code = (
        "import sys; from pathlib import Path; from services.store.parser import parse, ParsedArticle;"
        "assert isinstance(parse(Path('seeds/000_d7b03ab2b022693d.txt').read_text()), ParsedArticle);"
        "loaded = [m for m in ('trafilatura', 'lxml', 'services.store.html_layout') if m in sys.modules];"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --- property: render a simple page, parse back ----------------------------------------------------------------

_WORD = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=10)
_PUNCT = st.sampled_from(["", "", "", ",", ".", ":", "!", "?", ";", "'", '"', "»", "…", "&", "<", ">"])


@st.composite
def sentences(draw: st.DrawFn, min_words: int = 1, max_words: int = 15) -> str:
    words = draw(st.lists(st.tuples(_WORD, _PUNCT), min_size=min_words, max_size=max_words))
    return " ".join(w + p for w, p in words)


@st.composite
def published(draw: st.DrawFn) -> tuple[str, str]:
    """(the meta's content, the iso string the article should carry)"""
    wall = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31))).replace(microsecond=0)
    offset = draw(st.none() | st.integers(-12 * 4, 14 * 4).map(lambda q: q * 15))
    if offset is None:
        return wall.isoformat(), wall.isoformat()
    sign, (hours, minutes) = ("-" if offset < 0 else "+"), divmod(abs(offset), 60)
    stamp = f"{wall.isoformat()}{sign}{hours:02d}:{minutes:02d}"
    return stamp, stamp


def render_page(headline: str, paragraphs: list[str], date: str | None, lang: str) -> str:
    e = html.escape
    date_meta = f'<meta property="article:published_time" content="{e(date)}">' if date else ""
    body = "\n".join(f"<p>{e(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{e(headline)} | Example News</title>
<meta property="og:title" content="{e(headline)}">{date_meta}
<script>var analytics = {{"page": "article"}};</script></head>
<body><header><nav><a href="/">Home page</a> <a href="/world">World section</a></nav></header>
<main><article><h1>{e(headline)}</h1>
{body}
</article></main><footer><p>Example News, all rights reserved</p></footer></body></html>"""


@given(
    headline=sentences(max_words=12),
    paragraphs=st.lists(sentences(max_words=40), min_size=1, max_size=6, unique=True),
    date=st.none() | published(),
    lang=st.sampled_from(["en", "fr-FR", "ru", "de-AT"]),
)
@PROPS
def test_any_article_rendered_as_a_simple_page_parses_back(
    headline: str, paragraphs: list[str], date: tuple[str, str] | None, lang: str
) -> None:
    assume(all(p.casefold() != headline.casefold() and not STORY_CODE.match(p) for p in paragraphs))
    article = _article(render_page(headline, paragraphs, date[0] if date else None, lang))
    assert article.headline == headline
    assert article.paragraphs == tuple(paragraphs)
    assert article.published_iso == (date[1] if date else None)
    assert article.language == lang[:2]


# --- datelines: a bare <time datetime> in the article, a "Published: ..." block ------------------------------------

_PARAGRAPHS = (  # long enough to be an article for the extractor (a very short page is read as one block)
    "<p>The government held a summit in Athens on Wednesday to discuss trade and security, a spokesman said.</p>"
    "<p>Talks will resume next month in Brussels, officials added.</p>"
    "<p>Delegates from eleven countries attended the meeting, which lasted most of the day and ended with a joint "
    "statement on port fees, customs checks and the shipping lanes of the eastern Mediterranean.</p>"
    "<p>Opposition parties criticised the summit as a photo opportunity, while business groups welcomed the plan "
    "to cut waiting times at the border and promised to publish their own proposals before the next round.</p>"
)
_REST = 3  # paragraphs after the first
_FIRST = "The government held a summit in Athens on Wednesday to discuss trade and security, a spokesman said."


def _page(article: str) -> str:
    return f"<html><head><title>Summit in Athens</title></head><body><article>{article}</article></body></html>"


def test_a_bare_dateline_time_gives_the_date_and_does_not_run_the_text_together() -> None:
    article = _article(_page(f"<h1>Summit in Athens</h1><time datetime='2021-03-31T11:59:00+03:00'>31 March</time>"
                             f"{_PARAGRAPHS}"))  # fmt: skip
    assert article.published_iso == "2021-03-31T11:59:00+03:00"
    assert article.paragraphs[:2] == (_FIRST, "Talks will resume next month in Brussels, officials added.")
    assert len(article.paragraphs) == 1 + _REST


@pytest.mark.parametrize(
    "time",
    [
        "<time class='updated' datetime='2021-04-02T10:00:00'>2 April</time>",  # an update, not the publication
        "<section class='comments'><time datetime='2021-04-02T10:00:00'>2 April</time></section>",
        "<ul><li>Earlier: <time datetime='2021-04-02'>2 April</time></li></ul>",
    ],
)
def test_times_that_are_not_the_articles_dateline_give_no_date(time: str) -> None:
    assert _article(_page(f"<h1>Summit in Athens</h1>{_PARAGRAPHS}{time}")).published_at is None


def test_a_time_inside_a_sentence_keeps_its_words_and_is_not_the_date() -> None:
    article = _article(_page(f"<h1>Summit in Athens</h1><p>On <time datetime='2021-03-30'>Tuesday</time> the "
                             f"delegates arrived.</p>{_PARAGRAPHS}"))  # fmt: skip
    assert article.published_at is None
    assert article.paragraphs[0] == "On Tuesday the delegates arrived."


@pytest.mark.parametrize("attrs", ["", " class='meta'", " class='article-date'", " id='publish-date'"])
def test_a_published_block_opening_the_text_is_the_date_and_not_body_text(attrs: str) -> None:
    article = _article(_page(f"<h1>Summit in Athens</h1><p{attrs}>Published: March 31, 2021 11:59</p>"
                             f"{_PARAGRAPHS}"))  # fmt: skip
    assert article.published_iso == "2021-03-31T11:59:00"
    assert article.paragraphs[0] == _FIRST
    assert len(article.paragraphs) == 1 + _REST


def test_a_block_marked_as_a_date_that_is_not_only_a_date_is_no_date() -> None:
    page = _page(f"<h1>Summit in Athens</h1><p class='meta'>By Maria Papadopoulou, March 31</p>{_PARAGRAPHS}")
    assert _article(page).published_at is None
