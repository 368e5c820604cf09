"""Date lines as newsrooms write them, in several languages. Pure; no guessing.

parse_date(line) gives the wall-clock time as written plus the UTC offset when
the line states one, or None when the line is not (only) a date. Ambiguous
numeric dates (03/04/2021 could be either order) are None, never a guess.
A line longer than 80 characters (blanks around it aside) is None at once, so every
pattern here runs on at most 80 characters whatever line it is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    [
        "january jan janvier janv janv. januar jän enero ene gennaio gen janeiro января январь янв",
        "february feb february févr février fevrier fev februar febrero febbraio fevereiro февраля февраль фев",
        "march mar mars märz maerz marzo março marco марта март мар",
        "april apr avril avr abril aprile апреля апрель апр",
        "may mai mayo maggio maio мая май",
        "june jun juin juni junio giugno junho июня июнь июн",
        "july jul juillet juil juli julio luglio julho июля июль июл",
        "august aug août aout agosto августа август авг",
        "september sep sept septembre september septiembre settembre setembro сентября сентябрь сен сент",
        "october oct octobre oktober octubre ottobre outubro октября октябрь окт",
        "november nov novembre november noviembre novembro ноября ноябрь ноя",
        "december dec déc décembre decembre dezember diciembre dicembre dezembro декабря декабрь дек",
    ],
    start=1,
):
    for _n in _names.split():
        _MONTHS[_n.rstrip(".")] = _num

# More languages, nominative and the genitive their dates use ("31 marca", "31 Μαρτίου"), one row a language.
_MORE_MONTHS = [
    "januari februari maart april mei juni juli augustus september oktober november december",  # nl
    "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia",  # pl
    "styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad grudzień",
    "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",  # tr
    "ocak subat mart nisan mayis haziran temmuz agustos eylul ekim kasim aralik",
    # el, genitive then nominative
    "ιανουαρίου φεβρουαρίου μαρτίου απριλίου μαΐου ιουνίου ιουλίου αυγούστου σεπτεμβρίου οκτωβρίου νοεμβρίου "
    "δεκεμβρίου",
    "ιανουάριος φεβρουάριος μάρτιος απρίλιος μάιος ιούνιος ιούλιος αύγουστος σεπτέμβριος οκτώβριος νοέμβριος "
    "δεκέμβριος",
    "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",  # uk
    "ledna února března dubna května června července srpna září října listopadu prosince",  # cs
    "januari februari mars april maj juni juli augusti september oktober november december",  # sv
    "januar februar mars april mai juni juli august september oktober november desember",  # no
    "januari februari maret april mei juni juli agustus september oktober november desember",  # id
    "ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie noiembrie decembrie",  # ro
    "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",  # ar
    "ينابر فبراير مارس إبريل مايو يونيه يوليه أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
    "ינואר פברואר מרץ אפריל מאי יוני יולי אוגוסט ספטמבר אוקטובר נובמבר דצמבר",  # he
    "בינואר בפברואר במרץ באפריל במאי ביוני ביולי באוגוסט בספטמבר באוקטובר בנובמבר בדצמבר",
]
for _row in _MORE_MONTHS:
    for _num, _n in enumerate(_row.split(), start=1):
        if _MONTHS.setdefault(_n, _num) != _num:
            raise AssertionError(f"month name {_n!r} means two months")

_WEEKDAYS = set(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonntag",
        "lunes",
        "martes",
        "miércoles",
        "miercoles",
        "jueves",
        "viernes",
        "sábado",
        "sabado",
        "domingo",
        "lunedì",
        "lunedi",
        "martedì",
        "martedi",
        "mercoledì",
        "mercoledi",
        "giovedì",
        "giovedi",
        "venerdì",
        "venerdi",
        "sabato",
        "domenica",
        "понедельник",
        "вторник",
        "среда",
        "среду",
        "четверг",
        "пятница",
        "пятницу",
        "суббота",
        "субботу",
        "воскресенье",
        # nl, pl, tr, el, uk, sv, id, pt ("segunda-feira" splits at the hyphen), ar
        *["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
        *["poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela"],
        *["pazartesi", "salı", "çarşamba", "perşembe", "cuma", "cumartesi", "pazar"],
        *["δευτέρα", "τρίτη", "τετάρτη", "πέμπτη", "παρασκευή", "σάββατο", "κυριακή"],
        *["понеділок", "вівторок", "середа", "четвер", "пʼятниця", "п'ятниця", "субота", "неділя"],
        *["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"],
        *["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"],
        *["segunda", "terça", "terca", "quarta", "quinta", "sexta", "feira"],
        *["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
    ]
)
_FILLER = {
    "at",
    "on",
    "de",
    "del",
    "à",
    "a",
    "le",
    "el",
    "um",
    "uhr",
    "h",
    "в",
    "г",
    "года",
    "published",
    "updated",
    "posted",
    "last",
    "modified",
    "ore",  # Italian "alle ore 11:59"
    "alle",
    "às",  # Portuguese "às 11:59"
    "as",
    "publié",
    "publie",
    "mis",  # French "mis à jour le"
    "jour",
    "publicado",
    "actualizado",
    "pubblicato",
    "aggiornato",
    "veröffentlicht",
    "aktualisiert",
    "stand",  # German "Stand: 31.03.2021"
    "опубликовано",
    "обновлено",
    "om",  # Dutch "om 11:59 uur"
    "uur",
    "roku",  # Polish "31 marca 2021 r."
    "r",
    "saat",  # Turkish
    "στις",  # Greek "at"
    "kl",  # Scandinavian "kl. 11:59"
    "pukul",  # Indonesian
    "den",
    "the",
    "of",
    "las",  # Spanish "a las 11:59"
    "horas",
}
_ZONES = {
    "z": 0,
    "utc": 0,
    "gmt": 0,
    "est": -300,
    "edt": -240,
    "cst": -360,
    "cdt": -300,
    "pst": -480,
    "pdt": -420,
    "cet": 60,
    "cest": 120,
    "bst": 60,
    "eet": 120,
    "eest": 180,
    "msk": 180,
    "мск": 180,
    "mez": 60,  # German names: Mitteleuropäische (Sommer)zeit, Osteuropäische (Sommer)zeit
    "mesz": 120,
    "oez": 120,
    "oesz": 180,
}

# US zone names that do not say whether summer time applies ("11:59 a.m. ET"): a zone, with no offset to keep.
_ZONES_WITHOUT_OFFSET = {"et", "ct", "mt", "pt"}

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
    if not s or len(s) > MAX_DATE:
        return None
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
