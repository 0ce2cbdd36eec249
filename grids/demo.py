"""Demo data of the grids app: 2-3 grids per village with full teams, households and
residents with valid ID numbers and care tags.

Called by ``manage.py seed_demo`` with the context of ``govcenter.demo``. The whole
plan is drawn from a seeded generator first and then compared with the database by
natural keys (grid codes, usernames, household numbers, ID-number hashes), so a
second run creates nothing and the counts stay the same.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from govcenter.demo import DemoContext, mobile, person_name, surname
from govcenter.models import Area, User
from govcenter.pii import id_check_char, keyed_hash

from .models import CareTag, Grid, GridMembership, Household, Resident
from .services import TeamError, membership_add

Duty = GridMembership.Duty
TEAM_START = datetime.date(2025, 3, 1)
# Clan villages: most families share a few surnames.
VILLAGE_SURNAMES = {
    "东山村": "王李",
    "西岭村": "陈",
    "柳溪村": "金沈",
    "南湖村": "周吴",
    "石桥村": "徐",
    "枫林村": "叶方",
    "青山村": "楼",
    "竹坞村": "俞朱",
    "梅岭村": "应郑",
    "新安村": "",
}
# Houses of people moved here from a reservoir area (移民安置).
RESETTLEMENT_VILLAGES = {"新安村"}


@dataclass
class Person:
    name: str
    gender: str
    birth_date: datetime.date
    relation: str
    tags: list[str] = field(default_factory=list)
    phone: str = ""
    note: str = ""
    ethnicity: str = "汉族"
    id_number: str = ""


def _born(rng: random.Random, ctx: DemoContext, age: int) -> datetime.date:
    return ctx.reference_date - datetime.timedelta(days=age * 365 + rng.randrange(1, 365))


def _household(rng: random.Random, ctx: DemoContext, family_names: str) -> list[Person]:
    """The members of one household, head first, in one of the shapes a village has."""

    def person(gender: str, age: int, relation: str, family: str = "", **kw) -> Person:
        born = _born(rng, ctx, max(age, 0))
        p = Person(person_name(rng, gender, born.year, family), gender, born, relation, **kw)
        if 18 <= age <= 75 and rng.random() < 0.9:
            p.phone = mobile(rng)
        return p

    family = surname(rng, family_names)
    shape = rng.choices(["alone", "couple", "left_behind", "left_behind_woman", "family"], weights=[10, 14, 12, 7, 57])[
        0
    ]
    if shape == "alone":
        gender = "F" if rng.random() < 0.6 else "M"
        return [person(gender, rng.randint(68, 92), "户主", family, tags=["elderly-alone"])]
    if shape == "couple":
        age = rng.randint(62, 84)
        return [person("M", age, "户主", family), person("F", age - rng.randint(-1, 5), "配偶")]
    if shape == "left_behind":
        # Grandparents raising the children of a son who works in the city.
        age = rng.randint(56, 72)
        son_age = age - rng.randint(24, 30)
        members = [
            person("M", age, "户主", family),
            person("F", age - rng.randint(0, 4), "配偶"),
            person("M", son_age, "子", family, note="外出务工（浙江宁波）"),
        ]
        for _ in range(rng.choice([1, 1, 2])):
            gender = rng.choice("MF")
            members.append(
                person(
                    gender, rng.randint(3, 15), "孙子" if gender == "M" else "孙女", family, tags=["left-behind-child"]
                )
            )
        return members
    if shape == "left_behind_woman":
        age = rng.randint(30, 46)
        members = [
            person("M", age + rng.randint(0, 4), "户主", family, note="外出务工"),
            person("F", age, "配偶", tags=["left-behind-woman"]),
        ]
        for _ in range(rng.choice([1, 2])):
            gender = rng.choice("MF")
            members.append(person(gender, rng.randint(2, max(2, age - 24)), "子" if gender == "M" else "女", family))
        return members
    age = rng.randint(32, 60)
    members = [person("M", age, "户主", family), person("F", age - rng.randint(-2, 4), "配偶")]
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        gender = rng.choice("MF")
        members.append(person(gender, max(0, age - rng.randint(22, 32)), "子" if gender == "M" else "女", family))
    if rng.random() < 0.35:
        gender = rng.choice("MF")
        members.append(person(gender, age + rng.randint(24, 30), "父亲" if gender == "M" else "母亲", family))
    return members


def _add_tags(rng: random.Random, ctx: DemoContext, members: list[Person], village: Area) -> None:
    """Care tags on a realistic share of people, beyond those the household shape gave."""
    today = ctx.reference_date
    if village.name in RESETTLEMENT_VILLAGES and rng.random() < 0.6:
        for p in members:
            p.tags.append("resettled-migrant")
    head = members[0]
    if rng.random() < (0.2 if "elderly-alone" in head.tags else 0.05):
        head.tags.append("subsistence-allowance")
    for p in members:
        age = (today - p.birth_date).days // 365
        if rng.random() < 0.03:
            p.tags.append("disability")
        if p.gender == "M" and 40 <= age <= 80 and rng.random() < 0.05:
            p.tags.append("veteran")
        if 20 <= age <= 60 and rng.random() < 0.015:
            p.tags.append("key-person")


def _assign_id_numbers(rng: random.Random, people: list[Person], region: str) -> None:
    """GB 11643 numbers: region + birth date + 3-digit order (odd for men) + check char."""
    used: set[str] = set()
    for p in people:
        while True:
            order = rng.randrange(500) * 2 + (1 if p.gender == "M" else 0)
            first17 = f"{region}{p.birth_date:%Y%m%d}{order:03d}"
            if first17 not in used:
                used.add(first17)
                break
        p.id_number = first17 + id_check_char(first17)


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng("grids")
    R = User.Role

    # 1. Grids: 2 or 3 per village, each covering two village groups (村民小组).
    planned_grids: list[Grid] = []
    for village in ctx.villages:
        n = 3 if village == ctx.villages[0] else rng.choice([2, 2, 3])
        for k in range(1, n + 1):
            planned_grids.append(
                Grid(
                    village=village,
                    code=f"{village.code}{k:03d}",
                    name=f"{village.name}第{k}网格",
                    description=f"{village.name}{2 * k - 1}组、{2 * k}组",
                )
            )
    existing = set(Grid.objects.filter(code__in=[g.code for g in planned_grids]).values_list("code", flat=True))
    Grid.objects.bulk_create([g for g in planned_grids if g.code not in existing])
    grids = list(
        Grid.objects.filter(code__in=[g.code for g in planned_grids]).select_related("village").order_by("code")
    )
    ctx.grids = grids

    # 2. Teams: one community police officer per village (serving all its grids), one or
    #    two grid workers and one or two auxiliaries per grid.
    specs: list[dict] = []
    team_plan: list[tuple[Grid, str, str]] = []  # (grid, username, duty)
    counters = {"gw": 0, "cp": 0, "aux": 0}

    def new_user(prefix: str, role: str, **kw) -> str:
        username = kw.pop("username", None)
        if username is None:
            counters[prefix] += 1
            username = f"{prefix}_{counters[prefix]}"
        gender = "F" if rng.random() < (0.6 if prefix == "gw" else 0.2) else "M"
        specs.append(
            dict(
                username=username,
                role=role,
                phone=mobile(rng),
                full_name=kw.pop("full_name", None) or person_name(rng, gender, rng.randint(1972, 1998)),
                **kw,
            )
        )
        return username

    first_village = ctx.villages[0]
    for village in ctx.villages:
        station = ctx.station_of_village[village.pk]
        if village == first_village:
            police = new_user("cp", R.COMMUNITY_POLICE, username="police1", full_name="张伟", police_station=station)
        else:
            police = new_user("cp", R.COMMUNITY_POLICE, police_station=station)
        for grid in (g for g in grids if g.village_id == village.pk):
            if village == first_village and grid.code.endswith("001"):
                worker = new_user("gw", R.GRID_WORKER, username="grid1", full_name="王丽娟", area=village)
            else:
                worker = new_user("gw", R.GRID_WORKER, area=village)
            team_plan.append((grid, worker, Duty.GRID_WORKER))
            if rng.random() < 0.3:
                team_plan.append((grid, new_user("gw", R.GRID_WORKER, area=village), Duty.GRID_WORKER))
            team_plan.append((grid, police, Duty.COMMUNITY_POLICE))
            for _ in range(rng.choice([1, 2, 2])):
                team_plan.append(
                    (grid, new_user("aux", R.AUXILIARY_POLICE, police_station=station), Duty.AUXILIARY_POLICE)
                )
    users = ctx.ensure_users(specs)
    ctx.logins.extend(["grid1", "police1"])

    active = set(GridMembership.objects.filter(grid__in=grids, ended_on__isnull=True).values_list("grid_id", "user_id"))
    ctx.teams = {g.pk: [] for g in grids}
    for grid, username, duty in team_plan:
        user = users[username]
        # Drawn on every run, so that what follows is drawn the same way on every run.
        started_on = TEAM_START + datetime.timedelta(days=rng.randrange(0, 120))
        if (grid.pk, user.pk) not in active:
            try:
                membership_add(grid=grid, user=user, duty=duty, started_on=started_on)
            except TeamError as e:  # someone changed this team by hand since the last run
                ctx.stdout.write(f"  {grid}: {user.username} not added ({e})")
                continue
        ctx.teams[grid.pk].append((duty, user))

    # 3. Households and residents, 6-9 households a grid.
    households: list[Household] = []
    members_of: dict[tuple[int, str], list[Person]] = {}
    for grid in grids:
        village = grid.village
        group_base = 2 * int(grid.code[-3:]) - 1
        doors = {group_base: 0, group_base + 1: 0}
        for _ in range(rng.randint(6, 9)):
            group = rng.choice(sorted(doors))
            doors[group] += rng.randint(1, 4)
            number = f"{group}组{doors[group]}号"
            members = _household(rng, ctx, VILLAGE_SURNAMES.get(village.name, ""))
            _add_tags(rng, ctx, members, village)
            head = members[0]
            households.append(
                Household(
                    grid=grid,
                    village=village,
                    number=number,
                    address=f"{village.name}{number}",
                    head_name=head.name,
                    phone=head.phone or next((p.phone for p in members if p.phone), ""),
                )
            )
            members_of[(grid.pk, number)] = members
    all_people = [p for members in members_of.values() for p in members]
    _assign_id_numbers(rng, all_people, ctx.district.code[:6])
    for p in all_people:
        if rng.random() < 0.02:
            p.ethnicity = "畲族"  # the She people live in the hills of Zhejiang

    existing_h = set(Household.objects.filter(grid__in=grids).values_list("grid_id", "number"))
    Household.objects.bulk_create([h for h in households if (h.grid_id, h.number) not in existing_h])
    household_of = {(h.grid_id, h.number): h for h in Household.objects.filter(grid__in=grids)}

    grid_by_pk = {g.pk: g for g in grids}
    wanted = {keyed_hash(p.id_number): (key, p) for key, members in members_of.items() for p in members}
    existing_r = set(Resident.objects.filter(id_number_hash__in=list(wanted)).values_list("id_number_hash", flat=True))
    new_residents = []
    new_tags: list[tuple[str, list[str]]] = []
    for digest, ((grid_pk, number), p) in wanted.items():
        if digest in existing_r:
            continue
        grid = grid_by_pk[grid_pk]
        household = household_of[(grid_pk, number)]
        r = Resident(
            grid=grid,
            village_id=grid.village_id,
            household=household,
            relation=p.relation,
            name=p.name,
            gender=p.gender,
            birth_date=p.birth_date,
            ethnicity=p.ethnicity,
            phone=p.phone,
            address=household.address,
            note=p.note,
        )
        r.set_id_number(p.id_number)
        new_residents.append(r)
        if p.tags:
            new_tags.append((digest, p.tags))
    Resident.objects.bulk_create(new_residents, batch_size=500)

    # 4. Care tags of the residents made in this run (a tag removed by hand stays removed).
    if new_tags:
        tag_pk = dict(CareTag.objects.values_list("code", "pk"))
        resident_pk = dict(
            Resident.objects.filter(id_number_hash__in=[d for d, _ in new_tags]).values_list("id_number_hash", "pk")
        )
        Through = Resident.care_tags.through
        Through.objects.bulk_create(
            [
                Through(resident_id=resident_pk[d], caretag_id=tag_pk[t])
                for d, tags in new_tags
                for t in dict.fromkeys(tags)
                if t in tag_pk
            ],
            ignore_conflicts=True,
        )
