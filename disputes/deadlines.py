"""Deadlines: days from the policy table, counted in the district's time zone.

Working days follow China's statutory calendar (holidays and adjusted working
days) from the ``chinesecalendar`` package. For a year it does not cover yet, only
weekends are skipped and a warning is logged once per year, so that deadlines keep
working until the package is updated (see README: keeping chinesecalendar current).
"""

from __future__ import annotations

import datetime
import logging
from functools import lru_cache

import chinese_calendar

from govcenter.levels import local_zone

from .models import DeadlinePolicy, FollowUpRule, PoliceReviewPolicy

logger = logging.getLogger(__name__)

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


@lru_cache(maxsize=32)
def _warn_uncovered(year: int) -> None:
    logger.warning(
        "chinesecalendar has no statutory holidays for %s; counting only weekends as rest days. "
        "Upgrade the chinesecalendar package when the State Council publishes that year's calendar.",
        year,
    )


def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_uncovered(day.year)
        return day.weekday() < 5


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    """The n-th working day after ``day`` (``day`` itself does not count)."""
    counted = 0
    while counted < n:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


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
