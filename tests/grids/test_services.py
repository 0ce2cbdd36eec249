"""grids.services, called directly: the writes behind the grid, household and resident
forms, each in a transaction, with the actor in the audit history and a lost race on a
unique constraint turned into ConflictError."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.urls import reverse

from govcenter import pii
from grids import services
from grids.forms import GridForm, HouseholdForm, ResidentForm
from grids.models import CareTag, Grid, Household, Resident
from tests.factories import make_id_number

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")


def resident_data(world, **overrides) -> dict:
    data = {
        "grid": world.grid1,
        "household": world.household1,
        "relation": "之子",
        "name": "钱多多",
        "id_number": make_id_number(datetime.date(1985, 6, 1)),
        "gender": "M",
        "birth_date": datetime.date(1985, 6, 1),
        "ethnicity": "汉族",
        "phone": "13912345678",
        "address": "东山村1组1号",
        "care_tags": CareTag.objects.filter(code="elderly-alone"),
        "note": "常年在外务工",
    }
    data.update(overrides)
    return data


# --- residents -----------------------------------------------------------------


def test_resident_create_stores_the_id_number_encrypted_hashed_and_masked(world):
    data = resident_data(world)
    r = services.resident_create(actor=world.village1_user, data=data)
    r = Resident.objects.get(pk=r.pk)
    assert r.reveal_id_number() == data["id_number"]
    assert data["id_number"] not in r.id_number_encrypted
    assert r.id_number_hash == pii.keyed_hash(data["id_number"])
    assert r.id_number_masked == pii.mask_id_number(data["id_number"])
    assert (r.village_id, r.household_id, r.name) == (world.village1.pk, world.household1.pk, "钱多多")
    assert [t.code for t in r.care_tags.all()] == ["elderly-alone"]


def test_resident_create_records_the_actor_without_a_request(world):
    r = services.resident_create(actor=world.village1_user, data=resident_data(world))
    record = r.history.latest()
    assert (record.history_type, record.history_user, record.name) == ("+", world.village1_user, "钱多多")


def test_resident_update_with_an_empty_id_number_keeps_the_stored_one(world):
    r = world.resident1
    before = (r.reveal_id_number(), r.id_number_hash)
    services.resident_update(resident=r, actor=world.village1_user, data={"name": "王大明", "id_number": ""})
    r = Resident.objects.get(pk=r.pk)
    assert (r.reveal_id_number(), r.id_number_hash) == before


def test_resident_update_with_a_new_id_number_replaces_it(world):
    r = world.resident1
    new = make_id_number(r.birth_date)
    services.resident_update(resident=r, actor=world.village1_user, data={"id_number": new})
    r = Resident.objects.get(pk=r.pk)
    assert (r.reveal_id_number(), r.id_number_hash) == (new, pii.keyed_hash(new))
    assert r.history.latest().id_number_masked == pii.mask_id_number(new)


def test_resident_update_leaves_fields_not_given_as_they_are(world):
    r = world.resident1
    services.resident_update(resident=r, actor=world.grid1_user, data={"phone": "13700001111"})
    r = Resident.objects.get(pk=r.pk)
    assert (r.phone, r.birth_date, r.name, r.household_id) == (
        "13700001111",
        datetime.date(1980, 5, 17),
        "王大明",
        world.household1.pk,
    )
    assert [t.code for t in r.care_tags.all()] == ["elderly-alone"]  # not in data: untouched
    assert r.history.latest().history_user == world.grid1_user


def test_resident_update_sets_exactly_the_care_tags_given(world):
    r = world.resident1
    other = CareTag.objects.exclude(code="elderly-alone").first()
    services.resident_update(resident=r, actor=world.village1_user, data={"care_tags": [other]})
    assert list(Resident.objects.get(pk=r.pk).care_tags.all()) == [other]
    services.resident_care_tags_set(resident=r, care_tags=[])
    assert not r.care_tags.exists()


def test_resident_with_an_id_number_taken_meanwhile_is_a_conflict_and_nothing_is_saved(world):
    # The form checked the number was free; another request registered it before the write.
    taken = world.resident1.reveal_id_number()
    with transaction.atomic():  # the caller's transaction stays usable after the conflict
        with pytest.raises(services.ConflictError) as e:
            services.resident_create(actor=world.village1_user, data=resident_data(world, id_number=taken))
        assert Resident.objects.filter(name="钱多多").count() == 0
    assert e.value.field == "id_number"
    assert str(e.value) == "A resident with this ID number is already registered."


def test_grid_worker_edit_through_the_form_keeps_the_birth_date_they_cannot_see(world):
    r = world.resident1
    data = {"grid": r.grid_id, "household": r.household_id, "name": r.name, "relation": "", "id_number": ""}
    data |= {"gender": "", "birth_date": "", "ethnicity": "汉族", "phone": "13912345678", "address": "", "note": ""}
    form = ResidentForm(data, instance=Resident.objects.get(pk=r.pk), user=world.grid1_user)
    assert form.hides_birth_date
    assert form.is_valid(), form.errors
    services.resident_update(resident=form.instance, actor=world.grid1_user, data=form.cleaned_data)
    r = Resident.objects.get(pk=r.pk)
    assert (r.birth_date, r.gender, r.phone) == (datetime.date(1980, 5, 17), "M", "13912345678")


def test_forms_only_validate(world):
    form = HouseholdForm({"number": "9号", "head_name": "a", "address": "b", "phone": ""}, grid=world.grid1)
    assert form.is_valid(), form.errors
    with pytest.raises(TypeError, match="grids.services"):
        form.save()
    assert not Household.objects.filter(number="9号").exists()


# --- households ----------------------------------------------------------------


def test_household_create_takes_the_grid_and_its_village(world):
    data = {"number": "9号", "head_name": "李四", "address": "东山村9号", "phone": "0571-88881234", "note": ""}
    h = services.household_create(grid=world.grid1, actor=world.village1_user, data=data)
    h = Household.objects.get(pk=h.pk)
    assert (h.grid_id, h.village_id, h.head_name, h.phone) == (
        world.grid1.pk,
        world.village1.pk,
        "李四",
        "0571-88881234",
    )
    assert h.history.latest().history_user == world.village1_user


def test_household_with_a_number_taken_meanwhile_is_a_conflict(world):
    with pytest.raises(services.ConflictError) as e:
        services.household_create(grid=world.grid1, actor=world.village1_user, data={"number": world.household1.number})
    assert e.value.field == "number"
    assert str(e.value) == "This grid already has a household with this number."


def test_household_update_keeps_it_in_its_grid(world):
    h = world.household1
    services.household_update(household=h, actor=world.village1_user, data={"head_name": "王小明", "grid": world.grid2})
    h = Household.objects.get(pk=h.pk)
    assert (h.head_name, h.grid_id) == ("王小明", world.grid1.pk)


# --- grids ---------------------------------------------------------------------


def test_grid_create_and_update_through_the_form(world):
    data = {
        "village": world.village1.pk,
        "code": f"{world.village1.code}009",
        "name": "东山第九网格",
        "description": "",
    }
    form = GridForm(data, user=world.village1_user)
    assert form.is_valid(), form.errors
    grid = services.grid_create(actor=world.village1_user, data=form.cleaned_data)
    assert (grid.village_id, grid.code, grid.history.latest().history_user) == (
        world.village1.pk,
        f"{world.village1.code}009",
        world.village1_user,
    )
    services.grid_update(grid=grid, actor=world.township1_user, data={"name": "改名", "village": world.village2})
    grid = Grid.objects.get(pk=grid.pk)
    assert (grid.name, grid.village_id) == ("改名", world.village1.pk)  # the village never moves
    assert grid.history.latest().history_user == world.township1_user


def test_grid_with_a_code_taken_meanwhile_is_a_conflict(world):
    data = {"village": world.village1, "code": world.grid1.code, "name": "重复", "description": ""}
    with pytest.raises(services.ConflictError) as e:
        services.grid_create(actor=world.village1_user, data=data)
    assert (e.value.field, str(e.value)) == ("code", "Another grid has just been saved with this code.")
    assert not Grid.objects.filter(name="重复").exists()


# --- Django admin writes through the same services -------------------------------


def test_admin_registers_and_edits_a_resident_through_the_service(world, login):
    client = login(world.admin)
    number = make_id_number(datetime.date(1985, 6, 1))
    tag = CareTag.objects.get(code="elderly-alone")
    data = {
        "grid": world.grid1.pk,
        "household": world.household1.pk,
        "relation": "",
        "name": "钱多多",
        "id_number": number,
        "gender": "M",
        "birth_date": "",
        "ethnicity": "汉族",
        "phone": "",
        "address": "",
        "care_tags": [tag.pk],
        "note": "",
    }
    response = client.post(reverse("admin:grids_resident_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    r = Resident.objects.get(name="钱多多")
    assert (r.reveal_id_number(), r.id_number_hash, r.birth_date) == (
        number,
        pii.keyed_hash(number),
        datetime.date(1985, 6, 1),
    )
    assert list(r.care_tags.all()) == [tag]
    assert r.history.latest().history_user == world.admin

    # Left empty on edit, the ID number on record stays.
    response = client.post(
        reverse("admin:grids_resident_change", args=[r.pk]),
        {**data, "id_number": "", "name": "钱多", "birth_date": "1985-06-01", "care_tags": []},
    )
    assert response.status_code == 302
    r = Resident.objects.get(pk=r.pk)
    assert (r.name, r.reveal_id_number(), list(r.care_tags.all())) == ("钱多", number, [])


def test_admin_refuses_an_id_number_another_resident_holds(world, login):
    response = login(world.admin).post(
        reverse("admin:grids_resident_change", args=[world.resident2.pk]),
        {
            "grid": world.grid2.pk,
            "household": "",
            "name": "李小红",
            "gender": "F",
            "birth_date": "1980-05-17",
            "ethnicity": "汉族",
            "id_number": world.resident1.reveal_id_number(),
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["id_number"]
    assert errors == ["A resident with this ID number is already registered."]
