"""Regular expressions built from word lists."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


def alternation(words: Iterable[str]) -> str:
    """A regex matching exactly the words, the longest first where one begins another (as an alternation
    sorted longest first does), written as a trie: each letter is tried once, where a plain alternation
    tries every word in turn at every place it is tried (with IGNORECASE, without even a quick look at
    the first letter). Some 30 French speech verbs begin "a ", and "a spokesman" repeated made a search
    of them cost milliseconds a sentence."""
    root: dict[str, dict[str, Any]] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return f"(?:{pattern(root)})"
