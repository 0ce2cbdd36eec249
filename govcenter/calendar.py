"""Working days: the one answer every deadline of the portal counts with.

A day is a working day when the administrator's calendar (``CalendarDay``) says so
(an adjusted working day, often a Saturday) or, if the calendar has no row for it,
when it is Monday to Friday; a holiday row makes any day a rest day.

A year with no row at all has not been entered (the State Council publishes each
year's schedule around November, often before any package has it): its days count
with weekends only, a warning is logged (once a day per year), and the year is
remembered so that the home pages of administrators and district staff show it
(``missing_years``).

Each year's rows are read once and kept in Django's cache (shared by the web and
worker processes when ``CACHE_URL`` is Redis) under a version token that every save,
delete or import of a row replaces; with the per-process local-memory cache another
process sees a change within ``YEAR_TIMEOUT`` at the latest.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import cache_versions

logger = logging.getLogger(__name__)

VERSION_KEY = "workcal:version"
TOUCHED_KEY = "workcal:touched-years"  # years without entries a deadline has counted through
YEAR_TIMEOUT = 300  # seconds; bounds staleness where the cache is per process
LOGGED_TIMEOUT = 24 * 3600  # the missing-year warning is logged at most once a day per year


def _version() -> str:
    return cache_versions.current(VERSION_KEY)


def calendar_changed() -> None:
    """Forget every year read so far (a row was saved, deleted or imported)."""
    cache_versions.replace(VERSION_KEY)


def year_days(year: int) -> dict[datetime.date, bool]:
    """The year's calendar rows, date -> is a working day; empty if the year has none."""
    from .models import CalendarDay

    key = f"workcal:{_version()}:{year}"
    days = cache.get(key)
    if days is None:
        days = {
            d: kind == CalendarDay.Kind.WORK
            for d, kind in CalendarDay.objects.filter(date__year=year).values_list("date", "kind")
        }
        cache.set(key, days, YEAR_TIMEOUT)
    return days


def _year_missing(year: int) -> None:
    """A deadline counted through a year nobody has entered: log it, and keep it for the home page."""
    touched = cache.get(TOUCHED_KEY) or set()
    if year not in touched:
        cache.set(TOUCHED_KEY, touched | {year}, None)
    if cache.add(f"workcal:logged:{year}", True, LOGGED_TIMEOUT):
        logger.warning(
            "The working-day calendar has no entries for %s; counting only weekends as rest days. "
            "Enter that year's holidays and adjusted working days in the admin (Working-day calendar).",
            year,
        )


class WorkingDays:
    """Answers for one computation, reading each year it meets once."""

    def __init__(self) -> None:
        self._years: dict[int, dict[datetime.date, bool]] = {}

    def __call__(self, day: datetime.date) -> bool:
        days = self._years.get(day.year)
        if days is None:
            days = self._years[day.year] = year_days(day.year)
            if not days:
                _year_missing(day.year)
        if day in days:
            return days[day]
        return day.weekday() < 5


def is_working_day(day: datetime.date) -> bool:
    return WorkingDays()(day)


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    """The n-th working day after ``day`` (``day`` itself does not count)."""
    is_working = WorkingDays()
    counted = 0
    while counted < n:
        day += datetime.timedelta(days=1)
        if is_working(day):
            counted += 1
    return day


def missing_years(today: datetime.date) -> list[int]:
    """Years without entries the administrator should enter: this year, the next one, and
    any other year a deadline has counted through since. One query, whatever the cache holds."""
    from .models import CalendarDay

    years = {today.year, today.year + 1} | (cache.get(TOUCHED_KEY) or set())
    entered = {d.year for d in CalendarDay.objects.filter(date__year__in=years).dates("date", "year")}
    return sorted(years - entered)


@receiver(post_save, sender="govcenter.CalendarDay")
@receiver(post_delete, sender="govcenter.CalendarDay")
def _row_changed(sender, **kwargs) -> None:
    calendar_changed()


# --- The seed from chinesecalendar ---------------------------------------------------


def chinesecalendar_days() -> list[tuple[datetime.date, str, str]]:
    """(date, "rest" or "work", name) for every holiday and adjusted working day the
    ``chinesecalendar`` package knows; names in Chinese as the package has them, a
    working day named after the holiday it makes up for (e.g. "国庆节 调休上班")."""
    from chinese_calendar.constants import Holiday, holidays, workdays

    def chinese(value: str) -> str:
        return Holiday(value).chinese

    rows = [(d, "rest", chinese(v)) for d, v in holidays.items()]
    rows += [(d, "work", f"{chinese(v)} 调休上班") for d, v in workdays.items()]
    return sorted(rows)


def seed_from_chinesecalendar(model, rows: Iterable[tuple[datetime.date, str, str]] | None = None) -> int:
    """Add the rows of ``chinesecalendar_days()`` for the years that have no entry yet; a
    year the administrator has entered or edited is left as it is. ``model`` is
    ``CalendarDay`` (or its historical version in a migration). Returns the rows added."""
    rows = list(chinesecalendar_days() if rows is None else rows)
    entered = {d.year for d in model.objects.dates("date", "year")}
    new = [model(date=d, kind=kind, name=name) for d, kind, name in rows if d.year not in entered]
    model.objects.bulk_create(new, batch_size=500)
    return len(new)
