"""One rule per step (``sentiment.rules``), asked by the page and by the service: for every
role and the states a log goes through, the detail page offers a step exactly to those the
service lets take it, and a refused rule says the service's reason."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from govcenter.levels import handler_choices
from govcenter.steps import Denied, StepCall
from sentiment import rules
from sentiment import services as s
from sentiment.models import AgencyMatter, Log
from sentiment.views import FLOW
from tests import images

from .helpers import at, at_department, at_district, at_township, at_unit, file_log, reported
from .test_services import EVERYONE

NextStep = Log.NextStep


class _Undo(Exception):
    pass


def _data(world, step_name: str, log: Log) -> dict | None:
    """Valid input for the step, or None when there is none to give (nobody else to put in charge)."""
    if step_name == "handle":
        others = [u for u in handler_choices(log, whole_village=True) if u.pk != log.handler_id]
        return {"handler": others[0], "note": ""} if others else None
    return {
        "feedback": {"result": "已答复"},
        "report": {"note": "需上级协调"},
        "department": {"department": world.department, "note": ""},
        "unit": {"unit": world.unit1, "note": "请司法所办理"},
        "dispute": {"category": "neighbourhood", "summary": "路灯纠纷", "respondent_name": "", "risk_level": "general"},
        "photos": {"photos": [SimpleUploadedFile("a.jpg", images.JPEG_BYTES, "image/jpeg")]},
        "cosign": {},
        "decline": {"note": "当天未到场"},
        "police": {"verdict": "police_intervene", "opinion": "派出所出警处置"},
        "told": {"how": "phone", "satisfaction": "satisfied", "note": ""},
        "supervise": {"due_on": timezone.localdate() + datetime.timedelta(days=7), "note": "限期答复"},
        "unsupervise": {"note": "已答复"},
        "urgent": {"urgent_reason": "danger_to_life", "note": ""},
        "to_district": {"note": "有人受伤"},
    }[step_name]


def _service_accepts(step, actor, log: Log, data: dict) -> bool:
    """Whether the step's service takes the step (rolled back either way)."""
    try:
        with transaction.atomic():
            FLOW.perform(step, StepCall(actor=actor, item=Log.objects.get(pk=log.pk), data=data, at=timezone.now()))
            raise _Undo
    except _Undo:
        return True
    except s.LogError:
        return False


def _states(world) -> dict[str, Log]:
    in_hand = reported(world)
    s.log_handle_here(log=in_hand, actor=world.village1_user, at=at(1), handler=world.grid1_user)
    fed_back = at_township(world)
    s.log_feed_back(log=fed_back, actor=world.township1_user, at=at(3), result="已修复")
    cosigned = file_log(world, accompanied_by=world.police1)
    s.log_cosign(log=cosigned, actor=world.police1, at=at(1))
    declined = file_log(world, accompanied_by=world.aux1)
    s.log_decline_cosign(log=declined, actor=world.aux1, at=at(1), note="当天未到场")
    return {
        "filed, awaiting police1's co-signature": file_log(world, accompanied_by=world.police1),
        "reported, awaiting aux1's co-signature": reported(world, accompanied_by=world.aux1),
        "filed by police1, awaiting aux1's co-signature": file_log(
            world, actor=world.police1, accompanied_by=world.aux1
        ),
        "co-signed": cosigned,
        "co-signature declined": declined,
        "filed, answered": file_log(world),
        "filed, turned into a dispute": file_log(world, next_step=NextStep.DISPUTE),
        "new at the village": reported(world),
        "in hand at the village": in_hand,
        "at the township": at_township(world),
        "at the district": at_district(world),
        "at a department": at_department(world),
        "at a township unit": at_unit(world),
        "fed back": fed_back,
        "hazard, awaiting police review": file_log(world, category=Log.Category.SECURITY_HAZARD),
        "incident reported, awaiting police review": reported(world, kind=Log.Kind.INCIDENT),
        "urgent incident at the village": reported(world, kind=Log.Kind.INCIDENT, urgent_reason="danger_to_life"),
    }


# Every role x state x step through the service (thousands of savepoints): what it checks,
# the rule against the service, does not depend on the database, so one CI pass runs it.
@pytest.mark.sqlite_only
def test_the_page_offers_a_step_exactly_to_those_the_service_lets_take_it(world):
    mismatches = []
    for state, log in _states(world).items():
        for role in EVERYONE:
            actor = getattr(world, role)
            offered = {a.name for a in FLOW.actions(actor, Log.objects.get(pk=log.pk))}
            for step in FLOW.steps:
                data = _data(world, step.name, log)
                if data is None:
                    continue
                accepted = _service_accepts(step, actor, log, data)
                if (step.name in offered) != accepted:
                    mismatches.append((state, role, step.name, accepted))
    assert mismatches == []
    assert offered == set()  # the last state (fed back) offers the department's staff nothing


def test_a_refused_rule_says_the_services_reason(world):
    log = reported(world)
    answer = rules.can_report_up(world.grid1_user, log)
    assert isinstance(answer, Denied) and not answer
    assert answer.reason == "Only the Village centre handling this log can report it up."
    assert rules.can_report_up(world.village1_user, log) is True
    fed_back = file_log(world)
    assert rules.can_feed_back(world.village1_user, fed_back).reason == "This log is not waiting in the reporting flow."
    linked = file_log(world, next_step=NextStep.DISPUTE)
    assert rules.can_turn_into_dispute(world.village1_user, linked).reason == (
        f"This log is already linked to dispute {linked.dispute.number}."
    )


def test_agency_completion_is_offered_exactly_to_those_the_service_lets_complete_it(world):
    matter = file_log(world, next_step=NextStep.AGENCY).agency_matters.get()
    for role in EVERYONE:
        actor = getattr(world, role)
        try:
            with transaction.atomic():
                s.agency_matter_complete(
                    matter=AgencyMatter.objects.get(pk=matter.pk), actor=actor, at=at(1), result="完成"
                )
                raise _Undo
        except _Undo:
            accepted = True
        except s.LogError:
            accepted = False
        assert bool(rules.can_complete_agency(actor, matter)) == accepted, role
    s.agency_matter_complete(matter=matter, actor=world.grid1_user, at=at(1), result="完成")
    assert rules.can_complete_agency(world.grid1_user, matter).reason == "This agency matter is already completed."
