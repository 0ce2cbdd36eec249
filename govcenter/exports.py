"""Spreadsheet downloads of a list: the pieces every app's export is made of.

Exports stream: rows come from the database in chunks (``iterator(chunk_size=)``) and
go through openpyxl's write-only mode, which writes rows to a temporary file and never
holds a sheet in memory; the zip is then streamed from disk. An export stops at a row
limit with a last row saying so. Text is cleaned so that a spreadsheet shows it as text.
Each app keeps its columns, row values, file title and sheet title.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .text import strip_invisible_controls

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# A worksheet holds 1,048,576 rows; far below that an export stops being a useful
# download and becomes a job for the database team.
EXPORT_MAX_ROWS = 100_000
# A spreadsheet cell holds at most 32,767 characters (counted in UTF-16 units); Excel
# silently drops the rest of a longer one. The portal's text limits (govcenter.limits)
# keep every field far below it, but a cell joining several texts must not lose its
# end unseen: ``fit_cell`` cuts it and says how much is missing.
XLSX_CELL_MAX = 32_767


def safe_text(value) -> str:
    """Text a spreadsheet shows as text: control characters dropped (openpyxl refuses
    them), invisible direction controls dropped (a name stored before the forms removed
    them must not show reversed) and a leading = + - @ escaped, so that a party named "=HYPERLINK(...)" or a
    matter typed as a formula is not run when the file is opened (CSV / formula injection)."""
    value = strip_invisible_controls(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    if value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _utf16_len(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def fit_cell(value: str, limit: int = XLSX_CELL_MAX) -> str:
    """``value`` if a cell holds it whole; else its beginning, ended by a note saying how
    many characters were not exported."""
    if len(value) <= limit // 2 or _utf16_len(value) <= limit:
        return value
    missing = 0
    for _attempt in range(3):  # the note's length depends on the number it states
        note = _("…[cut: %(n)d characters not exported]") % {"n": missing}
        room = limit - _utf16_len(note)
        # Cut in UTF-16 units; a character split in two (an emoji) is left out whole.
        kept = value.encode("utf-16-le")[: room * 2].decode("utf-16-le", errors="ignore")
        if len(value) - len(kept) == missing:
            break
        missing = len(value) - len(kept)
    return kept + _("…[cut: %(n)d characters not exported]") % {"n": missing}


def dated_filename(title: str, ext: str, at: datetime.datetime | None = None) -> str:
    """``<title>-<local date>.<ext>``. The title is the record's official name whatever the
    interface language: the files are filed and exchanged with other offices under it."""
    return f"{title}-{timezone.localtime(at or timezone.now()):%Y%m%d}.{ext}"


def capped_rows(
    queryset: QuerySet, row_values: Callable[[object], list], *, max_rows: int, chunk_size: int
) -> Iterator[list]:
    """The rows of ``queryset`` in chunks, then (beyond ``max_rows``) a last row saying the
    export was cut. The queryset prefetches per chunk what ``row_values`` reads."""
    for i, obj in enumerate(queryset[: max_rows + 1].iterator(chunk_size=chunk_size)):
        if i == max_rows:
            yield [
                _("Only the first %(n)d rows were exported; narrow the filter to export the rest.") % {"n": max_rows}
            ]
            return
        yield row_values(obj)


def xlsx_response(
    *, sheet_title: str, columns: Sequence[tuple[str, int]], rows: Iterable[list], filename: str
) -> FileResponse:
    """A download of one sheet: a bold, shaded, frozen header of ``columns`` (title, width)
    and then ``rows``, strings cleaned by ``safe_text`` and cut to a cell by ``fit_cell``."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    for i, (_title, width) in enumerate(columns):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE5F0")
    header = []
    for title, _width in columns:
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    ws.append(header)
    for values in rows:
        ws.append([fit_cell(safe_text(v)) if isinstance(v, str) else v for v in values])
    # Saved to a temporary file and streamed from there: the zip is never held in memory.
    out = tempfile.TemporaryFile()
    wb.save(out)
    out.seek(0)
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value) -> str:
    """A CSV cell: empty for None, a date in ISO form, anything else as ``safe_text``."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_text(value)


def csv_lines(*, headers: Sequence[str], rows: Iterable[list]) -> Iterator[str]:
    """The lines of a CSV file of ``headers`` and ``rows``, as the streamed download and the
    background export both write it. The first line starts with the byte-order mark: it
    makes Excel read the file as UTF-8 (without it, Chinese is garbled)."""
    yield "\ufeff"
    writer = csv.writer(_Echo())
    yield writer.writerow(list(headers))
    for values in rows:
        yield writer.writerow([csv_cell(v) for v in values])
