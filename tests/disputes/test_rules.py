"""One rule per step (``disputes.rules``), asked by the page and by the service: for every
role and several states of a case, the detail page offers a step exactly to those the
service lets take it, and a refused rule says the service's reason."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from disputes import rules
from disputes import services as s
from disputes.models import Dispute, MediationRecord
from disputes.selectors import handler_choices, mergeable_into
from disputes.views import FLOW
from govcenter.steps import Denied, StepCall

from .helpers import T0, at, register, register_110
from .test_services import ROLES

Status = Dispute.Status


class _Undo(Exception):
    pass


def _data(world, step_name: str, d: Dispute) -> dict:
    today = timezone.localdate()
    return {
        "accept": {"note": ""},
        "divert": {"township": world.township1, "village": world.village1, "grid": None, "note": ""},
        "mediation": {
            "held_on": today,
            "method": MediationRecord.Method.POLICE_LINKAGE,
            "mediator_kinds": [],
            "mediators": "张调解",
            "outcome": "failed",
            "notes": "",
            "agreement": None,
        },
        "resolve": {"result": "调解成功", "agreement": None},
        "feedback": {"result": "镇里调处成功"},
        "confirm": {"note": ""},
        "reject": {"reason": "当事人不认可"},
        "escalate": {"reason": "无法化解", "department": world.department},
        "assign": {},
        "unit": {"unit": world.unit1, "note": "请司法所调处"},
        "unresolved": {"result": "一方起诉", "referral": "litigation", "court": "上城区人民法院", "referred_on": today},
        "transfer": {"station": world.station, "reason": "涉嫌故意伤害"},
        "acknowledge": {"case_number": "A330102-1", "case_registered_on": today},
        "court": {"outcome": "judgement", "decided_on": today, "note": ""},
        "followup": {"visited_on": today, "finding": "stable", "notes": ""},
        "police": {"verdict": "no_police_matter", "opinion": "无风险", "flags_criminal_risk": False},
        "unsupervise": {"note": "已整改"},
        "handover": {"handed_to": Dispute.HandedTo.VILLAGE, "note": ""},
        "station_confirm": {"note": ""},
        "told": {"how": "phone", "satisfaction": "satisfied", "note": ""},
        "supervise": {"due_on": today + datetime.timedelta(days=7), "note": "限期办结"},
        "urgent": {"urgent_reason": "danger_to_life", "note": ""},
        "to_district": {"note": "有人受伤"},
        "merge": {"others": list(mergeable_into(d)), "note": ""},
        "unmerge": {"note": ""},
        "unlink": {"note": ""},
    }[step_name]


def _service_accepts(step, actor, d: Dispute, data: dict, target) -> bool:
    try:
        with transaction.atomic():
            FLOW.perform(
                step,
                StepCall(actor=actor, item=Dispute.objects.get(pk=d.pk), data=data, at=timezone.now(), target=target),
            )
            raise _Undo
    except _Undo:
        return True
    except s.DisputeError:
        return False


def _states(world):
    """(name, dispute) in several states and levels."""
    village = register(world.grid1_user, grid=world.grid1)
    accepted = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=accepted, actor=world.village1_user, at=T0)
    township = register(world.grid1_user, grid=world.grid1)
    s.dispute_escalate(dispute=township, actor=world.village1_user, reason="r", at=T0)
    s.dispute_accept(dispute=township, actor=world.township1_user, at=T0)
    returned = register(world.grid1_user, grid=world.grid1)
    s.dispute_escalate(dispute=returned, actor=world.village1_user, reason="r", at=T0)
    s.dispute_accept(dispute=returned, actor=world.township1_user, at=T0)
    s.dispute_return_feedback(dispute=returned, actor=world.township1_user, at=T0, result="x")
    department = register(world.district1, source=Dispute.Source.HOTLINE_12345)
    s.dispute_escalate(dispute=department, actor=world.district1, reason="r", at=T0, department=world.department)
    unit = register(world.grid1_user, grid=world.grid1)
    s.dispute_escalate(dispute=unit, actor=world.village1_user, reason="r", at=T0)
    s.dispute_assign_unit(dispute=unit, actor=world.township1_user, at=T0, unit=world.unit1, note="n")
    unit_working = register(world.grid1_user, grid=world.grid1)
    s.dispute_escalate(dispute=unit_working, actor=world.village1_user, reason="r", at=T0)
    s.dispute_assign_unit(dispute=unit_working, actor=world.township1_user, at=T0, unit=world.unit1, note="n")
    s.dispute_accept(dispute=unit_working, actor=world.unit1_user, at=T0)
    unit_returned = register(world.grid1_user, grid=world.grid1)
    s.dispute_escalate(dispute=unit_returned, actor=world.village1_user, reason="r", at=T0)
    s.dispute_assign_unit(dispute=unit_returned, actor=world.township1_user, at=T0, unit=world.unit1, note="n")
    s.dispute_accept(dispute=unit_returned, actor=world.unit1_user, at=T0)
    s.dispute_return_feedback(dispute=unit_returned, actor=world.unit1_user, at=T0, result="x")
    resolved = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=resolved, actor=world.village1_user, at=T0)
    s.dispute_resolve(dispute=resolved, actor=world.village1_user, at=at(hours=1), result="ok")
    district = register(world.district1, source=Dispute.Source.HOTLINE_12345)
    urgent = register(world.grid1_user, grid=world.grid1, urgent_reason="danger_to_life")
    urgent_township = register(world.grid1_user, grid=world.grid1, urgent_reason="major_incident")
    s.dispute_escalate(dispute=urgent_township, actor=world.village1_user, reason="r", at=T0)
    supervised = register(world.grid1_user, grid=world.grid1)
    Dispute.objects.filter(pk=supervised.pk).update(supervised_at=T0)
    call_110 = register_110(world.station1, village=world.village1)
    room = register_110(world.station1, village=world.village1)
    s.dispute_hand_to_mediation(dispute=room, actor=world.station1, at=T0, handed_to=Dispute.HandedTo.STATION_ROOM)
    s.dispute_accept(dispute=room, actor=world.station1, at=T0)
    handed_back = register_110(world.police1, village=world.village1)
    s.dispute_hand_to_mediation(dispute=handed_back, actor=world.police1, at=T0, handed_to=Dispute.HandedTo.VILLAGE)
    s.dispute_accept(dispute=handed_back, actor=world.village1_user, at=T0)
    s.dispute_resolve(dispute=handed_back, actor=world.village1_user, at=at(hours=1), result="ok")
    transferred = register(world.grid1_user, grid=world.grid1)
    s.dispute_transfer_to_police(
        dispute=transferred, actor=world.village1_user, at=T0, station=world.station, reason="r"
    )
    to_court = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=to_court, actor=world.village1_user, at=T0)
    s.dispute_close_unresolved(
        dispute=to_court, actor=world.village1_user, at=T0, result="r", referral="litigation",
        court="上城区人民法院", referred_on=T0.date(),
    )  # fmt: skip
    linked, linked_too = (register(world.grid1_user, grid=world.grid1) for _ in range(2))
    s.disputes_link(disputes=[linked, linked_too], actor=world.village1_user, at=T0)
    lead, merged = (register(world.grid1_user, grid=world.grid1) for _ in range(2))
    s.disputes_link(disputes=[lead, merged], actor=world.village1_user, at=T0)
    s.disputes_merge(lead=lead, others=[merged], actor=world.village1_user, at=T0)
    return {
        "linked at village": linked,
        "lead of a merged case": lead,
        "merged into a lead": merged,
        "110 call awaiting handover": call_110,
        "110 call in the station's room": room,
        "110 call resolved at village": handed_back,
        "transferred to police": transferred,
        "referred to court": to_court,
        "under supervision": supervised,
        "registered at village": village,
        "accepted at village": accepted,
        "accepted at township": township,
        "returned for confirmation": returned,
        "at a department": department,
        "assigned to a township unit": unit,
        "accepted at a township unit": unit_working,
        "returned by a township unit": unit_returned,
        "resolved": resolved,
        "registered at district": district,
        "urgent at village": urgent,
        "urgent at township": urgent_township,
    }


# Every role x state x step through the service (thousands of savepoints): what it checks,
# the rule against the service, does not depend on the database, so one CI pass runs it.
@pytest.mark.sqlite_only
def test_the_page_offers_a_step_exactly_to_those_the_service_lets_take_it(world):
    mismatches = []
    for state, d in _states(world).items():
        for role in ROLES:
            actor = getattr(world, role)
            offered = {a.name for a in FLOW.actions(actor, Dispute.objects.get(pk=d.pk))}
            for step in FLOW.steps:
                if step.name == "attach":  # an upload; its rule is tested below
                    continue
                targets = FLOW.offered_targets(step, d) if step.targets is not None else [None]
                for target in targets:
                    data = _data(world, step.name, d)
                    if step.name == "assign":
                        others = [u for u in handler_choices(d) if u.pk != d.handler_id]
                        if not others:  # nobody else to name: the service refuses the input, not the step
                            continue
                        data["handler"] = others[0]
                    accepted = _service_accepts(step, actor, d, data, target)
                    if (step.key(target) in offered) != accepted:
                        mismatches.append((state, role, step.key(target), accepted))
    assert mismatches == []


def test_a_refused_rule_says_the_services_reason(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=T0)
    answer = rules.can_accept(world.village1_user, d)
    assert isinstance(answer, Denied) and answer.reason == "This dispute has already been accepted."
    with pytest.raises(s.DisputeError, match="^This dispute has already been accepted.$"):
        s.dispute_accept(dispute=d, actor=world.village1_user, at=T0)
    refusal = rules.can_escalate(world.grid1_user, d)
    assert refusal.reason == "Only the Village centre handling this dispute can do that."
    assert rules.can_escalate(world.village1_user, d) is True


def test_police_linkage_is_one_rule_for_the_form_and_the_service(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=T0)
    assert rules.police_linkage_only(world.police1, d)
    assert not rules.police_linkage_only(world.village1_user, d)
    form = FLOW.form(FLOW.step("mediation"), world.police1, d)
    assert [value for value, _label in form.fields["method"].choices] == [MediationRecord.Method.POLICE_LINKAGE]
    with pytest.raises(s.DisputeError, match="police-mediation linkage"):
        s.dispute_record_mediation(
            dispute=d,
            actor=world.police1,
            at=timezone.now(),
            held_on=timezone.localdate(),
            method=MediationRecord.Method.ON_SITE,
            mediator_kinds=[],
            mediators="民警",
            outcome="failed",
        )


def test_who_may_attach_files(world):
    d = register(world.grid1_user, grid=world.grid1)
    may = {role for role in ROLES if rules.can_attach(getattr(world, role), d)}
    assert may == {"admin", "village1_user", "grid1_user", "police1", "station1"}
