"""Who may do what with a monthly report (月报): each rule covers role AND state and says
why not (``govcenter.steps.check``); the services ask the same rules in their transaction."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from govcenter.jurisdiction import is_admin
from govcenter.models import Area, User
from govcenter.steps import check

from .models import MonthlyReport

Role = User.Role


def staffs_township(user, township: Area) -> bool:
    """A township centre's staff member of ``township``."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role == Role.TOWNSHIP_STAFF
        and user.area_id == township.pk
    )


def sees_reports(user) -> bool:
    """The report pages: township and district staff, administrators."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (is_admin(user) or user.role in (Role.TOWNSHIP_STAFF, Role.DISTRICT_STAFF))
    )


def can_generate(user, township: Area, month: datetime.date, *, today: datetime.date):
    """Township staff generate their own township's draft for a month that has begun, once."""
    return (
        check(staffs_township(user, township), _("Only the township's staff prepare its monthly report."))
        and check(month.replace(day=1) <= today, _("A report can only be prepared for a month that has begun."))
        and check(
            not MonthlyReport.objects.filter(township=township, month=month.replace(day=1)).exists(),
            _("The report of this month has already been generated."),
        )
    )


def can_annotate(user, report: MonthlyReport):
    return check(
        staffs_township(user, report.township), _("Only the township's staff edit its monthly report.")
    ) and check(not report.is_submitted, _("The report has been submitted and can no longer be changed."))


def can_submit(user, report: MonthlyReport):
    return check(
        staffs_township(user, report.township), _("Only the township's staff submit its monthly report.")
    ) and check(not report.is_submitted, _("The report has already been submitted."))
