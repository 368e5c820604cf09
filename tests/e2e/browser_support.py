"""Helpers for the browser tests: Debian's headless Chromium driven by Selenium, a `newswire up` serving the
live page, and the page read back as data (its articles, its count, when each article arrived).

Chromium and ChromeDriver are Debian's packages (chromium, chromium-driver), installed by `python3 tasks.py
test` and .ci/run when run as root. Where they are missing, the browser tests skip with the reason, except
under CI=true, where they fail: CI must run them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.support import Pipeline, wait_for

T = TypeVar("T")

CHROMIUM = Path(os.environ.get("NEWSWIRE_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("NEWSWIRE_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SCREENSHOT_COPY = Path("/tmp/newswire-web-screenshot.png")
# Screenshots saved by this run, for tests/e2e/conftest.py to print at the end of the report.
SCREENSHOTS: list[Path] = []

# Flags Chromium needs as root in a container, and to stay off this closed network (no Google lookups).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)

# Records, in the page, the wall-clock time each article element was added to #feed (Date.now(), ms).
TRACK_ARRIVALS = """
window.__arrivals = window.__arrivals || {};
new MutationObserver((records) => {
  const now = Date.now();
  for (const record of records) {
    for (const node of record.addedNodes) {
      const id = node.nodeType === 1 && node.dataset ? node.dataset.articleId : undefined;
      if (id && !(id in window.__arrivals)) window.__arrivals[id] = now;
    }
  }
}).observe(document.getElementById("feed"), { childList: true });
"""

# The page as data: what it shows, in one round trip.
READ_PAGE = """
const items = [...document.querySelectorAll("#feed article.item")];
return {
  count: document.getElementById("count").textContent,
  status: document.getElementById("status").textContent,
  ids: items.map((a) => a.dataset.articleId),
  entry_ids: items.map((a) => a.dataset.id || null),
  visible: items.filter((a) => a.offsetParent !== null).map((a) => a.dataset.articleId),
};
"""


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (Debian package {package})"
    try:
        import selenium  # noqa: F401 - only whether it is installed
    except ImportError:
        return "selenium is not installed (a dev dependency: uv sync)"
    return None


def require_browser() -> None:
    """Skip (fail under CI) when headless Chromium cannot be driven here."""
    problem = browser_missing()
    if problem is None:
        return
    message = (
        f"browser tests need Debian's chromium and chromium-driver: {problem}; "
        "`python3 tasks.py test` installs them when run as root (apt-get install chromium chromium-driver)"
    )
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def web_env(pipeline: Pipeline, port: int, *, admin: bool = False, **extra: str) -> dict[str, str]:
    return pipeline.env(
        NEWSWIRE_WEB_PORT=str(port), NEWSWIRE_WEB_HOST="127.0.0.1", NEWSWIRE_WEB_ADMIN="1" if admin else "0", **extra
    )


def wait_serving(pipeline: Pipeline, port: int, timeout: float = 60) -> None:
    """Until the page's server answers /healthz with 200."""
    wait_for(
        lambda: http_status(f"http://127.0.0.1:{port}/healthz") == 200,
        timeout=timeout,
        interval=0.2,
        what=f"/healthz on port {port}\n{pipeline.logs()}",
    )


def up_with_page(pipeline: Pipeline, *, admin: bool = False) -> str:
    """`newswire up` serving the page on a free port, both consumers running; returns the page's URL."""
    port = free_port()
    pipeline.start("up", env=web_env(pipeline, port, admin=admin))
    wait_for(lambda: pipeline.logs().count('"consumer_started"') >= 2, timeout=60, what="store and enrich running")
    wait_serving(pipeline, port)
    return f"http://127.0.0.1:{port}/"


def start_chromium(profile: Path) -> Any:
    """A headless Chromium with a fresh profile of the test's own, its console kept for console_problems."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))


class Page:
    """The live page open in the browser, read back as data."""

    def __init__(self, driver: Any, url: str) -> None:
        self.driver = driver
        self.url = url

    def open(self) -> Page:
        self.driver.get(self.url)
        self.wait(lambda: self.read()["status"] == "live", timeout=20, what="#status live")
        self.driver.execute_script(TRACK_ARRIVALS)
        return self

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def read(self) -> dict[str, Any]:
        return dict(self.js(READ_PAGE))

    def count(self) -> int:
        return int(self.read()["count"])

    def arrivals(self) -> dict[str, int]:
        return dict(self.js("return window.__arrivals || {};"))

    def wait(self, condition: Callable[[], T], *, timeout: float = 30, what: str = "condition") -> T:
        return wait_for(condition, timeout=timeout, interval=0.02, what=what)

    def css(self, selector: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, selector))

    def item(self, article_id: str) -> Any:
        [found] = self.css(f'#feed article.item[data-article-id="{article_id}"]')
        return found

    def click(self, element: Any) -> None:
        """A real click, once the element is in the middle of the viewport (clear of the sticky masthead)."""
        self.js("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def console_problems(self, *, expected: tuple[str, ...] = ()) -> list[str]:
        """The console's errors and warnings (a CSP violation, an exception, a failed request), except those
        naming one of `expected` (a refused connection while the server is down, say)."""
        problems = []
        for entry in self.driver.get_log("browser"):
            message = str(entry.get("message", ""))
            if entry.get("level") not in ("SEVERE", "WARNING") or "favicon.ico" in message:
                continue
            if not any(text in message for text in expected):
                problems.append(message)
        return problems

    def screenshot(self, folder: Path, name: str = "newswire-web.png") -> Path:
        """Save what the page shows, under the test's folder and at SCREENSHOT_COPY, and say where."""
        path = folder / name
        assert self.driver.save_screenshot(str(path)), "the screenshot was not written"
        shutil.copyfile(path, SCREENSHOT_COPY)
        SCREENSHOTS.extend([path, SCREENSHOT_COPY])
        print(f"\nscreenshot of the page: {path} (copied to {SCREENSHOT_COPY})")
        return path


def redis_clock_offset_ms(pipeline: Pipeline) -> float:
    """The Redis server's clock minus this machine's, in ms: stream ids carry the server's time."""
    before = time.time()
    seconds, micros = pipeline.redis.time()
    after = time.time()
    return (seconds + micros / 1e6 - (before + after) / 2) * 1000


def enriched_entries(pipeline: Pipeline) -> list[tuple[str, dict[str, Any]]]:
    """Every entry of the test's articles:enriched: (entry id, event)."""
    return [
        (entry_id, json.loads(fields[b"__data__"]))
        for entry_id, fields in stream_entries(pipeline, pipeline.stream("enriched"))
    ]


def stream_entries(pipeline: Pipeline, key: str) -> list[tuple[str, dict[bytes, bytes]]]:
    """Every entry of a Redis stream (its full key): (entry id, fields)."""
    entries: Any = pipeline.redis.xrange(key)
    return [(entry_id.decode(), fields) for entry_id, fields in entries]
