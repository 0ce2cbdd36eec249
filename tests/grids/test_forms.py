"""Bad input on the grids forms: a message on the field, status 200, what was typed still
there, nothing saved, never a 500."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from govcenter.pii import id_check_char
from grids.forms import GridForm, HouseholdForm, MembershipEndForm, MembershipForm, ResidentForm
from grids.models import Grid, GridMembership, Household, Resident
from tests.factories import make_id_number, make_user

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def with_check_digit(first17: str) -> str:
    return first17 + id_check_char(first17)


def resident_data(world, **overrides):
    data = {
        "grid": world.grid1.pk,
        "household": world.household1.pk,
        "name": "钱多多",
        "relation": "之子",
        "id_number": make_id_number(datetime.date(1985, 6, 1)),
        "gender": "",
        "birth_date": "",
        "ethnicity": "汉族",
        "phone": "13912345678",
        "address": "东山村1组1号",
        "care_tags": [],
        "note": "常年在外务工",
    }
    data.update(overrides)
    return data


def post_resident(client, world, **overrides):
    return client.post(reverse("grids:resident_create"), resident_data(world, **overrides))


def assert_rejected(response, field, text):
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert text in " ".join(form.errors[field])
    html = response.content.decode()
    assert text in html or text.replace("'", "&#x27;") in html
    assert not Resident.objects.filter(name="钱多多").exists()
    # Everything typed is still there.
    assert 'value="钱多多"' in html
    assert "常年在外务工" in html


BAD_ID_NUMBERS = [
    ("33010219800517123", "has 18 characters"),  # 17 characters
    ("3301021980051712345", "has 18 characters"),  # 19 characters
    ("33010219800517A234", "17 digits followed by a digit or X"),
    (with_check_digit("33010219801332001"), "not a real date"),  # month 13, day 32
    (with_check_digit("33010218991231001"), "not a real date"),  # before 1900
    (with_check_digit("33010220990101001"), "not a real date"),  # in the future
]


@pytest.mark.parametrize("id_number,message", BAD_ID_NUMBERS)
def test_bad_id_numbers_are_rejected_with_a_message(world, login, id_number, message):
    response = post_resident(login(world.grid1_user), world, id_number=id_number)
    assert_rejected(response, "id_number", message)
    assert f'value="{id_number}"' in response.content.decode()


def test_id_number_with_bad_check_digit_is_rejected(world, login):
    good = make_id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = post_resident(login(world.grid1_user), world, id_number=bad)
    assert_rejected(response, "id_number", "does not match the others")


def test_id_number_with_lowercase_x_and_spaces_is_accepted(world, login):
    # Find a valid number whose check character is X.
    for order in range(1, 999):
        first17 = f"33010219850601{order:03d}"
        if id_check_char(first17) == "X":
            break
    typed = f"{first17[:6]} {first17[6:14]} {first17[14:]}x"
    response = post_resident(login(world.grid1_user), world, id_number=typed)
    assert response.status_code == 302
    assert Resident.objects.get(name="钱多多").reveal_id_number() == first17 + "X"


@pytest.mark.parametrize(
    "phone", ["1381234567", "23812345678", "12812345678", "138123456789", "phone", "+1 650 555 0100"]
)
def test_bad_mobile_numbers_are_rejected(world, login, phone):
    response = post_resident(login(world.grid1_user), world, phone=phone)
    assert_rejected(response, "phone", "11-digit mainland mobile number")


def test_duplicate_id_number_is_refused_without_saying_where(world, login):
    # resident3 lives in village 3, outside village 1's jurisdiction.
    response = post_resident(login(world.village1_user), world, id_number=world.resident3.reveal_id_number())
    assert_rejected(response, "id_number", "already registered")
    html = response.content.decode()
    assert world.resident3.name not in html
    assert world.grid3.name not in html
    assert world.village3.name not in html


def test_editing_a_resident_with_their_own_id_number_is_not_a_duplicate(world, login):
    r = world.resident1
    response = login(world.village1_user).post(
        reverse("grids:resident_edit", args=[r.pk]),
        resident_data(world, name=r.name, id_number=r.reveal_id_number(), birth_date="1980-05-17", gender="M"),
    )
    assert response.status_code == 302


def test_household_of_another_grid_is_refused(world, login):
    other = Household.objects.create(grid=world.grid1b, number="8组1号", address="x", head_name="孙七")
    response = post_resident(login(world.village1_user), world, household=other.pk)
    assert_rejected(response, "household", "belongs to another grid")


def test_household_outside_the_jurisdiction_is_not_a_valid_choice(world, login):
    response = post_resident(login(world.village1_user), world, household=world.household2.pk)
    assert response.status_code == 200
    assert "household" in response.context["form"].errors
    assert not Resident.objects.filter(name="钱多多").exists()


def test_grid_outside_the_jurisdiction_is_not_a_valid_choice(world, login):
    response = post_resident(login(world.grid1_user), world, grid=world.grid1b.pk, household="")
    assert response.status_code == 200
    assert "grid" in response.context["form"].errors


def test_birth_date_and_gender_must_agree_with_the_id_number(world, login):
    id_number = make_id_number(datetime.date(1985, 6, 1), female=False)
    response = post_resident(login(world.grid1_user), world, id_number=id_number, birth_date="1985-06-02", gender="F")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "1985-06-01" in " ".join(errors["birth_date"])
    assert "gender" in errors


def test_without_id_number_the_gender_is_required(world, login):
    response = post_resident(login(world.grid1_user), world, id_number="", gender="", birth_date="2001-02-03")
    assert_rejected(response, "gender", "Choose the gender")


def test_without_id_number_a_resident_can_still_be_registered(world, login):
    response = post_resident(login(world.grid1_user), world, id_number="", gender="F", birth_date="2001-02-03")
    assert response.status_code == 302
    resident = Resident.objects.get(name="钱多多")
    assert not resident.has_id_number
    assert resident.birth_date == datetime.date(2001, 2, 3)


def test_future_birth_date_is_refused(world, login):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = post_resident(login(world.grid1_user), world, id_number="", gender="M", birth_date=tomorrow)
    assert_rejected(response, "birth_date", "cannot be in the future")


def test_garbage_in_every_field_gives_messages_not_a_500(world, login):
    response = post_resident(
        login(world.grid1_user),
        world,
        grid="abc",
        household="-3",
        birth_date="31/02/1980",
        gender="Q",
        care_tags=["x"],
        id_number="x" * 25,
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"grid", "birth_date", "gender", "care_tags", "id_number"}


def test_household_form_refuses_a_duplicate_number_and_a_bad_phone(world, login):
    client = login(world.grid1_user)
    response = client.post(
        reverse("grids:household_create", args=[world.grid1.pk]),
        {"number": world.household1.number, "head_name": "新户主", "address": "新地址", "phone": "12345"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "already has a household with this number" in " ".join(errors["number"])
    assert "landline" in " ".join(errors["phone"])
    html = response.content.decode()
    assert 'value="新户主"' in html and 'value="新地址"' in html
    assert Household.objects.filter(grid=world.grid1).count() == 1


def test_same_household_number_is_fine_in_another_grid(world, login):
    response = login(world.village1_user).post(
        reverse("grids:household_create", args=[world.grid1b.pk]),
        {"number": world.household1.number, "head_name": "新户主", "address": "新地址"},
    )
    assert response.status_code == 302


# --- grid form ------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["330102001001", "3301020010010011", "330102001002005", "33010200100100a", "330102002001005"]
)
def test_grid_code_must_be_the_village_code_and_three_digits(world, login, code):
    response = login(world.village1_user).post(
        reverse("grids:grid_create"), {"village": world.village1.pk, "code": code, "name": "新网格"}
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert 'value="新网格"' in response.content.decode()
    assert not Grid.objects.filter(code=code).exists()


def test_duplicate_grid_code_is_refused(world, login):
    response = login(world.village1_user).post(
        reverse("grids:grid_create"), {"village": world.village1.pk, "code": world.grid1.code, "name": "重复"}
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_grid_form_offers_only_whole_villages_of_the_user(world):
    assert list(GridForm(user=world.township1_user).fields["village"].queryset) == [world.village1, world.village2]
    assert list(GridForm(user=world.village2_user).fields["village"].queryset) == [world.village2]
    # A grid worker sees village 1 only through their grid: not a village they may add grids to.
    assert list(GridForm(user=world.grid1_user).fields["village"].queryset) == []


# --- team forms -----------------------------------------------------------------


def test_membership_form_offers_people_whose_role_fits_the_duty(world):
    new_police = make_user("police9", "community_police", police_station=world.station)
    other_station_police = world.police3
    new_aux = make_user("aux9", "auxiliary_police", police_station=world.station)
    form = MembershipForm(grid=world.grid1b, initial={"duty": "community_police"})
    people = set(form.fields["user"].queryset)
    assert new_police in people and world.police1 in people
    assert other_station_police not in people
    assert new_aux not in people
    assert set(MembershipForm(grid=world.grid1b, initial={"duty": "auxiliary_police"}).fields["user"].queryset) == {
        world.aux1,
        new_aux,
    }
    # Grid workers of the village only; people already in this team are not offered.
    assert list(MembershipForm(grid=world.grid1, initial={"duty": "grid_worker"}).fields["user"].queryset) == []
    assert list(MembershipForm(grid=world.grid1b, initial={"duty": "grid_worker"}).fields["user"].queryset) == [
        world.grid1_user
    ]


def test_membership_with_wrong_role_for_the_duty_is_refused(world, login):
    aux = make_user("aux9", "auxiliary_police", police_station=world.station)
    response = login(world.village1_user).post(
        reverse("grids:membership_add", args=[world.grid1b.pk]),
        {"duty": "community_police", "user": aux.pk, "started_on": "2026-01-10", "note": "借调"},
    )
    assert response.status_code == 200
    assert "user" in response.context["form"].errors
    assert 'value="借调"' in response.content.decode()
    assert not GridMembership.objects.filter(user=aux).exists()


def test_membership_cannot_start_in_the_future(world):
    police = make_user("police9", "community_police", police_station=world.station)
    later = datetime.date.today() + datetime.timedelta(days=3)
    form = MembershipForm({"duty": "community_police", "user": police.pk, "started_on": later}, grid=world.grid1b)
    assert not form.is_valid()
    assert "future" in " ".join(form.errors["started_on"])


def test_end_date_before_start_is_refused_through_the_view(world, login):
    membership = GridMembership.objects.get(user=world.aux1)
    response = login(world.village1_user).post(
        reverse("grids:membership_end", args=[membership.pk]), {"ended_on": "2025-12-31"}
    )
    assert response.status_code == 200
    assert "cannot be before the start date" in response.content.decode()
    assert 'value="2025-12-31"' in response.content.decode()
    membership.refresh_from_db()
    assert membership.ended_on is None


def test_end_date_in_the_future_or_garbage_is_refused(world):
    membership = GridMembership.objects.get(user=world.aux1)
    later = datetime.date.today() + datetime.timedelta(days=3)
    form = MembershipEndForm({"ended_on": later}, membership=membership)
    assert not form.is_valid() and "future" in " ".join(form.errors["ended_on"])
    assert not MembershipEndForm({"ended_on": "not a date"}, membership=membership).is_valid()
    assert MembershipEndForm({"ended_on": membership.started_on}, membership=membership).is_valid()


# --- resident form, directly --------------------------------------------------------


def test_resident_form_leaves_id_number_empty_on_edit_and_shows_the_mask(world):
    form = ResidentForm(instance=world.resident1, user=world.village1_user)
    assert form["id_number"].value() in (None, "")
    assert world.resident1.id_number_masked in str(form.fields["id_number"].help_text)


def test_resident_form_grids_are_the_users(world):
    assert set(ResidentForm(user=world.grid1_user).fields["grid"].queryset) == {world.grid1}
    assert set(ResidentForm(user=world.police1).fields["grid"].queryset) == {world.grid1, world.grid1b, world.grid2}


def test_household_form_phone_accepts_mobile_and_landline(world):
    for phone, stored in (("0571-88881234", "0571-88881234"), ("+8613812345678", "13812345678"), ("", "")):
        form = HouseholdForm({"number": "7号", "head_name": "a", "address": "b", "phone": phone}, grid=world.grid1)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["phone"] == stored


def test_a_constraint_lost_to_a_concurrent_save_becomes_a_form_error(world, login, monkeypatch):
    # Another request saved the same grid code between validation and save.
    from django.db import IntegrityError

    def lose_the_race(self, *args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: grids_grid.code")

    monkeypatch.setattr(Grid, "save", lose_the_race)
    response = login(world.village1_user).post(
        reverse("grids:grid_edit", args=[world.grid1.pk]),
        {"code": world.grid1.code, "name": "改名", "description": ""},
    )
    assert response.status_code == 200
    assert "Another grid has just been saved with this code." in " ".join(response.context["form"].errors["code"])
    assert 'value="改名"' in response.content.decode()


def test_a_resident_name_is_saved_without_direction_controls(world, login):
    response = post_resident(login(world.village1_user), world, name="钱\u202e多多\u200f", note="常年\u2066在外务工")
    assert response.status_code == 302
    resident = Resident.objects.get(name="钱多多")
    assert resident.note == "常年在外务工"


def test_a_resident_note_over_its_limit_is_refused(world, login):
    from govcenter import limits

    response = post_resident(login(world.village1_user), world, note="常年在外务工" + "字" * limits.NOTE)
    assert response.status_code == 200
    assert (
        response.context["form"].errors["note"][0].startswith(f"Ensure this value has at most {limits.NOTE} characters")
    )


def test_a_nul_in_a_resident_field_is_named(world, login):
    response = post_resident(login(world.village1_user), world, address="东山村\x001组")
    assert_rejected(
        response,
        "address",
        "This text contains an invisible NUL character (often from a copied document); remove it and try again.",
    )


def test_a_membership_cannot_start_before_the_records_begin(world):
    form = MembershipForm(
        {"duty": "grid_worker", "user": world.grid1_user.pk, "started_on": "0001-01-01"}, grid=world.grid1b
    )
    assert form.errors["started_on"] == ["Enter a date from 2000-01-01 on: the portal's records begin then."]
