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


@register_reminder_kind("monthly-report-late-district")
def monthly_reports_late_for_district(at, horizon):
    """After the due day, ONE reminder per district and month to its district staff, listing
    its townships whose report for last month is not submitted. The district (the claim's
    subject) and the due moment make it once per district and month, also under re-runs and
    two workers (the kernel's claim); the list is the one at the time it is sent."""
    month = last_month(local_date(at))
    due = due_at(month)
    if at < due:
        return
    submitted = MonthlyReport.objects.filter(month=month, status=MonthlyReport.Status.SUBMITTED).values("township_id")
    late: dict[str, list[Area]] = {}
    for township in Area.objects.filter(level=Area.Level.TOWNSHIP).exclude(pk__in=submitted).order_by("path"):
        late.setdefault(township.path[: -Area.steplen], []).append(township)
    for district in Area.objects.filter(level=Area.Level.DISTRICT, path__in=list(late)).order_by("path"):
        staff = list(User.objects.filter(role=User.Role.DISTRICT_STAFF, area=district, is_active=True))
        if not staff:
            continue
        names = "、".join(township.name for township in late[district.path])
        yield Reminder(
            subject=district,
            deadline=due,
            recipients=staff,
            title=_("Monthly reports for %(month)s not submitted: %(n)d townships")
            % {"month": f"{month:%Y-%m}", "n": len(late[district.path])},
            body=_("Not submitted by the due day: %(townships)s.") % {"townships": names},
            url=reverse("analysis:reports"),
            after_deadline=True,
        )


@register_reminder_kind("warning-due")
def warnings_due(at, horizon):
    """Open warnings coming due: to the lead handler and the centres handling them."""
    from .models import Warning
    from .warning_services import _label, centre_staff

    rows = Warning.objects.open().filter(due_at__gt=at, due_at__lte=at + horizon).select_related("rule", "handler")
    for w in rows.order_by("due_at", "pk").iterator(chunk_size=200):
        yield Reminder(
            subject=w,
            deadline=w.due_at,
            recipients=lambda w=w: [w.handler, *centre_staff(w)],
            title=_("%(w)s must be dealt with") % {"w": _label(w)},
            url=w.get_absolute_url(),
        )
