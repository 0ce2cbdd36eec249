"""The ledger of the current filter as XLSX and CSV, in the columns of the paper ledger.

Both stream: rows come from the database in chunks of 500 (``iterator(chunk_size=)``
keeps the parties and mediations prefetched per chunk), the XLSX through openpyxl's
write-only mode (``govcenter.exports``), the CSV straight into the response. The queryset given is already cut to the user's
jurisdiction and filter (``views._ledger_filter``), exactly like the list.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from govcenter import background_exports as shared_background
from govcenter import exports as shared
from govcenter import feedback
from govcenter.supervision import status_with_supervision
from govcenter.urgent import urgent_text

from .models import CourtReferral, Dispute, MediationRecord, Party, PoliceReview, PoliceTransfer
from .selectors import ledger_rows

# The file name is the ledger's official title, whatever the interface language: the
# files are filed and exchanged with other offices under that name.
LEDGER_FILENAME = "矛盾纠纷台账"
EXPORT_MAX_ROWS = shared.EXPORT_MAX_ROWS
CHUNK_SIZE = 500


def columns() -> list[tuple[str, str, int]]:
    """(key, header, XLSX column width) of each column, in paper-ledger order; ``row_values``
    gives the values in the same order."""
    return [
        ("number", _("Ledger number"), 24),
        ("urgent", _("Urgent"), 14),
        ("registered", _("Registered on"), 12),
        ("place", _("Place"), 22),
        ("source", _("Source"), 12),
        ("linkage", _("Police-mediation linkage"), 30),
        ("applicants", _("Applicants"), 18),
        ("people_involved", _("People involved"), 10),
        ("respondents", _("Respondents"), 18),
        ("category", _("Category"), 14),
        ("summary", _("Summary"), 40),
        ("risk", _("Risk level and flags"), 20),
        ("level", _("Handling level"), 12),
        ("handler", _("Handler / department"), 18),
        ("mediation", _("Mediation"), 16),
        ("police", _("Police opinion"), 30),
        ("result", _("Result"), 40),
        ("status", _("Status"), 14),
        ("police_transfer", _("Transferred to police"), 30),
        ("court_referral", _("Court referral"), 30),
        ("occurred", _("Date it arose"), 12),
        ("due", _("Due"), 12),
        ("closed", _("Closed on"), 12),
        ("satisfaction", _("Parties told / satisfaction"), 16),
    ]


def export_queryset(qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """The rows of an export: the list's columns plus the mediations, all prefetched."""
    return ledger_rows(qs).prefetch_related(
        Prefetch("mediations", queryset=MediationRecord.objects.order_by("held_on", "pk")),
        Prefetch("police_reviews", queryset=PoliceReview.objects.order_by("created_at", "pk")),
    )


def filename(ext: str, at: datetime.datetime | None = None) -> str:
    return shared.dated_filename(LEDGER_FILENAME, ext, at)


def _local_date(at: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(at).date() if at else None


def _names(parties: list[Party], *roles: str) -> str:
    return "、".join(p.name for role in roles for p in parties if p.role == role)


def _place(d: Dispute) -> str:
    return " / ".join(str(x) for x in (d.township, d.village, d.grid) if x is not None)


def _risk(d: Dispute) -> str:
    return "；".join([str(d.get_risk_level_display()), *d.flags])


def _handler(d: Dispute) -> str:
    return " · ".join(str(x) for x in (d.department, d.handler) if x is not None)


def _mediation(d: Dispute) -> str:
    records = list(d.mediations.all())  # prefetched, in date order
    if not records:
        return ""
    return f"{len(records)} · {records[-1].get_outcome_display()}"


def police_transfer_text(d: Dispute) -> str:
    """Station, date of the transfer, and the station's case number once it is recorded."""
    try:
        t = d.police_transfer
    except PoliceTransfer.DoesNotExist:
        return ""
    parts = [str(t.station), _local_date(t.transferred_at).isoformat()]
    if t.case_number:
        parts.append(
            _("case %(number)s of %(day)s") % {"number": t.case_number, "day": t.case_registered_on.isoformat()}
        )
    else:
        parts.append(_("awaiting the station's case number"))
    return " · ".join(parts)


def court_referral_text(d: Dispute) -> str:
    """Court and date of the referral, and the court's outcome (or that it is awaited)."""
    try:
        r = d.court_referral
    except CourtReferral.DoesNotExist:
        return ""
    parts = [r.court, r.referred_on.isoformat()]
    if r.outcome:
        parts.append(f"{r.get_outcome_display()} {r.decided_on.isoformat()}")
    else:
        parts.append(_("awaiting the court's outcome"))
    return " · ".join(parts)


def _police(d: Dispute) -> str:
    """The latest police opinion (verdict: text), or that one is awaited."""
    reviews = list(d.police_reviews.all())  # prefetched, oldest first
    if not reviews:
        return str(_("Awaiting police review")) if d.awaits_police_review else ""
    last = reviews[-1]
    return f"{last.get_verdict_display()}: {last.opinion}" if last.verdict else last.opinion


def row_values(d: Dispute) -> list:
    """One ledger row: strings, and dates as ``datetime.date`` in local time."""
    parties = list(d.parties.all())  # prefetched
    return [
        d.number,
        urgent_text(d),
        _local_date(d.registered_at),
        _place(d),
        d.get_source_display(),
        d.linkage_summary(),
        _names(parties, Party.Role.APPLICANT),
        d.people_involved,
        _names(parties, Party.Role.RESPONDENT, Party.Role.OTHER),
        d.get_category_display(),
        d.summary,
        _risk(d),
        d.get_level_display(),
        _handler(d),
        _mediation(d),
        _police(d),
        d.result,
        status_with_supervision(d),
        police_transfer_text(d),
        court_referral_text(d),
        d.occurred_on,
        _local_date(d.due_at),
        _local_date(d.resolved_at),
        feedback.parties_answer(d),
    ]


def _rows(qs: QuerySet[Dispute]) -> Iterator[list]:
    """The rows, then (beyond EXPORT_MAX_ROWS) a last row saying the export was cut."""
    return shared.capped_rows(export_queryset(qs), row_values, max_rows=EXPORT_MAX_ROWS, chunk_size=CHUNK_SIZE)


def xlsx_response(qs: QuerySet[Dispute]) -> FileResponse:
    return shared.xlsx_response(
        sheet_title=_("Dispute ledger"),
        columns=[(title, width) for _key, title, width in columns()],
        rows=_rows(qs),
        filename=filename("xlsx"),
    )


def _csv_lines(qs: QuerySet[Dispute], language: str | None) -> Iterator[str]:
    # The server consumes this after the view has returned: keep the request's language.
    with translation.override(language):
        yield from shared.csv_lines(headers=[title for _key, title, _width in columns()], rows=_rows(qs))


def csv_response(qs: QuerySet[Dispute]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(qs, translation.get_language()), content_type=shared.CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename("csv"))
    return response


def ledger_sheet(user, params) -> shared_background.ExportSheet:
    """The ledger export of ``user`` with the list's filter ``params``, for a background job."""
    from .filters import DisputeFilter
    from .selectors import disputes_visible_to

    request = shared_background.request_for(user, params.urlencode())
    qs = DisputeFilter(request.GET or None, queryset=disputes_visible_to(user), request=request).qs
    return shared_background.ExportSheet(
        sheet_title=_("Dispute ledger"),
        columns=[(title, width) for _key, title, width in columns()],
        count=min(qs.count(), EXPORT_MAX_ROWS),
        rows=_rows(qs),
        filename=filename,
    )


shared_background.register_export("disputes.ledger", ledger_sheet)
