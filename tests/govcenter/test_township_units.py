"""The kernel's side of township stations and institutes (站所, issue 12 item 6): the unit
level off the route, who staffs it, the model's and the user's validation, the admin,
and the assign step's input (hypothesis) for both flows."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from disputes.models import Dispute
from govcenter import levels
from govcenter.jurisdiction import scope_of, sees_residents
from govcenter.levels import Level
from govcenter.models import Department, User
from sentiment.models import Log
from tests.factories import build_world, make_user

from .test_no_server_errors import EXTREME_INTS, ODD_TEXT


class _Item:
    """An item at ``level`` in the world's township1 / village1 (the item protocol)."""

    def __init__(self, world, level, department=None):
        self.level = level
        self.district_id, self.township_id = world.district.pk, world.township1.pk
        self.village_id, self.grid_id = world.village1.pk, world.grid1.pk
        self.department_id = department.pk if department else None


def test_the_unit_level_is_a_side_branch_of_the_township():
    unit = Level.TOWNSHIP_UNIT
    assert unit not in levels.LEVEL_ORDER
    assert levels.next_level(Level.TOWNSHIP) == Level.DISTRICT  # escalation still goes to the district
    assert levels.next_level(unit) is None  # a unit never escalates
    assert levels.previous_level(unit) == Level.TOWNSHIP  # its result returns to the township
    assert levels.previous_level(unit, floor=Level.VILLAGE) == Level.TOWNSHIP
    assert levels.previous_level(unit, floor=Level.DISTRICT) is None
    assert levels.levels_below(unit) == [Level.VILLAGE, Level.TOWNSHIP]
    assert levels.levels_above(unit) == [] and levels.levels_above(unit, inclusive=True) == [unit]
    assert levels.level_index(unit) == levels.level_index(Level.TOWNSHIP) == 1
    assert levels.parent_level(unit) == Level.TOWNSHIP and levels.parent_level(Level.DEPARTMENT) == Level.DISTRICT
    assert levels.parent_level(Level.TOWNSHIP) is None


def test_the_units_staff_staff_the_unit_level_of_items_assigned_to_their_unit(world):
    item = _Item(world, Level.TOWNSHIP_UNIT, world.unit1)
    assert levels.level_of(world.unit1_user) == Level.TOWNSHIP_UNIT
    assert levels.is_level_staff(world.unit1_user, item)
    for other in (world.unit1b_user, world.unit2_user, world.dept1, world.township1_user):
        assert not levels.is_level_staff(other, item), other
    assert list(levels.level_staff(item)) == [world.unit1_user]
    assert list(levels.handler_choices(item)) == [world.unit1_user]
    # Department staff of the same row would not count: the level decides the role.
    at_department = _Item(world, Level.DEPARTMENT, world.unit1)
    assert not levels.is_level_staff(world.unit1_user, at_department)
    assert list(levels.level_staff(at_department)) == []


def test_unit_staff_see_no_residents_and_only_their_units_items(world):
    assert scope_of(world.unit1_user).department_id == world.unit1.pk
    assert not sees_residents(world.unit1_user)


def test_a_unit_belongs_to_a_township_of_its_district_and_has_a_kind(world):
    with pytest.raises(ValidationError) as e:
        Department(district=world.district, township=world.township1, name="x").full_clean()
    assert "kind" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        Department(district=world.district, kind=Department.Kind.POLICE, name="y").full_clean()
    assert "township" in e.value.message_dict
    Department(
        district=world.district, township=world.township1, kind=Department.Kind.AGRICULTURE, name="桃源农业站"
    ).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        Department.objects.create(district=world.district, township=world.township1, name="无类别")


def test_a_unit_needs_a_township_in_its_district(world):
    from govcenter.services import area_add_or_update

    other_district, _ = area_add_or_update(code="330103000000", name="外区")
    with pytest.raises(ValidationError) as e:
        Department(
            district=other_district, township=world.township1, kind=Department.Kind.JUSTICE, name="z"
        ).full_clean()
    assert "township" in e.value.message_dict


def test_unit_staff_need_a_unit_and_department_staff_a_department(world):
    with pytest.raises(ValidationError) as e:
        User(username="u9", role=User.Role.UNIT_STAFF, department=world.department).clean()
    assert "department" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        User(username="u8", role=User.Role.UNIT_STAFF).clean()
    assert "department" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        User(username="d9", role=User.Role.DEPARTMENT_STAFF, department=world.unit1).clean()
    assert "department" in e.value.message_dict
    User(username="u7", role=User.Role.UNIT_STAFF, department=world.unit1).clean()


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(login, world):
    client = login(world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_admin_lists_units_per_township_with_their_staff(admin_client, world):
    make_user("unit1_left", User.Role.UNIT_STAFF, department=world.unit1, is_active=False)
    page = admin_client.get(
        reverse("admin:govcenter_department_changelist"), {"township__id__exact": world.township1.pk}
    )
    assert page.status_code == 200
    rows = {d.name: d.n_staff for d in page.context["cl"].result_list}
    assert rows == {"桃源司法所": 1, "桃源民政办": 1}  # active staff only; 石门司法所 is of township2
    change = admin_client.get(reverse("admin:govcenter_department_change", args=[world.unit1.pk]))
    assert change.status_code == 200
    html = change.content.decode()
    assert "unit1" in html and "unit1_left" in html and "unit2" not in html
    assert admin_client.get(reverse("admin:govcenter_department_add")).status_code == 200


def test_the_admin_adds_a_unit_and_a_staff_member(admin_client, world):
    response = admin_client.post(
        reverse("admin:govcenter_department_add"),
        {"district": world.district.pk, "township": world.township2.pk, "kind": "agriculture", "name": "石门农业站",
         "is_active": "on", "users-TOTAL_FORMS": 0, "users-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    unit = Department.objects.get(name="石门农业站")
    assert (unit.township, unit.kind) == (world.township2, Department.Kind.AGRICULTURE)
    data = {
        "username": "unit9", "usable_password": "true", "password1": "Qingxi-2026-pass",
        "password2": "Qingxi-2026-pass", "role": User.Role.UNIT_STAFF, "full_name": "钱农技",
    }  # fmt: skip
    refused = admin_client.post(reverse("admin:govcenter_user_add"), {**data, "department": world.department.pk})
    assert refused.status_code == 200 and "department" in refused.context["adminform"].form.errors
    added = admin_client.post(reverse("admin:govcenter_user_add"), {**data, "department": unit.pk})
    assert added.status_code == 302
    assert User.objects.get(username="unit9").department == unit


# --- the assign step's input, for both flows (hypothesis) ----------------------------------------


class AssignUnitInput(TestCase):
    """Whatever the township posts to the assign step, the answer is a page or a redirect:
    the item moves only to an active unit of its own township, else nothing changes and
    the form says why. Each example runs in a transaction rolled back after it."""

    @classmethod
    def setUpTestData(cls):
        from tests.disputes.helpers import register
        from tests.sentiment.helpers import at_township

        w = cls.world = build_world()
        cls.closed = Department.objects.create(
            district=w.district, township=w.township1, kind=Department.Kind.OTHER, name="已撤销站", is_active=False
        )
        from disputes import services as ds

        d = register(w.grid1_user, grid=w.grid1)
        ds.dispute_escalate(dispute=d, actor=w.village1_user, reason="r", at=d.registered_at)
        cls.dispute = d
        cls.log = at_township(w)
        cls.unit_ids = [w.unit1.pk, w.unit1b.pk, w.unit2.pk, w.department.pk, cls.closed.pk]

    @hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_any_input_is_a_page_or_a_redirect(self, data):
        w = self.world
        unit = data.draw(
            st.one_of(
                st.sampled_from([str(pk) for pk in self.unit_ids]),
                st.sampled_from([str(n) for n in EXTREME_INTS] + ODD_TEXT),
                st.text(max_size=12),
            ),
            label="unit",
        )
        note = data.draw(st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=40)), label="note")
        flow = data.draw(st.sampled_from(["disputes", "sentiment"]), label="flow")
        client = Client()
        client.force_login(w.township1_user)
        if flow == "disputes":
            item, payload = self.dispute, {"unit": unit, "note": note}
        else:
            item, payload = self.log, {"unit-unit": unit, "unit-note": note}
        response = client.post(reverse(f"{flow}:assign_unit", args=[item.pk]), payload)
        assert response.status_code in (200, 302), response.status_code
        model = Dispute if flow == "disputes" else Log
        after = model.objects.get(pk=item.pk)
        if response.status_code == 302 and after.level == Level.TOWNSHIP_UNIT:
            assert after.department_id in (w.unit1.pk, w.unit1b.pk)  # an active unit of township1
        else:
            assert after.level == Level.TOWNSHIP and after.department_id is None
