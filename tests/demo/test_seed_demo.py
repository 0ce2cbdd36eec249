import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from govcenter import jurisdiction
from govcenter.demo import DEMO_PASSWORD
from govcenter.management.commands.seed_demo import demo_module
from govcenter.models import Area, PoliceStation, User
from govcenter.pii import gender_from_id, validate_id_number
from grids.models import Grid, GridMembership, Household, Resident

R = User.Role


def counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def seeded(seeded_demo, db):
    """The demo, seeded once for tests/demo (tests/demo/conftest.py ``seeded_demo``); what a test
    writes is rolled back after it."""
    return seeded_demo


def test_seed_demo_twice_gives_the_same_counts(seeded):
    first = seeded.counts  # right after the first seed
    assert counts() == first
    pks = set(Resident.objects.values_list("pk", flat=True))
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    assert set(Resident.objects.values_list("pk", flat=True)) == pks
    assert "portal-demo-2026" in seeded.output and "police1" in seeded.output


def test_seed_demo_makes_a_district_of_realistic_size(seeded):
    district = Area.objects.get(level=Area.Level.DISTRICT)
    townships = Area.objects.filter(level=Area.Level.TOWNSHIP)
    villages = Area.objects.filter(level=Area.Level.VILLAGE)
    assert district.code == "330102000000"
    assert townships.count() == 3
    assert villages.count() >= 8
    for township in townships:
        assert Area.objects.get_children(township).count() >= 2
    assert Grid.objects.count() >= 20
    assert Household.objects.count() >= 150
    assert Resident.objects.count() >= 500
    assert Grid.objects.team_complete(False).count() == 0  # every grid has a worker and a police officer
    for grid in Grid.objects.with_team_counts():
        assert grid.n_workers >= 1 and grid.n_police == 1 and 1 <= grid.n_auxiliaries <= 2
    assert PoliceStation.objects.filter(villages__isnull=True).count() == 0
    assert set(Area.objects.filter(level=Area.Level.VILLAGE, covering_stations__isnull=True)) == set()


def test_demo_logins_exist_with_their_roles_and_homes(seeded, rf):
    township1 = Area.objects.get(code="330102001000")
    village1, village2 = Area.objects.get(code="330102001001"), Area.objects.get(code="330102001002")
    users = {u.username: u for u in User.objects.select_related("area", "police_station", "department")}
    expected = {
        "admin": R.ADMINISTRATOR,
        "district1": R.DISTRICT_STAFF,
        "township1": R.TOWNSHIP_STAFF,
        "village1": R.VILLAGE_CLERK,
        "village2": R.VILLAGE_CLERK,
        "grid1": R.GRID_WORKER,
        "police1": R.COMMUNITY_POLICE,
        "station1": R.STATION_STAFF,
        "dept1": R.DEPARTMENT_STAFF,
    }
    for username, role in expected.items():
        user = users[username]
        assert user.role == role, username
        assert user.full_name, username
        request = rf.post("/accounts/login/")  # the login throttle (django-axes) needs the request
        assert authenticate(request, username=username, password=DEMO_PASSWORD) == user, username
        user.full_clean()  # a home that fits the role
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["district1"].area.level == Area.Level.DISTRICT
    assert users["township1"].area == township1
    assert users["village1"].area == village1 and users["village2"].area == village2
    assert users["station1"].police_station == users["police1"].police_station
    assert users["dept1"].department.name == "司法局"
    assert users["district1"].email == "district1@example.org"


def test_grid1_and_police1_share_a_grid_in_village1(seeded):
    village1 = Area.objects.get(code="330102001001")
    active = GridMembership.objects.filter(ended_on__isnull=True)
    grid1_grids = set(
        active.filter(user__username="grid1", duty=GridMembership.Duty.GRID_WORKER).values_list("grid", flat=True)
    )
    police1_grids = set(
        active.filter(user__username="police1", duty=GridMembership.Duty.COMMUNITY_POLICE).values_list(
            "grid", flat=True
        )
    )
    shared = Grid.objects.filter(pk__in=grid1_grids & police1_grids)
    assert shared.exists()
    assert all(grid.village == village1 for grid in shared)


def test_station1_covers_township1s_villages(seeded):
    station = User.objects.get(username="station1").police_station
    covered = set(station.villages.values_list("code", flat=True))
    assert {"330102001001", "330102001002"} <= covered
    township1 = Area.objects.get(code="330102001000")
    assert covered == set(Area.objects.get_children(township1).values_list("code", flat=True))
    scope = jurisdiction.scope_of(User.objects.get(username="station1"))
    assert Area.objects.get(code="330102001002").pk in scope.village_ids


def test_every_resident_has_a_valid_id_number_that_fits_the_person(seeded):
    district = Area.objects.get(level=Area.Level.DISTRICT)
    residents = list(Resident.objects.all())
    hashes = set()
    for r in residents:
        number = r.reveal_id_number()
        assert validate_id_number(number) == number
        assert number.startswith(district.code[:6])
        assert number[6:14] == r.birth_date.strftime("%Y%m%d")
        assert gender_from_id(number) == r.gender
        assert r.id_number_masked == "*" * 14 + number[-4:]
        hashes.add(r.id_number_hash)
    assert len(hashes) == len(residents)


def test_residents_look_like_a_village(seeded):
    today = datetime.date(2026, 1, 1)
    residents = list(Resident.objects.prefetch_related("care_tags"))
    ages = [r.age(today) for r in residents]
    assert min(ages) < 10 and max(ages) >= 80
    assert sum(a >= 60 for a in ages) > len(ages) * 0.15
    tags = {}
    for r, age in zip(residents, ages, strict=True):
        for tag in r.care_tags.all():
            tags.setdefault(tag.code, []).append(age)
    assert tags["elderly-alone"] and all(a >= 60 for a in tags["elderly-alone"])
    assert tags["left-behind-child"] and all(a < 16 for a in tags["left-behind-child"])
    assert 0.05 < sum(len(v) for v in tags.values()) / len(residents) < 0.4
    assert all(r.phone[:2] in ("13", "15", "18") for r in residents if r.phone)
    assert all(r.household_id and r.village_id == r.grid.village_id for r in Resident.objects.select_related("grid"))
    assert len({r.name for r in residents}) > len(residents) * 0.7  # names vary


def test_demo_module_lookup_tells_a_missing_demo_from_a_broken_one(tmp_path, monkeypatch):
    for name, demo_source in [("nodemoapp", None), ("brokendemoapp", "import no_such_module_anywhere\n")]:
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text("")
        if demo_source:
            (package / "demo.py").write_text(demo_source)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert demo_module("grids") is not None
    assert demo_module("nodemoapp") is None
    assert demo_module("not_an_app_at_all") is None
    with pytest.raises(ModuleNotFoundError, match="no_such_module_anywhere"):
        demo_module("brokendemoapp")


def test_seed_demo_queues_no_mail_for_its_history(seeded):
    from govcenter.cache_versions import Replacement
    from govcenter.models import Notification

    # What django_capture_on_commit_callbacks would have caught, but for the cache's version
    # tokens the seeded places and calendar replace (govcenter.cache_versions), once each.
    waiting = [func for func in seeded.on_commit if not isinstance(func, Replacement)]
    assert waiting == []
    assert len(seeded.on_commit) <= 2
    assert Notification.objects.exists()
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()
