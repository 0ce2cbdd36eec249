"""The warning inbox (预警): the list with its filters, a warning's page (why it fired, the
cases behind it, their trend, its timeline) and its steps through the kernel's ``Flow``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from disputes.models import Dispute
from disputes.selectors import disputes_visible_to
from govcenter.levels import local_date
from govcenter.pagination import WindowPage
from govcenter.steps import Flow, Step

from . import rules
from . import warning_services as services
from .dashboard import chart_data, month_start, trend
from .filters import WarningFilter
from .selectors import warnings_visible_to
from .warning_forms import AcknowledgeForm, CloseForm, DisposeForm, LinkCasesForm


@require_GET
@login_required
def warning_list(request):
    user = request.user
    if not rules.sees_warnings(user):
        raise PermissionDenied
    rows = warnings_visible_to(user)
    flt = WarningFilter(request.GET or None, queryset=rows)
    qs = flt.qs if flt.is_bound and flt.is_valid() else rows
    page = WindowPage.from_request(request, qs.order_by("-raised_at", "-pk"), settings.PAGE_SIZE)
    now = timezone.now()
    for w in page.object_list:
        w.overdue = w.is_overdue(now)
    return render(
        request, "analysis/warning_list.html", {"nav_active": "warnings", "filter": flt, "page": page, "now": now}
    )


def _detail(request, warning, bound=None, status=200):
    user = request.user
    now = timezone.now()
    cases = Dispute.objects.filter(warnings=warning)
    shown = list(
        disputes_visible_to(user)
        .filter(warnings=warning)
        .select_related("village", "township")
        .order_by("-registered_at", "-pk")
    )
    trend_rows = trend(cases, month_start(local_date(now)))
    context = {
        "nav_active": "warnings",
        "warning": warning,
        "why": services.why(warning),
        "cases": shown,
        "hidden": cases.count() - len(shown),
        "trend": trend_rows,
        "chart": chart_data([], trend_rows),
        "events": list(warning.events.select_related("actor")),
        "actions": FLOW.actions(user, warning, bound),
        "overdue": warning.is_overdue(now),
        "handles": rules.handles_warning(user, warning),
    }
    return render(request, "analysis/warning_detail.html", context, status=status)


@require_GET
@login_required
def warning_detail(request, pk: int):
    return _detail(request, get_object_or_404(warnings_visible_to(request.user), pk=pk))


FLOW = Flow(
    namespace="analysis",
    visible=warnings_visible_to,
    item_name="warning",
    url_prefix="warnings/",
    detail=_detail,
    error=services.WarningError,
    refused=gettext_lazy("You cannot take this step on this warning now."),
    prefixed=True,
    steps=[
        Step(
            "acknowledge",
            gettext_lazy("Acknowledge"),
            gettext_lazy("Acknowledge"),
            rules.can_acknowledge,
            AcknowledgeForm,
            gettext_lazy("Warning acknowledged."),
            service=services.warning_acknowledge,
            url_name="warning_acknowledge",
            opens=True,
        ),
        Step(
            "dispose",
            gettext_lazy("Decide on a disposal (研判处置)"),
            gettext_lazy("Save the disposal"),
            rules.can_dispose,
            DisposeForm,
            gettext_lazy("Disposal recorded."),
            service=services.warning_dispose,
            url_name="warning_dispose",
            form_kwargs=lambda user, w: {"handlers": services.lead_handler_choices(w)},
            opens=True,
        ),
        Step(
            "link_cases",
            gettext_lazy("Link its cases (关联案件)"),
            gettext_lazy("Link the cases"),
            rules.can_link_cases,
            LinkCasesForm,
            gettext_lazy("The cases are linked."),
            service=services.warning_link_cases,
            url_name="warning_link_cases",
            style="secondary",
        ),
        Step(
            "close",
            gettext_lazy("Close the warning"),
            gettext_lazy("Close"),
            rules.can_close,
            CloseForm,
            gettext_lazy("Warning closed."),
            service=services.warning_close,
            url_name="warning_close",
            style="success",
        ),
        *services.SUPERVISION.steps(),
    ],
)

urlpatterns = [
    path("warnings/", warning_list, name="warnings"),
    path("warnings/<int:pk>/", warning_detail, name="warning_detail"),
    *FLOW.urls(),
]
