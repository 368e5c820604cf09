"""services.store.parser.parse on saved HTML pages whose boilerplate pruning would leave junk as the article body:
a landmark (site header, navigation, footer) left open or wrapped around the article, pages whose only text is a
skip link or a cookie notice. Junk is never stored: the article is found again, or the page is rejected."""

from __future__ import annotations

import pytest

from tests.support import parse_rejection as _rejection
from tests.support import parsed_article as _article

# --- fixtures: small pages in several languages, written for these tests ------------------------------------------

ES_PARAGRAPHS = (
    "El pleno municipal aprobó este jueves, con los votos de la mayoría, el plan de movilidad urbana que reducirá "
    "el tráfico en el centro histórico a partir del próximo año.",
    "La alcaldesa explicó que la medida se aplicará de forma gradual y que los vecinos empadronados podrán seguir "
    "accediendo con sus vehículos durante todo el día.",
    "Los comerciantes de la zona mostraron su preocupación por el efecto que tendrá la restricción en las ventas, "
    "aunque valoraron la ampliación de las plazas de aparcamiento en los barrios cercanos.",
    "La oposición anunció que presentará alegaciones durante el periodo de información pública, que se abrirá la "
    "semana que viene y durará treinta días hábiles.",
)

# The site header is never closed: libxml2 puts the whole article inside <header role="banner">, and pruning the
# banner left the skip link, "Pasar al contenido principal", as the article.
ES_HEADER_LEFT_OPEN = f"""<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>El Ayuntamiento aprueba el nuevo plan de movilidad | Diario del Sur</title>
<meta property="og:title" content="El Ayuntamiento aprueba el nuevo plan de movilidad">
<meta property="og:site_name" content="Diario del Sur">
<script>window.dataLayer = window.dataLayer || [];</script>
</head>
<body class="single">
<a class="skip-link screen-reader-text" href="#contenido">Pasar al contenido principal</a>
<header id="masthead" class="site-header" role="banner">
  <div class="site-branding"><a href="/" rel="home">Diario del Sur</a></div>
  <nav class="main-navigation"><ul><li><a href="/local">Local</a></li><li><a href="/deportes">Deportes</a></li>
  </ul></nav>
<div id="contenido" class="entry-content">
<h1 class="entry-title">El Ayuntamiento aprueba el nuevo plan de movilidad</h1>
{"".join(f"<p>{p}</p>" for p in ES_PARAGRAPHS)}
</div>
<footer class="site-footer"><p>© Diario del Sur</p></footer>
</body>
</html>
"""

FR_PARAGRAPHS = (
    "Le conseil régional a voté mardi une enveloppe de douze millions d'euros pour rénover les lignes ferroviaires "
    "secondaires, fermées aux voyageurs depuis plus de dix ans.",
    "« C'est une question d'égalité entre les territoires », a déclaré la présidente de la région devant les élus, "
    "en promettant les premiers trains d'ici à deux ans.",
    "Les associations d'usagers saluent une bonne nouvelle mais rappellent que la fréquence des trains sera "
    "décisive pour convaincre les habitants de laisser leur voiture.",
)

DE_PARAGRAPHS = (
    "Der Stadtrat hat am Donnerstag mit großer Mehrheit beschlossen, die Fußgängerzone in der Altstadt ab dem "
    "kommenden Frühjahr deutlich zu erweitern.",
    "Die Bürgermeisterin sagte, der Umbau solle in drei Abschnitten erfolgen, damit Geschäfte und Anwohner "
    "während der Bauzeit erreichbar bleiben.",
    "Der Einzelhandelsverband begrüßte die Entscheidung, forderte aber zusätzliche Parkplätze am Rand der "
    "Innenstadt und bessere Busverbindungen.",
)


def _paragraphs(paragraphs: tuple[str, ...]) -> str:
    return "".join(f"<p>{p}</p>\n" for p in paragraphs)


# The menu's <nav> is never closed: the article, in plain <div>s, ends up inside the navigation.
DE_NAV_LEFT_OPEN = f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Fußgängerzone wird erweitert - Stadtanzeiger</title>
<meta property="og:title" content="Fußgängerzone wird erweitert"></head>
<body>
<a class="skip" href="#inhalt">Zum Inhalt springen</a>
<nav class="hauptmenue"><ul><li><a href="/">Startseite</a></li><li><a href="/lokales">Lokales</a></li>
<li><a href="/sport">Sport</a></li></ul>
<div class="inhalt" id="inhalt"><div class="text">{_paragraphs(DE_PARAGRAPHS)}</div></div>
<div class="fuss">© Stadtanzeiger</div>
</body></html>"""


# An explicit article container inside a landmark: the article wins over the landmark around it.
WRAPPED_ARTICLES = {
    "fr-banner-article": (
        f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>La région relance ses petites lignes de train</title></head>
<body>
<div class="top" role="banner">
  <a class="logo" href="/">L'Écho du Centre</a>
  <article class="post">
    <h1>La région relance ses petites lignes de train</h1>
    {_paragraphs(FR_PARAGRAPHS)}
  </article>
</div>
<footer><p>© L'Écho du Centre – Mentions légales</p></footer>
</body></html>""",
        FR_PARAGRAPHS,
    ),
    "de-navigation-article": (
        f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<meta property="og:title" content="Fußgängerzone wird erweitert"></head>
<body>
<a class="skip" href="#inhalt">Zum Inhalt springen</a>
<div class="wrapper" role="navigation">
  <ul class="menu"><li><a href="/">Startseite</a></li><li><a href="/lokales">Lokales</a></li></ul>
  <article id="inhalt">{_paragraphs(DE_PARAGRAPHS)}</article>
</div>
<footer role="contentinfo"><p>© Stadtanzeiger</p></footer>
</body></html>""",
        DE_PARAGRAPHS,
    ),
    "de-contentinfo-article-body": (
        f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<meta property="og:title" content="Fußgängerzone wird erweitert"></head>
<body>
<div id="page" role="contentinfo">
  <div class="meta"><a href="/autoren/mk">Von Maria Keller</a></div>
  <div class="text" itemprop="articleBody">{_paragraphs(DE_PARAGRAPHS)}</div>
</div>
</body></html>""",
        DE_PARAGRAPHS,
    ),
    "es-header-article": (
        f"""<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">
<title>El Ayuntamiento aprueba el nuevo plan de movilidad | Diario del Sur</title></head>
<body>
<a class="skip-link" href="#main">Saltar al contenido</a>
<header class="cabecera">
  <a href="/">Diario del Sur</a>
  <article><h2>El Ayuntamiento aprueba el nuevo plan de movilidad</h2>{_paragraphs(ES_PARAGRAPHS)}</article>
</header>
</body></html>""",
        ES_PARAGRAPHS,
    ),
}


# --- a landmark wrapped around the article -------------------------------------------------------------------------


def test_a_site_header_left_open_around_the_article_is_not_pruned_down_to_its_skip_link() -> None:
    article = _article(ES_HEADER_LEFT_OPEN)
    assert article.headline == "El Ayuntamiento aprueba el nuevo plan de movilidad"
    assert article.paragraphs == ES_PARAGRAPHS
    assert "Pasar al contenido" not in article.body


def test_a_navigation_left_open_around_the_article_falls_back_to_the_text_inside_it() -> None:
    article = _article(DE_NAV_LEFT_OPEN)
    assert article.paragraphs == DE_PARAGRAPHS


@pytest.mark.parametrize("name", sorted(WRAPPED_ARTICLES))
def test_an_article_container_inside_a_landmark_is_the_body(name: str) -> None:
    page, paragraphs = WRAPPED_ARTICLES[name]
    assert _article(page).paragraphs == paragraphs


# --- junk is never the body ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "headline", "skip"),
    [
        ("en", "Weather warning issued for the coast", "Skip to content"),
        ("es", "Alerta por lluvias en la costa", "Pasar al contenido principal"),
        ("fr", "Alerte météo sur le littoral", "Aller au contenu"),
        ("de", "Unwetterwarnung für die Küste", "Zum Inhalt springen"),
        ("it", "Allerta meteo sulla costa", "Vai al contenuto principale »"),
    ],
)
def test_a_page_whose_only_text_is_a_skip_link_is_rejected_as_navigation(lang: str, headline: str, skip: str) -> None:
    page = f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{headline}</title></head>
<body><a class="skip-link" href="#main">{skip}</a>
<header><nav><a href="/">Home</a></nav></header>
<footer><p>© 2024 The County Gazette</p></footer></body></html>"""
    rejection = _rejection(page)
    assert rejection.reason == "no_body"
    assert "navigation" in rejection.detail
    assert skip.rstrip(" »") in rejection.detail


def test_a_header_left_open_around_a_menu_only_is_rejected_not_stored() -> None:
    menu = "".join(f'<li><a href="/sezione/{i}">Sezione numero {i} del giornale</a></li>' for i in range(40))
    page = f"""<!DOCTYPE html><html lang="it"><head><meta charset="utf-8">
<meta property="og:title" content="Il sindaco presenta il bilancio"></head>
<body><a href="#main">Vai al contenuto</a>
<header role="banner"><div class="menu-wrap"><ul>{menu}</ul></div>
<div class="links">Chi siamo | Contatti | Pubblicità | Privacy</div>
</body></html>"""
    rejection = _rejection(page)
    assert rejection.reason == "no_body"
    assert "navigation" in rejection.detail


@pytest.mark.parametrize(
    ("lang", "notice", "button"),
    [
        ("fr", "Nous utilisons des cookies pour mesurer l'audience et personnaliser les publicités. Vous pouvez "
               "accepter ou refuser à tout moment.", "Tout accepter"),
        ("en", "This website uses cookies to give you the best experience. By continuing to browse you agree to "
               "our use of cookies.", "Accept all cookies"),
        ("de", "Wir verwenden Cookies, um Inhalte und Anzeigen zu personalisieren und die Zugriffe auf unsere "
               "Website zu analysieren.", "Alle akzeptieren"),
    ],
)  # fmt: skip
def test_a_page_whose_only_text_is_a_cookie_notice_is_rejected(lang: str, notice: str, button: str) -> None:
    page = f"""<!DOCTYPE html><html lang="{lang}"><head><title>Inondations dans le Sud</title></head><body>
<div class="notice-bar"><p>{notice}</p><p><a href="/privacy">{button}</a></p></div>
</body></html>"""
    rejection = _rejection(page)
    assert rejection.reason == "no_body"
    assert "cookie" in rejection.detail


def test_a_skip_link_above_the_article_is_not_a_paragraph_of_it() -> None:
    page = f"""<!DOCTYPE html><html lang="fr"><head><title>La région relance ses petites lignes de train</title>
</head><body><p class="skip"><a href="#contenu">Aller au contenu principal</a></p>
<div id="contenu">{_paragraphs(FR_PARAGRAPHS)}</div></body></html>"""
    assert _article(page).paragraphs == FR_PARAGRAPHS


# --- what the fallback must leave alone ----------------------------------------------------------------------------


def test_teaser_articles_in_an_aside_do_not_join_the_body() -> None:
    teasers = "".join(
        f"<article class='teaser'><h3><a href='/n/{i}'>Otra noticia número {i}</a></h3>"
        f"<p>Resumen breve de la noticia número {i} de la sección local.</p></article>"
        for i in range(3)
    )
    page = f"""<!DOCTYPE html><html lang="es"><head><title>El Ayuntamiento aprueba el nuevo plan de movilidad</title>
</head><body><div class="content">{_paragraphs(ES_PARAGRAPHS)}</div>
<aside class="related">{teasers}</aside><footer><div>{teasers}</div></footer></body></html>"""
    assert _article(page).paragraphs == ES_PARAGRAPHS


def test_a_short_brief_keeps_its_text_and_not_a_long_sidebar_or_footer() -> None:
    brief = "Die A7 ist nach einem Unfall zwischen Kassel und Göttingen in Richtung Norden gesperrt."
    about = (
        "Der Stadtanzeiger ist eine unabhängige Tageszeitung für die Region. Seit 1949 berichten unsere Redakteurinnen "
        "und Redakteure über Politik, Wirtschaft, Kultur und Sport in der Stadt und im Landkreis. Unsere Redaktion "
        "arbeitet nach den Grundsätzen des Pressekodex und ist dem Deutschen Presserat verpflichtet. Hinweise auf "
        "Fehler nehmen wir jederzeit gern entgegen und korrigieren sie transparent."
    )
    page = f"""<!DOCTYPE html><html lang="de"><head><title>A7 nach Unfall gesperrt</title></head><body>
<a class="skip" href="#inhalt">Zum Inhalt springen</a>
<main id="inhalt"><h1>A7 nach Unfall gesperrt</h1><p>{brief}</p></main>
<aside class="sidebar"><h2>Über uns</h2><p>{about}</p></aside>
<footer role="contentinfo"><h2>Impressum</h2><p>{about}</p><p>{about}</p></footer></body></html>"""
    assert _article(page).paragraphs == (brief,)


def test_a_few_words_left_of_a_page_whose_text_was_in_its_header_are_not_an_article() -> None:
    from services.store.html.body import MIN_BODY, Body, not_an_article

    words = ("Menú", "Portada · Local · Deportes")
    detail = not_an_article(words, Body(words, swallowed=900))
    assert detail is not None and "header" in detail
    assert not_an_article(words, Body(words)) is None  # a short page alone is a short article
    long_enough = ("x" * MIN_BODY,)
    assert not_an_article(long_enough, Body(long_enough, swallowed=900)) is None
