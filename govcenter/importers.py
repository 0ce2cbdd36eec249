"""Loading division codes (统计用区划代码) from a CSV or XLSX file into the area tree.

The file has a header row naming the columns ``code`` and ``name`` (or 代码 / 名称);
every other column is ignored. The level and the parent of each area follow from its
code, so rows are processed in code order (districts before their townships before
their villages) whatever their order in the file. All rows are checked and reported;
if any row is wrong nothing is saved.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Area
from .services import AreaError, area_add_or_update

CODE_HEADERS = {"code", "代码", "区划代码", "统计用区划代码"}
NAME_HEADERS = {"name", "名称", "区划名称"}
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig also reads plain UTF-8


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header)."""


@dataclass(frozen=True)
class Row:
    number: int  # line / sheet row in the file, 1 = the header
    code: str
    name: str


@dataclass(frozen=True)
class RowError:
    row: int
    code: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)d, code %(code)s: %(message)s") % {
            "row": self.row,
            "code": self.code or "—",
            "message": self.message,
        }


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell(value) -> str:
    """A cell as text; spreadsheets store long codes as numbers (330102001001.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows_from_table(table) -> list[Row]:
    """Rows from an iterable of row tuples whose first non-empty row is the header."""
    header = None
    rows = []
    for number, values in enumerate(table, start=1):
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue
        if header is None:
            lowered = [c.lower() for c in cells]
            code_col = next((i for i, c in enumerate(lowered) if c in CODE_HEADERS), None)
            name_col = next((i for i, c in enumerate(lowered) if c in NAME_HEADERS), None)
            if code_col is None or name_col is None:
                raise ImportFileError(
                    _(
                        "Row %(row)d should be the header with the columns “code” and “name” (or 代码 and 名称); found: %(found)s."
                    )
                    % {"row": number, "found": ", ".join(cells)}
                )
            header = (code_col, name_col)
            continue
        code = cells[header[0]] if header[0] < len(cells) else ""
        name = cells[header[1]] if header[1] < len(cells) else ""
        rows.append(Row(number, code, name))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return rows


def read_csv(path: Path) -> list[Row]:
    data = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _rows_from_table(csv.reader(io.StringIO(text, newline="")))
    raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8."))


def read_xlsx(path: Path) -> list[Row]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError, InvalidFileException ...
        raise ImportFileError(_("This is not a readable XLSX workbook (%(error)s).") % {"error": e}) from e
    try:
        return _rows_from_table(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()  # read-only mode keeps the file open until closed


def read_rows(path: str | Path) -> list[Row]:
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("No such file: %(path)s") % {"path": path})
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return read_csv(path)
    raise ImportFileError(_("Unknown file type %(suffix)s: use .csv or .xlsx.") % {"suffix": path.suffix or "—"})


def import_rows(rows: list[Row], *, dry_run: bool = False) -> ImportResult:
    """Add or rename the areas of ``rows`` through ``area_add_or_update``.

    1. Every row is tried, in code order, inside one transaction, and each error is
       recorded with its row number (a village whose township failed reports that too).
    2. If any row failed (or ``dry_run``), the transaction is rolled back: nothing is saved.
    """
    result = ImportResult()
    name_max = Area._meta.get_field("name").max_length
    first_row_of: dict[str, int] = {}
    valid: list[Row] = []
    for row in rows:
        if not row.code:
            result.errors.append(RowError(row.number, row.code, _("The code is empty.")))
        elif row.code in first_row_of:
            result.errors.append(
                RowError(
                    row.number, row.code, _("This code is already in row %(row)d.") % {"row": first_row_of[row.code]}
                )
            )
        elif len(row.name) > name_max:
            first_row_of[row.code] = row.number
            result.errors.append(
                RowError(row.number, row.code, _("The name is longer than %(n)d characters.") % {"n": name_max})
            )
        else:
            first_row_of[row.code] = row.number
            valid.append(row)

    known = dict(Area.objects.filter(code__in=[r.code for r in valid]).values_list("code", "name"))
    with transaction.atomic():
        for row in sorted(valid, key=lambda r: r.code):
            try:
                area_add_or_update(code=row.code, name=row.name)
            except AreaError as e:
                result.errors.append(RowError(row.number, row.code, str(e)))
                continue
            if row.code not in known:
                result.created += 1
            elif known[row.code] != row.name:
                result.updated += 1
            else:
                result.unchanged += 1
        if result.errors or dry_run:
            transaction.set_rollback(True)
    result.errors.sort(key=lambda e: e.row)
    return result
