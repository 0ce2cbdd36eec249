"""Shared builders for sentiment-log tests: a filed log in a known place and the fixed
moments to drive it with (so "not in the future" and due dates are predictable)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from sentiment import services as s
from sentiment.models import Log

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # a Monday


def at(days: float = 0, hours: float = 0) -> datetime.datetime:
    return T0 + datetime.timedelta(days=days, hours=hours)


def file_log(world, *, actor=None, grid=None, when=None, occurred_at=None, **kwargs) -> Log:
    """A log filed by grid1 in grid1 about resident1, an hour before ``when`` (overridable)."""
    data = dict(
        kind=Log.Kind.VISIT, category=Log.Category.SUBSISTENCE, matter="询问低保年审材料", resident=world.resident1
    )
    data.update(kwargs)
    when = when or T0
    return s.log_file(
        actor=actor or world.grid1_user,
        grid=grid or world.grid1,
        at=when,
        occurred_at=occurred_at or when - datetime.timedelta(hours=1),
        **data,
    )


def reported(world, **kwargs) -> Log:
    """A log the grid worker reported: new at the village centre."""
    return file_log(world, next_step=Log.NextStep.REPORT, **kwargs)


def at_township(world) -> Log:
    log = reported(world)
    return s.log_report_up(log=log, actor=world.village1_user, at=at(1))


def at_district(world) -> Log:
    log = at_township(world)
    return s.log_report_up(log=log, actor=world.township1_user, at=at(2))


def at_department(world) -> Log:
    log = at_district(world)
    return s.log_assign_department(log=log, actor=world.district1, at=at(3), department=world.department)


def at_unit(world, unit=None) -> Log:
    """A log the township assigned to one of its stations and institutes (unit1 by default)."""
    log = at_township(world)
    return s.log_assign_unit(
        log=log, actor=world.township1_user, at=at(3), unit=unit or world.unit1, note="请司法所办理"
    )


def an_hour_ago() -> dict[str, str]:
    """The filing form's "when it happened" fields for an hour ago, local time: a fixed
    time of day ("08:00" today) lies in the future between midnight and 08:00."""
    moment = timezone.localtime() - datetime.timedelta(hours=1)
    return {"occurred_on": moment.date().isoformat(), "occurred_time": moment.strftime("%H:%M")}
