"""The live page in a real browser (issue 14): headless Chromium, driven by Selenium, on the page that
`newswire up` serves, while files are dropped into a real inbox.

Each test runs `newswire up` as a subprocess with its own folders, its own stream prefix on the test Redis,
SQLite, and the page on a free port. Chromium and ChromeDriver are Debian's (see browser_support)."""

from __future__ import annotations

import random
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_support import (
    Page,
    enriched_entries,
    free_port,
    get_json,
    redis_clock_offset_ms,
    require_browser,
    start_chromium,
    stream_entries,
    up_with_page,
    wait_serving,
    web_env,
)
from tests.support import SEED, Pipeline, drop, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # each runs `newswire up` and a browser: seconds

SEED_HEADLINE = "Russia Will Not Allow Americans to Speak to It from Position of Force: Spokseman"
ARRIVAL_BOUND_MS = 2000  # the acceptance: on the page within 2 s of its enriched event
FILTER_BOUND_S = 1.0


@pytest.fixture
def web_pipeline(tmp_path: Path, redis_server_url: str, prefix: str) -> Iterator[Pipeline]:
    """A pipeline of the test's own on SQLite (the browser tests are about the page, not the database)."""
    require_browser()
    pipeline = Pipeline(
        root=tmp_path, redis_url=redis_server_url, prefix=prefix, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    yield pipeline
    pipeline.close()


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Any]:
    require_browser()
    chromium = start_chromium(tmp_path / "chromium-profile")
    yield chromium
    chromium.quit()


def _articles(first: int, n: int) -> list[tuple[str, str]]:
    from newswire_tools.corpus import article

    return [(f"a{i:05d}.txt", article(random.Random(i), 800_000 + i)) for i in range(first, first + n)]


def _drop_all(pipeline: Pipeline, files: list[tuple[str, str]]) -> None:
    for name, text in files:
        drop(pipeline.inbox, name, text)


def _assert_each_once(page: Page, pipeline: Pipeline, expected: int) -> None:
    """The page shows every enriched article of the pipeline exactly once, and #count says how many."""
    shown = page.read()
    events = enriched_entries(pipeline)
    assert len(events) == expected == pipeline.count("enrichments")
    assert len(shown["ids"]) == len(set(shown["ids"])), "an article is shown twice"
    assert sorted(shown["ids"]) == sorted(event["article_id"] for _id, event in events)
    assert int(shown["count"]) == expected


def test_the_seed_dropped_into_the_inbox_appears_within_2s_with_its_chips(
    web_pipeline: Pipeline, driver: Any, tmp_path: Path
) -> None:
    page = Page(driver, up_with_page(web_pipeline)).open()
    assert page.read()["count"] == "0"
    offset_ms = redis_clock_offset_ms(web_pipeline)

    shutil.copy(SEED, web_pipeline.inbox / SEED.name)
    [(entry_id, event)] = wait_for(
        lambda: enriched_entries(web_pipeline), timeout=20, interval=0.01, what="the seed's enriched event"
    )
    enriched_ms = int(entry_id.split("-")[0])  # the Redis server's time when the entry was added
    page.wait(lambda: event["article_id"] in page.arrivals(), timeout=10, what="the seed on the page")
    arrived_ms = page.arrivals()[event["article_id"]] + offset_ms
    latency_ms = arrived_ms - enriched_ms
    print(f"\nseed: on the page {latency_ms:.0f} ms after its enriched entry was added to Redis")
    assert latency_ms <= ARRIVAL_BOUND_MS

    item = page.item(event["article_id"])
    assert item.get_attribute("data-id") == entry_id
    headline = item.find_element("css selector", ".headline")
    assert headline.get_attribute("textContent") == SEED_HEADLINE == event["headline"]
    persons = [chip.text for chip in item.find_elements("css selector", ".chip.person")]
    countries = {chip.text: chip.get_attribute("title") for chip in item.find_elements("css selector", ".chip.country")}
    assert "Peskov" in persons
    assert "RU" in countries and "Russia" in countries["RU"]
    assert {chip.text for chip in item.find_elements("css selector", ".chip.org")} >= {"Kremlin"}
    meta = item.find_element("css selector", ".meta").text
    assert "31 Mar 2021, 11:59" in meta and SEED.name in meta and "EN" in meta
    quotes = [li.get_attribute("textContent") for li in item.find_elements("css selector", ".quotes li")]
    assert any(q.endswith("\u2014 Peskov") and "This is ruled out" in q for q in quotes), quotes
    assert item.find_element("css selector", ".tone").text.startswith("\u2212")  # the seed's tone is negative
    assert page.read()["count"] == "1"

    # The body, hidden until the headline is clicked, then with its names marked from their offsets.
    body = item.find_element("css selector", ".body")
    assert not body.is_displayed()
    page.click(headline)
    page.wait(body.is_displayed, timeout=5, what="the body shown")
    assert body.get_attribute("textContent") == event["body"]
    marks = {(m.get_attribute("class"), m.text) for m in body.find_elements("css selector", "mark")}
    assert {("person", "Peskov"), ("person", "Vladimir Putin"), ("place", "Moscow"), ("org", "Kremlin")} <= marks

    # Two polls of /api/stats, so the health charts have lines in the screenshot.
    page.wait(lambda: "ms" in page.js("return document.querySelector('.chart-latency .chart-value').textContent"))
    time.sleep(2.5)
    page.screenshot(tmp_path)
    assert page.console_problems() == []


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_thousand_files_are_all_shown_once_and_a_chip_filters_them_quickly(
    web_pipeline: Pipeline, driver: Any
) -> None:
    page = Page(driver, up_with_page(web_pipeline)).open()
    started = time.monotonic()
    _drop_all(web_pipeline, _articles(0, 1000))
    wait_for(
        lambda: web_pipeline.count("enrichments") == 1000, timeout=300, interval=0.5, what="1,000 articles enriched"
    )
    enriched_s = time.monotonic() - started
    page.wait(lambda: page.count() == 1000, timeout=30, what="#count 1000")
    shown_s = time.monotonic() - started
    _assert_each_once(page, web_pipeline, 1000)
    assert page.count() == 1000 == len(get_json(f"{page.url}api/feed?limit=1000")["items"])

    # Filter by the first person of the newest article: every article naming that person, and no other.
    events = [event for _id, event in enriched_entries(web_pipeline)]
    first = page.css("#feed article.item .chip.person")[0]
    name = first.text
    expected = sorted(
        e["article_id"]
        for e in events
        if any(p["name"].lower() == name.lower() for p in e["enrichment"]["entities"]["persons"])
    )
    assert 0 < len(expected) < 1000
    page.js("arguments[0].scrollIntoView({block: 'center'});", first)
    clicked = time.perf_counter()
    first.click()
    click_s = time.perf_counter() - clicked
    page.wait(lambda: sorted(page.read()["visible"]) == expected, timeout=10, what=f"only the articles naming {name}")
    filter_s = time.perf_counter() - clicked
    in_page = page.wait(
        lambda: page.js("return window.newswire.lastFilterPaintMs !== null && window.newswire;"), what="the paint"
    )
    print(
        f"\n1,000 files: enriched in {enriched_s:.1f} s, all on the page {shown_s:.1f} s after the drop; "
        f"filter by {name!r} ({len(expected)} articles): {filter_s * 1000:.0f} ms from the click to the list read "
        f"back (the click's round trip {click_s * 1000:.0f} ms); in the page: {in_page['lastFilterMs']:.1f} ms to "
        f"filter, {in_page['lastFilterPaintMs']:.1f} ms until drawn"
    )
    assert filter_s < FILTER_BOUND_S
    assert in_page["lastFilterPaintMs"] < FILTER_BOUND_S * 1000
    assert [f.text for f in page.css("#active-filters .active-filter .filter-value")] == [name]
    # The database search that follows adds nothing: every article it finds is on the page already.
    page.wait(lambda: "Database:" in page.css("#search-note")[0].text, timeout=15, what="the database's answer")
    assert page.count() == 1000
    page.click(page.css("#active-filters .active-filter .remove")[0])
    page.wait(lambda: len(page.read()["visible"]) == 1000, timeout=10, what="every article shown again")

    # Opened afresh, the page reads the newest 200 from the feed, then older pages on demand.
    driver.refresh()
    page.wait(lambda: page.read()["status"] == "live" and page.count() == 200, timeout=20, what="the first page")
    while page.css("#older:not([hidden])"):
        before = page.count()
        page.click(page.css("#older")[0])
        page.wait(lambda n=before: page.count() > n or not page.css("#older:not([hidden])"), what="an older page")
    _assert_each_once(page, web_pipeline, 1000)
    entry_ids = page.read()["entry_ids"]
    assert entry_ids == sorted(entry_ids, key=lambda i: tuple(map(int, i.split("-"))), reverse=True), "newest first"
    assert page.console_problems() == []


def test_a_reconnect_misses_nothing_and_shows_nothing_twice(web_pipeline: Pipeline, driver: Any) -> None:
    """Twice: the page's EventSource closed while files arrive, then opened again after the last entry it had;
    and the web server stopped and started again (`newswire web` beside `newswire up`), the browser's own
    reconnection resuming with Last-Event-ID."""
    port = free_port()
    web_pipeline.start("up", env=web_env(web_pipeline, 0))
    wait_for(lambda: web_pipeline.logs().count('"consumer_started"') >= 2, timeout=60, what="store and enrich")
    web = web_pipeline.start("web", env=web_env(web_pipeline, port))
    wait_serving(web_pipeline, port)
    page = Page(driver, f"http://127.0.0.1:{port}/").open()

    _drop_all(web_pipeline, _articles(0, 20))
    page.wait(lambda: page.count() == 20, timeout=60, what="20 articles on the page")
    _assert_each_once(page, web_pipeline, 20)

    # 1. The page's stream closed (as a network drop would): nothing arrives until it opens again.
    page.js("window.newswire.disconnect();")
    assert page.read()["status"] == "reconnecting"
    _drop_all(web_pipeline, _articles(20, 30))
    wait_for(lambda: web_pipeline.count("enrichments") == 50, timeout=60, what="50 articles enriched")
    assert page.count() == 20
    page.js("window.newswire.reconnect();")
    page.wait(lambda: page.count() == 50, timeout=30, what="50 articles on the page after the reconnect")
    assert page.read()["status"] == "live"
    _assert_each_once(page, web_pipeline, 50)

    # 2. The server gone and back on the same port while files keep arriving.
    page.js("window.__before_restart = window.newswire.source;")
    assert web_pipeline.stop(web, signal.SIGTERM, timeout=30) == 0
    page.wait(lambda: page.read()["status"] == "reconnecting", timeout=20, what="#status reconnecting")
    _drop_all(web_pipeline, _articles(50, 30))
    wait_for(lambda: web_pipeline.count("enrichments") == 80, timeout=60, what="80 articles enriched")
    assert page.count() == 50
    web_pipeline.start("web", env=web_env(web_pipeline, port))
    wait_serving(web_pipeline, port)
    page.wait(lambda: page.count() == 80, timeout=60, what="80 articles on the page after the restart")
    page.wait(lambda: page.read()["status"] == "live", timeout=10, what="#status live again")
    _assert_each_once(page, web_pipeline, 80)
    same = page.js("return window.__before_restart === window.newswire.source;")
    print(f"\nreconnect: after the restart the {'same EventSource resumed' if same else 'page opened a new stream'}")
    assert page.console_problems(expected=("api/events", "ERR_CONNECTION_REFUSED", "stats", "api/dead")) == []


def test_html_in_an_article_shows_as_text_and_a_dead_letter_shows_without_requeue(
    web_pipeline: Pipeline, driver: Any
) -> None:
    page = Page(driver, up_with_page(web_pipeline)).open()
    headline = "Moscow answers <b>bold</b> claims & <i>more</i>"
    text = (
        "Thursday 1 April 2021 - 10:00\n\n"
        f"{headline}\n\n"
        "Story Code : 1000001\n"
        '"This is <script>alert(1)</script> ruled out," Dmitry Peskov said in Moscow on Thursday.\n\n'
        'A second paragraph names Russia and NATO, and <img src=x onerror="alert(2)"> as text.\n'
    )
    drop(web_pipeline.inbox, "html.txt", text)
    drop(web_pipeline.inbox, "empty.txt", "")
    [(_entry_id, event)] = wait_for(lambda: enriched_entries(web_pipeline), timeout=30, what="the enriched event")
    assert event["headline"] == headline and "<script>alert(1)</script>" in event["body"]
    page.wait(lambda: page.count() == 1, timeout=10, what="the article on the page")

    item = page.item(event["article_id"])
    shown = item.find_element("css selector", ".headline")
    assert shown.get_attribute("textContent") == headline
    assert shown.find_elements("css selector", "*") == []  # no <b>, no <i>: text only
    page.click(shown)
    body = item.find_element("css selector", ".body")
    page.wait(body.is_displayed, timeout=5, what="the body shown")
    assert body.get_attribute("textContent") == event["body"]
    assert "<script>alert(1)</script>" in body.text and '<img src=x onerror="alert(2)">' in body.text
    assert page.js("return document.querySelectorAll('#feed script, #feed img, #feed b, #feed i').length;") == 0
    assert page.js("return document.scripts.length;") == 1  # app.js alone
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.support.ui import Select

    with pytest.raises(NoAlertPresentException):
        _ = driver.switch_to.alert
    quotes = [li.get_attribute("textContent") for li in item.find_elements("css selector", ".quotes li")]
    assert any("<script>alert(1)</script>" in q for q in quotes), quotes

    # A text search (Enter) narrows the list to what the database finds, a language keeps it.
    search = page.css("#q")[0]
    search.send_keys("zebra\n")
    page.wait(lambda: page.read()["visible"] == [], timeout=5, what="no article for 'zebra'")
    page.wait(lambda: "Database: 0 matching" in page.css("#search-note")[0].text, timeout=10, what="the answer")
    search.clear()
    search.send_keys("Peskov thursday\n")
    page.wait(lambda: page.read()["visible"] == [event["article_id"]], timeout=5, what="the article found")
    page.wait(lambda: "Database: 1 matching" in page.css("#search-note")[0].text, timeout=10, what="the answer")
    page.click(page.css("#active-filters .remove")[0])
    Select(page.css("#lang")[0]).select_by_value("en")
    assert page.read()["visible"] == [event["article_id"]]
    assert [f.text for f in page.css("#active-filters .filter-value")] == ["EN"]

    # The empty file's dead letter, with its reason; no requeue button without NEWSWIRE_WEB_ADMIN.
    page.wait(lambda: page.css("#dead li .reason"), timeout=15, what="the dead letter listed")
    [letter] = page.css("#dead li")
    assert letter.find_element("css selector", ".reason").text == "empty"
    assert "empty.txt" in letter.text
    assert page.css("#dead button.requeue") == []
    assert page.console_problems() == []


def test_a_dead_letter_shows_its_reason_and_requeue_brings_it_back(web_pipeline: Pipeline, driver: Any) -> None:
    page = Page(driver, up_with_page(web_pipeline, admin=True)).open()
    drop(web_pipeline.inbox, "headline-only.txt", "Just a headline\n")
    page.wait(lambda: page.css("#dead li .reason"), timeout=30, what="the dead letter on the page")
    [letter] = page.css("#dead li")
    dead_id = letter.get_attribute("data-id")
    [(entry_id, _fields)] = stream_entries(web_pipeline, web_pipeline.stream("dead"))
    assert dead_id == entry_id
    assert letter.find_element("css selector", ".reason").text == "no_body"
    assert "headline-only.txt" in letter.find_element("css selector", ".dead-source").text
    assert letter.find_element("css selector", ".detail").text  # the reason in words
    in_error = web_pipeline.error / "headline-only.txt"
    wait_for(in_error.is_file, timeout=30, what="the file in the error folder")
    assert page.count() == 0

    # The user fixes the file where it lies, then presses requeue: it goes back into the inbox and through.
    in_error.write_bytes(SEED.read_bytes())
    page.click(letter.find_element("css selector", "button.requeue"))
    result = page.wait(
        lambda: page.css("#dead li .requeue-result")[0].text, timeout=15, what="the requeue's answer on the page"
    )
    print(f"\nrequeue answered: {result}")
    assert "error" not in (page.css("#dead li .requeue-result")[0].get_attribute("class") or "")
    assert "requeued" in (page.css("#dead li")[0].get_attribute("class") or "")
    [(_id, record)] = stream_entries(web_pipeline, f"{web_pipeline.prefix}newswire:requeues")
    assert record[b"dead_id"].decode() == dead_id and record[b"action"] == b"file"
    page.wait(lambda: page.count() == 1, timeout=30, what="the fixed article on the page")
    [(_id, event)] = enriched_entries(web_pipeline)
    assert event["source_name"] == "headline-only.txt" and event["headline"] == SEED_HEADLINE
    headline = page.item(event["article_id"]).find_element("css selector", ".headline")
    assert headline.get_attribute("textContent") == SEED_HEADLINE
    assert not in_error.exists()
    assert web_pipeline.count("articles") == 1
    # Pressed again (the page after a reload), the requeue is refused: it was requeued already.
    driver.refresh()
    page.wait(lambda: page.css("#dead button.requeue"), timeout=15, what="the dead letter after a reload")
    page.click(page.css("#dead button.requeue")[0])
    again = page.wait(lambda: page.css("#dead li .requeue-result")[0].text, timeout=15, what="the second answer")
    assert "error" in (page.css("#dead li .requeue-result")[0].get_attribute("class") or ""), again
    assert len(stream_entries(web_pipeline, f"{web_pipeline.prefix}newswire:requeues")) == 1
    assert page.console_problems(expected=("requeue",)) == []


def test_the_page_has_no_inline_script_or_style_and_nothing_from_elsewhere() -> None:
    """What the Content-Security-Policy `default-src 'self'` demands, read off the files themselves."""
    static = Path(__file__).resolve().parents[2] / "services" / "web" / "static"
    html = (static / "index.html").read_text()
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    script = (static / "app.js").read_text()
    for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert unsafe not in script, unsafe
