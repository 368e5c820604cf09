"""services.store.parser.parse on JSON articles whose body is one string: one paragraph per line survives a stray
blank line, while paragraphs hard-wrapped over several lines and separated by blank lines keep their lines together."""

from __future__ import annotations

import json

from tests.support import parsed_article as _article

# 24 paragraphs of a local news story, one per line, as a crawler's "maintext" holds them.
ES_PARAGRAPHS = tuple(
    f"{opening} el pleno del Ayuntamiento debatió durante la sesión del jueves el punto {i + 1} del orden del día, "
    f"relativo al plan de movilidad urbana{ending}"
    for i, (opening, ending) in enumerate(
        [("Según fuentes municipales,", "."), ("Además,", "."), ("Por otra parte,", "."), ("Como informó ayer,", ".")]
        * 5
        + [("¿Por qué", "?"), ("«Nunca", "»."), ("En resumen,", "…"), ("Finalmente,", "!")]
    )
)

RU_PARAGRAPHS = (
    "Городская дума в четверг утвердила бюджет на следующий год.",
    "Расходы на транспорт вырастут почти на треть, сообщили в мэрии.",
    "Основная часть средств пойдёт на ремонт трамвайных путей и покупку новых автобусов.",
    "Депутаты от оппозиции голосовали против, назвав документ нереалистичным.",
    "«Мы не видим, откуда возьмутся доходы», — заявил один из них.",
    "В мэрии ответили, что рассчитывают на рост налоговых поступлений.",
    "Публичные слушания по бюджету пройдут в следующем месяце.",
    "Жители смогут направить свои предложения через сайт администрации.",
)


def _news_please(title: str, maintext: str, language: str) -> str:
    return json.dumps(
        {"title": title, "maintext": maintext, "date_publish": "2024-05-16 10:30:00", "language": language,
         "url": "https://noticias.example.es/local/movilidad", "source_domain": "noticias.example.es"},
        ensure_ascii=False,
    )  # fmt: skip


def test_one_paragraph_per_line_with_one_stray_blank_line_keeps_every_paragraph() -> None:
    maintext = "\n".join(ES_PARAGRAPHS[:9]) + "\n\n" + "\n".join(ES_PARAGRAPHS[9:])
    article = _article(_news_please("El pleno debate el plan de movilidad", maintext, "es"))
    assert article.paragraphs == ES_PARAGRAPHS


def test_one_paragraph_per_line_with_a_few_stray_blank_lines_and_crlf_keeps_every_paragraph() -> None:
    lines = list(RU_PARAGRAPHS)
    maintext = "\r\n".join([*lines[:2], "", *lines[2:6], "  ", *lines[6:]])
    doc = {"title": "Дума утвердила бюджет", "text": maintext, "source": "https://vesti.example.ru/budget"}
    article = _article(json.dumps(doc, ensure_ascii=False))  # trafilatura's layout
    assert article.paragraphs == RU_PARAGRAPHS


def test_a_subheading_without_a_full_stop_does_not_merge_the_lines_around_it() -> None:
    paragraphs = (*ES_PARAGRAPHS[:6], "Reacciones de la oposición", *ES_PARAGRAPHS[6:12])
    maintext = "\n".join(paragraphs[:3]) + "\n\n" + "\n".join(paragraphs[3:])
    article = _article(_news_please("El pleno debate el plan de movilidad", maintext, "es"))
    assert article.paragraphs == paragraphs


def test_a_list_item_with_a_stray_blank_line_keeps_its_lines_as_paragraphs() -> None:
    body = ["\n".join(RU_PARAGRAPHS[:5]) + "\n\n" + "\n".join(RU_PARAGRAPHS[5:])]
    article = _article(json.dumps({"headline": "Дума утвердила бюджет", "articleBody": body}, ensure_ascii=False))
    assert article.paragraphs == RU_PARAGRAPHS


# --- what keeps blank-line paragraphs --------------------------------------------------------------------------------

DE_WRAPPED = """Der Stadtrat hat am Donnerstag mit großer Mehrheit beschlossen, die
Fußgängerzone in der Altstadt ab dem kommenden Frühjahr deutlich zu
erweitern. Die Bürgermeisterin sprach von einem wichtigen Schritt.

Der Umbau soll in drei Abschnitten erfolgen, damit Geschäfte und
Anwohner während der gesamten Bauzeit erreichbar bleiben. Die Kosten
werden auf rund vier Millionen Euro geschätzt.

Der Einzelhandelsverband begrüßte die Entscheidung, forderte aber
zusätzliche Parkplätze am Rand der Innenstadt."""


def test_paragraphs_hard_wrapped_over_several_lines_keep_their_lines_together() -> None:
    article = _article(json.dumps({"title": "Fußgängerzone wird erweitert", "text": DE_WRAPPED}, ensure_ascii=False))
    assert article.paragraphs == tuple(DE_WRAPPED.split("\n\n"))


def test_one_sentence_per_line_in_short_paragraphs_keeps_the_blank_line_paragraphs() -> None:
    text = (
        "Le conseil régional a voté mardi une enveloppe de douze millions d'euros.\n"
        "Elle servira à rénover les lignes ferroviaires secondaires.\n\n"
        "La présidente de la région promet les premiers trains d'ici à deux ans.\n"
        "Les associations d'usagers restent prudentes.\n\n"
        "La fréquence des trains sera décisive, disent-elles."
    )
    article = _article(json.dumps({"title": "La région relance ses petites lignes", "body": text}, ensure_ascii=False))
    assert article.paragraphs == tuple(text.split("\n\n"))


def test_blank_lines_between_every_paragraph_are_the_paragraphs() -> None:
    maintext = "\n\n".join(ES_PARAGRAPHS)
    assert _article(_news_please("El pleno debate el plan de movilidad", maintext, "es")).paragraphs == ES_PARAGRAPHS
