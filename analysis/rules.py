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


# --- early warning (预警) ----------------------------------------------------------------------

WARNING_ROLES = (Role.DISTRICT_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_CLERK, Role.STATION_STAFF)


def sees_warnings(user) -> bool:
    """The warning inbox: the district and township centres, the police stations, the village
    clerks (their own village's warnings only, read only), administrators."""
    return bool(getattr(user, "is_authenticated", False) and (is_admin(user) or user.role in WARNING_ROLES))


def handles_warning(user, warning) -> bool:
    """The centres that judge a warning (研判): the district's staff, and the township's when
    the warning lies within one township. Police stations and village clerks are told, and
    see it, but do not take its steps."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_admin(user):
        return True
    if user.role == Role.DISTRICT_STAFF:
        return user.area_id == warning.district_id
    if user.role == Role.TOWNSHIP_STAFF:
        return warning.township_id is not None and user.area_id == warning.township_id
    return False


def _handles(user, warning):
    return check(
        handles_warning(user, warning), _("Only the district centre, or the township centre of its place, handles it.")
    )


def can_acknowledge(user, warning):
    return check(warning.status == warning.Status.OPEN, _("This warning has already been acknowledged.")) and _handles(
        user, warning
    )


def can_dispose(user, warning):
    return (
        check(warning.status != warning.Status.CLOSED, _("This warning is closed."))
        and check(warning.status != warning.Status.OPEN, _("Acknowledge the warning first."))
        and _handles(user, warning)
    )


def can_link_cases(user, warning):
    """Link the warning's cases with each other (关联) in one step: open warnings, the centres
    that judge them, at least two cases the user may link, not all in one group already."""
    handles = check(warning.status != warning.Status.CLOSED, _("This warning is closed.")) and _handles(user, warning)
    if not handles:
        return handles
    from .selectors import cases_to_link  # the selectors ask these rules who sees warnings

    cases = cases_to_link(user, warning)
    groups = {d.link_group_id for d in cases}
    return check(len(cases) >= 2, _("Fewer than two of its cases can be linked.")) and check(
        len(groups) > 1 or None in groups, _("Its cases are already linked.")
    )


def can_close(user, warning):
    return (
        check(warning.status != warning.Status.CLOSED, _("This warning is already closed."))
        and check(warning.status == warning.Status.DISPOSING, _("Decide on a disposal before closing it."))
        and _handles(user, warning)
    )
