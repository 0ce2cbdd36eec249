"""Deadlines of disputes: days from the policy table (``DeadlinePolicy``, built on the
kernel's ``govcenter.deadlines``), counted in the district's time zone.

Working days follow the working-day calendar the administrator keeps
(``govcenter.calendar``: statutory holidays and adjusted working days). For a year
with no entries only weekends are skipped, a warning is logged and shown on the
administrators' home page (see README: the working-day calendar).
"""

from __future__ import annotations

import datetime

from govcenter.deadlines import deadline_after, end_of_day
from govcenter.levels import local_zone

from .models import DeadlinePolicy, FollowUpRule, PoliceReviewPolicy

# Used when the administrator has not entered a row for a (risk level, level) pair.
DEFAULT_DAYS = DeadlinePolicy.DEFAULT_DAYS
DEFAULT_FOLLOW_UP_DAYS = (7, 30)
# The police opinion on a queue entry, when the administrator has not entered a row.
DEFAULT_POLICE_REVIEW_DAYS = 3

__all__ = ["DEFAULT_DAYS", "deadline_after", "deadline_for", "end_of_day", "follow_up_dates"]


def deadline_for(*, risk_level: str, level: str, at: datetime.datetime) -> datetime.datetime:
    return DeadlinePolicy.deadline(at=at, risk_level=risk_level, level=level)


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
