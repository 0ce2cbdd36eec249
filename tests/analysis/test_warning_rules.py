"""Each early-warning rule fires at its threshold and not one below, inside its window and
not outside it; the incremental check and the nightly sweep agree."""

from __future__ import annotations

import datetime

import pytest

from analysis.models import Warning, WarningRule
from analysis.warnings import LUNAR_NEW_YEAR, before_spring_festival, spring_festival
from disputes import services as ds
from disputes.models import Dispute, FollowUp, Party
from disputes.services import PartyData
from govcenter.models import CalendarDay

from .warning_helpers import T0, at, case, fires, register, rule, warnings_sweep

K = WarningRule.Kind
pytestmark = pytest.mark.usefixtures("world_for_the_module")


def _sweep_kinds(when, kind):
    warnings_sweep(at=when, kinds=[kind])
    return list(Warning.objects.filter(rule__kind=kind))


def test_the_defaults_are_seeded_one_per_kind(db):
    assert sorted(WarningRule.objects.values_list("kind", flat=True)) == sorted(K.values)
    r = WarningRule.objects.get(kind=K.REPEAT_RESPONDENT)
    assert (r.threshold, r.window_days, r.enabled) == (3, 180, True)
    wage = WarningRule.objects.get(kind=K.WAGE_ARREARS)
    assert (wage.threshold, wage.festival_threshold, wage.festival_weeks) == (10, 5, 4)


# --- repeat respondent ----------------------------------------------------------------------


def test_repeat_respondent_fires_at_three_and_not_at_two(world):
    a = case(world, when=at(0))
    b = case(world, when=at(1), respondent="宏达建筑")  # the same company, its short name
    assert fires(K.REPEAT_RESPONDENT, b, at(2)) == []
    c = case(world, when=at(2))
    (found,) = fires(K.REPEAT_RESPONDENT, c, at(3))
    assert found.dispute_ids == sorted([a.pk, b.pk, c.pk]) and found.measure == 3
    assert found.subject_key.startswith("party:o:")


def test_repeat_respondent_counts_only_the_window(world):
    case(world, when=at(0))
    case(world, when=at(100))
    c = case(world, when=at(179))
    # At day 180 + 1 hour, the first case (day 0) is 180 days and 1 hour back: outside.
    assert fires(K.REPEAT_RESPONDENT, c, at(180, hours=1)) == []
    # Just inside: 179 days and 23 hours back.
    assert len(fires(K.REPEAT_RESPONDENT, c, at(179, hours=23))[0].dispute_ids) == 3


def test_an_applicant_of_the_same_name_is_not_a_respondent(world):
    case(world, when=at(0))
    case(world, when=at(1))
    c = case(world, when=at(2), respondent="李四", applicant=None or "张三")
    assert fires(K.REPEAT_RESPONDENT, c, at(3)) == []


def test_the_sweep_finds_what_the_incremental_check_finds(world):
    for day in range(3):
        case(world, when=at(day))
    case(world, when=at(3), respondent="别的公司")
    (w,) = _sweep_kinds(at(4), K.REPEAT_RESPONDENT)
    assert w.cases.count() == 3 and w.measure == 3 and w.village_id == world.village1.pk


def test_a_rule_switched_off_raises_nothing(world):
    rule(K.REPEAT_RESPONDENT, enabled=False)
    for day in range(4):
        case(world, when=at(day))
    assert _sweep_kinds(at(4), K.REPEAT_RESPONDENT) == []


# --- wage arrears ---------------------------------------------------------------------------


def test_wage_arrears_fire_at_ten_workers_and_not_at_nine(world):
    nine = case(world, category="labour_wages", people_involved=9)
    ten = case(world, category="labour_wages", people_involved=10)
    when = at(1)  # November: far from the Spring Festival
    assert fires(K.WAGE_ARREARS, nine, when) == []
    assert fires(K.WAGE_ARREARS, ten, when)[0].measure == 10


def test_wage_arrears_fire_at_five_in_the_weeks_before_the_spring_festival(world):
    five = case(world, category="labour_wages", people_involved=5)
    four = case(world, category="labour_wages", people_involved=4)
    festival = spring_festival(2027)
    inside = datetime.datetime.combine(festival - datetime.timedelta(weeks=4), datetime.time(12), tzinfo=T0.tzinfo)
    outside = inside - datetime.timedelta(days=1)
    assert fires(K.WAGE_ARREARS, five, inside)[0].threshold == 5
    assert fires(K.WAGE_ARREARS, four, inside) == []
    assert fires(K.WAGE_ARREARS, five, outside) == []


def test_a_closed_wage_case_does_not_fire(world):
    d = case(world, category="labour_wages", people_involved=30)
    Dispute.objects.filter(pk=d.pk).update(status=Dispute.Status.RESOLVED)
    d.refresh_from_db()
    assert fires(K.WAGE_ARREARS, d, at(1)) == []


def test_the_festival_comes_from_the_calendar_when_it_holds_it(db):
    CalendarDay.objects.filter(date__year=2030).delete()
    assert spring_festival(2030) == LUNAR_NEW_YEAR[2030]
    CalendarDay.objects.create(date=datetime.date(2030, 2, 2), kind="rest", name="春节")
    CalendarDay.objects.create(date=datetime.date(2030, 2, 3), kind="rest", name="春节")
    assert spring_festival(2030) == datetime.date(2030, 2, 2)
    assert before_spring_festival(datetime.date(2029, 12, 20), 4) is None
    assert before_spring_festival(datetime.date(2030, 1, 10), 4) == datetime.date(2030, 2, 2)


# --- category cluster -----------------------------------------------------------------------


def test_category_cluster_fires_at_five_in_one_village_within_thirty_days(world):
    cases = [register(world.village1_user, village=world.village1, when=at(i)) for i in range(4)]
    register(world.village2_user, village=world.village2, when=at(4))  # another village
    assert fires(K.CATEGORY_CLUSTER, cases[-1], at(5)) == []
    fifth = register(world.village1_user, village=world.village1, when=at(5))
    assert fires(K.CATEGORY_CLUSTER, fifth, at(6))[0].measure == 5
    # 30 days after the first, it is out of the window.
    assert fires(K.CATEGORY_CLUSTER, fifth, at(30, hours=1)) == []
    (w,) = _sweep_kinds(at(6), K.CATEGORY_CLUSTER)
    assert w.subject_key == f"village:{world.village1.pk}:neighbourhood"


# --- flare-up -------------------------------------------------------------------------------


def test_flare_up_fires_when_a_follow_up_finds_it_flaring(world):
    d = register(world.village1_user, village=world.village1)
    follow = FollowUp.objects.create(dispute=d, due_on=at(5).date(), visited_on=at(5).date(), finding="stable")
    assert fires(K.FLARE_UP, d, at(6)) == []
    FollowUp.objects.filter(pk=follow.pk).update(finding=FollowUp.Finding.FLARED)
    assert fires(K.FLARE_UP, d, at(6))[0].measure == 1
    assert fires(K.FLARE_UP, d, at(96)) == []  # the 90-day window


# --- repeated escalation --------------------------------------------------------------------


def test_repeated_escalation_fires_at_two_escalations_not_one(world):
    d = register(world.grid1_user, grid=world.grid1)
    ds.dispute_escalate(dispute=d, actor=world.village1_user, reason="x", at=at(1))
    assert fires(K.REPEATED_ESCALATION, d, at(2)) == []
    d.refresh_from_db()
    ds.dispute_accept(dispute=d, actor=world.township1_user, at=at(2))
    ds.dispute_escalate(dispute=d, actor=world.township1_user, reason="y", at=at(3))
    assert fires(K.REPEATED_ESCALATION, d, at(4))[0].measure == 2


# --- police flag ----------------------------------------------------------------------------


def test_police_flag_fires_on_a_flagged_open_case(world):
    plain = register(world.village1_user, village=world.village1)
    flagged = register(world.village1_user, village=world.village1, risk_mass_incident=True)
    assert fires(K.POLICE_FLAG, plain, at(1)) == []
    assert fires(K.POLICE_FLAG, flagged, at(1))
    (w,) = _sweep_kinds(at(1), K.POLICE_FLAG)
    assert w.subject_key == f"dispute:{flagged.pk}"


def test_a_police_review_flag_fires_too(world):
    from disputes.models import PoliceReview

    d = register(world.village1_user, village=world.village1)
    PoliceReview.objects.create(dispute=d, author=world.station1, verdict="joint_mediation", flags_mass_incident=True)
    assert fires(K.POLICE_FLAG, d, at(1))


# --- repeat petitioner ----------------------------------------------------------------------


def _petition(world, when, source="letters_visits", name="王老汉", id_number="110101195001011234"):
    parties = [
        PartyData(role=Party.Role.APPLICANT, name=name, id_number=id_number),
        PartyData(role=Party.Role.RESPONDENT, name="村委会", kind=Party.Kind.ORGANISATION),
    ]
    return register(world.village1_user, village=world.village1, when=when, source=source, parties=parties)


@pytest.mark.parametrize("n, fired", [(2, False), (3, True)])
def test_repeat_petitioner_fires_at_three_letters_and_visits(world, n, fired):
    last = [_petition(world, at(i * 30)) for i in range(n)][-1]
    _petition(world, at(1), source="walk_in")  # not letters and visits
    assert bool(fires(K.REPEAT_PETITIONER, last, at(n * 30))) is fired


def test_repeat_petitioner_counts_only_the_window(world):
    _petition(world, at(0))
    _petition(world, at(100))
    last = _petition(world, at(200))
    assert fires(K.REPEAT_PETITIONER, last, at(365, hours=1)) == []
    assert fires(K.REPEAT_PETITIONER, last, at(364))
