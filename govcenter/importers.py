"""Importing spreadsheets (XLSX, or CSV in UTF-8 or GB18030): the framework under the
import page (``govcenter.import_views``), its background task and the ``import_*``
management commands, and the kinds of file it knows.

A kind of file is an ``Importer`` subclass registered with ``@register``: its columns
(each with the Chinese header of the template, whether it is required, its allowed
values and an example), who may use it, how a batch of rows is checked and how a
checked batch is written. The kinds of the project package (division codes) are here;
the grid app registers grids, households, residents and team members with their
accounts (``grids.importers``).

``import_run`` reads the file twice, streaming (openpyxl's read-only mode; a CSV line
by line), so memory stays flat with the file's size:

1. The check pass: every row is checked, batch by batch, against the file seen so far
   (duplicates) and the database (one query per batch and look-up), and every error
   is collected with its row, column and a message in the user's language. Nothing is
   written.
2. If no row failed, the write pass: the rows are checked again (the database may have
   changed) and written, batch by batch, inside ONE transaction. An error found now,
   or a worker killed half-way, rolls the whole file back: nothing is ever half-saved,
   and the same file can simply be run again.

Rows are matched to what exists (a division code, a grid code, the keyed hash of an ID
number, an account's login or mobile number), so running a file again changes nothing:
its rows count as unchanged.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, ClassVar

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .drawn_filters import places_changed
from .models import Area

CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig also reads plain UTF-8
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
# The header of the column an error file adds; a re-uploaded error file has it, and it is ignored.
ERROR_HEADER = "错误"


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header); the message is shown."""


@dataclass(frozen=True)
class Column:
    """One column of a kind of file. ``header`` is the Chinese title of the template's
    column (the files are Chinese officials' spreadsheets, in either interface language);
    ``label`` the name in messages, in the user's language. ``choices`` maps each allowed
    cell text to the value stored."""

    key: str
    header: str
    label: str | Promise
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    example: str = ""
    aliases: tuple[str, ...] = ()
    help: str | Promise = ""

    def names(self) -> set[str]:
        return {n.strip().lower() for n in (self.header, self.key, *self.aliases)}


@dataclass(frozen=True)
class Row:
    number: int  # the row in the sheet (line of the CSV), 1 = the header
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the column's label ("" for the row as a whole)
    message: str
    value: str = ""

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)d, %(column)s %(value)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "value": self.value or "—",
                "message": self.message,
            }
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


class RowProblem(Exception):
    """Raised while writing a row that turned out wrong after the check (a concurrent change)."""

    def __init__(self, error: RowError):
        super().__init__(error.message)
        self.error = error


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def failed(self) -> int:
        """Rows with at least one error."""
        return len({e.row for e in self.errors})


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class Importer:
    """One kind of file. A new instance runs one import (it keeps the file's state).

    Subclasses set ``key``, ``title``, ``columns`` and implement ``allowed``,
    ``check_batch`` and ``write_batch``; ``batch_size`` rows are checked and written at
    a time (one look-up query per batch, not per row).
    """

    key: ClassVar[str] = ""
    title: ClassVar[str | Promise] = ""
    columns: ClassVar[tuple[Column, ...]] = ()
    batch_size: ClassVar[int] = 500
    # What a row is matched by, said on the import page.
    matched_by: ClassVar[str | Promise] = ""

    def __init__(self, *, user, job=None):
        self.user = user
        self.job = job
        self.start_pass()

    @classmethod
    def allowed(cls, user) -> bool:
        raise NotImplementedError

    def start_pass(self) -> None:
        """Forget the file seen so far (called before each of the two passes)."""

    def check_batch(self, rows: list[Row]) -> tuple[list, list[RowError]]:
        """(the rows' checked items, for ``write_batch``; their errors)."""
        raise NotImplementedError

    def write_batch(self, items: list) -> list[str]:
        """Write the checked items; one of CREATED / UPDATED / UNCHANGED per item. May raise RowProblem."""
        raise NotImplementedError

    def after_commit(self) -> None:
        """Work for after the whole file committed (sending initial passwords)."""

    @classmethod
    def allowed_values(cls, column: Column) -> list[str]:
        """The cell texts the template lists as allowed for ``column``; a kind whose allowed
        values are rows of the database (care tags) gives them here."""
        return [text for text, _v in column.choices]

    # Helpers for subclasses ---------------------------------------------------

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def error(self, row: Row, key: str, message: str) -> RowError:
        return RowError(row.number, str(self.column(key).label) if key else "", message, row[key] if key else "")

    def required_errors(self, row: Row) -> list[RowError]:
        return [
            self.error(row, c.key, _("This value is required.")) for c in self.columns if c.required and not row[c.key]
        ]

    def choice(self, row: Row, key: str, errors: list[RowError]) -> str:
        """The stored value of a choice column's cell ('' if empty); an error if not allowed."""
        text = row[key]
        if not text:
            return ""
        col = self.column(key)
        for cell_text, value in col.choices:
            if text == cell_text or text.lower() == value.lower():
                return value
        errors.append(
            self.error(
                row,
                key,
                _("Not an allowed value; use one of: %(values)s.") % {"values": "、".join(t for t, _v in col.choices)},
            )
        )
        return ""

    def too_long(self, row: Row, key: str, max_length: int, errors: list[RowError]) -> None:
        if len(row[key]) > max_length:
            errors.append(self.error(row, key, _("Longer than %(n)d characters.") % {"n": max_length}))


REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    REGISTRY[cls.key] = cls
    return cls


def importer_class(key: str) -> type[Importer] | None:
    return REGISTRY.get(key)


def kinds_for(user) -> list[type[Importer]]:
    return [cls for cls in REGISTRY.values() if cls.allowed(user)]


# --- reading -----------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as text; spreadsheets store long codes as numbers (330102001001.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _header_map(cells: list[str], columns: tuple[Column, ...], number: int) -> dict[str, int]:
    lowered = [c.lower() for c in cells]
    found: dict[str, int] = {}
    for col in columns:
        names = col.names()
        index = next((i for i, c in enumerate(lowered) if c in names), None)
        if index is not None:
            found[col.key] = index
    missing = [c for c in columns if c.required and c.key not in found]
    if missing:
        raise ImportFileError(
            _("Row %(row)d should be the header with the columns %(columns)s; found: %(found)s.")
            % {
                "row": number,
                "columns": "、".join(f"“{c.header}”" for c in missing),
                "found": ", ".join(cells) or "—",
            }
        )
    return found


def rows_of_table(table: Iterable[Iterable], columns: tuple[Column, ...]) -> Iterator[Row]:
    """The rows of an iterable of row tuples whose first non-empty row is the header."""
    header = None
    for number, values in enumerate(table, start=1):
        cells = [cell_text(v) for v in values]
        if not any(cells):
            continue
        if header is None:
            header = _header_map(cells, columns, number)
            continue
        yield Row(number, {key: cells[i] if i < len(cells) else "" for key, i in header.items()})
    if header is None:
        raise ImportFileError(_("The file is empty."))


def _csv_encoding(path: Path) -> str:
    """The first of CSV_ENCODINGS that decodes the whole file (read in blocks: memory stays flat)."""
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8."))


def table_of(path: str | Path) -> Callable[[], Iterator[tuple]]:
    """A function giving, each time it is called, a fresh iterator over the file's rows.

    Raises ImportFileError for a missing file, an unknown type, an undecodable CSV or an
    unreadable workbook.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("No such file: %(path)s") % {"path": path.name})
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        encoding = _csv_encoding(path)

        def csv_rows() -> Iterator[tuple]:
            with path.open(encoding=encoding, newline="") as f:
                try:
                    yield from csv.reader(f)
                except csv.Error as e:
                    raise ImportFileError(_("This CSV file cannot be read (%(error)s).") % {"error": e}) from e

        return csv_rows
    if suffix in XLSX_SUFFIXES:
        _open_workbook(path).close()  # refuse an unreadable file now, not in the middle of a pass

        def xlsx_rows() -> Iterator[tuple]:
            workbook = _open_workbook(path)
            try:
                yield from workbook.worksheets[0].iter_rows(values_only=True)
            finally:
                workbook.close()  # read-only mode keeps the file open until closed

        return xlsx_rows
    raise ImportFileError(_("Unknown file type %(suffix)s: use .csv or .xlsx.") % {"suffix": path.suffix or "—"})


def _open_workbook(path: Path):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        if not workbook.worksheets:
            raise ValueError("no worksheet")
    except Exception as e:  # openpyxl raises zipfile, KeyError, InvalidFileException ...
        raise ImportFileError(_("This is not a readable XLSX workbook (%(error)s).") % {"error": e}) from e
    return workbook


def row_count_hint(path: str | Path) -> int | None:
    """About how many data rows the file has (for the progress bar), or None if unknown."""
    path = Path(path)
    try:
        if path.suffix.lower() in CSV_SUFFIXES:
            with path.open("rb") as f:
                return max(sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b"")) - 1, 0)
        workbook = _open_workbook(path)
        try:
            rows = workbook.worksheets[0].max_row
        finally:
            workbook.close()
        return max(rows - 1, 0) if rows else None
    except (OSError, ImportFileError):
        return None


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch


# --- running ----------------------------------------------------------------------

Progress = Callable[[str, int], None]  # (phase "check" / "write", rows done in that phase)


def import_run(
    importer: Importer,
    table: Callable[[], Iterator[tuple]],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row, then write all of them in one transaction, or none (see the module doc)."""
    result = ImportResult()
    importer.start_pass()
    for batch in _batches(rows_of_table(table(), importer.columns), importer.batch_size):
        _items, errors = importer.check_batch(batch)
        result.errors.extend(errors)
        result.total += len(batch)
        if progress:
            progress("check", result.total)
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    if progress:
        progress("write", 0)
    with transaction.atomic():
        importer.start_pass()
        done = 0
        for batch in _batches(rows_of_table(table(), importer.columns), importer.batch_size):
            items, errors = importer.check_batch(batch)
            if errors:  # the database changed since the check pass
                result.errors.extend(errors)
                break
            try:
                outcomes = importer.write_batch(items)
            except RowProblem as e:
                result.errors.append(e.error)
                break
            for outcome in outcomes:
                setattr(result, outcome, getattr(result, outcome) + 1)
            done += len(batch)
            if progress:
                progress("write", done)
        if result.errors:
            result.created = result.updated = result.unchanged = 0
        if result.errors or dry_run:
            transaction.set_rollback(True)
        else:
            transaction.on_commit(importer.after_commit)
            transaction.on_commit(places_changed)  # bulk writes send no save signals
    result.errors.sort(key=lambda e: e.row)
    return result


# --- templates and error files -----------------------------------------------------


def template_workbook(importer_cls: type[Importer], out: IO[bytes]) -> None:
    """The kind's template (write-only workbook): the Chinese headers and an example row
    on the first sheet, and a second sheet describing each column and its allowed values."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(importer_cls.title)[:31])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE5F0")
    header = []
    for col in importer_cls.columns:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font, cell.fill = bold, fill
        header.append(cell)
    ws.append(header)
    ws.append([col.example for col in importer_cls.columns])
    notes = wb.create_sheet(title="说明")
    notes.append([_("Column"), _("Required"), _("Allowed values"), _("Explanation")])
    for col in importer_cls.columns:
        notes.append(
            [
                col.header,
                _("yes") if col.required else _("no"),
                "、".join(importer_cls.allowed_values(col)),
                str(col.help or col.label),
            ]
        )
    wb.save(out)


def error_workbook(
    importer_cls: type[Importer], table: Callable[[], Iterator[tuple]], errors: list[RowError], out
) -> None:
    """The uploaded sheet back, every row as it was, with the column ERROR_HEADER added:
    the messages of that row (streamed: write-only mode)."""
    from openpyxl import Workbook

    from .exports import safe_text

    by_row: dict[int, list[str]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(f"{e.column}: {e.message}" if e.column else e.message)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(importer_cls.title)[:31])
    header_seen = False
    error_col = None
    for number, values in enumerate(table(), start=1):
        cells = [cell_text(v) for v in values]
        if not header_seen:
            if not any(cells):
                continue
            header_seen = True
            # A file that already had an error column gets it replaced, not a second one.
            error_col = cells.index(ERROR_HEADER) if ERROR_HEADER in cells else len(cells)
            cells = cells[:error_col] + [ERROR_HEADER] + cells[error_col + 1 :]
            ws.append(cells)
            continue
        cells = cells + [""] * max(0, error_col + 1 - len(cells))
        cells[error_col] = "；".join(by_row.get(number, ()))
        ws.append([safe_text(c) for c in cells])
    wb.save(out)


# --- division codes ----------------------------------------------------------------


def _is_admin(user) -> bool:
    from .jurisdiction import is_admin

    return user is None or is_admin(user)  # None: the command line


def district_prefix(user) -> str | None:
    """The 6-digit district code a district staff member imports within; None for administrators."""
    if _is_admin(user):
        return None
    return user.area.code[:6] if user.area_id else "-"


@register
class AreaImporter(Importer):
    """Division codes (统计用区划代码): districts, townships and villages, by code.

    The level and the parent of each area follow from its code, so the rows are written
    in code order (districts before their townships before their villages) whatever their
    order in the file; a county's codes are a few hundred rows, so the whole file is one batch.
    """

    key = "areas"
    title = gettext_lazy("Division codes")
    matched_by = gettext_lazy("the division code")
    batch_size = 1_000_000
    columns = (
        Column(
            "code",
            "代码",
            gettext_lazy("code"),
            required=True,
            example="330102000000",
            aliases=("区划代码", "统计用区划代码"),
            help=gettext_lazy("12 digits: 6 of the district, 3 of the township, 3 of the village."),
        ),
        Column(
            "name",
            "名称",
            pgettext_lazy("not a person", "name"),
            required=True,
            example="清溪区",
            aliases=("区划名称",),
        ),
    )

    @classmethod
    def allowed(cls, user) -> bool:
        return _is_admin(user) or (user.role == user.Role.DISTRICT_STAFF and user.area_id is not None)

    def check_batch(self, rows):
        errors: list[RowError] = []
        items: list[tuple[Row, str, str]] = []
        name_max = Area._meta.get_field("name").max_length
        first_row_of: dict[str, int] = {}
        codes = {r["code"] for r in rows}
        parents = {Area.parent_code_of(c) for c in codes if Area.level_of_code(c)} - {None}
        known = set(Area.objects.filter(code__in=parents).values_list("code", flat=True))
        prefix = district_prefix(self.user)
        for row in rows:
            code, name = row["code"], row["name"]
            message = None
            if not code:
                message = _("The code is empty.")
            elif code in first_row_of:
                message = _("This code is already in row %(row)d.") % {"row": first_row_of[code]}
            else:
                first_row_of[code] = row.number
                parent = Area.parent_code_of(code)
                if not name:
                    message = _("The name is empty.")
                elif len(name) > name_max:
                    message = _("The name is longer than %(n)d characters.") % {"n": name_max}
                elif Area.level_of_code(code) is None:
                    message = _("%(code)s is not a 12-digit district, township or village division code.") % {
                        "code": code
                    }
                elif prefix is not None and code[:6] != prefix:
                    message = _("This area is outside your district.")
                elif parent is not None and parent not in known and parent not in codes:
                    message = _("Its parent area %(parent)s does not exist; add that first.") % {"parent": parent}
            if message:
                errors.append(RowError(row.number, str(self.column("code").label), message, code))
            else:
                items.append((row, code, name))
        # A row whose parent is in the file but wrong there fails with it.
        failed = {e.value for e in errors}
        for row, code, _name in list(items):
            parent = Area.parent_code_of(code)
            grandparent = Area.parent_code_of(parent) if parent else None
            if parent in failed or grandparent in failed:
                errors.append(
                    RowError(
                        row.number,
                        str(self.column("code").label),
                        _("Its parent area %(parent)s does not exist; add that first.") % {"parent": parent},
                        code,
                    )
                )
        return items, errors

    def write_batch(self, items):
        from .services import AreaError, area_add_or_update

        known = dict(Area.objects.filter(code__in=[code for _r, code, _n in items]).values_list("code", "name"))
        outcomes = []
        for row, code, name in sorted(items, key=lambda item: item[1]):
            try:
                area_add_or_update(code=code, name=name)
            except AreaError as e:
                raise RowProblem(RowError(row.number, str(self.column("code").label), str(e), code)) from e
            if code not in known:
                outcomes.append(CREATED)
            elif known[code] != name:
                outcomes.append(UPDATED)
            else:
                outcomes.append(UNCHANGED)
        return outcomes
