"""Pure decisions about inbox files: which names to take, the names they get, and bytes -> text.

Names here are in os.fsdecode form (undecodable bytes as surrogate escapes) and are measured in bytes
as the file system measures them: no name this module makes is longer than NAME_MAX bytes.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

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


NAME_MAX = 255  # bytes in one name (every Linux file system newswire runs on)
REPORT_SUFFIX = ".error.json"
_NUMBER = re.compile(r"\.(\d{1,9})")


def numbered_name(name: str, n: int) -> str:
    """The n-th choice for a taken name: story.txt -> story.<n>.txt, README -> README.<n>.

    The stem is shortened (at a character boundary) where the result would exceed NAME_MAX bytes; a suffix too
    long to leave room for a stem is treated as part of the stem."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(os.fsencode(suffix)) > NAME_MAX - 16:
        stem, suffix = name, ""
    else:
        suffix = dot + suffix
    tail = os.fsencode(f".{n}{suffix}")
    return os.fsdecode(_cut(os.fsencode(stem), NAME_MAX - len(tail)) + tail)


def is_numbered(candidate: str, name: str) -> bool:
    """Whether candidate is a numbered_name of name (a file archived under a taken name)."""
    return any(candidate == numbered_name(name, int(m[1])) for m in _NUMBER.finditer(candidate))


def report_name(name: str) -> str:
    """The name of the error report beside the file called name: <name>.error.json; where that would exceed
    NAME_MAX bytes, <a prefix of name>.<first 16 hex digits of the SHA-256 of name's bytes>.error.json (the
    same name gives the same report name; the report's "file" field names the file)."""
    raw = os.fsencode(name)
    if len(raw) + len(REPORT_SUFFIX) <= NAME_MAX:
        return name + REPORT_SUFFIX
    tail = f".{hashlib.sha256(raw).hexdigest()[:16]}{REPORT_SUFFIX}".encode()
    return os.fsdecode(_cut(raw, NAME_MAX - len(tail)) + tail)


def _cut(raw: bytes, budget: int) -> bytes:
    """raw shortened to at most budget bytes, never inside a UTF-8 character (bytes that are not UTF-8 may be cut
    anywhere)."""
    if len(raw) <= budget:
        return raw
    end = budget  # raw[end] is the first byte dropped: back up to the start of its character (3 bytes at most)
    while end > max(budget - 3, 1) and raw[end] & 0xC0 == 0x80:
        end -= 1
    return raw[:end] if raw[end] & 0xC0 != 0x80 else raw[:budget]


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
# C0 controls other than the whitespace ones (\t \n \v \f \r): text has next to none of them.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20)])  # not tab, LF, VT, FF, CR


def decode(data: bytes) -> Decoded | Undecodable:
    """The file's text and the encoding it was in: BOM, strict UTF-8, UTF-16 without BOM, then detection."""
    if not data.strip():
        return Undecodable("empty", "the file is empty or only whitespace")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), encoding.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                return Undecodable("not_text", f"has a {encoding} byte-order mark but is not {encoding}: {exc.reason}")
    utf8 = _strict(data, "utf-8")
    as_utf8 = None if utf8 is None else _checked(utf8, "utf-8")
    if isinstance(as_utf8, Decoded):
        return as_utf8
    # UTF-16 text of Latin or Cyrillic letters is valid UTF-8 too, but full of NULs or other control characters.
    guessed = _utf16_without_bom(data)
    if guessed is not None:
        return guessed
    if as_utf8 is not None:
        return as_utf8
    if b"\x00" in data[:4096]:
        return Undecodable("not_text", "binary content (NUL bytes)")
    return _detected(data)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _noisy(text: str) -> bool:
    sample = text[:8192]
    # Counted in the UTF-8 bytes: a C0 control is one byte there, and no byte of another character is
    # one (bytes.translate deletes in C, several times faster than str.translate with a table).
    raw = sample.encode("utf-8", "surrogatepass")
    controls = len(raw) - len(raw.translate(None, _CONTROL_BYTES))
    return controls > max(2, len(sample) // 100)


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
    if _noisy(text):
        return Undecodable("not_text", f"decodes as {encoding} but is full of control characters")
    return Decoded(text, encoding.lower().replace("_", "-"))


# --- single-byte text: which code page ---------------------------------------------------------------------------
#
# Detectors read short Latin-script texts badly (German cp1252 as cp775, Czech cp1250 as cp1258): the bytes decode
# in every Latin code page, and few of them tell which one. What does tell is whether the non-ASCII letters are
# those of one language (ä ö ü ß, not ø è ì together) and whether the other characters sit where text puts them
# (no ³ or ± inside a word). The Latin code pages below are read that way, most common first; the detector's own
# answer (Cyrillic, Greek, CJK...) is taken only when it reads better than all of them.

_LATIN_CODE_PAGES = ("cp1252", "iso8859-15", "cp1250", "iso8859-2", "cp1254", "cp1257")
_ALPHABETS = tuple(
    frozenset(letters + letters.upper())
    for letters in (
        "àâçéèêëîïôœùûüÿ",  # French
        "äöüßé",  # German
        "áéíóúüñ",  # Spanish, Galician, Basque
        "áâãàçéêíóôõú",  # Portuguese
        "àèéìíîòóùú",  # Italian
        "àçèéíïòóúü",  # Catalan
        "áéèëíïóöúü",  # Dutch
        "éèêëîïôûö",  # Afrikaans
        "åäöé",  # Swedish
        "æøåéóôà",  # Danish, Norwegian
        "äöåšž",  # Finnish
        "áðéíóúýþæö",  # Icelandic
        "áðíóúýæø",  # Faroese
        "äöõüšž",  # Estonian
        "ąćęłńóśźż",  # Polish
        "áčďéěíňóřšťúůýž",  # Czech
        "áäčďéíĺľňóôŕšťúýž",  # Slovak
        "áéíóöőúüű",  # Hungarian
        "ăâîşţșț",  # Romanian
        "čćđšž",  # Croatian, Bosnian, Slovene, Serbian in Latin letters
        "çğıöşüâîûİ",  # Turkish
        "ąčęėįšųūž",  # Lithuanian
        "āčēģīķļņšūž",  # Latvian
    )
)
# Accented letters that are words on their own: French, Portuguese à; Italian è; Portuguese é; Swedish å, ö;
# Icelandic á, í; Hungarian ő; Lithuanian į. A lone ŕ or č is a misread French à or è.
_WORDS_OF_ONE_LETTER = "àèéóåöáíőį"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_BYTES = bytes(range(128))
_NEVER_IN_TEXT = frozenset("¤¦")  # besides control, unassigned, private-use and spacing-accent characters
# Marks that text puts inside a word, before one, after one. Other symbols stand apart: a "³" or "±" touching
# letters is a misread (Polish ł, ą), as is a "®" before one (Czech Ž).
_INSIDE_A_WORD = frozenset("’·–—\u00a0\u00ad")
_BEFORE_A_WORD = _INSIDE_A_WORD | frozenset("‘‚“”„«»‹›…•†°€£¿¡")
_AFTER_A_WORD = _INSIDE_A_WORD | frozenset("‘‚“”„«»‹›…•†°€£™®ªº")


class _Reading(NamedTuple):
    oddities: int
    encoding: str
    text: str


def _detected(data: bytes) -> Decoded | Undecodable:
    latin = _best_latin(data) if _mostly_ascii(data) else None
    if latin is not None and latin.oddities == 0:
        return _checked(latin.text, latin.encoding)
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return Undecodable("not_text", "no text encoding fits these bytes")
    text = str(best)
    if latin is not None and latin.oddities <= _oddities(text[:4096]):
        return _checked(latin.text, latin.encoding)
    return _checked(text, best.encoding)


def _mostly_ascii(data: bytes) -> bool:
    """Whether at most half the bytes are non-ASCII, as in Latin-script text (Cyrillic, Greek, CJK: nearly all)."""
    sample = data[:4096]
    return len(sample.translate(None, _ASCII_BYTES)) <= len(sample) // 2


def _best_latin(data: bytes) -> _Reading | None:
    """The Latin code page whose reading has the fewest oddities; the first one on a tie."""
    best: _Reading | None = None
    for encoding in _LATIN_CODE_PAGES:
        text = _strict(data, encoding)
        if text is None:
            continue
        reading = _Reading(_oddities(text[:4096]), encoding, text)
        if best is None or reading.oddities < best.oddities:
            best = reading
        if reading.oddities == 0:
            break
    return best


def _oddities(text: str) -> int:
    """How many non-ASCII characters are out of place: letters not of one alphabet, symbols where text has none."""
    odd = 0
    latin: Counter[str] = Counter()
    for m in _NON_ASCII.finditer(text):
        ch, i = m[0], m.start()
        before, after = text[i - 1 : i], text[i + 1 : i + 2]
        if not ch.isalpha() or ch in "ªº":  # ordinal indicators (nº, 1ª) are letters to Unicode, marks to readers
            odd += _misplaced(ch, before, after)
        elif _is_latin(ch):
            latin[ch] += 1
            odd += not (before.isalpha() or after.isalpha() or ch.lower() in _WORDS_OF_ONE_LETTER)
        elif _ascii_letter(before) or _ascii_letter(after):
            odd += 1  # another script inside a word of Latin letters
    return odd + min(sum(n for ch, n in latin.items() if ch not in alphabet) for alphabet in _ALPHABETS)


def _misplaced(ch: str, before: str, after: str) -> bool:
    if ch in _NEVER_IN_TEXT or unicodedata.category(ch) in ("Cc", "Cn", "Co", "Sk"):
        return True
    if before.isalpha() and after.isalpha():
        return ch not in _INSIDE_A_WORD
    if after.isalpha():
        return ch not in _BEFORE_A_WORD
    return before.isalpha() and ch not in _AFTER_A_WORD


@lru_cache(maxsize=1024)
def _is_latin(letter: str) -> bool:
    return unicodedata.name(letter, "").startswith("LATIN ")


def _ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()
