"""Where the browser tests' screenshots are, printed at the end of the run (their marker, browser, is
registered in pyproject.toml)."""

from __future__ import annotations

import pytest

from tests.e2e.browser_support import SCREENSHOTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SCREENSHOTS:
        terminalreporter.section("screenshots of the live page")
        for path in dict.fromkeys(SCREENSHOTS):
            terminalreporter.write_line(str(path))
