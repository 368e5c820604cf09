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

from services.ingest import charsets

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
    """The file's text and the encoding it was in: BOM, the charset markup declares, strict UTF-8, UTF-16 without
    BOM, then detection."""
    if not data.strip():
        return Undecodable("empty", "the file is empty or only whitespace")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), encoding.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                return Undecodable("not_text", f"has a {encoding} byte-order mark but is not {encoding}: {exc.reason}")
    utf8 = _strict(data, "utf-8")
    # A declaration is taken where the bytes decode in it. Valid UTF-8 with non-ASCII characters stays UTF-8 whatever
    # the page says (browsers would follow the page): such a page was re-saved as UTF-8 with its old <meta>, and a
    # legacy reading of multibyte characters is mojibake (Ä™ for ę); text in a legacy code page is next to never
    # valid UTF-8 by chance.
    if utf8 is None or utf8.isascii():
        as_declared = _declared(data, utf8)
        if as_declared is not None:
            return as_declared
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


def _declared(data: bytes, utf8: str | None) -> Decoded | None:
    """The text in the codec the document declares, where its bytes decode in it. None where they do not (a page
    that says UTF-8 and is not): detection then reads the bytes as if nothing were declared, so nothing is lost."""
    for encoding in charsets.declared(data):
        text = utf8 if encoding == "utf-8" else _strict(data, encoding)
        if text is not None:
            result = _checked(text, encoding)
            return result if isinstance(result, Decoded) else None
    return None


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
# (no ³ or ± inside a word). The Latin code pages below are read that way, most common first, on 4 KB from the first
# non-ASCII character (a page's markup before it reads the same in all of them); a convincing reading in one
# script's code page (next section) comes next, and the detector's own answer (CJK...) is taken only when it reads
# better than all of them.

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
    script = _by_script(data)
    if script is not None:
        return _checked(script.text, script.encoding)
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return Undecodable("not_text", "no text encoding fits these bytes")
    text = str(best)
    if latin is not None and latin.oddities <= _oddities(_window(text)):
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
        reading = _Reading(_oddities(_window(text)), encoding, text)
        if best is None or reading.oddities < best.oddities:
            best = reading
        if reading.oddities == 0:
            break
    return best


def _window(text: str) -> str:
    """4096 characters from the first non-ASCII one (and the character before it)."""
    first = _NON_ASCII.search(text)
    start = max(first.start() - 1, 0) if first else 0
    return text[start : start + 4096]


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


# --- single-byte text of one other script: which code page -------------------------------------------------------
#
# Greek, Cyrillic, Hebrew and Arabic code pages decode each other's bytes, mostly into letters: Greek ISO-8859-7
# read as cp1251 is Cyrillic, and a detector took it for Russian. The right reading is letters of one script that
# read as its languages: their most frequent letters are two thirds of its letters, and their most frequent short
# words often a fifth of its words. A misreading has the same letters in another order of frequency (Greek α ο ι read as
# Cyrillic б п й), next to no such words, and letters where the script does not put them: signs or letters of other
# scripts, Latin letters touching them, a capital after a small letter (KOI8-R and cp1251 swap cases), all capitals,
# a Greek ς or a Hebrew final letter inside a word, a word that starts with ь or ы. Each code page reads 4 KB from
# the first non-ASCII byte, classed byte by byte with bytes.translate and counted in C; only the readings that pass
# those counts are decoded and their words looked up. A clean reading that reads convincingly is taken, the best
# one first; else the detector decides.


class _Script(NamedTuple):
    first: str  # the script's Unicode block
    last: str
    letters: frozenset[str]  # its languages' most frequent letters, both cases
    words: str  # their most frequent short words, lower case
    misplaced: re.Pattern[str]  # letters where the script does not put them


class _CodePage(NamedTuple):
    encoding: str
    script: _Script
    classes: bytes  # a bytes.translate table: see _byte_classes
    words: frozenset[bytes]  # the script's words in this code page, lower case and capitalised


def _both_cases(letters: str) -> frozenset[str]:
    return frozenset(letters + letters.upper())


_LETTER_AFTER = r"(?=[^\W\d_])"
_CYRILLIC = _Script(
    "\u0400",
    "\u052f",
    _both_cases("оеаинтсрвлі"),  # Russian, Bulgarian; і Ukrainian
    (
        "и в не на что с по к о из за от это как а но он его для до у"  # Russian
        " да се че е са към като ще"  # Bulgarian
        " і що з та й це як від"  # Ukrainian
        " је су од во со ќе"  # Serbian, Macedonian
    ),
    re.compile(r"[ьыЬЫ](?<![^\W\d_][ьыЬЫ])"),  # starts with its class, so that the regex engine skips ahead in C
)
_GREEK = _Script(
    "\u0370",
    "\u03ff",
    _both_cases("αάοόιίεέτσςνηήυύρ"),
    "και του της το να η ο τα την των σε για με που στο στην από τον οι θα δεν είναι ότι στη τη τις",
    re.compile("ς" + _LETTER_AFTER),
)
_HEBREW = _Script(
    "\u0590",
    "\u05ff",
    frozenset("יוהלאמרתבש"),
    "של את על לא כי גם עם הוא היא זה אמר כל אך בין אחרי או אם",
    re.compile("[ךםןףץ]" + _LETTER_AFTER),
)
_ARABIC = _Script(
    "\u0600",
    "\u06ff",
    frozenset("اليمونهربتةع"),
    "في من على إلى أن عن مع التي الذي هذا هذه كان لا ما قال بعد أو إن ثم كما",
    re.compile("[ةى]" + _LETTER_AFTER),
)
_TYPOGRAPHY = frozenset("«»„“”‘’‚‹›–—…•·°€£₪№§©®™±×½\u00a0\u00ad\u200e\u200f")  # signs text has in any script


def _code_page(encoding: str, script: _Script) -> _CodePage:
    forms = (form for word in script.words.split() for form in (word, word.capitalize()))
    words = frozenset(form.encode(encoding) for form in forms if _encodes(form, encoding))
    return _CodePage(encoding, script, _byte_classes(encoding, script), words)


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _byte_classes(encoding: str, script: _Script) -> bytes:
    """What each byte reads as in the code page. c, C: one of the script's most frequent letters (C a capital);
    l, L: another of its letters; o: a letter of another script or a sign text does not have; u: no character;
    n: anything else (ASCII, the script's marks and punctuation, typography)."""
    table = bytearray(b"n" * 256)
    for byte in range(0x80, 0x100):
        ch = _strict(bytes([byte]), encoding)
        if ch is None:
            kind = "u"
        elif script.first <= ch <= script.last:
            kind = ("c" if ch in script.letters else "l") if ch.isalpha() else "n"
            kind = kind.upper() if ch.isupper() else kind
        else:
            kind = "o" if ch.isalpha() or ch not in _TYPOGRAPHY else "n"
        table[byte] = ord(kind)
    return bytes(table)


# Where two code pages read a text the same, the first is named (as the detector names them).
_SCRIPT_CODE_PAGES = (
    _code_page("cp1251", _CYRILLIC),
    _code_page("koi8-r", _CYRILLIC),
    _code_page("iso8859-5", _CYRILLIC),
    _code_page("cp866", _CYRILLIC),
    _code_page("cp1253", _GREEK),
    _code_page("iso8859-7", _GREEK),
    _code_page("cp1255", _HEBREW),
    _code_page("iso8859-8", _HEBREW),
    _code_page("cp1256", _ARABIC),
    _code_page("iso8859-6", _ARABIC),
)
_FIRST_NON_ASCII_BYTE = re.compile(rb"[\x80-\xff]")
# ASCII letters a, non-ASCII bytes h, the rest blank: "ah" and "ha" are Latin letters touching the others.
_LATIN_OR_NOT = bytes(
    ord("a") if chr(byte).isascii() and chr(byte).isalpha() else ord("h") if byte >= 0x80 else ord(" ")
    for byte in range(256)
)
# Small letters x, capitals X, the rest blank: "xX" is a capital after a small letter.
_CASES = bytes(ord("x") if byte in b"cl" else ord("X") if byte in b"CL" else ord(" ") for byte in range(256))
_MIN_LETTERS = 12
_CONVINCING = 0.6  # frequent letters' share + frequent words' share: news text 0.7-1.5, misreadings mostly under 0.5


def _by_script(data: bytes) -> _Reading | None:
    """The code page whose reading is most convincingly text of one script (the first one on a tie), or None."""
    first = _FIRST_NON_ASCII_BYTE.search(data)
    if first is None:
        return None
    start = max(first.start() - 1, 0)
    sample = data[start : start + 4096]
    latin = sample.translate(_LATIN_OR_NOT)
    touching = latin.count(b"ah") + latin.count(b"ha")  # the same in every code page
    fits = [(page, found) for page in _SCRIPT_CODE_PAGES if (found := _letter_fit(sample, touching, page))]
    if not fits:
        return None
    words = Counter(sample.split())  # split at ASCII whitespace, the same in every code page
    non_ascii_words = max(sum(n for word, n in words.items() if not word.isascii()), 1)
    scored = [(share + _hits(words, page) / non_ascii_words, letters, page) for page, (share, letters) in fits]
    scored.sort(key=lambda fit_letters_page: -fit_letters_page[0])  # stable: the first code page on a tie
    for fit, letters, page in scored:
        if fit < _CONVINCING:
            break
        if len(page.script.misplaced.findall(sample.decode(page.encoding))) > letters // 50:
            continue  # decoded and searched only for the best readings
        text = _strict(data, page.encoding)
        if text is not None:
            return _Reading(0, page.encoding, text)
    return None


def _hits(words: Counter[bytes], page: _CodePage) -> int:
    return sum(words[word] for word in page.words & words.keys())


def _letter_fit(sample: bytes, touching: int, page: _CodePage) -> tuple[float, int] | None:
    """The share of the script's most frequent letters among the sample's letters in the code page, and how many
    letters; None where letters of another script, signs text does not have, Latin letters touching them (touching),
    a capital after a small letter or mostly capitals say it is not text of the script."""
    classes = sample.translate(page.classes)
    if b"u" in classes:
        return None
    other = classes.count(b"o") + touching
    letters = len(classes) - len(classes.translate(None, b"cClL"))
    if letters < _MIN_LETTERS or other > letters // 50:
        return None
    cases = classes.translate(_CASES)
    if cases.count(b"X") * 2 > letters or b"xX" in cases:
        return None
    return (classes.count(b"c") + classes.count(b"C")) / (letters + other), letters
