"""Headlines of saved HTML news pages without the site's name or a date around them: "Headline | EL DEBER",
"Headline - La Stampa", "Headline | DW | 23.05.2011", "Site: Headline". A site name is cut only where the
page names its site, and never so that too little of the headline is left. The pages are small, written here,
in several languages."""

from __future__ import annotations

import html
import time

import pytest

from services.store.html import metadata
from tests.support import parsed_article as _article

BODY = (
    "<p>The regional government announced on Wednesday a new plan for the schools of the province, after weeks "
    "of talks with the unions and the parents' associations.</p>"
    "<p>The plan will be presented to the assembly next month, the minister said in a statement.</p>"
)


def _meta(key: str, value: str) -> str:
    attr = "property" if key.startswith("og:") else "name"
    return f'<meta {attr}="{key}" content="{html.escape(value)}">'


def _ld(obj: str) -> str:
    return f'<script type="application/ld+json">{obj}</script>'


def _page(head: str, *, title: str = "", h1: str = "", lang: str = "en") -> str:
    title_tag = f"<title>{html.escape(title)}</title>" if title else ""
    h1_tag = f"<h1>{html.escape(h1)}</h1>" if h1 else ""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{title_tag}{head}</head>'
        f"<body><main><article>{h1_tag}{BODY}</article></main></body></html>"
    )


def _headline(page: str) -> str:
    return str(_article(page).headline)


# --- the site name the page declares, in any case and with or without accents ----------------------------------


@pytest.mark.parametrize(
    ("head", "title", "expected"),
    [
        # es: the site named only by the JSON-LD publisher, in capitals in the og:title
        (_meta("og:title", "Evo Morales anuncia una nueva candidatura presidencial | EL DEBER")
         + _ld('{"@type": "NewsArticle", "publisher": {"@type": "Organization", "name": "El Deber"}}'),
         "", "Evo Morales anuncia una nueva candidatura presidencial"),
        # it: the publisher as a list, the headline with a hyphen of its own
        (_meta("og:title", "Covid-19, nuove regole per le scuole della Regione - La Stampa")
         + _ld('{"@type": "NewsArticle", "publisher": [{"@type": "Organization", "name": "La Stampa"}]}'),
         "", "Covid-19, nuove regole per le scuole della Regione"),
        # fr: the site name with accents in og:site_name, without them in the title
        (_meta("og:title", "Bretagne : la tempête a privé 500 000 foyers d'électricité – Le Telegramme")
         + _meta("og:site_name", "Le Télégramme"),
         "", "Bretagne : la tempête a privé 500 000 foyers d'électricité"),
        # es: the site name as a prefix followed by a colon
        (_meta("og:title", "EL DEBER: Evo Morales anuncia una nueva candidatura presidencial")
         + _meta("og:site_name", "El Deber"),
         "", "Evo Morales anuncia una nueva candidatura presidencial"),
        # ru: the publisher, as a prefix with " · " in capitals
        (_ld('{"@type": "NewsArticle", "publisher": {"@type": "NewsMediaOrganization", "name": "Новая газета"}}'),
         "НОВАЯ ГАЗЕТА · Москва ответила на новые санкции Вашингтона",
         "Москва ответила на новые санкции Вашингтона"),
        # pt: the WebSite node's name in a @graph
        (_meta("twitter:title", "Governo anuncia novo plano para as escolas do estado — Folha do Sul")
         + _ld('{"@graph": [{"@type": "WebSite", "name": "Folha do Sul"}, {"@type": "NewsArticle"}]}'),
         "", "Governo anuncia novo plano para as escolas do estado"),
    ],
    ids=["es-publisher", "it-publisher-list", "fr-accents", "es-colon-prefix", "ru-prefix", "pt-website-node"],
)  # fmt: skip
def test_a_declared_site_name_is_cut_in_any_case_and_accents(head: str, title: str, expected: str) -> None:
    assert _headline(_page(head, title=title)) == expected


def test_the_json_ld_headline_loses_the_site_name_too() -> None:
    ld = _ld('{"@type": "NewsArticle", "headline": "El concejo aprueba el nuevo muro del puerto - Diario Sur",'
             ' "publisher": {"name": "Diario Sur"}}')  # fmt: skip
    assert _headline(_page(ld, title="Diario Sur")) == "El concejo aprueba el nuevo muro del puerto"


# --- a trailing date segment ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "title", "expected"),
    [
        (_meta("og:title", "Merkel empfängt Obama im Kanzleramt | DW | 23.05.2011") + _meta("og:site_name", "DW"),
         "", "Merkel empfängt Obama im Kanzleramt"),
        (_meta("og:title", "Merkel empfängt Obama im Kanzleramt | Deutsche Welle | 23.05.2011")
         + _meta("og:site_name", "DEUTSCHE WELLE"),
         "", "Merkel empfängt Obama im Kanzleramt"),
        # the <title> of " | " parts, its date part the longest
        ("", "Merkel empfängt Obama | DW | Mittwoch, 23. Mai 2011", "Merkel empfängt Obama"),
        # after " | ", a date is no part of the headline
        (_meta("og:title", "Merkel empfängt Obama im Kanzleramt | 23.05.2011"), "",
         "Merkel empfängt Obama im Kanzleramt"),
    ],
    ids=["og-site-date", "og-site-name-date", "title-weekday-date", "og-pipe-date"],
)  # fmt: skip
def test_a_trailing_date_segment_is_cut_with_the_site_name(head: str, title: str, expected: str) -> None:
    assert _headline(_page(head, title=title, lang="de")) == expected


@pytest.mark.parametrize(
    ("head", "title", "expected"),
    [
        ("", "Merkel empfängt Obama | DW | 23.05.2011 | Politik", "Merkel empfängt Obama"),  # the longest part
        # after a dash a date may be the headline's own
        (_meta("og:title", "Steuererklärung: Frist endet - 31. Mai 2021"), "",
         "Steuererklärung: Frist endet - 31. Mai 2021"),
        (_meta("og:title", "Merkel | 23.05.2011"), "", "Merkel | 23.05.2011"),  # one word would be left
    ],
    ids=["title-longest-part", "og-dash-date-stays", "og-too-short"],
)  # fmt: skip
def test_dates_a_headline_keeps(head: str, title: str, expected: str) -> None:
    assert _headline(_page(head, title=title, lang="de")) == expected


# --- the part the title repeats: the headline once bare, once with the site's name -----------------------------


def test_the_part_a_title_adds_to_the_bare_headline_is_a_site_name() -> None:
    head = _meta("og:title", "Sturm legt die Häfen an der Nordsee lahm – Nordsee-Zeitung")
    page = _page(head, title="Sturm legt die Häfen an der Nordsee lahm – Nordsee-Zeitung",
                 h1="Sturm legt die Häfen an der Nordsee lahm", lang="de")  # fmt: skip
    assert _headline(page) == "Sturm legt die Häfen an der Nordsee lahm"


def test_a_site_name_the_title_repeats_is_cut_from_og_title() -> None:
    ld = _ld('{"@type": "NewsArticle", "headline": "Storm closes every port on the northern coast"}')
    head = _meta("og:title", "Coast Gazette :: Storm closes every port on the northern coast") + ld
    page = _page(head, title="Coast Gazette :: Storm closes every port on the northern coast")
    assert _headline(page) == "Storm closes every port on the northern coast"


# --- never too little left, never a hyphen of the headline ----------------------------------------------------


@pytest.mark.parametrize(
    ("og_title", "site", "expected"),
    [
        ("Brexit | BBC News", "BBC News", "Brexit | BBC News"),  # one word would be left
        ("Brexit deal | BBC News", "BBC News", "Brexit deal | BBC News"),  # two words, 11 characters
        ("Rai News - Rai News", "Rai News", "Rai News - Rai News"),
    ],
)
def test_a_site_name_is_not_cut_when_too_little_would_be_left(og_title: str, site: str, expected: str) -> None:
    head = _meta("og:title", og_title) + _meta("og:site_name", site)
    assert _headline(_page(head)) == expected


@pytest.mark.parametrize(
    ("og_title", "site", "expected"),
    [
        ("Post-Covid-19: la ripresa dell'economia italiana - Il Post", "Il Post",
         "Post-Covid-19: la ripresa dell'economia italiana"),
        ("Covid-19 - Regione Lombardia, scuole chiuse fino a marzo - Corriere", "Corriere",
         "Covid-19 - Regione Lombardia, scuole chiuse fino a marzo"),
        ("Storm closes ports - again", "Coast Gazette", "Storm closes ports - again"),
        ("Anti-vax protest in Rome draws thousands - Covid-19", "19",
         "Anti-vax protest in Rome draws thousands - Covid-19"),
        ("東京で記録的な大雨、交通機関に乱れ広がる | 朝日新聞デジタル", "朝日新聞デジタル",
         "東京で記録的な大雨、交通機関に乱れ広がる"),
        ("Biden: what comes next for the administration", "Coast Gazette",
         "Biden: what comes next for the administration"),
        ("La Stampa", "La Stampa", "La Stampa"),  # nothing would be left
    ],
    ids=["it-hyphens", "it-dash-of-its-own", "en-dash-of-its-own", "en-hyphenated-tail", "ja-no-blanks",
         "en-colon-of-its-own", "only-the-site-name"],
)  # fmt: skip
def test_hyphens_and_colons_of_the_headline_itself_stay(og_title: str, site: str, expected: str) -> None:
    head = _meta("og:title", og_title) + _meta("og:site_name", site)
    assert _headline(_page(head)) == expected


def test_cutting_stays_fast_on_titles_of_separators() -> None:
    sites = ["El Deber", "La Stampa", "x" * 100]
    titles = [
        "a | " * 30_000,
        " - " * 30_000 + "La Stampa",
        "1" * 100_000 + " | 23.05.2011",
        " " * 100_000,
        ("a | " * 200)[:600],  # as long as a title that is cut gets, all separators
        ("é - " * 200)[:590] + " - La Stampa",
        ("1 :: " * 200)[:600],
    ]
    for title in titles:
        start = time.perf_counter()
        metadata.without_site(title, sites)
        metadata.repeated_parts(title, [title[:300], title[-300:], "a | a | a | a | a"])
        assert time.perf_counter() - start < 0.5, title[:20]
