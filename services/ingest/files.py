"""Pure decisions about inbox files: which names to take, and bytes -> text."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer

# Names that writers use while a file is incomplete, or that belong to editors and OSes.
_TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".swx", "~", ".lock")


def is_candidate(name: str) -> bool:
    """Whether a file name may be an article (not hidden, not a temporary or lock file)."""
    lowered = name.lower()
    return not (
        not name
        or name.startswith((".", "~"))
        or lowered.endswith(_TEMP_SUFFIXES)
        or lowered.endswith(".error.json")
        or lowered in ("thumbs.db", "desktop.ini")
    )


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str


@dataclass(frozen=True, slots=True)
class Undecodable:
    reason: str  # not_text | empty
    detail: str


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_OK = {"\n", "\r", "\t", "\f", "\v"}


def decode(data: bytes) -> Decoded | Undecodable:
    """The file's text and the encoding it was in: BOM, then strict UTF-8, then detection."""
    if not data.strip():
        return Undecodable("empty", "the file is empty or only whitespace")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), encoding.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                return Undecodable("not_text", f"has a {encoding} byte-order mark but is not {encoding}: {exc.reason}")
    guessed = _utf16_without_bom(data)
    if guessed is not None:
        return guessed
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        return Undecodable("not_text", "binary content (NUL bytes)")
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return Undecodable("not_text", "no text encoding fits these bytes")
    text = str(best)
    # Detectors name one of several single-byte code pages that give the same text;
    # report the one users know (Windows-1252, a superset of Latin-1) when it fits.
    if best.encoding != "cp1252" and _decodes_same(data, "cp1252", text):
        return _checked(text, "cp1252")
    return _checked(text, best.encoding)


def _decodes_same(data: bytes, encoding: str, text: str) -> bool:
    try:
        return data.decode(encoding) == text
    except UnicodeDecodeError:
        return False


def _utf16_without_bom(data: bytes) -> Decoded | Undecodable | None:
    """UTF-16 without a BOM: one byte of each pair (the high byte) takes very few values."""
    sample = data[:4096]
    if len(sample) < 16 or len(sample) % 2:
        return None
    even, odd = _top_share(sample[0::2]), _top_share(sample[1::2])
    if odd > 0.6 and even < 0.3:
        encoding = "utf-16-le"
    elif even > 0.6 and odd < 0.3:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return _checked(data.decode(encoding), encoding)
    except UnicodeDecodeError:
        return None


def _top_share(column: bytes) -> float:
    counts = [0] * 256
    for b in column:
        counts[b] += 1
    return max(counts) / len(column)


def _checked(text: str, encoding: str) -> Decoded | Undecodable:
    if not text.strip("\ufeff \t\r\n"):
        return Undecodable("empty", "the file holds only whitespace")
    sample = text[:8192]
    controls = sum(1 for ch in sample if ch < " " and ch not in _CONTROL_OK)
    if controls > max(2, len(sample) // 100):
        return Undecodable("not_text", f"decodes as {encoding} but is full of control characters")
    return Decoded(text, encoding.lower().replace("_", "-"))
