"""Builders for test data. ``build_world()`` makes two townships' worth of jurisdiction
with one user per role, so every test can ask "may alice, may bob, may anonymous"."""

from __future__ import annotations

import datetime
import itertools
from types import SimpleNamespace

from govcenter.models import Department, PoliceStation, User
from govcenter.pii import id_check_char
from govcenter.services import area_add_or_update
from grids.models import CareTag, Grid, GridMembership, Household, Resident
from grids.services import membership_add

PASSWORD = "test-pass-2026"
_seq = itertools.count(1)


def make_id_number(
    born: datetime.date = datetime.date(1980, 5, 17), region: str = "330102", female: bool = False
) -> str:
    """A valid 18-character ID number (GB 11643), distinct on every call."""
    n = next(_seq) % 500
    order = f"{n * 2 + (0 if female else 1):03d}"
    first17 = f"{region}{born:%Y%m%d}{order}"
    return first17 + id_check_char(first17)


def make_user(username: str, role: str, **kwargs) -> User:
    user = User(username=username, role=role, full_name=kwargs.pop("full_name", username), **kwargs)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_grid(village, number: int, name: str | None = None) -> Grid:
    return Grid.objects.create(
        village=village, code=f"{village.code}{number:03d}", name=name or f"{village.name}第{number}网格"
    )


def make_household(grid: Grid, number: str = "1号", head: str = "张三") -> Household:
    return Household.objects.create(grid=grid, number=number, address=f"{grid.village.name}{number}", head_name=head)


def make_resident(
    grid: Grid, name: str = "张三", *, household=None, born=datetime.date(1980, 5, 17), tags=(), **kwargs
) -> Resident:
    resident = Resident(
        grid=grid, household=household, name=name, gender=kwargs.pop("gender", "M"), birth_date=born, **kwargs
    )
    resident.set_id_number(make_id_number(born))
    resident.save()
    if tags:
        resident.care_tags.set(CareTag.objects.filter(code__in=tags))
    return resident


def build_world() -> SimpleNamespace:
    """District D with townships T1 (villages V1, V2) and T2 (village V3); one grid per village
    (two in V1); a police station covering T1's villages; one department; two stations and
    institutes (站所) of T1 and one of T2; one user per role (and per unit)."""
    w = SimpleNamespace()
    w.district, _ = area_add_or_update(code="330102000000", name="清溪区")
    w.township1, _ = area_add_or_update(code="330102001000", name="桃源镇")
    w.township2, _ = area_add_or_update(code="330102002000", name="石门乡")
    w.village1, _ = area_add_or_update(code="330102001001", name="东山村")
    w.village2, _ = area_add_or_update(code="330102001002", name="西岭村")
    w.village3, _ = area_add_or_update(code="330102002001", name="南湖村")
    w.grid1 = make_grid(w.village1, 1)
    w.grid1b = make_grid(w.village1, 2)
    w.grid2 = make_grid(w.village2, 1)
    w.grid3 = make_grid(w.village3, 1)
    w.station = PoliceStation.objects.create(name="桃源派出所", district=w.district)
    w.station.villages.set([w.village1, w.village2])
    w.station2 = PoliceStation.objects.create(name="石门派出所", district=w.district)
    w.station2.villages.set([w.village3])
    w.department = Department.objects.create(district=w.district, name="司法局")
    K = Department.Kind
    w.unit1 = Department.objects.create(district=w.district, township=w.township1, kind=K.JUSTICE, name="桃源司法所")
    w.unit1b = Department.objects.create(
        district=w.district, township=w.township1, kind=K.CIVIL_AFFAIRS, name="桃源民政办"
    )
    w.unit2 = Department.objects.create(district=w.district, township=w.township2, kind=K.JUSTICE, name="石门司法所")
    R = User.Role
    w.admin = make_user("admin", R.ADMINISTRATOR, is_staff=True, is_superuser=True)
    w.district1 = make_user("district1", R.DISTRICT_STAFF, area=w.district)
    w.township1_user = make_user("township1", R.TOWNSHIP_STAFF, area=w.township1)
    w.township2_user = make_user("township2", R.TOWNSHIP_STAFF, area=w.township2)
    w.village1_user = make_user("village1", R.VILLAGE_CLERK, area=w.village1)
    w.village2_user = make_user("village2", R.VILLAGE_CLERK, area=w.village2)
    w.village3_user = make_user("village3", R.VILLAGE_CLERK, area=w.village3)
    w.grid1_user = make_user("grid1", R.GRID_WORKER, area=w.village1)
    w.grid2_user = make_user("grid2", R.GRID_WORKER, area=w.village2)
    w.police1 = make_user("police1", R.COMMUNITY_POLICE, police_station=w.station)
    w.police3 = make_user("police3", R.COMMUNITY_POLICE, police_station=w.station2)
    w.aux1 = make_user("aux1", R.AUXILIARY_POLICE, police_station=w.station)
    w.station1 = make_user("station1", R.STATION_STAFF, police_station=w.station)
    w.station2_user = make_user("station2", R.STATION_STAFF, police_station=w.station2)
    w.dept1 = make_user("dept1", R.DEPARTMENT_STAFF, department=w.department)
    w.unit1_user = make_user("unit1", R.UNIT_STAFF, department=w.unit1)
    w.unit1b_user = make_user("unit1b", R.UNIT_STAFF, department=w.unit1b)
    w.unit2_user = make_user("unit2", R.UNIT_STAFF, department=w.unit2)
    today = datetime.date(2026, 1, 5)
    D = GridMembership.Duty
    membership_add(grid=w.grid1, user=w.grid1_user, duty=D.GRID_WORKER, started_on=today)
    membership_add(grid=w.grid1, user=w.police1, duty=D.COMMUNITY_POLICE, started_on=today)
    membership_add(grid=w.grid1, user=w.aux1, duty=D.AUXILIARY_POLICE, started_on=today)
    membership_add(grid=w.grid2, user=w.grid2_user, duty=D.GRID_WORKER, started_on=today)
    membership_add(grid=w.grid3, user=w.police3, duty=D.COMMUNITY_POLICE, started_on=today)
    w.household1 = make_household(w.grid1, "1组1号", "王大明")
    w.household2 = make_household(w.grid2, "2组5号", "李小红")
    w.household3 = make_household(w.grid3, "3组8号", "赵六")
    w.resident1 = make_resident(w.grid1, "王大明", household=w.household1, tags=["elderly-alone"])
    w.resident2 = make_resident(w.grid2, "李小红", household=w.household2, gender="F")
    w.resident3 = make_resident(w.grid3, "赵六", household=w.household3)
    return w
