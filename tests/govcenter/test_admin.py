import datetime

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.urls import reverse

from govcenter.models import Area, Notification, PersonalDataAccess, User
from govcenter.pii import keyed_hash
from grids.models import Grid, GridMembership, Resident
from tests.factories import make_id_number, make_user


@pytest.fixture
def admin_client(login, world):
    client = login(world.admin)  # with the second factor passed
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # assert on the English source strings
    return client


@pytest.fixture
def trails(world):
    Notification.objects.create(recipient=world.village1_user, title="请处理纠纷", url="/")
    PersonalDataAccess.objects.create(
        user=world.village1_user,
        content_type=ContentType.objects.get_for_model(Resident),
        object_id=world.resident1.pk,
        subject_label=str(world.resident1),
        ip_address="127.0.0.1",
    )


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_admin_changelist_add_and_change_page_loads(admin_client, trails, rf, world):
    request = rf.get("/")
    request.user = world.admin
    for model, model_admin in admin.site._registry.items():
        response = admin_client.get(_url(model, "changelist"))
        assert response.status_code == 200, model
        if model_admin.has_add_permission(request):
            assert admin_client.get(_url(model, "add")).status_code == 200, model
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            assert admin_client.get(_url(model, "change", obj.pk)).status_code == 200, model


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Grid, "team=incomplete"),
        (Grid, "team=no_police"),
        (Grid, "team=complete"),
        (Grid, "q=东山"),
        (Resident, "age=senior"),
        (Resident, "care_tags__id__exact=1"),
        (Resident, "q=王"),
        (GridMembership, "active=yes"),
        (User, "role=village_clerk"),
        (Area, "level=village"),
    ],
)
def test_admin_filters_and_search_load(admin_client, model, query):
    assert admin_client.get(f"{_url(model, 'changelist')}?{query}").status_code == 200


def test_township_filter_keeps_its_villages(admin_client, world):
    response = admin_client.get(f"{_url(Grid, 'changelist')}?township={world.township2.pk}")
    assert list(response.context["cl"].result_list) == [world.grid3]


def test_trails_are_read_only_and_access_log_is_never_deleted(admin_client, trails):
    access = PersonalDataAccess.objects.get()
    assert admin_client.get(_url(PersonalDataAccess, "add")).status_code == 403
    assert admin_client.get(_url(Notification, "add")).status_code == 403
    assert admin_client.post(_url(PersonalDataAccess, "delete", access.pk), {"post": "yes"}).status_code == 403
    assert PersonalDataAccess.objects.filter(pk=access.pk).exists()
    response = admin_client.post(_url(PersonalDataAccess, "change", access.pk), {"subject_label": "forged"})
    access.refresh_from_db()
    assert access.subject_label != "forged"
    assert response.status_code in (200, 403)


# --- Areas ---------------------------------------------------------------------------


def test_area_admin_adds_a_village_under_its_township(admin_client, world):
    response = admin_client.post(_url(Area, "add"), {"code": "330102001003", "name": "柳溪村"})
    assert response.status_code == 302
    village = Area.objects.get(code="330102001003")
    assert village.level == Area.Level.VILLAGE
    assert Area.objects.get_parent(village) == world.township1
    assert village in Area.objects.get_children(Area.objects.get(pk=world.township1.pk))


def test_area_admin_rejects_a_code_whose_parent_is_missing(admin_client):
    count = Area.objects.count()
    response = admin_client.post(_url(Area, "add"), {"code": "330102009001", "name": "无主村"})
    assert response.status_code == 200
    assert "330102009000 does not exist" in str(response.context["adminform"].form.errors["code"])
    assert Area.objects.count() == count


def test_area_admin_rejects_a_code_of_no_level(admin_client):
    response = admin_client.post(_url(Area, "add"), {"code": "330102000001", "name": "无名"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"]
    assert not Area.objects.filter(code="330102000001").exists()


def test_area_admin_changes_only_the_name_and_offers_no_move(admin_client, world):
    url = _url(Area, "change", world.village1.pk)
    page = admin_client.get(url).content.decode()
    assert "_position" not in page and "_ref_node_id" not in page
    response = admin_client.post(url, {"name": "东山新村", "code": "330102002009"})
    assert response.status_code == 302
    world.village1.refresh_from_db()
    assert (world.village1.name, world.village1.code) == ("东山新村", "330102001001")
    assert Area.objects.get_parent(world.village1) == world.township1


def test_area_with_sub_areas_cannot_be_deleted(admin_client, world):
    assert admin_client.post(_url(Area, "delete", world.township1.pk), {"post": "yes"}).status_code == 403
    assert Area.objects.filter(pk=world.township1.pk).exists()


# --- Users ---------------------------------------------------------------------------


def test_user_admin_adds_a_village_clerk_with_home_area(admin_client, world):
    response = admin_client.post(
        _url(User, "add"),
        {
            "username": "village9",
            "usable_password": "true",
            "password1": "Qingxi-2026-pass",
            "password2": "Qingxi-2026-pass",
            "role": User.Role.VILLAGE_CLERK,
            "full_name": "钱小梅",
            "area": world.village2.pk,
            "phone": "13812345678",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="village9")
    assert (user.role, user.area, user.full_name) == (User.Role.VILLAGE_CLERK, world.village2, "钱小梅")


def test_user_admin_refuses_a_clerk_without_a_village(admin_client, world):
    response = admin_client.post(
        _url(User, "add"),
        {
            "username": "village9",
            "usable_password": "true",
            "password1": "Qingxi-2026-pass",
            "password2": "Qingxi-2026-pass",
            "role": User.Role.VILLAGE_CLERK,
            "full_name": "钱小梅",
            "area": world.township1.pk,
        },
    )
    assert response.status_code == 200
    assert "area" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="village9").exists()


# --- Grid teams ------------------------------------------------------------------------


def _membership_post(grid, user, duty, **extra):
    return {
        "grid": grid.pk,
        "user": user.pk,
        "duty": duty,
        "started_on": "2026-02-01",
        "ended_on": "",
        "note": "",
        **extra,
    }


def test_membership_admin_refuses_a_second_police_officer(admin_client, world):
    other = make_user("police9", User.Role.COMMUNITY_POLICE, police_station=world.station)
    before = GridMembership.objects.count()
    response = admin_client.post(
        _url(GridMembership, "add"), _membership_post(world.grid1, other, GridMembership.Duty.COMMUNITY_POLICE)
    )
    assert response.status_code == 200
    assert "This grid already has a community police officer" in str(response.context["adminform"].form.errors)
    assert GridMembership.objects.count() == before


def test_membership_admin_adds_a_police_officer_through_the_service(admin_client, world):
    response = admin_client.post(
        _url(GridMembership, "add"), _membership_post(world.grid2, world.police1, GridMembership.Duty.COMMUNITY_POLICE)
    )
    assert response.status_code == 302
    membership = GridMembership.objects.get(grid=world.grid2, user=world.police1)
    assert membership.slot == 1 and membership.ended_on is None


def test_membership_admin_refuses_a_duty_that_does_not_fit_the_role(admin_client, world):
    response = admin_client.post(
        _url(GridMembership, "add"), _membership_post(world.grid2, world.village1_user, GridMembership.Duty.GRID_WORKER)
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors


def test_membership_admin_ends_a_membership_and_keeps_it(admin_client, world):
    membership = GridMembership.objects.get(grid=world.grid1, user=world.police1)
    response = admin_client.post(
        _url(GridMembership, "change", membership.pk),
        {"started_on": "2026-01-05", "ended_on": "2026-03-01", "note": "调岗"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.ended_on, membership.user, membership.grid) == (
        datetime.date(2026, 3, 1),
        world.police1,
        world.grid1,
    )


def _grid_post(grid, rows):
    """The grid change form with its membership inline: existing rows unchanged plus ``rows``."""
    existing = list(grid.memberships.order_by(F("ended_on").desc(nulls_first=True), "duty", "started_on"))
    data = {"village": grid.village_id, "code": grid.code, "name": grid.name, "description": ""}
    prefix = "memberships"
    forms = [
        {"id": m.pk, "grid": grid.pk, "started_on": m.started_on.isoformat(), "ended_on": "", "note": m.note}
        for m in existing
    ] + [{"grid": grid.pk, **row} for row in rows]
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": len(forms),
            f"{prefix}-INITIAL_FORMS": len(existing),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    )
    for i, form in enumerate(forms):
        data.update({f"{prefix}-{i}-{k}": v for k, v in form.items()})
    return data


def test_grid_inline_refuses_a_second_police_officer(admin_client, world):
    other = make_user("police9", User.Role.COMMUNITY_POLICE, police_station=world.station)
    row = {"user": other.pk, "duty": GridMembership.Duty.COMMUNITY_POLICE, "started_on": "2026-02-01", "ended_on": ""}
    response = admin_client.post(_url(Grid, "change", world.grid1.pk), _grid_post(world.grid1, [row]))
    assert response.status_code == 200
    assert "This grid already has a community police officer" in response.content.decode()
    assert not GridMembership.objects.filter(user=other).exists()


def test_grid_inline_adds_an_auxiliary_with_a_free_slot(admin_client, world):
    aux = make_user("aux9", User.Role.AUXILIARY_POLICE, police_station=world.station)
    row = {"user": aux.pk, "duty": GridMembership.Duty.AUXILIARY_POLICE, "started_on": "2026-02-01", "ended_on": ""}
    response = admin_client.post(_url(Grid, "change", world.grid1.pk), _grid_post(world.grid1, [row]))
    assert response.status_code == 302
    assert GridMembership.objects.get(user=aux).slot == 2


# --- Residents -------------------------------------------------------------------------


def _resident_post(world, **extra):
    data = {
        "grid": world.grid1.pk,
        "household": world.household1.pk,
        "relation": "配偶",
        "name": "陈秀英",
        "gender": "F",
        "birth_date": "",
        "ethnicity": "汉族",
        "phone": "",
        "address": "东山村1组1号",
        "note": "",
        "id_number": "",
    }
    data.update(extra)
    return data


def test_resident_admin_sets_the_id_number_and_shows_it_masked_only(admin_client, world):
    number = make_id_number(datetime.date(1952, 3, 8), female=True)
    response = admin_client.post(_url(Resident, "add"), _resident_post(world, id_number=number.lower()))
    assert response.status_code == 302, response.context["adminform"].form.errors
    resident = Resident.objects.get(name="陈秀英")
    assert resident.id_number_hash == keyed_hash(number)
    assert resident.birth_date == datetime.date(1952, 3, 8)
    page = admin_client.get(_url(Resident, "change", resident.pk)).content.decode()
    assert resident.id_number_masked in page
    assert number not in page and resident.id_number_encrypted not in page
    listing = admin_client.get(_url(Resident, "changelist")).content.decode()
    assert number not in listing and resident.id_number_encrypted not in listing


def test_resident_admin_finds_a_resident_by_full_id_number(admin_client, world):
    number = make_id_number(datetime.date(1961, 7, 1))
    world.resident2.set_id_number(number)
    world.resident2.save()
    response = admin_client.get(f"{_url(Resident, 'changelist')}?q={number}")
    assert list(response.context["cl"].result_list) == [world.resident2]


def test_resident_admin_rejects_a_bad_check_digit(admin_client, world):
    number = make_id_number(datetime.date(1952, 3, 8), female=True)
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    response = admin_client.post(_url(Resident, "add"), _resident_post(world, id_number=bad))
    assert response.status_code == 200
    assert "id_number" in response.context["adminform"].form.errors
    assert not Resident.objects.filter(name="陈秀英").exists()


def test_resident_admin_rejects_a_duplicate_id_number_and_a_foreign_household(admin_client, world):
    number = make_id_number(datetime.date(1952, 3, 8), female=True)
    world.resident2.set_id_number(number)
    world.resident2.save()
    response = admin_client.post(
        _url(Resident, "add"), _resident_post(world, id_number=number, household=world.household2.pk)
    )
    errors = response.context["adminform"].form.errors
    assert "id_number" in errors and "household" in errors


def test_resident_admin_keeps_the_id_number_when_the_field_is_left_empty(admin_client, world):
    resident = world.resident1
    before = resident.id_number_hash
    response = admin_client.post(
        _url(Resident, "change", resident.pk),
        _resident_post(world, name=resident.name, gender="M", birth_date="1980-05-17", relation="户主"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    resident.refresh_from_db()
    assert resident.id_number_hash == before and resident.relation == "户主"


def test_grid_admin_adds_a_grid_with_its_team(admin_client, world):
    worker = make_user("gw9", User.Role.GRID_WORKER, area=world.village3)
    aux = make_user("aux9", User.Role.AUXILIARY_POLICE, police_station=world.station2)
    data = {"village": world.village3.pk, "code": "330102002001002", "name": "南湖村第2网格", "description": ""}
    rows = [
        {"user": worker.pk, "duty": GridMembership.Duty.GRID_WORKER},
        {"user": world.police3.pk, "duty": GridMembership.Duty.COMMUNITY_POLICE},
        {"user": aux.pk, "duty": GridMembership.Duty.AUXILIARY_POLICE},
    ]
    data.update({"memberships-TOTAL_FORMS": 3, "memberships-INITIAL_FORMS": 0})
    for i, row in enumerate(rows):
        data.update({f"memberships-{i}-{k}": v for k, v in row.items()})
        data.update({f"memberships-{i}-started_on": "2026-02-01", f"memberships-{i}-ended_on": ""})
    response = admin_client.post(_url(Grid, "add"), data)
    assert response.status_code == 302
    grid = Grid.objects.with_team_counts().get(code="330102002001002")
    assert (grid.n_workers, grid.n_police, grid.n_auxiliaries) == (1, 1, 1)


def test_grid_inline_ends_one_police_officer_and_adds_the_next_in_one_save(admin_client, world):
    other = make_user("police9", User.Role.COMMUNITY_POLICE, police_station=world.station)
    row = {"user": other.pk, "duty": GridMembership.Duty.COMMUNITY_POLICE, "started_on": "2026-03-01", "ended_on": ""}
    data = _grid_post(world.grid1, [row])
    old = GridMembership.objects.get(grid=world.grid1, user=world.police1)
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == old.pk)
    data[f"memberships-{index}-ended_on"] = "2026-02-28"
    response = admin_client.post(_url(Grid, "change", world.grid1.pk), data)
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.ended_on == datetime.date(2026, 2, 28)
    assert GridMembership.objects.get(grid=world.grid1, ended_on__isnull=True, duty="community_police").user == other


@pytest.mark.postgres
@pytest.mark.django_db
def test_unfiltered_changelist_uses_the_planner_estimate_on_postgres(monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from govcenter.admin import EstimatedCountPaginator

    Area.objects.add_root({"code": "990001000000", "name": "测试区", "level": Area.Level.DISTRICT})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE govcenter_area")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 0)
    paginator = EstimatedCountPaginator(Area.objects.all(), 50)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.count == 1
    assert not any("COUNT(" in q["sql"] for q in ctx.captured_queries)
    # Filtered: counted exactly.
    assert EstimatedCountPaginator(Area.objects.filter(level=Area.Level.VILLAGE), 50).count == 0
