"""Deadlines: days from the policy table, counted in the district's time zone.

Working days follow the working-day calendar the administrator keeps
(``govcenter.calendar``: statutory holidays and adjusted working days). For a year
with no entries only weekends are skipped, a warning is logged and shown on the
administrators' home page (see README: the working-day calendar).
"""

from __future__ import annotations

import datetime

from govcenter.calendar import add_working_days
from govcenter.levels import local_zone

from .models import DeadlinePolicy, FollowUpRule, PoliceReviewPolicy

# Used when the administrator has not entered a row for a (risk level, level) pair.
DEFAULT_DAYS = {
    ("general", "village"): 7,
    ("general", "township"): 10,
    ("general", "district"): 15,
    ("general", "department"): 15,
    ("significant", "village"): 5,
    ("significant", "township"): 7,
    ("significant", "district"): 10,
    ("significant", "department"): 10,
    ("major", "village"): 3,
    ("major", "township"): 5,
    ("major", "district"): 7,
    ("major", "department"): 7,
}
DEFAULT_FOLLOW_UP_DAYS = (7, 30)
# The police opinion on a queue entry, when the administrator has not entered a row.
DEFAULT_POLICE_REVIEW_DAYS = 3


def end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=local_zone())


def deadline_after(at: datetime.datetime, *, days: int, day_kind: str) -> datetime.datetime:
    """The end (23:59:59 local time) of the last day of a period of ``days`` starting after ``at``."""
    start = at.astimezone(local_zone()).date()
    if day_kind == DeadlinePolicy.DayKind.CALENDAR:
        last = start + datetime.timedelta(days=days)
    else:
        last = add_working_days(start, days)
    return end_of_day(last)


def deadline_for(*, risk_level: str, level: str, at: datetime.datetime) -> datetime.datetime:
    policy = DeadlinePolicy.objects.filter(risk_level=risk_level, level=level).first()
    if policy is None:
        return deadline_after(at, days=DEFAULT_DAYS[(risk_level, level)], day_kind=DeadlinePolicy.DayKind.WORKING)
    return deadline_after(at, days=policy.days, day_kind=policy.day_kind)


def follow_up_dates(resolved_at: datetime.datetime) -> list[datetime.date]:
    days = list(FollowUpRule.objects.values_list("days_after", flat=True)) or list(DEFAULT_FOLLOW_UP_DAYS)
    day = resolved_at.astimezone(local_zone()).date()
    return [day + datetime.timedelta(days=d) for d in sorted(days)]


def police_review_deadline(*, subject: str, at: datetime.datetime) -> datetime.datetime:
    """When the police opinion on an entry of the review queue is due (``PoliceReviewPolicy``)."""
    policy = PoliceReviewPolicy.objects.filter(subject=subject).first()
    if policy is None:
        return deadline_after(at, days=DEFAULT_POLICE_REVIEW_DAYS, day_kind=DeadlinePolicy.DayKind.WORKING)
    return deadline_after(at, days=policy.days, day_kind=policy.day_kind)
