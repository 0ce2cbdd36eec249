"""The logs of the current filter as XLSX, and the monthly counts.

The export streams: rows come from the database in chunks (``iterator(chunk_size=)``),
through openpyxl's write-only mode (``govcenter.exports``). The queryset given is
already cut to the user's jurisdiction and filter (``views._log_filter``), exactly
like the list.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from govcenter import background_exports as shared_background
from govcenter import exports as shared
from govcenter import feedback
from govcenter.supervision import status_with_supervision
from govcenter.urgent import urgent_text

from .filters import local_midnight
from .models import Log
from .selectors import log_rows

# The file keeps its official title whatever the interface language: it is filed and
# exchanged with other offices under that name.
FILENAME = "民情日志"
EXPORT_MAX_ROWS = shared.EXPORT_MAX_ROWS
CHUNK_SIZE = 1000


def columns() -> list[tuple[str, int]]:
    """(header, column width) of each column."""
    return [
        (_("Date"), 12),
        (_("Time"), 7),
        (_("Village"), 10),
        (_("Grid"), 16),
        (_("Grid worker"), 10),
        (_("Accompanied by"), 10),
        (_("Co-signature"), 18),
        (_("Kind"), 10),
        (_("Category"), 12),
        (_("Person"), 10),
        (_("Place"), 20),
        (_("Matter"), 40),
        (_("Policy basis"), 20),
        (_("Result"), 30),
        (_("Next step"), 12),
        (_("Status"), 12),
        (_("Urgent"), 14),
        (_("Handling level"), 10),
        (_("Result fed back"), 30),
        (_("Dispute"), 24),
        (_("Police verdict"), 14),
        (_("Form of publicity"), 10),
        (_("Participants"), 8),
        (_("Households reached"), 8),
        (_("Parties told / satisfaction"), 16),
    ]


def cosign_text(log: Log) -> str:
    """已会签 with its time, 待会签, or declined with the officer's note ("" when not asked)."""
    if not log.cosign:
        return ""
    text = log.get_cosign_display()
    if log.cosign == Log.Cosign.SIGNED and log.cosigned_at:
        text += f" {timezone.localtime(log.cosigned_at):%Y-%m-%d %H:%M}"
    elif log.cosign == Log.Cosign.DECLINED and log.cosign_note:
        text += f": {log.cosign_note}"
    return text


def row_values(log: Log) -> list:
    when = timezone.localtime(log.occurred_at)
    return [
        when.date(),
        when.strftime("%H:%M"),
        log.village.name,
        log.grid.name,
        log.recorded_by.display_name,
        log.accompanied_by.display_name if log.accompanied_by_id else "",
        cosign_text(log),
        log.get_kind_display(),
        log.get_category_display(),
        log.person_name,
        log.place,
        log.matter,
        log.policy_basis,
        log.result,
        log.get_next_step_display(),
        status_with_supervision(log),
        urgent_text(log),
        log.get_level_display() if log.is_reported else "",
        log.feedback,
        log.dispute.number if log.dispute_id else "",
        log.get_police_verdict_display() if log.police_verdict else "",
        log.get_publicity_form_display() if log.publicity_form else "",
        log.participants,
        log.households_reached,
        feedback.parties_answer(log),
    ]


def _rows(qs: QuerySet[Log]) -> Iterator[list]:
    return shared.capped_rows(log_rows(qs), row_values, max_rows=EXPORT_MAX_ROWS, chunk_size=CHUNK_SIZE)


def filename(ext: str) -> str:
    return shared.dated_filename(FILENAME, ext)


def xlsx_response(qs: QuerySet[Log]) -> FileResponse:
    return shared.xlsx_response(
        sheet_title=_("Sentiment logs"), columns=columns(), rows=_rows(qs), filename=filename("xlsx")
    )


# --- monthly counts ----------------------------------------------------------------------------

KIND_KEYS = [k for k, _label in Log.Kind.choices]
STEP_KEYS = [Log.NextStep.AGENCY, Log.NextStep.DISPUTE, Log.NextStep.REPORT]


@dataclass
class CountRow:
    key: int
    label: str
    sublabel: str = ""
    order: str = ""
    total: int = 0
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_KEYS, 0))
    steps: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEP_KEYS, 0))

    def add(self, row: dict) -> None:
        self.total += row["total"]
        for k in KIND_KEYS:
            self.kinds[k] += row[f"kind_{k}"]
        for s in STEP_KEYS:
            self.steps[s] += row[f"step_{s}"]

    @property
    def kind_counts(self) -> list[int]:
        return [self.kinds[k] for k in KIND_KEYS]

    @property
    def step_counts(self) -> list[int]:
        return [self.steps[s] for s in STEP_KEYS]


@dataclass
class MonthlyCounts:
    month: datetime.date
    by_grid: list[CountRow]
    by_worker: list[CountRow]
    total: CountRow


def logs_sheet(user, params) -> shared_background.ExportSheet:
    """The logs export of ``user`` with the list's filter ``params``, for a background job."""
    from .filters import LogFilter
    from .selectors import logs_visible_to

    request = shared_background.request_for(user, params.urlencode())
    qs = LogFilter(request.GET or None, queryset=logs_visible_to(user), request=request).qs
    qs = qs.order_by("-occurred_at", "-pk")
    return shared_background.ExportSheet(
        sheet_title=_("Sentiment logs"),
        columns=columns(),
        count=min(qs.count(), EXPORT_MAX_ROWS),
        rows=_rows(qs),
        filename=filename,
    )


shared_background.register_export("sentiment.logs", logs_sheet)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return local_midnight(first), local_midnight(following)


def monthly_counts(logs: QuerySet[Log], month: datetime.date) -> MonthlyCounts:
    """Logs of ``month`` (local time) per grid and per grid worker, by kind and next step,
    in one aggregate query grouped by (grid, worker); both tables are sums of its rows."""
    start, end = month_bounds(month)
    aggregates = {"total": Count("pk")}
    aggregates.update({f"kind_{k}": Count("pk", filter=Q(kind=k)) for k in KIND_KEYS})
    aggregates.update({f"step_{s}": Count("pk", filter=Q(next_step=s)) for s in STEP_KEYS})
    rows = (
        logs.filter(occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .values(
            "grid_id",
            "grid__name",
            "grid__code",
            "village__name",
            "recorded_by_id",
            "recorded_by__full_name",
            "recorded_by__username",
        )
        .annotate(**aggregates)
    )
    grids: dict[int, CountRow] = {}
    workers: dict[int, CountRow] = {}
    total = CountRow(key=0, label=_("Total"))
    for row in rows:
        g = grids.setdefault(
            row["grid_id"], CountRow(row["grid_id"], row["grid__name"], row["village__name"], row["grid__code"])
        )
        g.add(row)
        w = workers.setdefault(
            row["recorded_by_id"],
            CountRow(row["recorded_by_id"], row["recorded_by__full_name"] or row["recorded_by__username"]),
        )
        w.add(row)
        total.add(row)
    by_grid = sorted(grids.values(), key=lambda r: r.order)
    by_worker = sorted(workers.values(), key=lambda r: (-r.total, r.label))
    return MonthlyCounts(month=month.replace(day=1), by_grid=by_grid, by_worker=by_worker, total=total)
