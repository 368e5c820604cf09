"""Dates mentioned (resolved against the publication date) and amounts (numbers with what they count)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

from services.enrich.lexicon import STOPWORDS, words
from services.enrich.patterns import alternation

MONTHS = {
    **{
        m: i + 1
        for i, m in enumerate(
            words("january february march april may june july august september october november december")
        )
    },
    **{
        m: i + 1
        for i, m in enumerate(
            words("janvier février mars avril mai juin juillet août septembre octobre novembre décembre")
        )
    },
    **{
        m: i + 1
        for i, m in enumerate(
            words("января февраля марта апреля мая июня июля августа сентября октября ноября декабря")
        )
    },
    **{
        m: i + 1
        for i, m in enumerate(
            words("январе феврале марте апреле мае июне июле августе сентябре октябре ноябре декабре")
        )
    },
}
WEEKDAYS = {
    **{d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])},
    **{d: i for i, d in enumerate(["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"])},
    **{d: i for i, d in enumerate(["понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"])},
}
RELATIVE = {
    "yesterday": -1,
    "today": 0,
    "tomorrow": 1,
    "hier": -1,
    "aujourd'hui": 0,
    "demain": 1,
    "вчера": -1,
    "сегодня": 0,
    "завтра": 1,
}
# As tries: a plain alternation tried some 80 names, one by one, at every trigger word.
_MONTH = alternation(MONTHS)
_DAY = alternation(WEEKDAYS)
_DATE = re.compile(
    rf"(?P<iso>\b\d{{4}}-\d{{2}}-\d{{2}}\b)"
    rf"|(?P<dmy>\b\d{{1,2}})(?:st|nd|rd|th|er)?\s+(?P<dm_month>{_MONTH})(?:,?\s+(?P<dm_year>\d{{4}}))?\b"
    rf"|\b(?P<md_month>{_MONTH})\s+(?P<mdy>\d{{1,2}})(?:st|nd|rd|th)?(?:,\s+(?P<md_year>\d{{4}}))?\b"
    rf"|\b(?P<m_month>{_MONTH})(?:\s+(?P<m_year>\d{{4}}))?\b"
    rf"|\b(?P<next>next\s+|last\s+|this\s+)?(?P<weekday>{_DAY})\b"
    rf"|\b(?P<rel>{alternation(RELATIVE)})(?=\W|$)"
    rf"|(?<![\d,.])\b(?P<year>(?:19|20)\d{{2}})\b(?![\d,.]\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DateMention:
    text: str
    start: int
    date: str | None  # ISO: YYYY-MM-DD, YYYY-MM or YYYY, as precise as the text says
    granularity: str  # day, month, year


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _shifted(published: date, days: int) -> str | None:
    try:
        return (published + timedelta(days=days)).isoformat()
    except OverflowError:  # "tomorrow" of 9999-12-31
        return None


def _resolve(m: re.Match[str], published: date | None) -> tuple[str | None, str] | None:
    if m["iso"]:
        y, mo, d = (int(x) for x in m["iso"].split("-"))
        day = _safe(y, mo, d)
        return (day.isoformat(), "day") if day else None
    if m["dmy"] or m["mdy"]:
        month = MONTHS[(m["dm_month"] or m["md_month"]).lower()]
        d = int(m["dmy"] or m["mdy"])
        year_text = m["dm_year"] or m["md_year"]
        year = int(year_text) if year_text else (published.year if published else None)
        day = _safe(year, month, d) if year else None
        return (day.isoformat() if day else None, "day")
    if m["m_month"]:
        if m["m_month"][0].islower() and m["m_month"].lower() == "may":
            return None  # the verb
        month = MONTHS[m["m_month"].lower()]
        if m["m_year"]:
            return f"{int(m['m_year']):04d}-{month:02d}", "month"
        if published is None:
            return None, "month"
        year = published.year if month <= published.month else published.year - 1
        return f"{year:04d}-{month:02d}", "month"
    if m["weekday"]:
        if published is None:
            return None, "day"
        wanted = WEEKDAYS[m["weekday"].lower()]
        if (m["next"] or "").strip().lower() == "next":
            ahead = (wanted - published.weekday()) % 7 or 7
            return _shifted(published, ahead), "day"
        back = (published.weekday() - wanted) % 7  # news speaks of the past week
        return _shifted(published, -back), "day"
    if m["rel"]:
        if published is None:
            return None, "day"
        return _shifted(published, RELATIVE[m["rel"].lower()]), "day"
    return m["year"], "year"


_ANCHOR = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+(?:st|nd|rd|th|er)?")
_TRIGGERS = frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset(RELATIVE)


def dates(text: str, published: date | None) -> list[DateMention]:
    """Words are checked against the month, weekday and relative-day lists first (fast); the full
    pattern runs only where one is found (and at the number before it: "31 March")."""
    out = []
    covered = 0
    previous: re.Match[str] | None = None
    for w in _ANCHOR.finditer(text):
        word = w[0]
        anchor = -1
        if word.lower() in _TRIGGERS:
            anchor = w.start()
            if (
                previous is not None
                and previous.start() >= covered
                and previous[0][0].isdigit()
                and len(previous[0]) <= 4
                and w.start() - previous.end() <= 4
            ):
                anchor = previous.start()
            elif text[max(0, w.start() - 5) : w.start()].lower().rstrip() in ("next", "last", "this"):
                anchor = w.start() - 5
        elif len(word) == 4 and word.isdigit() and word[:2] in ("19", "20"):
            anchor = w.start()
        previous = w
        if anchor < covered:
            continue
        m = _DATE.match(text, anchor)
        if m is None:
            continue
        covered = m.end()
        resolved = _resolve(m, published)
        if resolved is not None:
            out.append(DateMention(m[0], m.start(), resolved[0], resolved[1]))
    return out


@dataclass(frozen=True, slots=True)
class Amount:
    text: str
    start: int
    value: float
    unit: str | None  # currency code, "percent", or the noun counted ("page", "people")


_CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₽": "RUB"}
_CURRENCY_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "rouble": "RUB",
    "roubles": "RUB",
    "ruble": "RUB",
    "rubles": "RUB",
    "yuan": "CNY",
    "yen": "JPY",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
    "rub": "RUB",
    "рублей": "RUB",
    "долларов": "USD",
    "евро": "EUR",
}
_SCALE = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "bn": 1e9,
    "m": 1e6,
    "k": 1e3,
    "millions": 1e6,
    "milliards": 1e9,
    "milliard": 1e9,
    "млн": 1e6,
    "млрд": 1e9,
    "тыс": 1e3,
}
_NUMBER_WORDS = {
    w: i + 2
    for i, w in enumerate(
        words(
            "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
            "seventeen eighteen nineteen twenty"
        )
    )
} | {"dozen": 12, "hundred": 100, "thousand": 1000}
_NUM = r"\d+(?:[.,]\d+)*"
_SCALES = "|".join(sorted(_SCALE, key=len, reverse=True))
# The search tries the three alternatives at every character, so each is written to fail there fast:
# the number not after a word character, "." or "," is (?<![\w.,])\d+(?:[.,]\d+)*, written with its
# first digit first (a digit is the cheap test, the lookbehind then looks behind it); the number word
# is a trie (patterns.alternation: the same match, as no number word followed by whitespace or "-"
# begins another), and \b before it, a word character, is (?<!\w), which the engine tests faster.
_AMOUNT = re.compile(
    rf"(?P<sign>[$€£¥₽])\s?(?P<n1>{_NUM})(?:\s?(?P<s1>{_SCALES})\b)?"
    rf"|(?P<n2>\d(?<![\w.,]\d)\d*(?:[.,]\d+)*)(?:\s?(?P<s2>{_SCALES})\b)?"
    rf"(?:(?P<pct>\s?%|\s(?:percent|per cent|pour cent|процент\w*))"
    rf"|(?:-|\s)(?P<noun>[^\W\d_][\w'’-]*))?"
    rf"|(?<!\w)(?P<word>{alternation(_NUMBER_WORDS)})[\s-](?P<wnoun>[a-z][\w'-]*)",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}")


def _number(text: str) -> float | None:
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    elif _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def amounts(text: str) -> list[Amount]:
    out = []
    for m in _AMOUNT.finditer(text):
        if m["word"]:
            noun = m["wnoun"].lower()
            if noun in STOPWORDS or noun in _NUMBER_WORDS:
                continue
            number = _NUMBER_WORDS.get(m["word"].casefold())
            if number is None:  # matched case-insensitively by a look-alike ("fıve", dotless i): not ours
                continue
            out.append(Amount(m[0], m.start(), float(number), noun))
            continue
        value = _number(m["n1"] or m["n2"])
        scale = m["s1"] or m["s2"]
        factor = _SCALE.get(scale.casefold()) if scale else 1.0
        if value is None or factor is None:
            continue
        value *= factor
        if not math.isfinite(value):
            continue  # a run of digits beyond any float: JSON has no infinity
        if m["sign"]:
            out.append(Amount(m[0], m.start(), value, _CURRENCY_SIGNS[m["sign"]]))
        elif m["pct"]:
            out.append(Amount(m[0], m.start(), value, "percent"))
        elif m["noun"]:
            noun = m["noun"].lower()
            for article in ("d'", "d’"):
                noun = noun.removeprefix(article)
            unit = _CURRENCY_WORDS.get(noun)
            if unit is None and (noun in STOPWORDS or noun in MONTHS or (1900 <= value <= 2099 and not m["s2"])):
                continue  # years and dates are dates, not amounts
            out.append(Amount(m[0], m.start(), value, unit or noun))
    return out
