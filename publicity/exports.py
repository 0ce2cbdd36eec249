"""Publicity activities of the current filter as XLSX (宣传活动台账).

Rows come from the database in chunks (``iterator(chunk_size=)``) and go through
openpyxl's write-only mode (rows are written to a temporary file, never held as a sheet
in memory). The queryset given is already cut to the user's jurisdiction and filter
(``views._activity_filter``), exactly like the list.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

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

from .models import Activity

# The file's name is what offices file it under, whatever the interface language.
FILENAME = "宣传活动台账"
EXPORT_MAX_ROWS = 100_000
CHUNK_SIZE = 500
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def activity_rows(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """What a list or export row shows, fetched without per-row queries."""
    return qs.select_related(
        "assignment__campaign",
        "assignment__grid",
        "assignment__village",
        "assignment__township",
        "log__recorded_by",
        "log__accompanied_by",
    )


def columns() -> list[tuple[str, int]]:
    return [
        (_("Campaign"), 30),
        (_("Topic"), 12),
        (_("Township"), 12),
        (_("Village"), 12),
        (_("Grid"), 16),
        (_("Date"), 12),
        (_("Form"), 12),
        (_("Place"), 22),
        (_("Participants"), 10),
        (_("Households reached"), 10),
        (_("Grid worker"), 12),
        (_("Accompanied by"), 12),
        (_("What was done"), 40),
    ]


def row_values(a: Activity) -> list:
    log = a.log
    assignment = a.assignment
    return [
        assignment.campaign.title,
        assignment.campaign.get_topic_display(),
        assignment.township.name,
        assignment.village.name,
        assignment.grid.name,
        a.held_on,
        log.get_publicity_form_display(),
        log.place,
        log.participants or 0,
        log.households_reached or 0,
        log.recorded_by.display_name,
        log.accompanied_by.display_name if log.accompanied_by_id else "",
        log.matter,
    ]


def _safe_text(value: str) -> str:
    """Text a spreadsheet shows as text: control characters dropped (openpyxl refuses them)
    and a leading = + - @ escaped, so that typed text is never run as a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _rows(qs: QuerySet[Activity]) -> Iterator[list]:
    for i, activity in enumerate(activity_rows(qs)[: EXPORT_MAX_ROWS + 1].iterator(chunk_size=CHUNK_SIZE)):
        if i == EXPORT_MAX_ROWS:
            yield [
                _("Only the first %(n)d rows were exported; narrow the filter to export the rest.")
                % {"n": EXPORT_MAX_ROWS}
            ]
            return
        yield row_values(activity)


def activities_xlsx_response(qs: QuerySet[Activity]) -> FileResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_("Publicity activities")[:31])
    cols = columns()
    for i, (_title, width) in enumerate(cols):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE5F0")
    header = []
    for title, _width in cols:
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    ws.append(header)
    for values in _rows(qs):
        ws.append([_safe_text(v) if isinstance(v, str) else v for v in values])
    out = tempfile.TemporaryFile()
    wb.save(out)
    out.seek(0)
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    name = f"{FILENAME}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
