"""Deadlines from the policy table, counted in Asia/Shanghai: Chinese working days (statutory
holidays and adjusted working days from the administrator's calendar, seeded from
chinesecalendar), calendar days, the weekend-only fallback for years without entries, and
follow-up dates. The calendar itself: tests/govcenter/test_calendar.py."""

from __future__ import annotations

import datetime
import logging
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from disputes import deadlines
from disputes import services as s
from disputes.models import DeadlinePolicy, Dispute, FollowUpRule, Level, Party, RiskLevel
from govcenter.calendar import is_working_day
from govcenter.models import CalendarDay

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

TZ = ZoneInfo("Asia/Shanghai")
END = datetime.time(23, 59, 59)
DayKind = DeadlinePolicy.DayKind


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


def register(world, when: datetime.datetime, risk_level: str = RiskLevel.GENERAL) -> Dispute:
    return s.dispute_register(
        actor=world.village1_user, at=when, village=world.village1, source=Dispute.Source.WALK_IN,
        category=Dispute.Category.NEIGHBOURHOOD, summary="邻里纠纷", description="两户因通行问题发生争执。",
        occurred_on=when.astimezone(TZ).date(), risk_level=risk_level,
        parties=[s.PartyData(role=Party.Role.APPLICANT, name="张三")],
    )  # fmt: skip


def set_policy(days: int, day_kind: str, risk_level: str = RiskLevel.GENERAL, level: str = Level.VILLAGE) -> None:
    DeadlinePolicy.objects.update_or_create(
        risk_level=risk_level, level=level, defaults={"days": days, "day_kind": day_kind}
    )


def test_the_2026_national_day_calendar_is_what_the_tests_assume(db):
    # 1-7 October are the holiday; Saturday 10 October is an adjusted working day (seeded).
    assert not any(is_working_day(datetime.date(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(datetime.date(2026, 10, 8))
    assert is_working_day(datetime.date(2026, 10, 9))
    assert datetime.date(2026, 10, 10).weekday() == 5 and is_working_day(datetime.date(2026, 10, 10))
    assert not is_working_day(datetime.date(2026, 10, 11))


def test_working_days_skip_national_day_and_count_the_adjusted_saturday(world):
    set_policy(3, DayKind.WORKING)
    d = register(world, local(2026, 9, 30, 10, 0))
    # Working days after 30 Sep: 8 Oct (1), 9 Oct (2), Saturday 10 Oct (3, adjusted working day).
    assert d.due_at == local(2026, 10, 10, 23, 59, 59)
    assert d.events.get().due_at == d.due_at


def test_working_days_within_an_ordinary_week(world):
    set_policy(5, DayKind.WORKING)
    d = register(world, local(2026, 11, 5, 15, 0))  # Thursday
    assert d.due_at == local(2026, 11, 12, 23, 59, 59)  # Fri, Mon, Tue, Wed, Thu


def test_calendar_day_policy_counts_holidays_too(world):
    set_policy(3, DayKind.CALENDAR)
    d = register(world, local(2026, 9, 30, 10, 0))
    assert d.due_at == local(2026, 10, 3, 23, 59, 59)


def test_policy_edited_in_the_admin_changelist_takes_effect(world, admin_client):
    url = reverse("admin:disputes_deadlinepolicy_changelist")
    rows = list(DeadlinePolicy.objects.order_by("risk_level", "level"))
    assert len(rows) == 15  # the defaults from the migrations (12, and 3 for the township units)
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "form-MIN_NUM_FORMS": 0,
            "form-MAX_NUM_FORMS": 1000, "_save": "Save"}  # fmt: skip
    for i, row in enumerate(rows):
        days, kind = row.days, row.day_kind
        if (row.risk_level, row.level) == (RiskLevel.MAJOR, Level.VILLAGE):
            days, kind = 2, DayKind.CALENDAR
        data.update({f"form-{i}-id": row.pk, f"form-{i}-days": days, f"form-{i}-day_kind": kind})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["cl"].formset.errors
    assert DeadlinePolicy.objects.get(risk_level=RiskLevel.MAJOR, level=Level.VILLAGE).days == 2

    d = register(world, local(2026, 9, 30, 10, 0), risk_level=RiskLevel.MAJOR)
    assert d.due_at == local(2026, 10, 2, 23, 59, 59)
    # Other rows unchanged: a general case still gets the 7 working days of the default.
    general = register(world, local(2026, 11, 2, 9, 0))
    assert general.due_at == local(2026, 11, 11, 23, 59, 59)


def test_policy_change_form_in_admin_takes_effect(world, admin_client):
    row = DeadlinePolicy.objects.get(risk_level=RiskLevel.GENERAL, level=Level.VILLAGE)
    url = reverse("admin:disputes_deadlinepolicy_change", args=[row.pk])
    data = {"risk_level": row.risk_level, "level": row.level, "days": 10, "day_kind": DayKind.CALENDAR}
    assert admin_client.post(url, data).status_code == 302
    assert register(world, local(2026, 11, 2, 9, 0)).due_at == local(2026, 11, 12, 23, 59, 59)


def test_missing_policy_row_falls_back_to_the_default_working_days(world):
    DeadlinePolicy.objects.filter(risk_level=RiskLevel.GENERAL, level=Level.VILLAGE).delete()
    assert deadlines.DEFAULT_DAYS[("general", "village")] == 7
    d = register(world, local(2026, 9, 30, 10, 0))
    # 8, 9, 10 (Sat, adjusted), 12, 13, 14, 15 October.
    assert d.due_at == local(2026, 10, 15, 23, 59, 59)


def test_year_without_calendar_entries_counts_weekends_only_and_warns(world, caplog):
    assert not CalendarDay.objects.filter(date__year=2030).exists()
    set_policy(3, DayKind.WORKING)
    with caplog.at_level(logging.WARNING, logger="govcenter.calendar"):
        d = register(world, local(2030, 9, 27, 10, 0))  # a Friday
    # Mon 30 Sep, Tue 1 Oct, Wed 2 Oct: National Day is unknown for 2030, only weekends rest.
    assert d.due_at == local(2030, 10, 2, 23, 59, 59)
    warnings = [r for r in caplog.records if r.name == "govcenter.calendar" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "2030" in warnings[0].getMessage()


def test_due_time_is_end_of_the_local_day_even_when_utc_is_on_the_day_before(world):
    set_policy(1, DayKind.CALENDAR)
    # 05:00 on 3 Nov in Shanghai is 21:00 on 2 Nov in UTC: the local date counts.
    when = datetime.datetime(2026, 11, 2, 21, 0, tzinfo=datetime.UTC)
    assert when.astimezone(TZ).date() == datetime.date(2026, 11, 3)
    d = register(world, when)
    assert d.due_at == local(2026, 11, 4, 23, 59, 59)
    assert d.due_at.astimezone(TZ).time() == END
    assert d.due_at.astimezone(datetime.UTC) == datetime.datetime(2026, 11, 4, 15, 59, 59, tzinfo=datetime.UTC)


def test_escalation_takes_the_next_levels_deadline(world):
    d = register(world, local(2026, 9, 28, 9, 0))
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="本级无法化解", at=local(2026, 9, 29, 16, 0))
    # Township, general: 10 working days after 29 Sep -> 30 Sep, 8, 9, 10, 12-16, 19 Oct.
    assert d.level == Level.TOWNSHIP
    assert d.due_at == local(2026, 10, 19, 23, 59, 59)


def resolve(world, when: datetime.datetime) -> Dispute:
    d = register(world, when - datetime.timedelta(days=1))
    s.dispute_accept(dispute=d, actor=world.village1_user, at=when - datetime.timedelta(hours=20))
    return s.dispute_resolve(dispute=d, actor=world.village1_user, at=when, result="双方和解。")


def test_follow_ups_are_scheduled_7_and_30_days_after_resolution_by_default(world):
    assert sorted(FollowUpRule.objects.values_list("days_after", flat=True)) == [7, 30]
    # 23:30 on 30 Nov in Shanghai: still 30 Nov locally (15:30 UTC).
    d = resolve(world, local(2026, 11, 30, 23, 30))
    assert list(d.follow_ups.values_list("due_on", flat=True)) == [
        datetime.date(2026, 12, 7),
        datetime.date(2026, 12, 30),
    ]


def test_follow_up_rules_edited_by_the_administrator_apply(world):
    FollowUpRule.objects.filter(days_after=30).delete()
    FollowUpRule.objects.create(days_after=14)
    d = resolve(world, local(2026, 11, 2, 10, 0))
    assert list(d.follow_ups.values_list("due_on", flat=True)) == [
        datetime.date(2026, 11, 9),
        datetime.date(2026, 11, 16),
    ]


def test_without_follow_up_rules_the_defaults_apply(world):
    FollowUpRule.objects.all().delete()
    d = resolve(world, local(2026, 11, 2, 10, 0))
    assert list(d.follow_ups.values_list("due_on", flat=True)) == [
        datetime.date(2026, 11, 9),
        datetime.date(2026, 12, 2),
    ]
