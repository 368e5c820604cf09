"""Date lines as newsrooms write them, in several languages. Pure; no guessing.

parse_date(line) gives the wall-clock time as written plus the UTC offset when
the line states one, or None when the line is not (only) a date. Ambiguous
numeric dates (03/04/2021 could be either order) are None, never a guess.
A line longer than 80 characters (blanks around it aside) is None at once, so every
pattern here runs on at most 80 characters whatever line it is given.
The words it knows (month and weekday names, filler words, zone names) are files in data/,
read once at import; data/SOURCES.md says where each comes from.

Zones: a known abbreviation (data/zones.txt) or a signed offset is kept as the offset, after the time or glued
to it ("2020-09-25T16:02:50CDT"). A zone that gives no single offset (data/zones_without_offset.txt: "ET",
"IST") keeps the date and time without one, and so does an abbreviation not known here when it is written
as one (two to five capital letters after the time, "16:02 WEZ"; one such word a line): the day is what
matters, and an offset is never invented. A word in lower case after a date is text, and the line no date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources


def _rows(name: str) -> list[list[str]]:
    """The rows of a data file, split at blanks; "#" starts a comment and blank lines are layout."""
    text = (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")
    rows = (line.partition("#")[0].split() for line in text.splitlines())
    return [row for row in rows if row]


def _month_names() -> dict[str, int]:
    pairs = [(name, int(number)) for number, *names in _rows("months.txt") for name in names]
    pairs += [(name, n) for row in _rows("months_by_language.txt") for n, name in enumerate(row, start=1)]
    months: dict[str, int] = {}
    for name, number in pairs:
        # A name two languages share must mean one month: a silent overwrite would misdate every line using it.
        if months.setdefault(name, number) != number:
            raise AssertionError(f"month name {name!r} means two months")
    return months


# Lower-case, as every token is before it is looked up; tests/unit/test_data_files.py checks the files' shape.
_MONTHS = _month_names()
_WEEKDAYS = {name for row in _rows("weekdays.txt") for name in row}
_FILLER = {word for (word,) in _rows("filler.txt")}
_ZONES = {zone: int(minutes) for zone, minutes in _rows("zones.txt")}
# Zone names that give no single offset: US names that do not say whether summer time applies ("11:59 a.m. ET"),
# abbreviations of zones hours apart ("IST": India, Israel or Ireland). A zone, with no offset to keep.
_ZONES_WITHOUT_OFFSET = {zone for (zone,) in _rows("zones_without_offset.txt")}

# ISO 8601 and what pages make of it: month and day unpadded ("2022-5-5 22:17:36"), a zone after the time or
# glued to it: a signed offset, UTC/GMT with or without one ("GMT+2", "UTC-03:00"), or a name ("CDT", "мск").
# Every quantifier is bounded, or possessive where what follows cannot start with what it takes (blanks before
# a time or a zone, a fraction's digits before a zone): it never goes back over a run, and parse_date gives it
# at most MAX_DATE characters anyway.
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ]++(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d++)?)?)?\s*+"
    r"(z|[+-]\d{2}:?\d{2}|(?:utc|gmt)(?:[+-]\d{1,2}(?::?\d{2})?)?|[a-zа-яё]{2,5})?$"
)
# A zone written as an abbreviation: what an unknown one must look like (in capitals in the line) to be let by.
_ABBREVIATION = re.compile(r"[a-z]{2,5}")
_NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")
_NUMERIC_YEAR_FIRST = re.compile(r"^(\d{4})([./])(\d{1,2})\2(\d{1,2})$")  # 2021/03/31, 2021.03.31: always Y M D
# Chinese, Japanese and Korean: 2021年3月31日, 2021년 3월 31일 (one token, or one per part)
_CJK_DATE = re.compile(r"^(\d{4})[年년](\d{1,2})[月월](\d{1,2})[日일]$")
_CJK_PART = re.compile(r"^(\d{1,4})([年년月월日일])$")
_TIME = re.compile(r"^(\d{1,2})[:h](\d{2})(?::(\d{2}))?(am|pm|a\.m\.|p\.m\.)?$")
# A time with a zone glued to it ("16:02cdt", "11:59pmest"): read as two tokens, the time and the zone.
_GLUED_ZONE = re.compile(r"(\d{1,2}[:h]\d{2}(?::\d{2})?(?:am|pm|a\.m\.|p\.m\.)?)(z|[a-zа-яё]{2,5})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YEAR = re.compile(r"\d{4}")
_DIGIT = re.compile(r"\d")
_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er|e)?")
_OFFSET = re.compile(r"^(?:utc|gmt)?([+\-−])(\d{1,2}):?(\d{2})?$")
# Separators between tokens. A hyphen separates ("31-Mar-2021", "2021 - 11:59") except where it is the
# sign of a UTC offset: before a digit, after a space or after UTC/GMT ("-0500", "GMT-5", "UTC-04:00").
_SPLIT = re.compile(r"[\s,|·–—]+|-(?!\d)|(?<=[^\W\d_])(?<!utc)(?<!gmt)-")


@dataclass(frozen=True, slots=True)
class ParsedDate:
    wall: datetime
    offset_min: int | None
    has_time: bool

    def iso(self) -> str:
        if not self.has_time:
            return self.wall.date().isoformat()
        if self.offset_min is None:
            return self.wall.isoformat()
        return self.wall.replace(tzinfo=timezone(timedelta(minutes=self.offset_min))).isoformat()


MAX_DATE = 80  # characters of a date line, blanks around it not counted
MAX_LINE = 1000  # a longer line is not a date whatever blanks surround it: no need to strip a 10 MB line to know


def parse_date(line: str) -> ParsedDate | None:
    if len(line) > MAX_LINE:
        return None
    written = line.strip()
    s = written.lower()
    if not s or len(s) > MAX_DATE or _DIGIT.search(s) is None:
        return None  # every date has a day and a year in digits: a line without one (a headline) is not
    m = _ISO.match(s)
    if m:
        zone = m[7]
        offset = _offset(zone) if zone else None
        if zone and offset is None:
            if _DIGIT.search(zone):
                return None  # an impossible offset (+25:00, +05:75): not a date to trust
            if not _zone_without_offset(zone, written, has_time=m[4] is not None):
                return _parse_words(s, written)  # a word after the date, not a zone: read as the words it is
        return _build(int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6], None, offset)
    return _parse_words(s, written)


def _zone_without_offset(zone: str, written: str, *, has_time: bool) -> bool:
    """Whether a word after a time names a zone that gives no offset: one that does not say which of its zones
    (data/zones_without_offset.txt), or an abbreviation not known here, written in capitals as zones are."""
    if not has_time:
        return False
    return zone in _ZONES_WITHOUT_OFFSET or (_ABBREVIATION.fullmatch(zone) is not None and zone.upper() in written)


def _offset(token: str) -> int | None:
    """Minutes east of UTC for a zone name or a signed offset; None when the token is neither or is impossible."""
    if token in _ZONES:
        return _ZONES[token]
    m = _OFFSET.match(token)
    if not m or int(m[2]) > 23 or int(m[3] or 0) > 59:
        return None
    minutes = int(m[2]) * 60 + int(m[3] or 0)
    return minutes if m[1] == "+" else -minutes


def _build(
    year: int,
    month: int,
    day: int,
    hh: str | None,
    mm: str | None,
    ss: str | None,
    ampm: str | None,
    offset: int | None,
) -> ParsedDate | None:
    hour = int(hh) if hh else 0
    if ampm:
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    try:
        wall = datetime(year, month, day, hour, int(mm or 0), int(ss or 0))
    except ValueError:
        return None
    if not 1900 <= year <= 2200:
        return None
    return ParsedDate(wall, offset, hh is not None)


def _unglued(token: str) -> tuple[str, ...]:
    """A token of a time with a zone glued to it as two tokens ("16:02cdt": "16:02", "cdt"), any other as it is."""
    if not (token[:1].isdigit() and token[-1:].isalpha()):
        return (token,)  # what a glued zone needs, tested first: a pattern per token was a fifth of parse_date
    m = _GLUED_ZONE.fullmatch(token)
    return (m[1], m[2]) if m else (token,)


def _parse_words(s: str, written: str = "") -> ParsedDate | None:  # noqa: C901, PLR0912 - one branch per kind of token reads as the grammar
    """The line `s` (lower case) read token by token; `written` is the line as written, for the case of a zone."""
    tokens = [part for token in _SPLIT.split(s) for part in _unglued(token)]
    day = month = year = None
    time: re.Match[str] | None = None
    offset: int | None = None
    ampm: str | None = None
    zoned = False  # a zone that gives no offset was read
    for raw in tokens:
        tok = raw.strip("()[]")
        if not tok:
            continue
        bare = tok.rstrip(".:")
        if (m := _NUMERIC.match(tok)) and day is None:
            a, b = int(m[1]), int(m[3])
            either_order = m[2] in "/-"  # "." is day first everywhere it is used; "/" and "-" are not
            if either_order and a <= 12 and b <= 12 and a != b:
                return None  # 03/04/2021: month-first or day-first cannot be told
            day, month, year = (b, a, int(m[4])) if either_order and b > 12 else (a, b, int(m[4]))
        elif (m := _NUMERIC_YEAR_FIRST.match(tok) or _CJK_DATE.match(tok)) and day is None:
            year, month, day = int(m[1]), int(m[3] if m.re is _NUMERIC_YEAR_FIRST else m[2]), int(m[m.re.groups])
        elif m := _CJK_PART.match(tok):
            value, unit = int(m[1]), m[2]
            if unit in "年년" and year is None:
                year = value
            elif unit in "月월" and month is None:
                month = value
            elif unit in "日일" and day is None:
                day = value
            else:
                return None
        elif (m := _YMD.fullmatch(tok)) and day is None:
            year, month, day = int(m[1]), int(m[2]), int(m[3])
        elif (m := _TIME.match(tok.removeprefix("-"))) and time is None:  # "2021 -11:59": a dash, not a sign
            time = m
            ampm = m[4]
        elif tok in ("am", "pm", "a.m.", "p.m.") and time is not None:
            ampm = tok
        elif bare in _MONTHS and month is None:
            month = _MONTHS[bare]
        elif _YEAR.fullmatch(bare) and year is None:
            year = int(bare)
        elif (m2 := _DAY.fullmatch(bare)) and day is None:
            day = int(m2[1])
        elif bare in _WEEKDAYS or bare in _FILLER:
            continue
        elif (off := _offset(bare)) is not None and offset is None:
            offset = off
        elif not zoned and _zone_without_offset(bare, written, has_time=time is not None):
            zoned = True  # "ET", "IST", or an abbreviation in capitals not known here: the time, without offset
        else:
            return None  # a word that is not part of a date: this line is text
    if day is None or month is None or year is None:
        return None
    hh, mm, ss = (time[1], time[2], time[3]) if time else (None, None, None)
    return _build(year, month, day, hh, mm, ss, ampm, offset)
