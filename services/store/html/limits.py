"""The bounds on what a saved HTML page may make the parser do (services.store.html_layout says what each
bounds, and why)."""

from __future__ import annotations

MAX_ATTRIBUTES = 100  # a tag keeps its first MAX_ATTRIBUTES attributes
MAX_ATTRIBUTE_VALUE = 4096  # characters: a longer attribute value is dropped
MAX_ELEMENTS = 5_000  # elements read (what is not text dropped first)
MAX_METAS = 1_000  # <meta>s and <link>s kept on a page of more than MAX_ELEMENTS elements
MAX_INLINE_CHILDREN = 200  # an element with more inline children is read as its text
MAX_JSON_LD = 64  # JSON-LD objects read
MAX_TEXT = 1_000_000  # characters of text (scripts and styles aside) given to the extractor
