"""Entering a year's holidays and adjusted working days from a small XLSX or CSV file.

One row a day, three columns in this order: the date (2027-01-01, 2027/1/1,
2027年1月1日 or a spreadsheet date), rest or work (休 / 班 / rest / work) and the name
(春节, 国庆节 调休上班, ...). A first row whose first cell is "date" or 日期 is the header.
Every row is checked and each error reported with its row number; if any row is wrong
nothing is saved. A day already in the calendar is updated, one not in the file is
left alone, and importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from .calendar import calendar_changed
from .models import CalendarDay

MAX_BYTES = 512 * 1024  # a year is about 30 rows; anything this big is not a calendar
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig also reads plain UTF-8
HEADER_NAMES = {"date", "日期"}
KINDS = {
    "休": CalendarDay.Kind.REST,
    "rest": CalendarDay.Kind.REST,
    "班": CalendarDay.Kind.WORK,
    "work": CalendarDay.Kind.WORK,
}
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class CalendarFileError(Exception):
    """The file as a whole cannot be read (type, size, encoding)."""


@dataclass(frozen=True)
class Row:
    number: int  # the row in the file (1 = first line)
    date: str | datetime.date
    kind: str
    name: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _rows(table) -> list[Row]:
    rows = []
    for number, values in enumerate(table, start=1):
        values = list(values) + [None, None, None]
        first = values[0]
        if not isinstance(first, datetime.date):
            first = _text(first)
        kind, name = _text(values[1]), _text(values[2])
        if first == "" and not kind and not name:
            continue  # blank line
        if not rows and isinstance(first, str) and first.lower() in HEADER_NAMES:
            continue
        rows.append(Row(number, first, kind, name))
    return rows


def read_calendar_file(upload) -> list[Row]:
    """The rows of an uploaded .xlsx or .csv file (Django's UploadedFile or any file with a name)."""
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise CalendarFileError(_("The file is larger than %(kb)d KB.") % {"kb": MAX_BYTES // 1024})
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises zipfile, KeyError, InvalidFileException ...
            raise CalendarFileError(_("This is not a readable XLSX workbook.")) from e
        try:
            return _rows(workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    if name.endswith(".csv"):
        for encoding in CSV_ENCODINGS:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return _rows(csv.reader(io.StringIO(text, newline="")))
        raise CalendarFileError(_("The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8."))
    raise CalendarFileError(_("Use a .xlsx or .csv file."))


def _parse_date(value: str | datetime.date) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = DATE_RE.match(value)
    if match is None:
        return None
    try:
        return datetime.date(*(int(g) for g in match.groups()))
    except ValueError:  # 2027-02-30
        return None


def calendar_import(rows: list[Row]) -> ImportResult:
    """Enter ``rows`` into the calendar: all of them, or (if any is wrong) none.

    1. Every row is checked (date, kind, name length, a date twice in the file); each
       error names its row.
    2. With no error, in one transaction: a new date is added, a date whose kind or name
       differs is updated (each through ``save()``, so the history keeps it), an equal
       one is left untouched.
    """
    result = ImportResult()
    name_max = CalendarDay._meta.get_field("name").max_length
    first_row_of: dict[datetime.date, int] = {}
    parsed: list[tuple[datetime.date, str, str]] = []
    for row in rows:
        day = _parse_date(row.date)
        kind = KINDS.get(row.kind.lower())
        problems = []
        if day is None:
            problems.append(_("“%(value)s” is not a date (write it as 2027-01-01).") % {"value": row.date})
        elif day in first_row_of:
            problems.append(_("%(date)s is already in row %(row)d.") % {"date": day, "row": first_row_of[day]})
        else:
            first_row_of[day] = row.number
        if kind is None:
            problems.append(_("“%(value)s” is neither rest nor work (write 休 or 班).") % {"value": row.kind})
        if len(row.name) > name_max:
            problems.append(_("The name is longer than %(n)d characters.") % {"n": name_max})
        if problems:
            result.errors += [_("Row %(row)d: %(message)s") % {"row": row.number, "message": p} for p in problems]
        else:
            parsed.append((day, kind, row.name))
    if result.errors:
        return result

    with transaction.atomic():
        existing = {c.date: c for c in CalendarDay.objects.select_for_update().filter(date__in=first_row_of)}
        for day, kind, name in parsed:
            current = existing.get(day)
            if current is None:
                CalendarDay.objects.create(date=day, kind=kind, name=name)
                result.created += 1
            elif (current.kind, current.name) != (kind, name):
                current.kind, current.name = kind, name
                current.save()
                result.updated += 1
            else:
                result.unchanged += 1
        if result.created or result.updated:
            calendar_changed()
    return result
