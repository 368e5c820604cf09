"""Date lines as newsrooms write them, in several languages. Pure; no guessing.

parse_date(line) gives the wall-clock time as written plus the UTC offset when
the line states one, or None when the line is not (only) a date. Ambiguous
numeric dates (03/04/2021 could be either order) are None, never a guess.
A line longer than 80 characters (blanks around it aside) is None at once, so every
pattern here runs on at most 80 characters whatever line it is given.
The words it knows (month and weekday names, filler words, zone names) are files in data/,
read once at import; data/SOURCES.md says where each comes from.
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
# US zone names that do not say whether summer time applies ("11:59 a.m. ET"): a zone, with no offset to keep.
_ZONES_WITHOUT_OFFSET = {zone for (zone,) in _rows("zones_without_offset.txt")}

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[t ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(z|[+-]\d{2}:?\d{2}|utc|gmt)?$"
)
_NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")
_NUMERIC_YEAR_FIRST = re.compile(r"^(\d{4})([./])(\d{1,2})\2(\d{1,2})$")  # 2021/03/31, 2021.03.31: always Y M D
# Chinese, Japanese and Korean: 2021年3月31日, 2021년 3월 31일 (one token, or one per part)
_CJK_DATE = re.compile(r"^(\d{4})[年년](\d{1,2})[月월](\d{1,2})[日일]$")
_CJK_PART = re.compile(r"^(\d{1,4})([年년月월日일])$")
_TIME = re.compile(r"^(\d{1,2})[:h](\d{2})(?::(\d{2}))?(am|pm|a\.m\.|p\.m\.)?$")
_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
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
    s = line.strip().lower()
    if not s or len(s) > MAX_DATE or _DIGIT.search(s) is None:
        return None  # every date has a day and a year in digits: a line without one (a headline) is not
    m = _ISO.match(s)
    if m:
        offset = _offset(m[7]) if m[7] else None
        if m[7] and offset is None:
            return None  # an impossible offset (+25:00, +05:75): not a date to trust
        return _build(int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6], None, offset)
    return _parse_words(s)


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


def _parse_words(s: str) -> ParsedDate | None:  # noqa: C901, PLR0912 - one branch per kind of token reads as the grammar
    tokens = _SPLIT.split(s)
    day = month = year = None
    time: re.Match[str] | None = None
    offset: int | None = None
    ampm: str | None = None
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
        elif bare in _WEEKDAYS or bare in _FILLER or (bare in _ZONES_WITHOUT_OFFSET and time is not None):
            continue
        elif (off := _offset(bare)) is not None and offset is None:
            offset = off
        else:
            return None  # a word that is not part of a date: this line is text
    if day is None or month is None or year is None:
        return None
    hh, mm, ss = (time[1], time[2], time[3]) if time else (None, None, None)
    return _build(year, month, day, hh, mm, ss, ampm, offset)
