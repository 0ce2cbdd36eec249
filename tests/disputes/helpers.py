"""Shared builders for dispute tests: a registered case in a known place, and the
timestamps to drive it with (fixed, so deadlines are predictable)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from disputes.models import Party
from disputes.services import PartyData, dispute_register

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # a Monday


def at(days: float = 0, hours: float = 0) -> datetime.datetime:
    return T0 + datetime.timedelta(days=days, hours=hours)


def parties(applicant: str = "张三", respondent: str = "李四") -> list[PartyData]:
    return [
        PartyData(role=Party.Role.APPLICANT, name=applicant),
        PartyData(role=Party.Role.RESPONDENT, name=respondent),
    ]


def register(actor, *, grid=None, village=None, township=None, when=None, **kwargs):
    data = dict(
        source="grid_inspection",
        category="neighbourhood",
        summary="宅基地滴水檐纠纷",
        description="两户因滴水檐问题发生争执。",
        occurred_on=(when or T0).date(),
        parties=parties(),
    )
    data.update(kwargs)
    return dispute_register(actor=actor, at=when or T0, grid=grid, village=village, township=township, **data)


def register_110(actor, *, village, grid=None, when=None, **kwargs):
    """A 110 call the police station registers (alarm receipt number and time given)."""
    kwargs.setdefault("alarm_number", "110-20261102-0001")
    kwargs.setdefault("alarm_at", (when or T0) - datetime.timedelta(hours=1))
    kwargs.setdefault("category", "neighbourhood")
    return register(actor, village=village, grid=grid, when=when, source="police_110", **kwargs)
