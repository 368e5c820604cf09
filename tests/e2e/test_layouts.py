"""Every supported layout and encoding, dropped as a file into a running pipeline."""

from __future__ import annotations

import json

from tests.support import Pipeline, drop, wait_for

SEED_BODY = (
    '"We will not accept any pressure from outside," the spokesman said on Wednesday.\n\n'
    "Relations between the two countries have turned sour over sanctions and arms control."
)

CASES: list[tuple[str, bytes, dict[str, object]]] = [
    (
        "crlf-bom.txt",
        (
            "\ufeffWednesday 31 March 2021 - 11:59\r\n\r\nCRLF Headline\r\n\r\nStory Code : 1001\r\n"
            + SEED_BODY.replace("\n", "\r\n")
        ).encode("utf-8"),
        {"headline": "CRLF Headline", "story_code": "1001", "published_at": "2021-03-31T11:59:00", "lang": "en"},
    ),
    (
        "us-date.txt",
        f"March 31, 2021, 11:59\n\nUS Date Headline\n\nStory Code: 1002\n{SEED_BODY}\n".encode(),
        {"headline": "US Date Headline", "story_code": "1002", "published_at": "2021-03-31T11:59:00", "lang": "en"},
    ),
    (
        "no-code-no-date.txt",
        f"Headline Without Anything Else\n\n{SEED_BODY}\n".encode(),
        {"headline": "Headline Without Anything Else", "story_code": None, "published_at": None, "lang": "en"},
    ),
    (
        "mail-export.txt",
        f"Subject: Labelled Header Headline\nDate: 31.03.2021 11:59\nFrom: desk@example.com\n\n{SEED_BODY}\n".encode(),
        {
            "headline": "Labelled Header Headline",
            "story_code": None,
            "published_at": "2021-03-31T11:59:00",
            "lang": "en",
        },
    ),
    (
        "greek-cp1253-code-first.txt",
        (
            "Story Code : 1005\n\nΤετάρτη 31 Μαρτίου 2021 - 11:59\n\nΣύνοδος κορυφής στην Αθήνα για το εμπόριο\n\n"
            "Η κυβέρνηση πραγματοποίησε σήμερα σύνοδο κορυφής στην Αθήνα για το εμπόριο και την ασφάλεια. "
            "Ο εκπρόσωπος δήλωσε ότι οι συνομιλίες ήταν εποικοδομητικές και θα συνεχιστούν τον επόμενο μήνα.\n"
        ).encode("cp1253"),
        {
            "headline": "Σύνοδος κορυφής στην Αθήνα για το εμπόριο",
            "story_code": "1005",
            "published_at": "2021-03-31T11:59:00",
            "lang": "el",
        },
    ),
    (
        "russian-cp1251.txt",
        (
            "31 марта 2021, 11:59\n\nПесков: Россия не позволит говорить с ней с позиции силы\n\n"
            "Story Code : 1003\nПресс-секретарь Кремля заявил, что Россия не допустит разговора с позиции силы. "
            "Об этом он сказал в интервью газете.\n\nОтношения между странами ухудшились.\n"
        ).encode("cp1251"),
        {
            "headline": "Песков: Россия не позволит говорить с ней с позиции силы",
            "story_code": "1003",
            "published_at": "2021-03-31T11:59:00",
            "lang": "ru",
        },
    ),
    (
        "french-latin1.txt",
        (
            "mercredi 31 mars 2021 - 18:30\n\nLa Russie refuse de négocier sous la pression\n\n"
            "Le porte-parole du Kremlin a déclaré mercredi que la Russie ne permettrait à personne de lui parler "
            "en position de force. Il a qualifié cette éventualité de scénario extrême.\n"
        ).encode("latin-1"),
        {
            "headline": "La Russie refuse de négocier sous la pression",
            "story_code": None,
            "published_at": "2021-03-31T18:30:00",
            "lang": "fr",
        },
    ),
    (
        "utf16.txt",
        f"2021-03-31 11:59\n\nUTF-16 Headline\n\n{SEED_BODY}\n".encode("utf-16"),
        {"headline": "UTF-16 Headline", "story_code": None, "published_at": "2021-03-31T11:59:00", "lang": "en"},
    ),
    (
        "page.html",
        b"""<!doctype html><html lang="en"><head><title>Page Headline | Example News</title>
<meta property="og:title" content="Page Headline">
<meta property="article:published_time" content="2021-03-31T11:59:00+03:00">
<script>var tracking = "do not keep";</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<div class="cookie-banner">We use cookies. Accept all cookies?</div>
<article><h1>Page Headline</h1>
<p>The Kremlin spokesman said on Wednesday that Russia would not let anyone talk to it from a position of force.</p>
<p>He called the possibility of severing ties with Washington an extreme scenario and declined to comment.</p>
</article><footer>Copyright Example News. All rights reserved.</footer></body></html>""",
        {
            "headline": "Page Headline",
            "story_code": None,
            "published_at": "2021-03-31T11:59:00+03:00",
            "lang": "en",
            "declared": "en",
            "body_has": "position of force",
            "body_lacks": "cookies",
        },
    ),
    (
        "article.json",
        json.dumps(
            {
                "title": "JSON Headline",
                "maintext": SEED_BODY,
                "date_publish": "2021-03-31 11:59:00",
                "language": "en",
                "url": "https://example.org/a",
            }
        ).encode(),
        {
            "headline": "JSON Headline",
            "story_code": None,
            "published_at": "2021-03-31T11:59:00",
            "lang": "en",
            "declared": "en",
        },
    ),
]


def test_each_layout_comes_out_right_or_dead_with_a_reason(pipeline: Pipeline) -> None:
    pipeline.start("up", env=pipeline.env(NEWSWIRE_SETTLE_S="0"))
    wait_for(lambda: pipeline.inbox.is_dir(), what="the inbox")
    for name, data, _ in CASES:
        drop(pipeline.inbox, name, data)
    drop(pipeline.inbox, "feed.xml", b'<?xml version="1.0"?><rss><channel><title>x</title></channel></rss>')
    drop(pipeline.inbox, "list.json", b'[{"title": "a", "text": "b"}, {"title": "c", "text": "d"}]')

    wait_for(
        lambda: pipeline.xlen("enriched") == len(CASES) and pipeline.xlen("dead") == 2,
        timeout=30,
        what="every layout enriched and the two unusable files dead",
    )
    events = {e["source_name"]: e for e in pipeline.events("enriched")}
    for name, _data, want in CASES:
        got = events[name]
        assert got["headline"] == want["headline"], name
        assert got["story_code"] == want["story_code"], name
        assert got["published_at"] == want["published_at"], name
        assert got["enrichment"]["language"] == want["lang"], name
        if "declared" in want:
            assert got["language"] == want["declared"], name
        if "body_has" in want:
            assert want["body_has"] in got["body"] and want["body_lacks"] not in got["body"], name
    reasons = {e["source_name"]: e["reason"] for e in pipeline.events("dead")}
    assert reasons == {"feed.xml": "unsupported_layout", "list.json": "not_an_article"}
    raw = {e["source_name"]: e["encoding"] for e in pipeline.events("raw")}
    assert raw["russian-cp1251.txt"] == "cp1251"
    assert raw["utf16.txt"] == "utf-16"
    assert raw["french-latin1.txt"] == "cp1252"
