"""Is a text a delimited table (CSV, TSV, ';' or '|' separated) rather than an article? Pure: no IO.

A table read as plain text would be stored as an article whose headline is its header row
(`id,title,body`). What tells a table from an article whose lines happen to hold commas:

- its first record is a header: at least two fields, each short, none reading like a sentence
  (ending in . ! ?, or more than a few words), and the line not a date ("March 31, 2021, 10:00"
  starts an article);
- its records have the header's number of fields: at least 3 records (header and two rows) of
  which at least 80% have exactly that many, and at least half of its rows hold two values or
  more, read with the csv module (quoted fields may hold the delimiter and line breaks);
- tables are rarely written with a space after each delimiter, prose always is: a header written so
  needs MIN_SPACED_RECORDS records that agree, and a header with one row must have no such space.

Prose fails the first or the second test at once: its lines hold a varying number of commas, and
its first line is a headline or a date with at most a comma or two and spaces after them. Only the
start of the text is read (TABLE_SAMPLE characters, TABLE_RECORDS records), so this costs little
on any article, and nothing on one whose first line holds no delimiter.
"""

from __future__ import annotations

import csv
import io
import re

from services.store.dates import parse_date

TABLE_SAMPLE = 16_384  # characters read from the start of the text
TABLE_RECORDS = 50  # records compared
MIN_AGREEMENT = 0.8  # share of the records that must have the header's number of fields
MAX_HEADER_FIELD = 64  # characters in one header field
MAX_HEADER_WORDS = 5  # words in one header field
MIN_SPACED_RECORDS = 5  # records that must agree when the header has a space after every delimiter
_DELIMITERS = {",": "CSV", "\t": "TSV", ";": "CSV, separated by ';'", "|": "CSV, separated by '|'"}
_SENTENCE_END = re.compile(r"[.!?…]['\"”’)]?$")


def table_kind(text: str) -> str | None:
    """'CSV', 'TSV', 'CSV, separated by ...' when text (normalised: LF line ends) is a delimited table,
    else None."""
    first = text.split("\n", 1)[0]
    if len(first) > TABLE_SAMPLE:
        return None
    sample = text[:TABLE_SAMPLE]
    cut = len(text) > TABLE_SAMPLE  # the last record read may be cut short
    for delimiter, kind in _DELIMITERS.items():
        if delimiter in first and _is_table(sample, delimiter, cut=cut):
            return None if parse_date(first) is not None else kind
    return None


def _is_table(sample: str, delimiter: str, *, cut: bool) -> bool:
    records = _records(sample, delimiter)
    if records is None or len(records) < 2:
        return False
    if cut and len(records) > 2:
        records = records[:-1]
    header = records[0]
    width = len(header)
    if width < 2 or not _header_like(header):
        return False
    rows = records[1:]
    if 2 * sum(1 for row in rows if sum(1 for field in row if field.strip()) >= 2) < len(rows):
        return False  # lines ending in a delimiter, one value each: a list, not columns
    spaced = all(field[:1].isspace() for field in header[1:])  # "Moscow, March 31": prose's way
    if len(records) == 2:
        return len(records[1]) == width and not spaced
    agreeing = sum(1 for record in records if len(record) == width)
    return agreeing >= MIN_AGREEMENT * len(records) and (not spaced or agreeing >= MIN_SPACED_RECORDS)


def _records(sample: str, delimiter: str) -> list[list[str]] | None:
    """The first TABLE_RECORDS nonblank records, or None where the csv module cannot read them."""
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(sample), delimiter=delimiter, strict=False):
            if any(field.strip() for field in record):
                records.append(record)
                if len(records) >= TABLE_RECORDS:
                    break
    except csv.Error:  # a field over the csv module's size limit (an unbalanced quote in prose, say)
        return None
    return records


def _header_like(header: list[str]) -> bool:
    """Column names: short, not sentences; one may be empty (an index column, say)."""
    empty = 0
    for field in header:
        name = field.strip()
        if not name:
            empty += 1
            continue
        if len(name) > MAX_HEADER_FIELD or len(name.split()) > MAX_HEADER_WORDS or _SENTENCE_END.search(name):
            return False
    return empty <= 1 and empty < len(header) - 1
