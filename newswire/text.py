"""Text that every store and serialiser accepts, and one-line messages.

PostgreSQL refuses NUL in text; neither database driver, JSON encoder nor pydantic accepts a
lone surrogate (a "\\ud800" escape in a JSON document decodes to one). Both are junk in an
article, so they are replaced rather than allowed to reject the article downstream.
"""

from __future__ import annotations

import re

# NUL and the C0 controls other than tab, LF, VT, FF and CR; then lone surrogates (an encoder's dead end).
_JUNK = re.compile(r"[\x00-\x08\x0e-\x1f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """text without NUL and other non-whitespace C0 controls, lone surrogates replaced by U+FFFD.

    Linear in the length, and free for text that holds neither (the common case: two scans)."""
    if _JUNK.search(text):
        text = _JUNK.sub("", text)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return text


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)


def one_line(exc: BaseException | str, limit: int = 300) -> str:
    """The first non-blank line of an error's message, or its type name when it has none
    (a bare TimeoutError() has an empty message)."""
    text = exc if isinstance(exc, str) else str(exc)
    for line in text.splitlines():
        if line.strip():
            return clean_text(line.strip())[:limit]
    return type(exc).__name__ if isinstance(exc, BaseException) else ""
