"""Demo data of the project package: a made-up district, its townships and villages,
police stations, functional departments, the first township's stations and institutes
(站所), and the staff accounts of the centres.

``seed(stdout)`` returns a ``DemoContext`` that the apps' own ``<app>.demo.seed(ctx)``
build on (``manage.py seed_demo`` calls them in dependency order). Everything is
keyed on natural keys (division codes, names, usernames), so running it again creates
nothing new; random choices come from generators seeded per app, so the data is the
same on every machine.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password

from .models import Area, Department, PoliceStation, User
from .services import area_add_or_update

DEMO_PASSWORD = "portal-demo-2026"
SEED = 2026
# Ages are counted from this day, not from today, so that a run next year makes the
# same people (the same ID numbers) and finds them already there.
REFERENCE_DATE = datetime.date(2026, 1, 1)

DISTRICT = ("330102000000", "清溪区")
# (township code, name, [(village code, name), ...]); the first township is "township1".
TOWNSHIPS = [
    ("330102001000", "桃源镇", [("330102001001", "东山村"), ("330102001002", "西岭村"), ("330102001003", "柳溪村")]),
    ("330102002000", "石门乡", [("330102002001", "南湖村"), ("330102002002", "石桥村"), ("330102002003", "枫林村")]),
    (
        "330102003000",
        "青山镇",
        [
            ("330102003001", "青山村"),
            ("330102003002", "竹坞村"),
            ("330102003003", "梅岭村"),
            ("330102003004", "新安村"),
        ],
    ),
]
# One station per township, covering its villages; the first is station1's.
STATIONS = [("桃源派出所", "0571-86231110"), ("石门派出所", "0571-86352110"), ("青山派出所", "0571-86473110")]
DEPARTMENTS = [
    "司法局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "民政局",
    "住房和城乡建设局",
    "农业农村局",
    "信访局",
    "市场监督管理局",
    "卫生健康局",
]
# The stations and institutes (站所) of the first township (station1's), after its name:
# (suffix, kind, the login of its staff member, their name). unit1 is a documented login.
UNITS = [
    ("司法所", Department.Kind.JUSTICE, "unit1", "郑文静"),
    ("民政办", Department.Kind.CIVIL_AFFAIRS, "unit2", "冯立军"),
]

# --- Names ------------------------------------------------------------------------------
# Common surnames of the region first (they are drawn more often), then national ones.
SURNAMES = (
    "王陈张李吴周徐朱金沈杨黄胡赵俞钱孙刘蒋叶方章何林应郑楼汪施潘姚毛邵丁"
    "马高罗梁谢宋唐许韩冯邓曹彭曾肖田董袁蔡余杜程魏吕任卢钟姜崔陆范石廖夏傅邹孟熊秦邱江尹薛段雷侯龙史陶贺顾龚万严戴孔"
)
# Given names by gender and by era of birth: before 1960, 1960-1989, 1990 and later.
_GIVEN_NAMES = {
    "M": (
        "建国 国庆 德明 福生 根宝 水根 金土 永福 志强 桂林 长根 雪根 土根 荣华 有才 庆丰 明德 家兴 国平 忠良",
        "建华 伟 强 军 勇 斌 海波 志刚 卫东 立新 建军 晓东 国华 宏伟 建平 永康 海军 文彬 俊杰 鹏 振华 利明",
        "浩 磊 杰 涛 宇 浩然 子轩 宇航 俊熙 一鸣 梓豪 博文 睿 子墨 天佑 皓轩 思远 嘉豪 明轩 晨阳 子豪 家乐",
    ),
    "F": (
        "秀英 桂英 凤英 玉兰 秀兰 桂芳 美娟 金花 月娥 彩凤 菊香 素珍 翠花 爱珍 云仙 小妹 杏娟 宝娣 招娣 银凤",
        "丽 芳 红 燕 静 丽娟 海燕 春燕 晓红 慧 玲 秀芳 丽萍 美玲 雪芳 晓燕 卫红 敏 小芳 琴 红英 素芬",
        "婷 欣怡 梓涵 雨萱 诗琪 佳怡 可馨 思雨 一诺 子涵 语桐 欣然 梦瑶 雅琪 若曦 依依 佳琪 紫涵 雨桐 思彤 静怡",
    ),
}
GIVEN = {(gender, era): names.split() for gender, eras in _GIVEN_NAMES.items() for era, names in enumerate(eras)}


def surname(rng: random.Random, preferred: str = "") -> str:
    """A surname; about half of a clan village shares its preferred surnames."""
    if preferred and rng.random() < 0.5:
        return rng.choice(preferred)
    # Triangular: the regional surnames at the front come up more often.
    return SURNAMES[int(rng.triangular(0, len(SURNAMES), 0))]


def given_name(rng: random.Random, gender: str, birth_year: int) -> str:
    era = 0 if birth_year < 1960 else 1 if birth_year < 1990 else 2
    return rng.choice(GIVEN[(gender, era)])


def person_name(rng: random.Random, gender: str, birth_year: int, family: str = "") -> str:
    return (family or surname(rng)) + given_name(rng, gender, birth_year)


MOBILE_PREFIXES = "130 131 133 135 136 137 138 139 150 151 152 155 157 158 159 180 181 183 186 187 188 189".split()


def mobile(rng: random.Random) -> str:
    prefix = rng.choice(MOBILE_PREFIXES)
    return prefix + f"{rng.randrange(10**8):08d}"


# --- Context handed to the apps -----------------------------------------------------------


@dataclass
class DemoContext:
    """What the demo of each app may build on. Apps add their own attributes
    (grids.demo sets ``grids`` and ``teams``) for the apps after them."""

    stdout: Any
    district: Area | None = None
    townships: list[Area] = field(default_factory=list)
    villages: list[Area] = field(default_factory=list)
    villages_of: dict[int, list[Area]] = field(default_factory=dict)  # township pk -> its villages
    stations: list[PoliceStation] = field(default_factory=list)
    station_of_village: dict[int, PoliceStation] = field(default_factory=dict)  # village pk -> station
    departments: dict[str, Department] = field(default_factory=dict)  # name -> department
    units: list[Department] = field(default_factory=list)  # the first township's stations and institutes
    users: dict[str, User] = field(default_factory=dict)  # username -> user, every user the demo made or found
    logins: list[str] = field(default_factory=list)  # usernames of the documented demo logins, in order
    reference_date: datetime.date = REFERENCE_DATE
    _password_hash: str = ""

    def rng(self, label: str) -> random.Random:
        """A generator of its own per app, so that one app adding data does not
        change what the next one draws."""
        return random.Random(f"{SEED}:{label}")

    def password_hash(self) -> str:
        # One PBKDF2 run for all demo accounts: hashing each of 80 accounts separately
        # would take most of a minute, and the password is public anyway.
        if not self._password_hash:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def ensure_users(self, specs: list[dict[str, Any]]) -> dict[str, User]:
        """Create the users of ``specs`` (dicts of User fields, keyed by ``username``)
        that do not exist yet; existing ones are left as they are (their password too)."""
        usernames = [s["username"] for s in specs]
        existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
        missing = [User(password=self.password_hash(), **s) for s in specs if s["username"] not in existing]
        if missing:
            User.objects.bulk_create(missing)
            existing.update({u.username: u for u in User.objects.filter(username__in=[u.username for u in missing])})
        self.users.update(existing)
        return {name: existing[name] for name in usernames}


def seed(stdout) -> DemoContext:
    ctx = DemoContext(stdout=stdout)
    rng = ctx.rng("govcenter")

    ctx.district, _ = area_add_or_update(code=DISTRICT[0], name=DISTRICT[1])
    for code, name, villages in TOWNSHIPS:
        township, _ = area_add_or_update(code=code, name=name)
        ctx.townships.append(township)
        ctx.villages_of[township.pk] = []
        for v_code, v_name in villages:
            village, _ = area_add_or_update(code=v_code, name=v_name)
            ctx.villages.append(village)
            ctx.villages_of[township.pk].append(village)

    for (name, phone), township in zip(STATIONS, ctx.townships, strict=True):
        station, _ = PoliceStation.objects.get_or_create(district=ctx.district, name=name, defaults={"phone": phone})
        station.villages.add(*ctx.villages_of[township.pk])
        ctx.stations.append(station)
        for village in ctx.villages_of[township.pk]:
            ctx.station_of_village[village.pk] = station

    for name in DEPARTMENTS:
        ctx.departments[name], _ = Department.objects.get_or_create(district=ctx.district, name=name)

    R = User.Role
    township1 = ctx.townships[0]
    for suffix, kind, _login, _name in UNITS:
        unit, _ = Department.objects.get_or_create(
            district=ctx.district, name=f"{township1.name}{suffix}", defaults={"township": township1, "kind": kind}
        )
        ctx.units.append(unit)
    village1, village2 = ctx.villages_of[township1.pk][:2]
    logins = [
        dict(
            username="admin",
            role=R.ADMINISTRATOR,
            full_name="陈志远",
            email="admin@example.org",
            is_staff=True,
            is_superuser=True,
        ),
        dict(
            username="district1",
            role=R.DISTRICT_STAFF,
            full_name="周明华",
            area=ctx.district,
            email="district1@example.org",
        ),
        dict(
            username="township1",
            role=R.TOWNSHIP_STAFF,
            full_name="吴建平",
            area=township1,
            email="township1@example.org",
        ),
        dict(username="village1", role=R.VILLAGE_CLERK, full_name="李春燕", area=village1),
        dict(username="village2", role=R.VILLAGE_CLERK, full_name="赵德明", area=village2),
        dict(username="station1", role=R.STATION_STAFF, full_name="刘国强", police_station=ctx.stations[0]),
        dict(username="dept1", role=R.DEPARTMENT_STAFF, full_name="孙晓梅", department=ctx.departments["司法局"]),
    ]
    # Every other centre, station and department gets a person too, so that later apps
    # have someone to notify and to hand work to at every level.
    staff = []
    for n, township in enumerate(ctx.townships[1:], start=2):
        staff.append(dict(username=f"ts_{n}", role=R.TOWNSHIP_STAFF, area=township))
    for n, village in enumerate(ctx.villages[2:], start=3):
        staff.append(dict(username=f"vc_{n}", role=R.VILLAGE_CLERK, area=village))
    for n, station in enumerate(ctx.stations[1:], start=2):
        staff.append(dict(username=f"ss_{n}", role=R.STATION_STAFF, police_station=station))
    for n, name in enumerate(DEPARTMENTS[1:], start=2):
        staff.append(dict(username=f"ds_{n}", role=R.DEPARTMENT_STAFF, department=ctx.departments[name]))
    for spec in staff:
        gender = rng.choice("MF")
        spec["full_name"] = person_name(rng, gender, rng.randint(1970, 1995))
        spec["phone"] = mobile(rng)
    for spec in logins:
        spec.setdefault("phone", mobile(rng))
    # The units' people come after every draw above, so that they change no other demo person.
    for unit, (_suffix, _kind, login, name) in zip(ctx.units, UNITS, strict=True):
        logins.append(dict(username=login, role=R.UNIT_STAFF, full_name=name, department=unit, phone=mobile(rng)))

    ctx.ensure_users(logins + staff)
    ctx.logins.extend(s["username"] for s in logins)
    return ctx
