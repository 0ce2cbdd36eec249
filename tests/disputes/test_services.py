"""Every transition, allowed and refused, for every role (services called directly)."""

from __future__ import annotations

import datetime

import pytest

from disputes import services as s
from disputes.models import Dispute, DisputeEvent, FollowUp, Level, MediationRecord
from govcenter.models import Notification
from tests.factories import make_user

from .helpers import T0, at, parties, register

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

Status = Dispute.Status
Kind = DisputeEvent.Kind

ROLES = [
    "admin",
    "district1",
    "township1_user",
    "township2_user",
    "village1_user",
    "village2_user",
    "village3_user",
    "grid1_user",
    "grid2_user",
    "police1",
    "police3",
    "aux1",
    "station1",
    "station2_user",
    "dept1",
    "unit1_user",
    "unit1b_user",
    "unit2_user",
]


def fresh(d: Dispute) -> Dispute:
    """A new copy for each attempt: a rolled-back attempt must not leave its state in memory."""
    return Dispute.objects.get(pk=d.pk)


def snapshot(d: Dispute):
    d = Dispute.objects.get(pk=d.pk)
    return (d.status, d.level, d.due_at, d.handler_id, d.department_id, d.events.count())


def allowed_roles(world, step) -> set[str]:
    """Run ``step(actor)`` for each role on a fresh copy of the state and collect who succeeded."""
    ok = set()
    for role in ROLES:
        actor = getattr(world, role)
        try:
            step(actor)
        except s.DisputeError:
            continue
        ok.add(role)
    return ok


# --- register ---------------------------------------------------------------------------


def test_register_assigns_number_level_deadline_and_timeline(world):
    d = register(world.grid1_user, grid=world.grid1)
    assert d.number == "MD-330102-2026-000001"
    assert (d.district, d.township, d.village, d.grid) == (world.district, world.township1, world.village1, world.grid1)
    assert d.level == Level.VILLAGE and d.registered_level == Level.VILLAGE
    assert d.status == Status.REGISTERED
    assert d.due_at > T0
    assert list(d.events.order_by("pk").values_list("kind", flat=True)) == [Kind.REGISTERED]
    assert Notification.objects.filter(recipient=world.village1_user, url=d.get_absolute_url()).exists()


@pytest.mark.parametrize(
    "role,place,level",
    [
        ("grid1_user", {"grid": "grid1"}, Level.VILLAGE),
        ("village1_user", {"grid": "grid1b"}, Level.VILLAGE),
        ("village1_user", {"village": "village1"}, Level.VILLAGE),
        ("township1_user", {"village": "village2"}, Level.TOWNSHIP),
        ("township1_user", {"township": "township1"}, Level.TOWNSHIP),
        ("district1", {"township": "township2"}, Level.DISTRICT),
        ("district1", {}, Level.DISTRICT),
        ("admin", {"grid": "grid3"}, Level.VILLAGE),
    ],
)
def test_who_registers_where_and_at_which_level(world, role, place, level):
    d = register(getattr(world, role), **{k: getattr(world, v) for k, v in place.items()})
    assert d.level == level


@pytest.mark.parametrize(
    "role,place",
    [
        ("grid1_user", {"grid": "grid2"}),  # not their grid
        ("grid1_user", {"grid": "grid1b"}),  # same village, other grid
        ("village1_user", {"grid": "grid2"}),
        ("village2_user", {"village": "village1"}),
        ("township2_user", {"village": "village1"}),
        ("police1", {"grid": "grid1"}),
        ("station1", {"village": "village1"}),
        ("aux1", {"grid": "grid1"}),
        ("dept1", {"village": "village1"}),
        ("village1_user", {}),  # no place at all
    ],
)
def test_register_refused_outside_own_place_or_role(world, role, place):
    with pytest.raises(s.DisputeError):
        register(getattr(world, role), **{k: getattr(world, v) for k, v in place.items()})
    assert not Dispute.objects.exists()


def test_register_needs_an_applicant_and_a_past_date(world):
    from disputes.models import Party

    with pytest.raises(s.DisputeError, match="applicant"):
        register(
            world.village1_user, village=world.village1, parties=[s.PartyData(role=Party.Role.RESPONDENT, name="李四")]
        )
    with pytest.raises(s.DisputeError, match="future"):
        register(world.village1_user, village=world.village1, occurred_on=T0.date() + datetime.timedelta(days=1))
    assert not Dispute.objects.exists()


def test_party_id_numbers_are_stored_protected(world):
    from disputes.models import Party
    from tests.factories import make_id_number

    number = make_id_number()
    d = register(
        world.village1_user,
        village=world.village1,
        parties=[s.PartyData(role=Party.Role.APPLICANT, name="张三", id_number=number)],
    )
    party = d.parties.get()
    assert party.id_number_masked == "*" * 14 + number[-4:]
    assert number not in party.id_number_encrypted
    assert party.reveal_id_number() == number


# --- accept / assign ---------------------------------------------------------------------


class _Rollback(Exception):
    pass


def attempt(fn):
    """A step wrapper for allowed_roles(): run fn(actor) and roll it back."""
    from django.db import transaction

    def step(actor):
        try:
            with transaction.atomic():
                fn(actor)
                raise _Rollback
        except _Rollback:
            return

    return step


def test_only_the_current_levels_centre_accepts(world):
    d = register(world.grid1_user, grid=world.grid1)
    assert allowed_roles(world, attempt(lambda a: s.dispute_accept(dispute=fresh(d), actor=a, at=at(1)))) == {
        "admin",
        "village1_user",
    }
    assert Dispute.objects.get(pk=d.pk).status == Status.REGISTERED


def test_accept_twice_is_refused(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    before = snapshot(d)
    with pytest.raises(s.DisputeError, match="already"):
        s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    assert snapshot(d) == before


def test_handler_must_work_at_the_current_level(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_assign_handler(dispute=d, actor=world.village1_user, at=at(1), handler=world.grid1_user)
    assert d.handler == world.grid1_user
    with pytest.raises(s.DisputeError):
        s.dispute_assign_handler(dispute=d, actor=world.village1_user, at=at(1), handler=world.village2_user)
    with pytest.raises(s.DisputeError):
        s.dispute_assign_handler(dispute=d, actor=world.village2_user, at=at(1), handler=world.village2_user)
    assert Dispute.objects.get(pk=d.pk).handler == world.grid1_user


def test_assigning_the_same_handler_again_changes_nothing(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_assign_handler(dispute=d, actor=world.village1_user, at=at(1), handler=world.grid1_user)
    before, notifications = snapshot(d), Notification.objects.count()
    events = list(d.events.order_by("pk").values_list("kind", flat=True))
    with pytest.raises(s.DisputeError) as e:
        s.dispute_assign_handler(dispute=d, actor=world.village1_user, at=at(2), handler=world.grid1_user)
    assert str(e.value) == "grid1 is already the handler of this dispute; nothing changed."
    assert snapshot(d) == before and Notification.objects.count() == notifications
    assert list(d.events.order_by("pk").values_list("kind", flat=True)) == events
    # Another person may still take over, with its own timeline entry.
    s.dispute_assign_handler(dispute=d, actor=world.village1_user, at=at(3), handler=world.village1_user)
    assert fresh(d).handler == world.village1_user
    assert list(d.events.order_by("pk").values_list("kind", flat=True)) == [*events, DisputeEvent.Kind.HANDLER_ASSIGNED]


# --- mediation ---------------------------------------------------------------------------


def mediate(d, actor, **kw):
    data = dict(
        held_on=at(1).date(),
        method=MediationRecord.Method.ON_SITE,
        mediator_kinds=["peoples_mediator"],
        mediators="王调解",
        outcome=MediationRecord.Outcome.FAILED,
    )
    data.update(kw)
    return s.dispute_record_mediation(dispute=d, actor=actor, at=at(1), **data)


def test_who_records_mediation(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    allowed = allowed_roles(
        world, attempt(lambda a: mediate(fresh(d), a, method=MediationRecord.Method.POLICE_LINKAGE))
    )
    assert allowed == {"admin", "village1_user", "grid1_user", "police1", "station1"}


def test_police_record_only_police_mediation_linkage(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    with pytest.raises(s.DisputeError, match="linkage"):
        mediate(d, world.station1, method=MediationRecord.Method.ON_SITE)
    mediate(d, world.station1, method=MediationRecord.Method.POLICE_LINKAGE)
    assert d.status == Status.IN_MEDIATION


def test_mediation_needs_acceptance_and_sane_dates(world):
    d = register(world.grid1_user, grid=world.grid1)
    with pytest.raises(s.DisputeError, match="Accept"):
        mediate(d, world.village1_user)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    with pytest.raises(s.DisputeError, match="future"):
        mediate(d, world.village1_user, held_on=at(5).date())
    with pytest.raises(s.DisputeError, match="before"):
        mediate(d, world.village1_user, held_on=T0.date() - datetime.timedelta(days=3))
    assert not d.mediations.exists()


# --- escalation ---------------------------------------------------------------------------


def test_escalation_climbs_village_township_district_department(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    first_due = d.due_at
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="村级无法化解", at=at(2))
    assert (d.level, d.status, d.handler) == (Level.TOWNSHIP, Status.REGISTERED, None)
    assert d.due_at != first_due
    assert Notification.objects.filter(recipient=world.township1_user, url=d.get_absolute_url()).exists()
    s.dispute_escalate(dispute=d, actor=world.township1_user, reason="乡镇无法化解", at=at(3))
    assert d.level == Level.DISTRICT
    with pytest.raises(s.DisputeError, match="department"):
        s.dispute_escalate(dispute=d, actor=world.district1, reason="交办", at=at(4))
    s.dispute_escalate(dispute=d, actor=world.district1, reason="交办", at=at(4), department=world.department)
    assert (d.level, d.department) == (Level.DEPARTMENT, world.department)
    with pytest.raises(s.DisputeError, match="returns its result to the district centre"):
        s.dispute_escalate(dispute=d, actor=world.dept1, reason="再上报", at=at(5))
    kinds = list(d.events.values_list("kind", "from_level", "to_level"))
    assert kinds[-3:] == [
        (Kind.ESCALATED, Level.VILLAGE, Level.TOWNSHIP),
        (Kind.ESCALATED, Level.TOWNSHIP, Level.DISTRICT),
        (Kind.ESCALATED, Level.DISTRICT, Level.DEPARTMENT),
    ]


def test_who_escalates_at_each_level(world):
    d = register(world.grid1_user, grid=world.grid1)
    assert allowed_roles(
        world, attempt(lambda a: s.dispute_escalate(dispute=fresh(d), actor=a, reason="x", at=at(1)))
    ) == {"admin", "village1_user"}
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="x", at=at(1))
    assert allowed_roles(
        world, attempt(lambda a: s.dispute_escalate(dispute=fresh(d), actor=a, reason="x", at=at(2)))
    ) == {"admin", "township1_user"}
    s.dispute_escalate(dispute=d, actor=world.township1_user, reason="x", at=at(2))
    assert allowed_roles(
        world,
        attempt(
            lambda a: s.dispute_escalate(dispute=fresh(d), actor=a, reason="x", at=at(3), department=world.department)
        ),
    ) == {"admin", "district1"}


def test_police_cannot_change_the_level(world):
    d = register(world.grid1_user, grid=world.grid1)
    for police in (world.police1, world.station1, world.aux1):
        with pytest.raises(s.DisputeError):
            s.dispute_escalate(dispute=d, actor=police, reason="x", at=at(1))
    assert Dispute.objects.get(pk=d.pk).level == Level.VILLAGE


def test_two_sweeps_holding_the_same_overdue_row_escalate_it_once(world):
    d = register(world.grid1_user, grid=world.grid1)
    first, second = Dispute.objects.get(pk=d.pk), Dispute.objects.get(pk=d.pk)
    s.dispute_escalate(dispute=first, actor=None, reason="", at=at(30))
    before = snapshot(d)
    with pytest.raises(s.DisputeError):
        s.dispute_escalate(dispute=second, actor=None, reason="", at=at(30))
    assert snapshot(d) == before
    assert d.events.filter(kind=Kind.ESCALATED).count() == 1


def test_the_sweep_leaves_a_case_that_is_not_overdue(world):
    d = register(world.grid1_user, grid=world.grid1)
    with pytest.raises(s.DisputeError, match="not overdue"):
        s.dispute_escalate(dispute=d, actor=None, reason="", at=at(1))
    assert Dispute.objects.get(pk=d.pk).level == Level.VILLAGE


def test_automatic_escalation_has_no_actor(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_escalate(dispute=d, actor=None, reason="", at=at(30))
    event = d.events.get(kind=Kind.ESCALATED)
    assert event.actor is None and event.actor_label


def test_supervision_only_for_cases_that_cannot_move_up(world):
    village_case = register(world.grid1_user, grid=world.grid1)
    with pytest.raises(s.DisputeError, match="escalated, not supervised"):
        s.dispute_supervise(dispute=village_case, at=at(60))
    d = register(world.district1, township=world.township1)
    s.dispute_escalate(dispute=d, actor=world.district1, reason="x", at=at(1), department=world.department)
    with pytest.raises(s.DisputeError, match="not overdue"):
        s.dispute_supervise(dispute=d, at=at(2))
    s.dispute_supervise(dispute=d, at=at(60))
    assert d.supervised_at == at(60) and d.due_at > at(60)
    assert Notification.objects.filter(recipient=world.district1, title__contains=d.number).exists()


# --- divert -------------------------------------------------------------------------------


def test_district_diverts_a_hotline_item_down(world):
    d = register(world.district1, source="hotline_12345")
    assert allowed_roles(
        world,
        attempt(
            lambda a: s.dispute_divert(
                dispute=fresh(d), actor=a, at=at(1), township=world.township1, village=world.village1
            )
        ),
    ) == {"admin", "district1"}
    s.dispute_divert(dispute=d, actor=world.district1, at=at(1), township=world.township1, village=world.village1)
    assert (d.level, d.registered_level, d.village) == (Level.VILLAGE, Level.VILLAGE, world.village1)
    assert Notification.objects.filter(recipient=world.village1_user, url=d.get_absolute_url()).exists()


def test_divert_refuses_a_village_outside_the_township(world):
    d = register(world.district1, source="police_110")
    with pytest.raises(s.DisputeError):
        s.dispute_divert(dispute=d, actor=world.district1, at=at(1), township=world.township1, village=world.village3)
    assert Dispute.objects.get(pk=d.pk).level == Level.DISTRICT


# --- results ------------------------------------------------------------------------------


def test_resolve_schedules_follow_ups_and_stable_visits_archive(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(2), result="双方达成调解协议")
    assert d.status == Status.RESOLVED
    follow_ups = list(d.follow_ups.order_by("due_on"))
    assert [f.due_on for f in follow_ups] == [at(9).date(), at(32).date()]
    s.dispute_record_follow_up(
        dispute=d,
        follow_up=follow_ups[0],
        actor=world.grid1_user,
        at=at(9),
        visited_on=at(9).date(),
        finding=FollowUp.Finding.STABLE,
    )
    assert d.status == Status.RESOLVED
    s.dispute_record_follow_up(
        dispute=d,
        follow_up=follow_ups[1],
        actor=world.village1_user,
        at=at(32),
        visited_on=at(32).date(),
        finding=FollowUp.Finding.STABLE,
    )
    assert d.status == Status.ARCHIVED
    with pytest.raises(s.DisputeError, match="archived"):
        s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(33), result="再次")
    with pytest.raises(s.DisputeError):
        s.dispute_escalate(dispute=d, actor=world.village1_user, reason="x", at=at(33))


def test_flared_follow_up_reopens_and_cancels_the_rest(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(2), result="已调解")
    first = d.follow_ups.order_by("due_on").first()
    s.dispute_record_follow_up(
        dispute=d,
        follow_up=first,
        actor=world.grid1_user,
        at=at(9),
        visited_on=at(9).date(),
        finding=FollowUp.Finding.FLARED,
        notes="又起争执",
    )
    assert d.status == Status.ACCEPTED and d.resolved_at is None
    assert not d.follow_ups.filter(visited_on__isnull=True, cancelled=False).exists()
    assert d.events.filter(kind=Kind.REOPENED).exists()


def test_who_records_follow_ups(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(2), result="已调解")
    fu = d.follow_ups.first()
    allowed = allowed_roles(
        world,
        attempt(
            lambda a: s.dispute_record_follow_up(
                dispute=d, follow_up=fu, actor=a, at=at(9), visited_on=at(9).date(), finding="stable"
            )
        ),
    )
    assert allowed == {"admin", "village1_user", "grid1_user"}


def test_follow_up_refused_before_resolution_and_twice(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(2), result="已调解")
    fu = d.follow_ups.first()
    s.dispute_record_follow_up(
        dispute=d, follow_up=fu, actor=world.grid1_user, at=at(9), visited_on=at(9).date(), finding="stable"
    )
    with pytest.raises(s.DisputeError, match="already"):
        s.dispute_record_follow_up(
            dispute=d, follow_up=fu, actor=world.grid1_user, at=at(9), visited_on=at(9).date(), finding="stable"
        )


def test_close_unresolved_needs_a_referral(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    with pytest.raises(s.DisputeError):
        s.dispute_close_unresolved(dispute=d, actor=world.village1_user, at=at(2), result="无法调解", referral="")
    s.dispute_close_unresolved(
        dispute=d, actor=world.village1_user, at=at(2), result="无法调解", referral="arbitration"
    )
    assert (d.status, d.referral) == (Status.NOT_RESOLVED, "arbitration")


def test_feedback_goes_down_to_the_sender_which_confirms(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="x", at=at(1))
    with pytest.raises(s.DisputeError, match="Accept"):
        s.dispute_return_feedback(dispute=d, actor=world.township1_user, at=at(2), result="已协调")
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(2))
    s.dispute_return_feedback(dispute=d, actor=world.township1_user, at=at(3), result="乡镇司法所已协调")
    assert (d.level, d.status) == (Level.VILLAGE, Status.AWAITING_CONFIRMATION)
    with pytest.raises(s.DisputeError):
        s.dispute_confirm_feedback(dispute=d, actor=world.township1_user, at=at(4))
    s.dispute_confirm_feedback(dispute=d, actor=world.village1_user, at=at(4))
    assert d.status == Status.RESOLVED and d.follow_ups.count() == 2


def test_rejected_feedback_goes_back_up(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="x", at=at(1))
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(2))
    s.dispute_return_feedback(dispute=d, actor=world.township1_user, at=at(3), result="已协调")
    with pytest.raises(s.DisputeError):
        s.dispute_reject_feedback(dispute=d, actor=world.village1_user, at=at(4), reason="")
    s.dispute_reject_feedback(dispute=d, actor=world.village1_user, at=at(4), reason="当事人不认可")
    assert (d.level, d.status) == (Level.TOWNSHIP, Status.ACCEPTED)


def test_no_feedback_at_the_registration_level(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    with pytest.raises(s.DisputeError, match="registered at this level"):
        s.dispute_return_feedback(dispute=d, actor=world.village1_user, at=at(2), result="x")


def test_department_resolves_and_the_district_hears_of_it(world):
    d = register(world.district1, township=world.township1)
    s.dispute_escalate(dispute=d, actor=world.district1, reason="交办", at=at(1), department=world.department)
    assert allowed_roles(world, attempt(lambda a: s.dispute_accept(dispute=fresh(d), actor=a, at=at(2)))) == {
        "admin",
        "dept1",
    }
    s.dispute_accept(dispute=d, actor=world.dept1, at=at(2))
    heard_before = Notification.objects.filter(recipient=world.district1, body="已依法处理").count()
    s.dispute_resolve(dispute=d, actor=world.dept1, at=at(3), result="已依法处理")
    assert d.status == Status.RESOLVED
    assert Notification.objects.filter(recipient=world.district1, body="已依法处理").count() == heard_before + 1


# --- police -------------------------------------------------------------------------------


def test_police_review_by_police_of_the_jurisdiction_only(world):
    d = register(world.grid1_user, grid=world.grid1)
    allowed = allowed_roles(
        world,
        attempt(
            lambda a: s.dispute_add_police_review(
                dispute=fresh(d),
                actor=a,
                at=at(1),
                verdict="joint_mediation",
                opinion="建议加强巡查",
                flags_criminal_risk=True,
            )
        ),
    )
    assert allowed == {"police1", "station1"}


def test_police_flag_raises_the_criminal_risk_flag_without_touching_the_level(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_add_police_review(
        dispute=d,
        actor=world.station1,
        at=at(1),
        verdict="police_intervene",
        opinion="有民转刑风险",
        flags_criminal_risk=True,
    )
    d.refresh_from_db()
    assert d.risk_criminal and d.level == Level.VILLAGE and d.status == Status.REGISTERED
    assert d.events.filter(kind=Kind.POLICE_REVIEW, actor=world.station1).exists()


def test_every_step_writes_exactly_one_event(world):
    d = register(world.grid1_user, grid=world.grid1)
    steps = [
        lambda: s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1)),
        lambda: s.dispute_assign_handler(dispute=d, actor=world.village1_user, at=at(1), handler=world.grid1_user),
        lambda: mediate(d, world.village1_user),
        lambda: s.dispute_escalate(dispute=d, actor=world.village1_user, reason="x", at=at(2)),
    ]
    for step in steps:
        before = d.events.count()
        step()
        assert d.events.count() == before + 1


def test_a_new_user_without_home_cannot_do_anything(world):
    nobody = make_user("nobody", "village_clerk")
    d = register(world.grid1_user, grid=world.grid1)
    with pytest.raises(s.DisputeError):
        s.dispute_accept(dispute=d, actor=nobody, at=at(1))
    with pytest.raises(s.DisputeError):
        register(nobody, village=world.village1)
    assert parties()  # the helper itself builds an applicant
