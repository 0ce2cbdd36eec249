"""Publicity activities of the current filter as XLSX (宣传活动台账).

Rows come from the database in chunks (``iterator(chunk_size=)``) and go through
openpyxl's write-only mode (``govcenter.exports``). The queryset given is already cut to
the user's jurisdiction and filter (``views._activity_filter``), exactly like the list.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _

from govcenter import exports as shared

from .models import Activity

# The file's name is what offices file it under, whatever the interface language.
FILENAME = "宣传活动台账"
EXPORT_MAX_ROWS = shared.EXPORT_MAX_ROWS
CHUNK_SIZE = 500


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


def _rows(qs: QuerySet[Activity]) -> Iterator[list]:
    return shared.capped_rows(activity_rows(qs), row_values, max_rows=EXPORT_MAX_ROWS, chunk_size=CHUNK_SIZE)


def activities_xlsx_response(qs: QuerySet[Activity]) -> FileResponse:
    return shared.xlsx_response(
        sheet_title=_("Publicity activities"),
        columns=columns(),
        rows=_rows(qs),
        filename=shared.dated_filename(FILENAME, "xlsx"),
    )
