"""Time limits of every flow: days from a policy table the administrator edits, counted
with the working-day calendar (``govcenter.calendar``) in the district's time zone.

A kind of item with a time limit has one policy table, a concrete subclass of
``DeadlinePolicyBase`` naming the columns it is keyed on and the defaults used when the
administrator has entered no row::

    class ReportDeadlinePolicy(DeadlinePolicyBase):
        key_fields = ("level",)
        DEFAULT_DAYS = {("village",): 5, ("township",): 7, ...}
        level = models.CharField(...)

    due_at = ReportDeadlinePolicy.deadline(at=now, level="township")

and one registration with the overdue sweep (``govcenter.sweep.register_overdue_kind``)
and with the reminders (``govcenter.reminders.register_reminder_kind``).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendar import add_working_days
from .levels import local_zone


class DayKind(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days (Chinese statutory calendar)")


def end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=local_zone())


def deadline_after(at: datetime.datetime, *, days: int, day_kind: str) -> datetime.datetime:
    """The end (23:59:59 local time) of the last day of a period of ``days`` starting after ``at``."""
    start = at.astimezone(local_zone()).date()
    if day_kind == DayKind.CALENDAR:
        last = start + datetime.timedelta(days=days)
    else:
        last = add_working_days(start, days)
    return end_of_day(last)


class DeadlinePolicyBase(models.Model):
    """How many days an item of one kind has (module docstring). Subclasses add their key
    columns, name them in ``key_fields`` and give ``DEFAULT_DAYS`` (key tuple -> days,
    counted as ``DEFAULT_DAY_KIND``) for the keys without a row."""

    DayKind = DayKind
    key_fields: tuple[str, ...] = ()
    DEFAULT_DAYS: dict[tuple, int] = {}
    DEFAULT_DAY_KIND: str = DayKind.WORKING

    days = models.PositiveSmallIntegerField(_("days"))
    day_kind = models.CharField(_("counted as"), max_length=10, choices=DayKind.choices, default=DayKind.WORKING)

    class Meta:
        abstract = True

    @classmethod
    def days_for(cls, **key) -> tuple[int, str]:
        """(days, day kind) for ``key``: the administrator's row, else the default."""
        row = cls.objects.filter(**key).values_list("days", "day_kind").first()
        if row is not None:
            return row
        return cls.DEFAULT_DAYS[tuple(key[f] for f in cls.key_fields)], cls.DEFAULT_DAY_KIND

    @classmethod
    def deadline(cls, *, at: datetime.datetime, **key) -> datetime.datetime:
        """The deadline of an item of ``key`` whose period starts at ``at``."""
        days, day_kind = cls.days_for(**key)
        return deadline_after(at, days=days, day_kind=day_kind)
