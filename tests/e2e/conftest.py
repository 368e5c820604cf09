"""The browser tests' marker, and where their screenshots are, printed at the end of the run."""

from __future__ import annotations

import pytest

from tests.e2e.browser_support import SCREENSHOTS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: drives headless Chromium (Debian's chromium and chromium-driver; skipped with the reason "
        "where they are missing, never in CI)",
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SCREENSHOTS:
        terminalreporter.section("screenshots of the live page")
        for path in dict.fromkeys(SCREENSHOTS):
            terminalreporter.write_line(str(path))
