"""The ledger's pages over HTTP: who gets what (allowed, 404 outside the jurisdiction,
login for anonymous), the actions each role is offered, and the whole life of a case."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from disputes import services
from disputes.models import Attachment, Dispute, DisputeEvent, FollowUp, MediationRecord, PoliceReview
from govcenter.models import PersonalDataAccess
from tests.factories import make_id_number

from .ledger_helpers import JPEG_BYTES, PDF_BYTES, PNG_BYTES, days_ago, messages_of, register, url

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

Kind = DisputeEvent.Kind
Status = Dispute.Status


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case(world):
    """A village1 dispute (grid1), accepted, with a file and a scheduled follow-up."""
    d = register(world.grid1_user, grid=world.grid1)
    services.dispute_accept(dispute=d, actor=world.village1_user, at=timezone.now())
    attachment = services.dispute_add_attachment(
        dispute=d,
        actor=world.grid1_user,
        at=timezone.now(),
        kind=Attachment.Kind.PHOTO,
        upload=SimpleUploadedFile("scene.png", PNG_BYTES, content_type="image/png"),
    )
    follow_up = FollowUp.objects.create(dispute=d, due_on=days_ago(-7))
    return {"dispute": d, "attachment": attachment, "follow_up": follow_up, "party": d.parties.get(role="applicant")}


def _object_urls(case) -> list[tuple[str, str]]:
    """(method, url) of every URL about one dispute."""
    d = case["dispute"].pk
    return [
        ("get", url("detail", d)),
        ("get", url("print", d)),
        ("get", url("attachment", case["attachment"].pk)),
        ("post", url("party_reveal", case["party"].pk)),
        ("post", url("accept", d)),
        ("post", url("assign", d)),
        ("post", url("mediation", d)),
        ("post", url("escalate", d)),
        ("post", url("feedback", d)),
        ("post", url("confirm", d)),
        ("post", url("reject", d)),
        ("post", url("resolve", d)),
        ("post", url("unresolved", d)),
        ("post", url("followup", d, case["follow_up"].pk)),
        ("post", url("police_review", d)),
        ("post", url("attach", d)),
        ("post", url("divert", d)),
        ("post", url("parties_told", d)),
    ]


STEP_POSTS = {  # a valid-looking submission for each step, so that only the lookup can stop it
    "accept": {"note": "x"},
    "escalate": {"reason": "cannot be resolved here"},
    "resolve": {"result": "settled"},
    "police_review": {"verdict": "joint_mediation", "opinion": "watch it"},
}


# --- who gets what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "outsider", ["village2_user", "township2_user", "grid2_user", "station2_user", "police3", "dept1"]
)
def test_outsiders_get_404_on_every_url_of_a_dispute_and_change_nothing(world, login, case, outsider):
    client = login(getattr(world, outsider))
    d = case["dispute"]
    before = (d.events.count(), Dispute.objects.values_list("status", "level").get(pk=d.pk))
    for method, address in _object_urls(case):
        data = next((v for k, v in STEP_POSTS.items() if f"/{k.replace('_', '-')}/" in address), {})
        response = getattr(client, method)(address, data)
        assert response.status_code == 404, (outsider, address)
    assert (d.events.count(), Dispute.objects.values_list("status", "level").get(pk=d.pk)) == before
    assert not PersonalDataAccess.objects.exists()


def test_anonymous_users_are_sent_to_login_from_every_url(client, case):
    addresses = [
        *_object_urls(case),
        ("get", url("list")),
        ("get", url("register")),
        ("post", url("register")),
        ("get", url("print_ledger")),
        ("get", url("export_xlsx")),
        ("get", url("export_csv")),
        ("get", url("place_options") + "?field=village"),
        ("get", url("resident_search") + "?row=parties-0"),
    ]
    for method, address in addresses:
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith("/accounts/login/"), address


def test_step_urls_answer_405_to_get(world, login, case):
    client = login(world.village1_user)
    for method, address in _object_urls(case):
        if method == "post":
            assert client.get(address).status_code == 405, address


@pytest.mark.parametrize("name", ["detail", "print"])
@pytest.mark.parametrize(
    "insider", ["admin", "district1", "township1_user", "village1_user", "grid1_user", "police1", "aux1", "station1"]
)
def test_everyone_in_the_jurisdiction_sees_the_dispute_and_its_sheet(world, login, case, name, insider):
    response = login(getattr(world, insider)).get(url(name, case["dispute"].pk))
    assert response.status_code == 200
    assert case["dispute"].number in response.content.decode()


def test_department_sees_a_case_only_once_it_is_assigned_to_it(world, login):
    d = register(world.district1, township=world.township1, source=Dispute.Source.HOTLINE_12345)
    client = login(world.dept1)
    assert client.get(url("detail", d.pk)).status_code == 404
    services.dispute_escalate(
        dispute=d, actor=world.district1, reason="需职能部门处理", at=timezone.now(), department=world.department
    )
    assert client.get(url("detail", d.pk)).status_code == 200
    assert d.number in client.get(url("list")).content.decode()


# --- the ledger list -----------------------------------------------------------------------------


def test_ledger_and_printed_ledger_hold_exactly_the_rows_of_the_users_jurisdiction(world, login):
    v1 = register(world.grid1_user, grid=world.grid1, summary="东山村纠纷")
    v2 = register(world.village2_user, village=world.village2, summary="西岭村纠纷")
    v3 = register(world.village3_user, village=world.village3, summary="南湖村纠纷")
    expected = {
        "admin": {v1, v2, v3},
        "district1": {v1, v2, v3},
        "township1_user": {v1, v2},
        "township2_user": {v3},
        "village1_user": {v1},
        "village2_user": {v2},
        "grid1_user": {v1},
        "grid2_user": set(),  # v2 was registered in the village without a grid
        "police1": {v1, v2},
        "station1": {v1, v2},
        "station2_user": {v3},
        "dept1": set(),
    }
    for attr, rows in expected.items():
        client = login(getattr(world, attr))
        for page in ("list", "print_ledger"):
            html = client.get(url(page)).content.decode()
            for d in (v1, v2, v3):
                assert (d.number in html) == (d in rows), (attr, page, d.summary)


def test_ledger_buttons_keep_the_current_filter(world, login):
    register(world.grid1_user, grid=world.grid1)
    html = login(world.village1_user).get(url("list") + "?status=registered&page=1").content.decode()
    for name in ("print_ledger", "export_xlsx", "export_csv"):
        assert f'href="{url(name)}?status=registered"' in html
    assert f'href="{url("register")}"' in html


def test_station_staff_have_the_register_button_auxiliaries_do_not(world, login):
    # Station staff and community police register 110 calls (test_police_linkage).
    html = login(world.station1).get(url("list")).content.decode()
    assert f'href="{url("register")}"' in html
    html = login(world.aux1).get(url("list")).content.decode()
    assert f'href="{url("register")}"' not in html


def test_ledger_marks_overdue_rows(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    Dispute.objects.filter(pk=d.pk).update(due_at=timezone.now() - timezone.timedelta(days=1))
    html = login(world.village1_user).get(url("list")).content.decode()
    assert "text-danger fw-semibold" in html
    assert login(world.village1_user).get(url("list") + "?overdue=yes").context["page"].object_list[0].pk == d.pk


# --- registration ---------------------------------------------------------------------------------


def _register_post(world, **overrides) -> dict:
    data = {
        "source": "grid_inspection",
        "category": "neighbourhood",
        "risk_level": "significant",
        "summary": "邻里噪音纠纷",
        "description": "楼上楼下因噪音争吵。",
        "occurred_on": days_ago(2).isoformat(),
        "location": "东山村3组",
        "grid": world.grid1.pk,
        "source_reference": "",
        "vulnerable_party": "on",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "王大明",
        "parties-0-id_number": "",
        "parties-0-phone": "138 1234 5678",
        "parties-0-address": "东山村1组1号",
        "parties-0-resident": "",
        "parties-1-role": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "赵五",
        "parties-1-id_number": "",
        "parties-1-phone": "",
        "parties-1-address": "",
        "parties-1-resident": "",
    }
    data.update(overrides)
    return data


def test_grid_worker_gets_the_registration_form_with_their_grid_preselected(world, login):
    response = login(world.grid1_user).get(url("register"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["grid"].value() == world.grid1.pk
    assert "township" not in form.fields and "village" not in form.fields
    html = response.content.decode()
    assert 'class="btn-check"' in html and "btn-choice-group" in html
    assert form["occurred_on"].value() == timezone.localdate()


def test_grid_worker_registers_a_dispute(world, login):
    id_number = make_id_number()
    response = login(world.grid1_user).post(
        url("register"), _register_post(world, **{"parties-0-id_number": id_number})
    )
    d = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == d.get_absolute_url()
    assert (d.grid, d.village, d.township, d.level, d.status) == (
        world.grid1,
        world.village1,
        world.township1,
        "village",
        "registered",
    )
    assert d.vulnerable_party and d.risk_level == "significant"
    applicant = d.parties.get(role="applicant")
    assert applicant.phone == "13812345678"
    assert applicant.reveal_id_number() == id_number and applicant.id_number_masked == "*" * 14 + id_number[-4:]
    assert d.events.get().kind == Kind.REGISTERED


def test_a_party_picked_from_the_grids_residents_is_linked_and_keeps_their_id_number(world, login):
    client = login(world.grid1_user)
    found = client.get(url("resident_search"), {"row": "parties-0", "resident_q": "大明", "grid": world.grid1.pk})
    assert f'data-resident="{world.resident1.pk}"' in found.content.decode()
    # Residents of another village are never offered.
    assert "李小红" not in client.get(url("resident_search"), {"row": "parties-0", "resident_q": "李"}).content.decode()
    client.post(url("register"), _register_post(world, **{"parties-0-resident": world.resident1.pk}))
    applicant = Dispute.objects.get().parties.get(role="applicant")
    assert applicant.resident == world.resident1
    assert applicant.id_number_masked == world.resident1.id_number_masked


def test_a_resident_outside_the_jurisdiction_cannot_be_linked(world, login):
    response = login(world.grid1_user).post(
        url("register"), _register_post(world, **{"parties-0-resident": world.resident2.pk})
    )
    assert response.status_code == 200
    assert not Dispute.objects.exists()


def test_district_staff_register_a_hotline_item_for_a_township(world, login):
    client = login(world.district1)
    form = client.get(url("register")).context["form"]
    assert form["source"].value() == "hotline_12345"
    data = _register_post(
        world, source="hotline_12345", source_reference="WO-2026-1", township=world.township1.pk, village="", grid=""
    )
    response = client.post(url("register"), data)
    d = Dispute.objects.get()
    assert response.status_code == 302
    # Registered at the district's own level; the district then diverts it or handles it.
    assert (d.township, d.village, d.grid, d.level) == (world.township1, None, None, "district")


def test_district_village_choice_follows_the_township(world, login):
    client = login(world.district1)
    html = client.get(url("place_options"), {"field": "village", "township": world.township2.pk}).content.decode()
    assert world.village3.name in html and world.village1.name not in html
    html = client.get(url("place_options"), {"field": "grid", "village": world.village1.pk}).content.decode()
    assert world.grid1.name in html and world.grid3.name not in html
    # A grid of another village than the chosen one is refused.
    data = _register_post(world, township=world.township1.pk, village=world.village2.pk, grid=world.grid1.pk)
    assert client.post(url("register"), data).status_code == 200
    assert not Dispute.objects.exists()


def test_village_clerk_registers_in_their_village(world, login):
    response = login(world.village1_user).post(url("register"), _register_post(world, grid=""))
    d = Dispute.objects.get()
    assert response.status_code == 302 and (d.village, d.grid) == (world.village1, None)


def test_a_case_the_village_centre_registers_itself_is_accepted_in_the_same_step(world, login):
    client = login(world.village1_user)
    client.post(url("register"), _register_post(world, grid=""))
    d = Dispute.objects.get()
    assert (d.status, d.handler) == (Status.ACCEPTED, world.village1_user)
    event = d.events.get()  # one step on the timeline, not two
    assert event.kind == Kind.REGISTERED and event.label == "Registered and accepted"
    assert "accept" not in _actions(client, d)
    assert "Registered and accepted" in client.get(url("detail", d.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_case_the_district_registers_still_waits_to_be_accepted_or_diverted(world, login):
    data = _register_post(world, source="hotline_12345", township=world.township1.pk, village="", grid="")
    login(world.district1).post(url("register"), data)
    d = Dispute.objects.get()
    assert d.status == Status.REGISTERED and d.events.get().label == "Registered"


def test_a_grid_of_another_village_is_not_offered_to_a_clerk(world, login):
    response = login(world.village1_user).post(url("register"), _register_post(world, grid=world.grid2.pk))
    assert response.status_code == 200 and "grid" in response.context["form"].errors
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("role", ["aux1", "dept1"])
def test_roles_that_do_not_register_get_403(world, login, role):
    client = login(getattr(world, role))
    assert client.get(url("register")).status_code == 403
    assert client.post(url("register"), _register_post(world)).status_code == 403


# --- the detail page's actions ------------------------------------------------------------------------


def _actions(client, d) -> set[str]:
    response = client.get(url("detail", d.pk))
    assert response.status_code == 200
    return {a.name for a in response.context["actions"]}


def test_village_clerk_sees_accept_on_a_registered_village_case(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    client = login(world.village1_user)
    assert _actions(client, d) == {"accept", "assign", "escalate", "transfer", "attach", "urgent"}
    html = client.get(url("detail", d.pk)).content.decode()
    assert f'action="{url("accept", d.pk)}"' in html


def test_grid_worker_sees_no_escalate_button(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    services.dispute_accept(dispute=d, actor=world.village1_user, at=timezone.now())
    client = login(world.grid1_user)
    assert _actions(client, d) == {"mediation", "attach", "urgent"}
    html = client.get(url("detail", d.pk)).content.decode()
    assert url("escalate", d.pk) not in html and url("resolve", d.pk) not in html


def test_community_police_see_police_review_and_linkage_but_not_escalate(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    services.dispute_accept(dispute=d, actor=world.village1_user, at=timezone.now())
    client = login(world.police1)
    assert _actions(client, d) == {"mediation", "police", "attach"}
    methods = client.get(url("detail", d.pk)).context["actions"][0].form.fields["method"].choices
    assert [value for value, _label in methods] == [MediationRecord.Method.POLICE_LINKAGE]
    assert url("escalate", d.pk) not in client.get(url("detail", d.pk)).content.decode()


def test_auxiliary_police_and_neighbours_only_read(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    assert _actions(login(world.aux1), d) == set()
    # The case is at village level: the township does not handle it, it may only supervise it (挂牌督办, issue 12).
    assert _actions(login(world.township1_user), d) == {"supervise"}


def test_district_sees_divert_and_department_choice(world, login):
    d = register(world.district1, source=Dispute.Source.HOTLINE_12345)
    client = login(world.district1)
    actions = {a.name: a for a in client.get(url("detail", d.pk)).context["actions"]}
    assert {"accept", "divert", "escalate", "assign"} <= set(actions)
    assert "department" in actions["escalate"].form.fields


def test_awaiting_confirmation_offers_confirm_and_reject_only_to_the_receiving_level(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    now = timezone.now()
    services.dispute_escalate(dispute=d, actor=world.village1_user, reason="r", at=now)
    services.dispute_accept(dispute=d, actor=world.township1_user, at=now)
    services.dispute_return_feedback(dispute=d, actor=world.township1_user, at=now, result="镇里调解成功")
    assert {"confirm", "reject"} <= _actions(login(world.village1_user), d)
    assert "escalate" not in _actions(login(world.village1_user), d)
    # At village level the township may only supervise it (挂牌督办, issue 12).
    assert _actions(login(world.township1_user), d) == {"supervise"}


# --- steps over HTTP ------------------------------------------------------------------------------------


def test_full_scenario_from_the_grid_to_the_department_and_back(world, login, client):
    w = world
    outsider = w.village2_user

    def outsider_sees_nothing(d):
        client.force_login(outsider)
        assert client.get(url("detail", d.pk)).status_code == 404
        assert client.get(url("print", d.pk)).status_code == 404
        assert d not in client.get(url("list")).context["page"].object_list

    def post(user, name, data, *args):
        client.force_login(user)
        response = client.post(url(name, d.pk, *args), data)
        assert response.status_code == 302, (name, response.context and messages_of(response))
        assert response["Location"] == d.get_absolute_url()
        follow = client.get(response["Location"])
        assert not any("cannot" in m.lower() for m in messages_of(follow)), messages_of(follow)
        d.refresh_from_db()
        outsider_sees_nothing(d)

    # grid1 registers from the phone form.
    client.force_login(w.grid1_user)
    response = client.post(url("register"), _register_post(w, **{"parties-0-id_number": make_id_number()}))
    assert response.status_code == 302
    d = Dispute.objects.get()
    outsider_sees_nothing(d)

    post(w.village1_user, "accept", {"note": "受理"})
    assert d.status == Status.ACCEPTED
    post(
        w.village1_user,
        "mediation",
        {
            "held_on": timezone.localdate().isoformat(),
            "method": "on_site",
            "mediator_kinds": ["peoples_mediator", "rural_sage"],
            "mediators": "张调解、李乡贤",
            "outcome": "failed",
            "notes": "双方分歧较大",
        },
    )
    assert d.status == Status.IN_MEDIATION and d.mediations.get().outcome == "failed"
    post(w.village1_user, "escalate", {"reason": "村级无法化解"})
    assert (d.level, d.status) == ("township", Status.REGISTERED)
    post(w.township1_user, "escalate", {"reason": "涉及土地确权，镇级无法化解"})
    assert d.level == "district"
    post(w.district1, "escalate", {"reason": "交司法局处理", "department": w.department.pk})
    assert (d.level, d.department) == ("department", w.department)
    post(w.dept1, "accept", {})
    post(w.dept1, "resolve", {"result": "经司法局调解，双方达成协议。"})
    assert d.status == Status.RESOLVED
    first, second = d.follow_ups.order_by("due_on")
    post(
        w.village1_user,
        "followup",
        {
            "visited_on": timezone.localdate().isoformat(),
            "finding": "stable",
            "notes": "双方相安无事",
        },
        first.pk,
    )
    assert d.status == Status.RESOLVED
    post(w.police1, "police_review", {"verdict": "no_police_matter", "opinion": "已走访，无民转刑风险"})
    post(w.station1, "police_review", {"verdict": "file_case", "opinion": "派出所已备案", "flags_criminal_risk": "on"})
    assert d.risk_criminal
    post(
        w.grid1_user,
        "followup",
        {
            "visited_on": timezone.localdate().isoformat(),
            "finding": "stable",
        },
        second.pk,
    )
    assert d.status == Status.ARCHIVED

    kinds = list(d.events.values_list("kind", flat=True))
    assert kinds == [
        Kind.REGISTERED,
        Kind.ACCEPTED,
        Kind.MEDIATION,
        Kind.ESCALATED,
        Kind.ESCALATED,
        Kind.ESCALATED,
        Kind.ACCEPTED,
        Kind.RESOLVED,
        Kind.FOLLOW_UP,
        Kind.POLICE_REVIEW,
        Kind.POLICE_REVIEW,
        Kind.FOLLOW_UP,
        Kind.ARCHIVED,
    ]
    client.force_login(w.village1_user)
    response = client.get(url("detail", d.pk))
    events = response.context["events"]
    assert [e.kind for e in events] == kinds
    html = response.content.decode()
    for text in (
        "村级无法化解",
        "交司法局处理",
        "经司法局调解",
        "已走访，无民转刑风险",
        "派出所已备案",
        w.dept1.display_name,
    ):
        assert text in html
    assert response.context["actions"] == []  # archived: nothing left to do
    assert PoliceReview.objects.filter(dispute=d).count() == 2


def test_return_feedback_confirm_and_reject_over_http(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    now = timezone.now()
    services.dispute_escalate(dispute=d, actor=world.village1_user, reason="r", at=now)
    services.dispute_accept(dispute=d, actor=world.township1_user, at=now)
    township = login(world.township1_user)
    assert township.post(url("feedback", d.pk), {"result": "镇里已调处"}).status_code == 302
    d.refresh_from_db()
    assert (d.level, d.status) == ("village", Status.AWAITING_CONFIRMATION)
    village = login(world.village1_user)
    village.post(url("reject", d.pk), {"reason": "当事人不认可"})
    d.refresh_from_db()
    assert (d.level, d.status) == ("township", Status.ACCEPTED)
    township = login(world.township1_user)
    township.post(url("feedback", d.pk), {"result": "再次调处成功"})
    village = login(world.village1_user)
    village.post(url("confirm", d.pk), {"note": "确认"})
    d.refresh_from_db()
    assert d.status == Status.RESOLVED and d.follow_ups.count() == 2


def test_close_as_not_resolved_with_referral(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    services.dispute_accept(dispute=d, actor=world.village1_user, at=timezone.now())
    response = login(world.village1_user).post(
        url("unresolved", d.pk),
        {"referral": "litigation", "result": "一方坚持起诉", "court": "上城区人民法院", "referred_on": days_ago(1)},
    )
    d.refresh_from_db()
    assert response.status_code == 302 and (d.status, d.referral) == (Status.NOT_RESOLVED, "litigation")


def test_assign_a_handler_from_the_level(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    client = login(world.village1_user)
    response = client.post(url("assign", d.pk), {"handler": world.grid1_user.pk})
    d.refresh_from_db()
    assert response.status_code == 302 and d.handler == world.grid1_user
    # A person of another village is not a choice: the form says so, nothing changes.
    response = client.post(url("assign", d.pk), {"handler": world.village2_user.pk})
    actions = {a.name: a for a in response.context["actions"]}
    assert response.status_code == 200 and "handler" in actions["assign"].form.errors and actions["assign"].expanded
    d.refresh_from_db()
    assert d.handler == world.grid1_user


def test_district_diverts_a_hotline_item_down_to_a_village(world, login):
    d = register(world.district1, source=Dispute.Source.HOTLINE_12345)
    response = login(world.district1).post(
        url("divert", d.pk),
        {"township": world.township1.pk, "village": world.village1.pk, "note": "请村里处理"},
    )
    d.refresh_from_db()
    assert response.status_code == 302 and (d.level, d.village) == ("village", world.village1)
    assert "accept" in _actions(login(world.village1_user), d)


def test_a_step_the_user_may_not_take_changes_nothing_and_says_why(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    client = login(world.grid1_user)
    response = client.post(url("escalate", d.pk), {"reason": "我想上报"}, follow=True)
    d.refresh_from_db()
    assert d.level == "village" and d.events.count() == 1
    assert any("Only the" in m for m in messages_of(response))


def test_a_step_refused_by_the_service_shows_its_message(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    client = login(world.village1_user)
    client.post(url("accept", d.pk), {})
    response = client.post(url("accept", d.pk), {}, follow=True)
    assert "This dispute has already been accepted." in messages_of(response)
    assert d.events.filter(kind=Kind.ACCEPTED).count() == 1


# --- files and personal data ----------------------------------------------------------------------------


def test_upload_and_download_an_attachment_through_the_view(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    client = login(world.grid1_user)
    upload = SimpleUploadedFile("调解协议.pdf", PDF_BYTES, content_type="application/octet-stream")
    response = client.post(url("attach", d.pk), {"kind": "agreement", "file": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get(dispute=d)
    assert attachment.content_type == "application/pdf"  # from the file's bytes, not the browser's claim
    html = client.get(url("detail", d.pk)).content.decode()
    assert attachment.get_absolute_url() in html and "/media/" not in html

    response = login(world.village1_user).get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert login(world.village2_user).get(attachment.get_absolute_url()).status_code == 404


def test_mediation_with_an_agreement_file(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    services.dispute_accept(dispute=d, actor=world.village1_user, at=timezone.now())
    response = login(world.village1_user).post(
        url("mediation", d.pk),
        {
            "held_on": timezone.localdate().isoformat(),
            "method": "committee",
            "mediators": "张调解",
            "outcome": "agreement",
            "agreement": SimpleUploadedFile("agreement.jpg", JPEG_BYTES),
        },
    )
    assert response.status_code == 302
    record = d.mediations.get()
    assert record.agreement.content_type == "image/jpeg" and record.agreement.kind == "agreement"


def test_village_clerk_reveals_a_party_id_number_and_it_is_recorded(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    party = d.parties.get(role="applicant")
    client = login(world.village1_user)
    html = client.get(url("detail", d.pk)).content.decode()
    assert party.id_number_masked in html and party.reveal_id_number() not in html
    assert url("party_reveal", party.pk) in html
    response = client.post(url("party_reveal", party.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert party.reveal_id_number() in response.content.decode()
    assert response.templates[0].name == "disputes/_party_id.html"
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.object_id, access.field) == (world.village1_user, party.pk, "id_number")
    # Without JavaScript: the whole page with the number shown.
    response = client.post(url("party_reveal", party.pk))
    assert response.status_code == 200 and party.reveal_id_number() in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_grid_worker_sees_masked_ids_without_a_reveal_button(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    party = d.parties.get(role="applicant")
    client = login(world.grid1_user)
    html = client.get(url("detail", d.pk)).content.decode()
    assert party.id_number_masked in html and url("party_reveal", party.pk) not in html
    assert client.post(url("party_reveal", party.pk)).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_district_and_the_townships_centre_may_reveal_ids_on_a_case_without_a_village(world, login):
    d = register(world.district1, township=world.township1, source=Dispute.Source.HOTLINE_12345)
    party = d.parties.get(role="applicant")
    assert login(world.district1).post(url("party_reveal", party.pk)).status_code == 200
    assert login(world.township1_user).post(url("party_reveal", party.pk)).status_code == 200
    assert login(world.township2_user).post(url("party_reveal", party.pk)).status_code == 404
    assert login(world.station1).post(url("party_reveal", party.pk)).status_code == 404


# --- print ----------------------------------------------------------------------------------------------


def test_registration_sheet_is_a_print_page_with_masked_ids(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    party = d.parties.get(role="applicant")
    response = login(world.village1_user).get(url("print", d.pk))
    html = response.content.decode()
    assert response.templates[0].name == "disputes/print_sheet.html"
    assert "navbar" not in html and "data-print" in html and "portal.js" in html
    assert party.id_number_masked in html and party.reveal_id_number() not in html
    assert d.description in html


def test_printed_ledger_is_a4_landscape_and_holds_the_filtered_rows(world, login):
    a = register(world.grid1_user, grid=world.grid1, summary="甲纠纷", category=Dispute.Category.TRAFFIC)
    b = register(world.grid1_user, grid=world.grid1, summary="乙纠纷", category=Dispute.Category.MEDICAL)
    other = register(world.village3_user, village=world.village3, summary="丙纠纷", category=Dispute.Category.TRAFFIC)
    response = login(world.village1_user).get(url("print_ledger"), {"category": "traffic"})
    html = response.content.decode()
    # The page size comes from a static stylesheet (no inline <style> under the CSP).
    assert "css/print-ledger.css" in html and "navbar" not in html
    assert "@page { size: A4 landscape" in (settings.BASE_DIR / "static/css/print-ledger.css").read_text()
    assert a.number in html and b.number not in html and other.number not in html
    assert not response.context["capped"]


def test_printed_ledger_notes_when_it_is_capped(world, login, monkeypatch):
    from disputes import views

    monkeypatch.setattr(views, "PRINT_MAX_ROWS", 1)
    register(world.grid1_user, grid=world.grid1)
    register(world.grid1_user, grid=world.grid1)
    response = login(world.village1_user).get(url("print_ledger"))
    assert response.context["capped"] and len(response.context["rows"]) == 1


def test_forms_on_the_detail_page_have_unique_ids(world, login):
    import re

    d = register(world.district1, source=Dispute.Source.HOTLINE_12345)
    html = login(world.district1).get(url("detail", d.pk)).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert 'id="id_accept-note"' in html and 'id="id_divert-note"' in html and 'name="note"' in html
