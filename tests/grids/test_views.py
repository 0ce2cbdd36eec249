"""Every grids page for a user who may (200 / redirect after a write), a user outside the
jurisdiction (404, also on write and reveal URLs), a read-only role (403 on writes) and an
anonymous visitor (login); list filters; constant query counts on list pages."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from govcenter.models import PersonalDataAccess
from grids.models import Grid, GridMembership, Household, Resident
from grids.selectors import residents_visible_to
from tests.factories import make_grid, make_household, make_id_number, make_resident

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")


@pytest.fixture(autouse=True)
def english(client):
    # Assertions read English messages; the default UI language is Chinese.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def membership_of(world, user):
    return GridMembership.objects.get(user=user, ended_on__isnull=True)


# url builders: (name, object attribute of the world or None, method)
READ_VIEWS = [
    ("grids:grid_detail", lambda w: [w.grid1.pk]),
    ("grids:household_detail", lambda w: [w.household1.pk]),
    ("grids:resident_detail", lambda w: [w.resident1.pk]),
]
# Write views on an object in village 1: visible to police1 / station1 (read-only roles).
WRITE_VIEWS = [
    ("grids:grid_edit", lambda w: [w.grid1.pk]),
    ("grids:membership_add", lambda w: [w.grid1.pk]),
    ("grids:membership_end", lambda w: [membership_of(w, w.grid1_user).pk]),
    ("grids:household_create", lambda w: [w.grid1.pk]),
    ("grids:household_edit", lambda w: [w.household1.pk]),
    ("grids:resident_edit", lambda w: [w.resident1.pk]),
]
LIST_AND_CREATE_VIEWS = ["grids:grid_list", "grids:resident_list", "grids:grid_create", "grids:resident_create"]


def url(world, name, args):
    return reverse(name, args=args(world))


# --- access matrix ----------------------------------------------------------------


@pytest.mark.parametrize("name,args", READ_VIEWS + WRITE_VIEWS)
def test_village_clerk_gets_each_page_of_their_village(world, login, name, args):
    assert login(world.village1_user).get(url(world, name, args)).status_code == 200


@pytest.mark.parametrize("name", LIST_AND_CREATE_VIEWS)
def test_village_clerk_gets_list_and_create_pages(world, login, name):
    assert login(world.village1_user).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name,args", READ_VIEWS + WRITE_VIEWS)
def test_other_village_clerk_gets_404_for_village1_objects(world, login, name, args):
    client = login(world.village2_user)
    assert client.get(url(world, name, args)).status_code == 404
    assert client.post(url(world, name, args), {}).status_code == 404


@pytest.mark.parametrize("name,args", READ_VIEWS + WRITE_VIEWS)
def test_other_township_and_station_get_404(world, login, name, args):
    for user in (world.township2_user, world.station2_user, world.dept1, world.grid2_user):
        assert login(user).get(url(world, name, args)).status_code == 404, user


@pytest.mark.parametrize(
    "name,args", READ_VIEWS + WRITE_VIEWS + [("grids:resident_reveal_id", lambda w: [w.resident1.pk])]
)
def test_anonymous_is_sent_to_login(world, client, name, args):
    target = url(world, name, args)
    response = client.post(target) if name.endswith("reveal_id") else client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", LIST_AND_CREATE_VIEWS)
def test_anonymous_is_sent_to_login_from_lists_and_create_pages(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name,args", READ_VIEWS)
def test_police_and_station_read_village1_pages(world, login, name, args):
    for user in (world.police1, world.station1, world.township1_user, world.district1, world.admin):
        assert login(user).get(url(world, name, args)).status_code == 200, user


@pytest.mark.parametrize("name,args", WRITE_VIEWS)
def test_read_only_roles_get_403_on_write_views_of_visible_objects(world, login, name, args):
    for user in (world.police1, world.station1):
        client = login(user)
        assert client.get(url(world, name, args)).status_code == 403, user
        assert client.post(url(world, name, args), {}).status_code == 403, user


def test_read_only_roles_get_403_on_create_views(world, login):
    for user in (world.police1, world.station1, world.aux1, world.dept1):
        client = login(user)
        assert client.get(reverse("grids:resident_create")).status_code == 403, user
        assert client.get(reverse("grids:grid_create")).status_code == 403, user


def test_grid_worker_edits_residents_but_not_grids(world, login):
    client = login(world.grid1_user)
    assert client.get(reverse("grids:resident_edit", args=[world.resident1.pk])).status_code == 200
    assert client.get(reverse("grids:household_create", args=[world.grid1.pk])).status_code == 200
    assert client.get(reverse("grids:grid_edit", args=[world.grid1.pk])).status_code == 403
    assert client.get(reverse("grids:membership_add", args=[world.grid1.pk])).status_code == 403
    assert client.get(reverse("grids:grid_create")).status_code == 403
    # The other grid of the same village is not theirs at all.
    assert client.get(reverse("grids:grid_detail", args=[world.grid1b.pk])).status_code == 404


def test_grid_list_shows_only_visible_grids(world, login):
    response = login(world.village1_user).get(reverse("grids:grid_list"))
    assert response.status_code == 200
    grids = {g.pk for g in response.context["page"].object_list}
    assert grids == {world.grid1.pk, world.grid1b.pk}
    assert world.grid2.name not in response.content.decode()


def test_department_staff_see_empty_lists(world, login):
    client = login(world.dept1)
    assert list(client.get(reverse("grids:grid_list")).context["page"].object_list) == []
    assert list(client.get(reverse("grids:resident_list")).context["page"].object_list) == []


def test_resident_list_shows_only_visible_residents(world, login):
    response = login(world.village2_user).get(reverse("grids:resident_list"))
    assert [r.pk for r in response.context["page"]] == [world.resident2.pk]


# --- successful writes ------------------------------------------------------------


def test_village_clerk_creates_a_grid_in_their_village(world, login):
    response = login(world.village1_user).post(
        reverse("grids:grid_create"),
        {"village": world.village1.pk, "code": f"{world.village1.code}007", "name": "东山村第7网格"},
    )
    grid = Grid.objects.get(code=f"{world.village1.code}007")
    assert response.status_code == 302
    assert response["Location"] == grid.get_absolute_url()
    assert grid.village == world.village1


def test_village_clerk_cannot_create_a_grid_in_another_village(world, login):
    response = login(world.village1_user).post(
        reverse("grids:grid_create"),
        {"village": world.village2.pk, "code": f"{world.village2.code}007", "name": "x"},
    )
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert not Grid.objects.filter(code=f"{world.village2.code}007").exists()


def test_community_police_cannot_create_a_grid_in_a_station_village(world, login):
    # police1 sees all of village 1 through the station but may not manage grids.
    response = login(world.police1).post(
        reverse("grids:grid_create"), {"village": world.village1.pk, "code": f"{world.village1.code}008", "name": "x"}
    )
    assert response.status_code == 403
    assert not Grid.objects.filter(code=f"{world.village1.code}008").exists()


def test_township_staff_create_a_grid_in_any_of_their_villages(world, login):
    client = login(world.township1_user)
    response = client.post(
        reverse("grids:grid_create"),
        {"village": world.village2.pk, "code": f"{world.village2.code}009", "name": "西岭村第9网格"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("grids:grid_create"), {"village": world.village3.pk, "code": f"{world.village3.code}009", "name": "x"}
    )
    assert response.status_code == 200
    assert not Grid.objects.filter(village=world.village3, code__endswith="009").exists()


def test_grid_edit_saves_and_keeps_the_village(world, login):
    response = login(world.village1_user).post(
        reverse("grids:grid_edit", args=[world.grid1.pk]),
        {"village": world.village2.pk, "code": world.grid1.code, "name": "新名字", "description": "沿河一带"},
    )
    assert response.status_code == 302
    world.grid1.refresh_from_db()
    assert world.grid1.name == "新名字"
    assert world.grid1.village == world.village1  # the village field is disabled on edit


def test_membership_add_by_post_adds_the_person(world, login):
    from tests.factories import make_user

    worker = make_user("grid1c", "grid_worker", area=world.village1)
    response = login(world.village1_user).post(
        reverse("grids:membership_add", args=[world.grid1b.pk]),
        {"duty": "grid_worker", "user": worker.pk, "started_on": "2026-01-10"},
    )
    assert response.status_code == 302
    assert response["Location"] == world.grid1b.get_absolute_url()
    assert GridMembership.objects.filter(grid=world.grid1b, user=worker, ended_on__isnull=True).exists()


def test_membership_end_by_post_ends_it(world, login):
    membership = membership_of(world, world.aux1)
    response = login(world.village1_user).post(
        reverse("grids:membership_end", args=[membership.pk]), {"ended_on": "2026-02-01"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ended_on == datetime.date(2026, 2, 1)


def test_other_village_cannot_end_a_membership(world, login):
    membership = membership_of(world, world.aux1)
    response = login(world.village2_user).post(
        reverse("grids:membership_end", args=[membership.pk]), {"ended_on": "2026-02-01"}
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.ended_on is None


def test_grid_detail_shows_team_and_history(world, login):
    membership = membership_of(world, world.aux1)
    membership.ended_on = datetime.date(2026, 1, 20)
    membership.save()
    response = login(world.village1_user).get(reverse("grids:grid_detail", args=[world.grid1.pk]))
    html = response.content.decode()
    assert [m.user for m in response.context["team"]] == [world.grid1_user, world.police1]
    assert [m.user for m in response.context["history"]] == [world.aux1]
    assert "2026-01-20" in html
    assert world.household1.number in html


def test_household_create_and_edit(world, login):
    client = login(world.grid1_user)
    response = client.post(
        reverse("grids:household_create", args=[world.grid1.pk]),
        {"number": "5组2号", "head_name": "陈明", "address": "东山村5组2号", "phone": "0571-88881234"},
    )
    household = Household.objects.get(grid=world.grid1, number="5组2号")
    assert response.status_code == 302
    assert response["Location"] == household.get_absolute_url()
    assert household.village == world.village1
    response = client.post(
        reverse("grids:household_edit", args=[household.pk]),
        {"number": "5组2号", "head_name": "陈明亮", "address": "东山村5组2号", "phone": "138 1234 5678"},
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.head_name, household.phone) == ("陈明亮", "13812345678")


def test_household_detail_lists_its_members(world, login):
    make_resident(world.grid1, "王小明", household=world.household1)
    response = login(world.police1).get(reverse("grids:household_detail", args=[world.household1.pk]))
    html = response.content.decode()
    assert "王大明" in html and "王小明" in html
    assert world.resident2.name not in html


def test_resident_create_with_an_id_number_fills_birth_date_and_gender(world, login):
    id_number = make_id_number(datetime.date(1990, 3, 4), female=True)
    response = login(world.grid1_user).post(
        reverse("grids:resident_create"),
        {
            "grid": world.grid1.pk,
            "household": world.household1.pk,
            "name": "周芳",
            "id_number": id_number,
            "phone": "+86 139 0000 1111",
            "care_tags": [],
        },
    )
    resident = Resident.objects.get(name="周芳")
    assert response.status_code == 302
    assert response["Location"] == resident.get_absolute_url()
    assert resident.birth_date == datetime.date(1990, 3, 4)
    assert resident.gender == "F"
    assert resident.phone == "13900001111"
    assert resident.village == world.village1
    assert resident.reveal_id_number() == id_number
    assert id_number not in resident.id_number_encrypted


def test_resident_create_with_grid_preset(world, login):
    response = login(world.village1_user).get(reverse("grids:resident_create") + f"?grid={world.grid1.pk}")
    assert response.context["form"].initial["grid"] == world.grid1
    # Households of that grid only.
    assert list(response.context["form"].fields["household"].queryset) == [world.household1]


def test_resident_create_ignores_a_grid_preset_outside_the_jurisdiction(world, login):
    response = login(world.village1_user).get(reverse("grids:resident_create") + f"?grid={world.grid2.pk}")
    assert response.status_code == 200
    assert response.context["form"].initial["grid"] is None
    assert world.grid2.name not in response.content.decode()


def test_resident_edit_keeps_the_id_number_when_left_empty(world, login):
    r = world.resident1
    old_hash = r.id_number_hash
    response = login(world.village1_user).post(
        reverse("grids:resident_edit", args=[r.pk]),
        {
            "grid": r.grid_id,
            "household": r.household_id,
            "name": "王大明",
            "id_number": "",
            "gender": "M",
            "birth_date": "1980-05-17",
            "phone": "13700001111",
            "care_tags": [],
        },
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.id_number_hash == old_hash
    assert r.phone == "13700001111"
    assert not r.care_tags.exists()  # unticked tags are removed


def test_resident_edit_replaces_the_id_number_when_entered(world, login):
    r = world.resident1
    new_number = make_id_number(datetime.date(1980, 5, 17))
    client = login(world.village1_user)
    form_html = client.get(reverse("grids:resident_edit", args=[r.pk])).content.decode()
    assert r.id_number_masked in form_html  # help text shows the masked number
    assert r.reveal_id_number() not in form_html  # and never the clear one
    response = client.post(
        reverse("grids:resident_edit", args=[r.pk]),
        {"grid": r.grid_id, "name": "王大明", "id_number": new_number, "gender": "", "birth_date": ""},
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.reveal_id_number() == new_number


def test_resident_can_move_to_another_grid_of_the_village(world, login):
    r = world.resident1
    response = login(world.village1_user).post(
        reverse("grids:resident_edit", args=[r.pk]),
        {"grid": world.grid1b.pk, "household": "", "name": r.name, "gender": "M", "birth_date": "1980-05-17"},
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert (r.grid, r.household) == (world.grid1b, None)


def test_read_only_role_cannot_change_a_resident_by_post(world, login):
    response = login(world.station1).post(
        reverse("grids:resident_edit", args=[world.resident1.pk]),
        {"grid": world.grid1.pk, "name": "改名", "gender": "M"},
    )
    assert response.status_code == 403
    world.resident1.refresh_from_db()
    assert world.resident1.name == "王大明"


# --- ID numbers: masked by default, revealed with a trace ---------------------------


def reveal_url(world, resident=None):
    return reverse("grids:resident_reveal_id", args=[(resident or world.resident1).pk])


def test_resident_detail_shows_the_masked_number_and_a_reveal_button_to_the_clerk(world, login):
    html = login(world.village1_user).get(reverse("grids:resident_detail", args=[world.resident1.pk])).content.decode()
    assert f'<span class="masked-id">{world.resident1.id_number_masked}</span>' in html
    assert world.resident1.reveal_id_number() not in html
    assert reveal_url(world) in html


def test_grid_worker_sees_only_the_masked_number_and_no_button(world, login):
    client = login(world.grid1_user)
    clear = world.resident1.reveal_id_number()
    detail = client.get(reverse("grids:resident_detail", args=[world.resident1.pk])).content.decode()
    listing = client.get(reverse("grids:resident_list")).content.decode()
    household = client.get(reverse("grids:household_detail", args=[world.household1.pk])).content.decode()
    for html in (detail, listing, household):
        assert world.resident1.id_number_masked in html
        assert clear not in html
    assert reveal_url(world) not in detail


@pytest.mark.parametrize("name", ["village1_user", "township1_user", "district1", "police1", "station1", "admin"])
def test_those_who_may_reveal_see_the_birth_date(world, login, name):
    html = login(getattr(world, name)).get(reverse("grids:resident_detail", args=[world.resident1.pk])).content.decode()
    assert "1980-05-17" in html and f"{world.resident1.age()} years" in html


@pytest.mark.parametrize("name", ["grid1_user", "aux1"])
def test_those_who_may_not_reveal_see_the_age_only(world, login, name):
    # The birth date is digits 7 to 14 of the ID number (issue 9).
    client = login(getattr(world, name))
    html = client.get(reverse("grids:resident_detail", args=[world.resident1.pk])).content.decode()
    assert f"{world.resident1.age()} years" in html
    assert "1980" not in html and "Birth date" not in html


def test_grid_worker_edits_a_resident_without_seeing_the_birth_date_and_keeps_it(world, login):
    client = login(world.grid1_user)
    url = reverse("grids:resident_edit", args=[world.resident1.pk])
    page = client.get(url).content.decode()
    assert "1980" not in page and f"age {world.resident1.age()}" in page
    r = world.resident1
    data = {
        "grid": r.grid_id,
        "household": r.household_id,
        "name": "王大明",
        "relation": "户主",
        "id_number": "",
        "gender": "M",
        "birth_date": "",
        "ethnicity": "汉族",
        "phone": "13912345678",
        "address": "东山村1组1号",
        "note": "",
    }
    assert client.post(url, data).status_code == 302
    r.refresh_from_db()
    assert (r.birth_date, r.phone) == (datetime.date(1980, 5, 17), "13912345678")
    # A date entered replaces it.
    assert client.post(url, {**data, "birth_date": "1980-06-01"}).status_code == 302
    r.refresh_from_db()
    assert r.birth_date == datetime.date(1980, 6, 1)


def test_clerk_edits_a_resident_with_the_birth_date_shown(world, login):
    page = login(world.village1_user).get(reverse("grids:resident_edit", args=[world.resident1.pk])).content.decode()
    assert 'value="1980-05-17"' in page


def test_clear_number_never_appears_in_lists_even_for_those_who_may_reveal(world, login):
    client = login(world.village1_user)
    clear = world.resident1.reveal_id_number()
    for page in (
        reverse("grids:resident_list"),
        reverse("grids:resident_detail", args=[world.resident1.pk]),
        reverse("grids:household_detail", args=[world.household1.pk]),
    ):
        assert clear not in client.get(page).content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_reveal_by_htmx_returns_the_number_and_records_one_access(world, login):
    response = login(world.village1_user).post(reveal_url(world), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert world.resident1.reveal_id_number() in html
    assert "<html" not in html  # a fragment, not a page
    assert "no-store" in response["Cache-Control"]
    access = PersonalDataAccess.objects.get()
    assert access.user == world.village1_user
    assert access.subject == world.resident1
    assert access.field == "id_number"


def test_reveal_without_htmx_renders_the_detail_page_with_the_number(world, login):
    response = login(world.police1).post(reveal_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert world.resident1.reveal_id_number() in html
    assert PersonalDataAccess.objects.filter(user=world.police1).count() == 1


def test_reveal_by_get_is_not_allowed(world, login):
    response = login(world.village1_user).get(reveal_url(world))
    assert response.status_code == 405
    assert not PersonalDataAccess.objects.exists()


def test_reveal_is_403_for_those_who_see_the_resident_but_may_not_reveal(world, login):
    for user in (world.grid1_user, world.aux1):
        response = login(user).post(reveal_url(world), HTTP_HX_REQUEST="true")
        assert response.status_code == 403, user
    assert not PersonalDataAccess.objects.exists()


def test_reveal_is_404_outside_the_jurisdiction(world, login):
    for user in (world.village2_user, world.station2_user, world.township2_user, world.dept1):
        assert login(user).post(reveal_url(world), HTTP_HX_REQUEST="true").status_code == 404, user
    assert not PersonalDataAccess.objects.exists()


def test_recent_reveals_are_listed_for_those_who_may_reveal(world, login):
    login(world.police1).post(reveal_url(world), HTTP_HX_REQUEST="true")
    html = login(world.village1_user).get(reverse("grids:resident_detail", args=[world.resident1.pk])).content.decode()
    assert world.police1.display_name in html
    worker_page = login(world.grid1_user).get(reverse("grids:resident_detail", args=[world.resident1.pk]))
    assert worker_page.context["reveals"] == []


# --- filters --------------------------------------------------------------------


def listed(response):
    return {obj.pk for obj in response.context["page"].object_list}


def test_resident_filter_by_care_tag(world, login):
    response = login(world.district1).get(reverse("grids:resident_list"), {"care_tag": "elderly-alone"})
    assert listed(response) == {world.resident1.pk}


def test_resident_filter_by_age_band(world, login):
    child = make_resident(world.grid1, "小明", born=datetime.date.today().replace(year=datetime.date.today().year - 8))
    old = make_resident(world.grid1, "老李", born=datetime.date(1930, 1, 1))
    client = login(world.village1_user)
    assert listed(client.get(reverse("grids:resident_list"), {"age_band": "child"})) == {child.pk}
    assert listed(client.get(reverse("grids:resident_list"), {"age_band": "old"})) == {old.pk}
    assert listed(client.get(reverse("grids:resident_list"), {"age_band": "adult"})) == {world.resident1.pk}


def test_resident_filter_by_name_grid_and_gender(world, login):
    client = login(world.township1_user)
    assert listed(client.get(reverse("grids:resident_list"), {"q": "小红"})) == {world.resident2.pk}
    assert listed(client.get(reverse("grids:resident_list"), {"grid": world.grid1.pk})) == {world.resident1.pk}
    assert listed(client.get(reverse("grids:resident_list"), {"gender": "F"})) == {world.resident2.pk}


@pytest.mark.parametrize("ids", [0, 1, 5_000])
@pytest.mark.parametrize("who", ["admin", "district1", "township1_user", "village1_user", "grid1_user"])
def test_a_name_search_finds_the_same_residents_whatever_its_path(world, login, monkeypatch, ids, who):
    """A name search reads the matching ids first when there are at most ``SEARCH_IDS`` of
    them (PostgreSQL), within the jurisdiction's villages as a list: the same residents, in
    name order, as a plain filter, for every role and past the limit."""
    from govcenter import filters

    monkeypatch.setattr(filters, "SEARCH_IDS", ids)
    wang = [
        make_resident(grid, f"王{i}") for i, grid in enumerate([world.grid1, world.grid1b, world.grid2, world.grid3])
    ]
    user = getattr(world, who)
    client = login(user)
    response = client.get(reverse("grids:resident_list"), {"q": "王"})
    expected = [r.pk for r in residents_visible_to(user).filter(name__contains="王").order_by("name", "pk")]
    assert [r.pk for r in response.context["page"].object_list] == expected
    assert expected and set(expected) <= {r.pk for r in wang} | {
        world.resident1.pk,
        world.resident2.pk,
        world.resident3.pk,
    }
    assert listed(client.get(reverse("grids:resident_list"), {"q": "无此人"})) == set()


def test_resident_filter_offers_only_visible_grids_and_ignores_others(world, login):
    response = login(world.village1_user).get(reverse("grids:resident_list"), {"grid": world.grid3.pk})
    assert response.status_code == 200
    grid_choices = set(response.context["filter"].form.fields["grid"].queryset)
    assert grid_choices == {world.grid1, world.grid1b}
    assert world.resident3.pk not in listed(response)


def test_grid_filter_team_incomplete_and_complete(world, login):
    client = login(world.district1)
    incomplete = listed(client.get(reverse("grids:grid_list"), {"team": "incomplete"}))
    complete = listed(client.get(reverse("grids:grid_list"), {"team": "complete"}))
    assert complete == {world.grid1.pk}
    assert incomplete == {world.grid1b.pk, world.grid2.pk, world.grid3.pk}


def test_grid_filter_by_township_village_and_search(world, login):
    client = login(world.district1)
    assert listed(client.get(reverse("grids:grid_list"), {"township": world.township2.pk})) == {world.grid3.pk}
    assert listed(client.get(reverse("grids:grid_list"), {"village": world.village1.pk})) == {
        world.grid1.pk,
        world.grid1b.pk,
    }
    assert listed(client.get(reverse("grids:grid_list"), {"q": "西岭"})) == {world.grid2.pk}
    assert listed(client.get(reverse("grids:grid_list"), {"q": world.grid1b.code})) == {world.grid1b.pk}


def test_grid_filter_townships_are_those_of_the_user(world, login):
    form = login(world.village1_user).get(reverse("grids:grid_list")).context["filter"].form
    assert list(form.fields["township"].queryset) == [world.township1]
    assert list(form.fields["village"].queryset) == [world.village1]


def test_pagination_keeps_the_filter(world, login, settings):
    settings.PAGE_SIZE = 2
    for i in range(3):
        make_resident(world.grid1, f"王{i}")
    html = login(world.village1_user).get(reverse("grids:resident_list"), {"q": "王"}).content.decode()
    assert "?q=%E7%8E%8B&amp;page=2" in html


def test_bad_filter_values_do_not_break_the_list(world, login):
    client = login(world.village1_user)
    for params in ({"care_tag": "nonsense"}, {"age_band": "x"}, {"grid": "abc"}, {"page": "999"}, {"page": "x"}):
        assert client.get(reverse("grids:resident_list"), params).status_code == 200, params
    for params in ({"team": "x"}, {"township": "-1"}, {"page": "999"}):
        assert client.get(reverse("grids:grid_list"), params).status_code == 200, params


# --- query counts -----------------------------------------------------------------


def count_queries(client, path, params=None) -> int:
    """The page's queries with its filter form drawn afresh (none kept: govcenter.drawn_filters)."""
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_residents(world, n):
    for i in range(n):
        household = make_household(world.grid1, f"9组{world.grid1.households.count() + 1}号")
        make_resident(world.grid1, f"居民{i}", household=household, tags=["elderly-alone", "disability"])


def test_resident_list_query_count_does_not_grow_with_rows(world, login):
    client = login(world.village1_user)
    path, filters = reverse("grids:resident_list"), {"care_tag": "disability", "age_band": "adult"}
    add_residents(world, 5)
    few, few_filtered = count_queries(client, path), count_queries(client, path, filters)
    add_residents(world, 25)
    many, many_filtered = count_queries(client, path), count_queries(client, path, filters)
    assert many == few
    assert many_filtered == few_filtered


def add_grids(village, start, n):
    for i in range(start, start + n):
        grid = make_grid(village, i)
        make_household(grid)


def test_grid_list_query_count_does_not_grow_with_rows(world, login, django_assert_max_num_queries):
    client = login(world.district1)
    path, filters = reverse("grids:grid_list"), {"team": "incomplete", "township": world.township1.pk}
    add_grids(world.village1, 10, 5)
    few, few_filtered = count_queries(client, path), count_queries(client, path, filters)
    add_grids(world.village2, 10, 30)
    with django_assert_max_num_queries(few):
        response = client.get(path)
    assert len(response.context["page"].object_list) == 25  # a full page: the rows really grew
    assert count_queries(client, path, filters) == few_filtered


def test_grid_detail_and_household_detail_query_counts_do_not_grow(world, login):
    client = login(world.village1_user)
    add_residents(world, 3)
    grid_few = count_queries(client, reverse("grids:grid_detail", args=[world.grid1.pk]))
    household_few = count_queries(client, reverse("grids:household_detail", args=[world.household1.pk]))
    add_residents(world, 20)
    for i in range(5):
        make_resident(world.grid1, f"户内{i}", household=world.household1, tags=["veteran"])
    assert count_queries(client, reverse("grids:grid_detail", args=[world.grid1.pk])) == grid_few
    assert count_queries(client, reverse("grids:household_detail", args=[world.household1.pk])) == household_few


@pytest.mark.parametrize("q", ["am", "AM", "Am", "王", "my王"])
def test_a_name_search_ignores_case_and_finds_any_part(world, login, q):
    """Short Chinese searches take a plain LIKE (nothing to upper-case); letters still match
    in either case, and any part of the name matches."""
    amy = make_resident(world.grid1, "Amy王")
    client = login(world.village1_user)
    assert amy.pk in listed(client.get(reverse("grids:resident_list"), {"q": q}))
