"""The monthly report's pages: the list (a township's reports and the form to generate one;
the district's view of which townships submitted a month), the report (its steps from
``FLOW``), its print page and its XLSX."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from govcenter.jurisdiction import scope_of
from govcenter.levels import local_date
from govcenter.models import User
from govcenter.steps import Flow, Step

from . import reports, rules, services
from .models import MonthlyReport
from .report_forms import AnnotateForm, MonthForm, SubmitForm

Role = User.Role


def _detail(request, report: MonthlyReport, bound=None, status: int = 200):
    now = timezone.now()
    shown = reports.report_figures(report, now=now)
    compare = report.is_submitted and request.GET.get("compare") == "live"
    live = reports.live_figures(report.township, report.month, now=now) if compare else None
    rows = reports.table(shown, live)
    context = {
        "nav_active": "reports",
        "report": report,
        "rows": rows,
        "compare": compare,
        "differences": compare and any(row["live"] is not None for row in rows),
        "actions": FLOW.actions(request.user, report, bound),
        "title": reports.report_title(report),
    }
    return render(request, "analysis/report_detail.html", context, status=status)


FLOW = Flow(
    namespace="analysis",
    visible=reports.reports_visible_to,
    item_name="report",
    url_prefix="reports/",
    detail=_detail,
    error=services.ReportError,
    refused=gettext_lazy("This step is not possible on this report now."),
    form_kwargs=lambda user, report: {"report": report},
    prefixed=True,
    steps=[
        Step(
            "report_annotate",
            gettext_lazy("Annotate"),
            gettext_lazy("Save"),
            rules.can_annotate,
            AnnotateForm,
            gettext_lazy("The report was saved."),
            service=services.report_annotate,
        ),
        Step(
            "report_submit",
            gettext_lazy("Submit to the district"),
            gettext_lazy("Submit"),
            rules.can_submit,
            SubmitForm,
            gettext_lazy("The report was submitted; its figures are now frozen."),
            service=services.report_submit,
            opens=True,
        ),
    ],
)


def _require_reports(user) -> None:
    if not rules.sees_reports(user):
        raise PermissionDenied


@require_GET
@login_required
def report_list(request):
    """A township's reports with the form to generate one; the district's (and an
    administrator's) view of the chosen month: who submitted, when, who is late."""
    user = request.user
    _require_reports(user)
    now = timezone.now()
    today = local_date(now)
    default = reports.last_month(today)
    context = {"nav_active": "reports", "due_day": reports.due_day(), "now": now}
    if user.role == Role.TOWNSHIP_STAFF:
        context.update(
            {
                "reports": reports.reports_visible_to(user)[:120],
                "generate_form": MonthForm(initial_month=default),
                "township": scope_of(user).area,
            }
        )
        return render(request, "analysis/report_list.html", context)
    form = MonthForm(request.GET or None, initial_month=default)
    month = form.cleaned_data["first_day"] if form.is_bound and form.is_valid() else default
    context.update({"form": form, "month": month, "overview": reports.submission_overview(user, month, now=now)})
    return render(request, "analysis/report_list.html", context)


@require_POST
@login_required
def report_generate(request):
    user = request.user
    _require_reports(user)
    township = scope_of(user).area
    if user.role != Role.TOWNSHIP_STAFF or township is None:
        raise PermissionDenied
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid month."))
        return redirect("analysis:reports")
    try:
        report = services.report_generate(
            township=township, month=form.cleaned_data["first_day"], actor=user, at=timezone.now()
        )
    except services.ReportError as e:
        messages.error(request, str(e))
        return redirect("analysis:reports")
    messages.success(request, _("The draft report was generated."))
    return redirect(report)


@require_GET
@login_required
def report_detail(request, pk: int):
    return _detail(request, get_object_or_404(reports.reports_visible_to(request.user), pk=pk))


@require_GET
@login_required
def report_print(request, pk: int):
    report = get_object_or_404(reports.reports_visible_to(request.user), pk=pk)
    context = {
        "report": report,
        "rows": reports.table(reports.report_figures(report)),
        "title": reports.report_title(report),
    }
    return render(request, "analysis/report_print.html", context)


@require_GET
@login_required
def report_xlsx(request, pk: int):
    return reports.xlsx(get_object_or_404(reports.reports_visible_to(request.user), pk=pk))


urlpatterns = [
    path("reports/", report_list, name="reports"),
    path("reports/generate/", report_generate, name="report_generate"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/print/", report_print, name="report_print"),
    path("reports/<int:pk>/report.xlsx", report_xlsx, name="report_xlsx"),
    *FLOW.urls(),
]
