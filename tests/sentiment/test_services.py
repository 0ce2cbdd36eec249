"""Every step of a log's life, allowed and refused per role, called on the services directly;
filing's validations; turning a log into a dispute; feedback reaching the grid worker."""

from __future__ import annotations

import datetime

import pytest

from disputes.models import Dispute, Party
from govcenter.models import Notification
from grids.models import GridMembership
from grids.services import membership_add
from sentiment import services as s
from sentiment.models import AgencyMatter, Level, Log, LogEvent
from tests.factories import make_resident

from .helpers import T0, at, at_department, at_district, at_township, file_log, reported

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

Status = Log.Status
NextStep = Log.NextStep

EVERYONE = [
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


def others(*allowed: str) -> list[str]:
    return [name for name in EVERYONE if name not in allowed]


def events(log: Log) -> list[str]:
    return list(log.events.values_list("kind", flat=True))


def notified(since: set[int]) -> list[str]:
    return sorted(Notification.objects.exclude(pk__in=since).values_list("recipient__username", flat=True))


def seen() -> set[int]:
    return set(Notification.objects.values_list("pk", flat=True))


# --- filing --------------------------------------------------------------------------------


def test_grid_worker_files_a_log_in_their_grid_with_the_places_filled_in(world):
    log = file_log(world)
    assert (log.grid, log.village, log.township, log.district) == (
        world.grid1,
        world.village1,
        world.township1,
        world.district,
    )
    assert log.status == Status.FILED and log.level == Level.VILLAGE
    assert log.recorded_by == world.grid1_user
    assert log.place == world.resident1.address  # empty place: the resident's address
    assert events(log) == [LogEvent.Kind.FILED]


@pytest.mark.parametrize("name", others("grid1_user", "grid2_user", "police1", "police3"))
def test_only_the_grid_team_files_logs(world, name):
    with pytest.raises(s.LogError, match="Only the grid team"):
        file_log(world, actor=getattr(world, name))
    assert not Log.objects.exists()


def test_grid_worker_cannot_file_in_a_grid_they_do_not_serve(world):
    with pytest.raises(s.LogError, match="only in the grids you serve") as e:
        file_log(world, actor=world.grid2_user, resident=None)
    assert e.value.field == "grid"


def test_resident_from_another_grid_is_refused_with_a_clear_message(world):
    with pytest.raises(s.LogError) as e:
        file_log(world, resident=world.resident2)
    assert "李小红 is not registered in 东山村第1网格" in str(e.value)
    assert e.value.field == "resident"
    assert not Log.objects.exists()


def test_a_date_in_the_future_is_refused(world):
    with pytest.raises(s.LogError, match="date cannot be in the future") as e:
        file_log(world, occurred_at=T0 + datetime.timedelta(days=1))
    assert e.value.field == "occurred_on"


def test_a_time_later_today_is_refused_but_a_slow_phone_clock_is_tolerated(world):
    with pytest.raises(s.LogError, match="time cannot be in the future"):
        file_log(world, occurred_at=T0 + datetime.timedelta(hours=3))
    assert file_log(world, occurred_at=T0 + datetime.timedelta(minutes=5)).pk


@pytest.mark.parametrize("matter", ["", "   \n  "])
def test_an_empty_matter_is_refused(world, matter):
    with pytest.raises(s.LogError, match="Describe the matter") as e:
        file_log(world, matter=matter)
    assert e.value.field == "matter"


def test_accompanying_officer_must_serve_the_grid(world):
    log = file_log(world, accompanied_by=world.aux1)
    assert log.accompanied_by == world.aux1
    with pytest.raises(s.LogError, match="not the community or auxiliary police officer") as e:
        file_log(world, accompanied_by=world.police3)  # police of grid3
    assert e.value.field == "accompanied_by"
    with pytest.raises(s.LogError):
        file_log(world, accompanied_by=world.village1_user)


def test_publicity_numbers_cannot_be_negative(world):
    for field in ("participants", "households_reached"):
        with pytest.raises(s.LogError, match="cannot be negative") as e:
            file_log(world, kind=Log.Kind.PUBLICITY, publicity_form="fixed_point", **{field: -1})
        assert e.value.field == field


def test_publicity_activity_keeps_form_participants_and_households(world):
    log = file_log(
        world,
        kind=Log.Kind.PUBLICITY,
        category=Log.Category.SECURITY_HAZARD,
        resident=None,
        publicity_form=Log.PublicityForm.DOOR_TO_DOOR,
        participants=35,
        households_reached=20,
    )
    assert (log.publicity_form, log.participants, log.households_reached) == ("door_to_door", 35, 20)
    other = file_log(world, publicity_form="fixed_point", participants=3)  # not publicity: ignored
    assert (other.publicity_form, other.participants) == ("", None)


def test_the_same_draft_submitted_twice_files_one_log(world):
    first = file_log(world, client_token="tok-1")
    with pytest.raises(s.LogAlreadyFiled) as e:
        file_log(world, client_token="tok-1", matter="again")
    assert e.value.log == first
    assert Log.objects.count() == 1
    assert file_log(world, actor=world.grid1_user, client_token="tok-2").pk != first.pk


def test_a_visitor_is_named_when_not_a_resident(world):
    log = file_log(world, resident=None, visitor_name=" 快递员 ")
    assert log.person_name == "快递员"


def test_reporting_up_at_filing_puts_the_log_in_the_village_queue_and_tells_the_clerk(world):
    before = seen()
    log = reported(world)
    assert (log.status, log.level, log.reported_at) == (Status.NEW, Level.VILLAGE, T0)
    assert notified(before) == ["village1"]


# --- agency matters -------------------------------------------------------------------------


def test_agency_matter_is_opened_with_a_due_date_and_the_worker_as_assignee(world):
    log = file_log(world, next_step=NextStep.AGENCY, agency_due_on=datetime.date(2026, 11, 9))
    m = log.agency_matters.get()
    assert (m.matter_type, m.due_on, m.assignee, m.status) == (
        "subsistence",
        datetime.date(2026, 11, 9),
        world.grid1_user,
        "open",
    )
    assert (m.resident, m.person_name, m.village) == (world.resident1, "王大明", world.village1)
    assert events(log) == ["filed", "agency_opened"]


def test_agency_matter_defaults_to_a_week(world):
    m = file_log(world, next_step=NextStep.AGENCY, category=Log.Category.UNEMPLOYMENT).agency_matters.get()
    assert m.due_on == datetime.date(2026, 11, 9) and m.matter_type == "unemployment"


def test_agency_matter_cannot_be_due_before_the_visit(world):
    with pytest.raises(s.LogError, match="cannot be due before") as e:
        file_log(world, next_step=NextStep.AGENCY, agency_due_on=datetime.date(2026, 10, 1))
    assert e.value.field == "agency_due_on"


@pytest.mark.parametrize("name", ["grid1_user", "village1_user", "admin"])
def test_agency_matter_completed_by_assignee_or_village_centre(world, name):
    m = file_log(world, next_step=NextStep.AGENCY).agency_matters.get()
    actor = getattr(world, name)
    before = seen()
    s.agency_matter_complete(matter=m, actor=actor, at=at(2), result="已审批，下月发放")
    m.refresh_from_db()
    assert (m.status, m.result, m.completed_by, m.completed_at) == ("done", "已审批，下月发放", actor, at(2))
    assert events(m.log)[-1] == "agency_completed"
    if name != "grid1_user":
        assert "grid1" in notified(before)


@pytest.mark.parametrize("name", others("grid1_user", "village1_user", "admin"))
def test_agency_matter_refused_to_everyone_else(world, name):
    m = file_log(world, next_step=NextStep.AGENCY).agency_matters.get()
    with pytest.raises(s.LogError):
        s.agency_matter_complete(matter=m, actor=getattr(world, name), at=at(2), result="完成")
    assert AgencyMatter.objects.get().is_open


def test_agency_matter_completes_once_and_needs_a_result(world):
    m = file_log(world, next_step=NextStep.AGENCY).agency_matters.get()
    with pytest.raises(s.LogError, match="Describe the result"):
        s.agency_matter_complete(matter=m, actor=world.grid1_user, at=at(1), result="  ")
    s.agency_matter_complete(matter=m, actor=world.grid1_user, at=at(1), result="完成")
    with pytest.raises(s.LogError, match="already completed"):
        s.agency_matter_complete(matter=m, actor=world.grid1_user, at=at(2), result="又完成")


# --- turning a log into a dispute -----------------------------------------------------------------


def test_filing_with_next_step_dispute_registers_the_ledger_entry_linked_both_ways(world):
    log = file_log(
        world, category=Log.Category.DISPUTE, matter="邻居围墙占用通道", next_step=NextStep.DISPUTE, place="东山村1组"
    )
    d = log.dispute
    assert d.number == "MD-330102-2026-000001"
    assert Dispute.objects.get(pk=d.pk).sentiment_log == log
    assert (d.grid, d.village, d.category, d.source, d.location) == (
        world.grid1,
        world.village1,
        "neighbourhood",
        "grid_inspection",
        "东山村1组",
    )
    assert d.occurred_on == datetime.date(2026, 11, 2) and "邻居围墙占用通道" in d.description
    applicant = d.parties.get()
    assert (applicant.role, applicant.name, applicant.resident) == (Party.Role.APPLICANT, "王大明", world.resident1)
    assert applicant.id_number_masked == world.resident1.id_number_masked  # carried over, masked
    assert events(log) == ["filed", "to_dispute"]
    assert d.events.get().kind == "registered"


def test_a_dispute_needs_the_person_concerned(world):
    with pytest.raises(s.LogError, match="needs the person concerned") as e:
        file_log(world, resident=None, next_step=NextStep.DISPUTE)
    assert e.value.field == "resident"
    assert not Dispute.objects.exists() and not Log.objects.exists()


@pytest.mark.parametrize("name", ["grid1_user", "village1_user", "admin"])
def test_a_filed_log_is_turned_into_a_dispute_by_its_worker_or_village_centre(world, name):
    log = file_log(world, category=Log.Category.SOCIAL_SECURITY)
    d = s.log_to_dispute(log=log, actor=getattr(world, name), at=at(1), respondent_name="某公司")
    log.refresh_from_db()
    assert log.dispute == d and log.next_step == NextStep.DISPUTE and log.status == Status.FILED
    assert d.category == Dispute.Category.LABOUR_WAGES  # mapped from social security
    assert sorted(d.parties.values_list("role", "name")) == [("applicant", "王大明"), ("respondent", "某公司")]


@pytest.mark.parametrize("name", others("grid1_user", "village1_user", "admin"))
def test_a_filed_log_is_not_turned_into_a_dispute_by_others(world, name):
    log = file_log(world)
    with pytest.raises(s.LogError):
        s.log_to_dispute(log=log, actor=getattr(world, name), at=at(1))
    assert not Dispute.objects.exists()


def test_a_log_becomes_one_dispute_only(world):
    log = file_log(world)
    s.log_to_dispute(log=log, actor=world.grid1_user, at=at(1))
    with pytest.raises(s.LogError, match="already linked"):
        s.log_to_dispute(log=log, actor=world.village1_user, at=at(2))
    assert Dispute.objects.count() == 1


def test_a_reported_log_turned_into_a_dispute_at_the_township_leaves_the_flow_with_feedback(world):
    log = at_township(world)
    with pytest.raises(s.LogError):
        s.log_to_dispute(log=log, actor=world.village1_user, at=at(2))  # no longer at the village
    before = seen()
    d = s.log_to_dispute(log=log, actor=world.township1_user, at=at(2), category="land_boundary")
    log.refresh_from_db()
    assert d.level == "township" and d.category == "land_boundary"
    assert log.status == Status.FED_BACK and d.number in log.feedback
    assert log.next_step == NextStep.REPORT  # the worker's own choice stays on record
    assert {"grid1", "village1"} <= set(notified(before))


def test_a_reported_log_turned_into_a_dispute_sends_its_worker_one_notification_naming_the_case(world):
    log = reported(world)
    before = seen()
    d = s.log_to_dispute(log=log, actor=world.village1_user, at=at(1), category="neighbourhood", respondent_name="李四")
    mine = Notification.objects.filter(recipient=world.grid1_user).exclude(pk__in=before)
    assert mine.count() == 1
    assert mine.get().title == f"Your log became dispute {d.number} (王大明 and 李四, Neighbourhood)"


def test_a_log_the_village_centre_turns_into_a_dispute_is_accepted_and_linked_both_ways(world, login):
    log = reported(world)
    d = s.log_to_dispute(log=log, actor=world.village1_user, at=at(1), category="neighbourhood")
    assert (d.status, d.handler) == (Dispute.Status.ACCEPTED, world.village1_user)
    assert [e.label for e in d.events.all()] == ["Registered and accepted"]
    client = login(world.village1_user)
    dispute_page = client.get(d.get_absolute_url()).content.decode()
    assert f'href="{log.get_absolute_url()}"' in dispute_page
    assert f'href="{d.get_absolute_url()}"' in client.get(log.get_absolute_url()).content.decode()


def test_department_cannot_turn_a_log_into_a_dispute(world):
    log = at_department(world)
    with pytest.raises(s.LogError):
        s.log_to_dispute(log=log, actor=world.dept1, at=at(5))


# --- the reporting flow ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["village1_user", "admin"])
def test_village_centre_reports_up_to_the_township(world, name):
    log = reported(world)
    before = seen()
    s.log_report_up(log=log, actor=getattr(world, name), at=at(1), note="需乡镇协调")
    assert (log.level, log.status, log.handler) == (Level.TOWNSHIP, Status.REPORTED_UP, None)
    e = log.events.last()
    assert (e.kind, e.from_level, e.to_level, e.note) == ("reported_up", "village", "township", "需乡镇协调")
    assert notified(before) == ["township1"]


@pytest.mark.parametrize("name", others("village1_user", "admin"))
def test_village_level_report_up_refused_to_others(world, name):
    log = reported(world)
    with pytest.raises(s.LogError):
        s.log_report_up(log=log, actor=getattr(world, name), at=at(1))
    log.refresh_from_db()
    assert (log.level, log.status) == (Level.VILLAGE, Status.NEW)


@pytest.mark.parametrize("name", others("township1_user", "admin"))
def test_township_level_report_up_refused_to_others(world, name):
    log = at_township(world)
    with pytest.raises(s.LogError):
        s.log_report_up(log=log, actor=getattr(world, name), at=at(2))
    assert Log.objects.get().level == Level.TOWNSHIP


def test_township_reports_up_to_the_district(world):
    log = at_township(world)
    before = seen()
    s.log_report_up(log=log, actor=world.township1_user, at=at(2))
    assert (log.level, log.status) == (Level.DISTRICT, Status.REPORTED_UP)
    assert notified(before) == ["district1"]


def test_district_cannot_report_up_further(world):
    log = at_district(world)
    with pytest.raises(s.LogError, match="functional department instead"):
        s.log_report_up(log=log, actor=world.district1, at=at(3))


@pytest.mark.parametrize("name", ["district1", "admin"])
def test_district_assigns_a_department(world, name):
    log = at_district(world)
    before = seen()
    s.log_assign_department(log=log, actor=getattr(world, name), at=at(3), department=world.department, note="请核查")
    assert (log.level, log.status, log.department) == (Level.DEPARTMENT, Status.IN_HAND, world.department)
    assert notified(before) == ["dept1"]


@pytest.mark.parametrize("name", others("district1", "admin"))
def test_department_assignment_refused_to_others(world, name):
    log = at_district(world)
    with pytest.raises(s.LogError):
        s.log_assign_department(log=log, actor=getattr(world, name), at=at(3), department=world.department)
    assert Log.objects.get().level == Level.DISTRICT


def test_department_assignment_only_at_district_level(world):
    log = at_township(world)
    with pytest.raises(s.LogError):
        s.log_assign_department(log=log, actor=world.district1, at=at(3), department=world.department)


def test_department_of_another_district_or_inactive_is_refused(world):
    log = at_district(world)
    world.department.is_active = False
    world.department.save()
    with pytest.raises(s.LogError, match="active department") as e:
        s.log_assign_department(log=log, actor=world.district1, at=at(3), department=world.department)
    assert e.value.field == "department"


@pytest.mark.parametrize("handler", ["grid1_user", "village1_user"])
def test_village_handles_here_with_a_cadre_or_grid_worker(world, handler):
    log = reported(world)
    before = seen()
    s.log_handle_here(log=log, actor=world.village1_user, at=at(1), handler=getattr(world, handler), note="尽快处理")
    assert (log.status, log.level, log.handler) == (Status.IN_HAND, Level.VILLAGE, getattr(world, handler))
    assert notified(before) == ([] if handler == "village1_user" else ["grid1"])


@pytest.mark.parametrize("handler", ["township1_user", "grid2_user", "village2_user", "police1"])
def test_village_cannot_put_someone_of_another_level_or_village_in_charge(world, handler):
    log = reported(world)
    with pytest.raises(s.LogError, match="does not work at the level") as e:
        s.log_handle_here(log=log, actor=world.village1_user, at=at(1), handler=getattr(world, handler))
    assert e.value.field == "handler"


@pytest.mark.parametrize("name", others("village1_user", "admin"))
def test_village_level_handling_refused_to_others(world, name):
    log = reported(world)
    with pytest.raises(s.LogError):
        s.log_handle_here(log=log, actor=getattr(world, name), at=at(1), handler=world.grid1_user)


def test_putting_the_same_person_in_charge_again_changes_nothing(world):
    log = reported(world)
    s.log_handle_here(log=log, actor=world.village1_user, at=at(1), handler=world.grid1_user, note="尽快处理")
    before, timeline = seen(), events(log)
    with pytest.raises(s.LogError) as e:
        s.log_handle_here(log=log, actor=world.village1_user, at=at(2), handler=world.grid1_user, note="尽快处理")
    assert str(e.value) == "grid1 is already in charge of this log; nothing changed."
    assert e.value.field == "handler"
    assert events(log) == timeline and notified(before) == []
    log.refresh_from_db()
    assert (log.status, log.handler) == (Status.IN_HAND, world.grid1_user)
    # Someone else may still be put in charge.
    s.log_handle_here(log=log, actor=world.village1_user, at=at(3), handler=world.village1_user)
    assert log.handler == world.village1_user and events(log) == [*timeline, "handled_here"]


def test_township_and_district_handle_with_their_own_staff(world):
    log = at_township(world)
    with pytest.raises(s.LogError):
        s.log_handle_here(log=log, actor=world.township1_user, at=at(2), handler=world.village1_user)
    s.log_handle_here(log=log, actor=world.township1_user, at=at(2), handler=world.township1_user)
    assert (log.status, log.handler) == (Status.IN_HAND, world.township1_user)
    log2 = at_district(world)
    s.log_handle_here(log=log2, actor=world.district1, at=at(3), handler=world.district1)
    assert (log2.level, log2.status) == (Level.DISTRICT, Status.IN_HAND)


@pytest.mark.parametrize("name", ["village1_user", "grid1_user", "admin"])
def test_village_result_fed_back_by_the_centre_or_the_person_in_charge(world, name):
    log = reported(world)
    s.log_handle_here(log=log, actor=world.village1_user, at=at(1), handler=world.grid1_user)
    before = seen()
    s.log_feed_back(log=log, actor=getattr(world, name), at=at(2), result="已修复路灯")
    assert (log.status, log.feedback, log.fed_back_at) == (Status.FED_BACK, "已修复路灯", at(2))
    assert events(log)[-1] == "fed_back"
    expected = {"grid1"} - {getattr(world, name).username}
    assert set(notified(before)) == expected


@pytest.mark.parametrize("name", others("village1_user", "grid1_user", "admin"))
def test_village_feedback_refused_to_others(world, name):
    log = reported(world)
    s.log_handle_here(log=log, actor=world.village1_user, at=at(1), handler=world.grid1_user)
    with pytest.raises(s.LogError):
        s.log_feed_back(log=log, actor=getattr(world, name), at=at(2), result="结果")
    assert Log.objects.get().status == Status.IN_HAND


def test_township_result_goes_back_to_the_worker_and_the_village_centre(world):
    log = at_township(world)
    before = seen()
    s.log_feed_back(log=log, actor=world.township1_user, at=at(3), result="已协调客运公司")
    assert log.status == Status.FED_BACK and log.level == Level.TOWNSHIP
    assert notified(before) == ["grid1", "village1"]
    e = log.events.last()
    assert (e.from_level, e.to_level) == ("township", "village")


def test_department_result_goes_back_down_to_every_reporting_level(world):
    log = at_department(world)
    with pytest.raises(s.LogError):
        s.log_feed_back(log=log, actor=world.district1, at=at(4), result="x")  # the department handles it now
    before = seen()
    s.log_feed_back(log=log, actor=world.dept1, at=at(4), result="已补发救助金")
    assert notified(before) == ["district1", "grid1", "township1", "village1"]
    assert (log.events.last().from_level, log.events.last().to_level) == ("department", "district")


def test_feedback_needs_a_result_and_happens_once(world):
    log = reported(world)
    with pytest.raises(s.LogError, match="Describe the result") as e:
        s.log_feed_back(log=log, actor=world.village1_user, at=at(1), result=" ")
    assert e.value.field == "result"
    s.log_feed_back(log=log, actor=world.village1_user, at=at(1), result="已答复")
    for step in (
        lambda: s.log_feed_back(log=log, actor=world.village1_user, at=at(2), result="再答复"),
        lambda: s.log_report_up(log=log, actor=world.village1_user, at=at(2)),
        lambda: s.log_handle_here(log=log, actor=world.village1_user, at=at(2), handler=world.grid1_user),
    ):
        with pytest.raises(s.LogError, match="not waiting in the reporting flow"):
            step()


def test_a_filed_log_has_no_reporting_steps(world):
    log = file_log(world)
    with pytest.raises(s.LogError):
        s.log_report_up(log=log, actor=world.village1_user, at=at(1))
    with pytest.raises(s.LogError):
        s.log_feed_back(log=log, actor=world.village1_user, at=at(1), result="x")


def test_a_stale_copy_cannot_report_up_twice(world):
    log = reported(world)
    stale = Log.objects.get(pk=log.pk)
    s.log_report_up(log=log, actor=world.village1_user, at=at(1))
    with pytest.raises(s.LogError):
        s.log_report_up(log=stale, actor=world.village1_user, at=at(1))  # the row says township now
    assert Log.objects.get().level == Level.TOWNSHIP
    assert events(log).count("reported_up") == 1


def test_full_timeline_from_filing_to_department_feedback(world):
    log = at_department(world)
    s.log_feed_back(log=log, actor=world.dept1, at=at(4), result="办结")
    assert events(log) == ["filed", "reported_up", "reported_up", "department", "fed_back"]
    assert [e.status for e in log.events.all()] == ["new", "reported_up", "reported_up", "in_hand", "fed_back"]


def test_a_grid_worker_who_left_the_grid_can_no_longer_file_there(world):
    m = GridMembership.objects.get(user=world.grid1_user, ended_on__isnull=True)
    m.ended_on = datetime.date(2026, 10, 1)
    m.save()
    world.grid1_user._jurisdiction_scope = None  # the scope is cached per request (per user object)
    with pytest.raises(s.LogError):
        file_log(world)


def test_worker_of_two_grids_files_in_either_but_residents_follow_the_grid(world):
    membership_add(
        grid=world.grid1b,
        user=world.grid1_user,
        duty=GridMembership.Duty.GRID_WORKER,
        started_on=datetime.date(2026, 1, 5),
    )
    world.grid1_user._jurisdiction_scope = None
    other = make_resident(world.grid1b, "王小二")
    assert file_log(world, grid=world.grid1b, resident=other).grid == world.grid1b
    with pytest.raises(s.LogError, match="王小二 is not registered in 东山村第1网格"):
        file_log(world, grid=world.grid1, resident=other)
