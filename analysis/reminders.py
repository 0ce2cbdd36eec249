"""The reminder of a late monthly report, registered with govcenter.reminders at start-up:
once per township and month, to its township staff, after the due day
(``analysis.models.due_day``, settings.MONTHLY_REPORT_DUE_DAY) while the report is not
submitted."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from govcenter.levels import local_date
from govcenter.models import Area, User
from govcenter.reminders import Reminder, register_reminder_kind

from .models import MonthlyReport, due_at
from .reports import last_month


@register_reminder_kind("monthly-report-late")
def monthly_reports_late(at, horizon):
    """Last month's report, not submitted after its due day: the township (the claim's
    subject) and the due moment (its deadline) make it once per township and month."""
    month = last_month(local_date(at))
    due = due_at(month)
    if at < due:
        return
    submitted = MonthlyReport.objects.filter(month=month, status=MonthlyReport.Status.SUBMITTED).values("township_id")
    for township in Area.objects.filter(level=Area.Level.TOWNSHIP).exclude(pk__in=submitted).order_by("path"):
        staff = list(User.objects.filter(role=User.Role.TOWNSHIP_STAFF, area=township, is_active=True))
        if not staff:
            continue
        yield Reminder(
            subject=township,
            deadline=due,
            recipients=staff,
            title=_("The monthly report for %(month)s is not submitted") % {"month": f"{month:%Y-%m}"},
            body=_("%(township)s has not submitted its monthly report for %(month)s.")
            % {"township": township.name, "month": f"{month:%Y-%m}"},
            url=reverse("analysis:reports"),
            after_deadline=True,
        )
