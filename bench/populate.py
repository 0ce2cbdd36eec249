"""Fill a database with a province's worth of data for `make bench`.

    python -m bench.populate --disputes 1000000 --residents 500000

Adds synthetic districts (codes 34xxxx, so they never collide with the demo district
330102) with townships, villages, one grid per village, staff accounts, residents and
disputes with two parties each, bulk-inserted. Runs on top of `seed_demo`, so the demo
users keep working and the demo district is one small county among many. Idempotent
in the sense that it only adds what is missing up to the requested totals.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govcenter.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from disputes.models import Dispute, LedgerCounter, Party  # noqa: E402
from disputes.parties import match_key  # noqa: E402
from govcenter.models import Area, Supervision, User  # noqa: E402
from govcenter.services import area_add_or_update  # noqa: E402
from grids.models import Grid, Resident  # noqa: E402
from sentiment.models import Log  # noqa: E402

BATCH = 5000
SURNAMES = "王陈张李吴周徐朱金沈杨黄胡赵俞钱孙刘蒋叶方章何林应郑"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂英建国志强"


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


# Early warning matches parties by ``Party.match_key`` (disputes.parties), so the ledger
# needs parties that recur, or the sweep would have nothing to find: about one respondent in
# twenty is one of a district's 40 companies (keyed by normalised name), and about one
# applicant in fifty one of the province's 20,000 people with an ID number (keyed by its hash).
COMPANIES = [f"{a}{b}建筑工程有限公司" for a in "宏达华盛远大金鼎" for b in ("", "新", "恒", "兴", "德")]
ORGANISATION_SHARE, KNOWN_PERSON_SHARE, KNOWN_PEOPLE = 0.05, 0.02, 20_000


def party(dispute: Dispute, role: str, who: str, rng: random.Random) -> Party:
    if role == "respondent" and rng.random() < ORGANISATION_SHARE:
        company = rng.choice(COMPANIES)
        key = match_key(
            kind="organisation",
            credit_code="",
            name=company,
            district_id=dispute.district_id,
            id_number_hash="",
            place_names=(),
        )
        return Party(dispute=dispute, role=role, kind="organisation", name=company, match_key=key)
    if role == "applicant" and rng.random() < KNOWN_PERSON_SHARE:
        digest = hashlib.sha256(f"bench-person-{rng.randrange(KNOWN_PEOPLE)}".encode()).hexdigest()
        return Party(dispute=dispute, role=role, name=who, id_number_hash=digest, match_key=f"p:{digest}")
    # People without an ID number: their match_key is "" (disputes.parties).
    return Party(dispute=dispute, role=role, name=who)


def ensure_areas(n_districts: int, townships: int, villages: int) -> list[Area]:
    """Synthetic districts 340101.. with their townships and villages (one grid each)."""
    districts = []
    for d in range(n_districts):
        code = f"34{d // 99 + 1:02d}{d % 99 + 1:02d}"
        district, created = area_add_or_update(code=f"{code}000000", name=f"基准区{d + 1}")
        districts.append(district)
        if not created and Area.objects.filter(path__startswith=district.path, level="village").exists():
            continue
        for t in range(townships):
            area_add_or_update(code=f"{code}{t + 1:03d}000", name=f"基准区{d + 1}镇{t + 1}")
            for v in range(villages):
                village, _ = area_add_or_update(
                    code=f"{code}{t + 1:03d}{v + 1:03d}", name=f"基准区{d + 1}镇{t + 1}村{v + 1}"
                )
                Grid.objects.get_or_create(
                    village=village, code=f"{village.code}001", defaults={"name": f"{village.name}网格"}
                )
    return districts


def ensure_staff(districts: list[Area]) -> None:
    """benchdistrict (staff of the first synthetic district), benchtownship, benchvillage."""
    first = districts[0]
    township = Area.objects.filter(level="township", path__startswith=first.path).order_by("code").first()
    village = Area.objects.filter(level="village", path__startswith=township.path).order_by("code").first()
    password = make_password("portal-demo-2026")
    for username, role, area in (
        ("benchdistrict", User.Role.DISTRICT_STAFF, first),
        ("benchtownship", User.Role.TOWNSHIP_STAFF, township),
        ("benchvillage", User.Role.VILLAGE_CLERK, village),
    ):
        User.objects.get_or_create(username=username, defaults={"role": role, "area": area, "password": password})


def places(districts: list[Area]) -> list[tuple[int, int, int, int]]:
    """(district_id, township_id, village_id, grid_id) for every synthetic village."""
    by_code = {a.code: a.pk for a in Area.objects.filter(code__startswith="34")}
    rows = []
    for grid in Grid.objects.filter(code__startswith="34").select_related("village"):
        v = grid.village.code
        rows.append((by_code[v[:6] + "000000"], by_code[v[:9] + "000"], grid.village_id, grid.pk))
    return rows


def add_disputes(target: int, districts: list[Area], rng: random.Random) -> None:
    have = Dispute.objects.filter(district__in=districts).count()
    if have >= target:
        print(f"disputes: {have} already")
        return
    spots = places(districts)
    registrar = User.objects.get(username="benchdistrict")
    dispute_type = ContentType.objects.get_for_model(Dispute)
    now = timezone.now()
    statuses = [s for s, _ in Dispute.Status.choices]
    closed = [s for s in statuses if s not in Dispute.OPEN_STATUSES]
    levels = ["village", "township", "district", "department"]
    categories = [c for c, _ in Dispute.Category.choices]
    sources = [s for s, _ in Dispute.Source.choices]
    counters: dict[tuple[int, int], int] = {
        (c.district_id, c.year): c.last for c in LedgerCounter.objects.filter(district__in=districts)
    }
    started = time.monotonic()
    made = have
    while made < target:
        n = min(BATCH, target - made)
        rows, pairs = [], []
        for _ in range(n):
            district_id, township_id, village_id, grid_id = rng.choice(spots)
            registered = now - datetime.timedelta(seconds=rng.randrange(2 * 365 * 86400))
            year = registered.astimezone(datetime.timezone(datetime.timedelta(hours=8))).year
            seq = counters[(district_id, year)] = counters.get((district_id, year), 0) + 1
            # As in a real ledger, most cases are closed; open ones are recent.
            if now - registered > datetime.timedelta(days=60):
                status = rng.choice(closed)
            else:
                status = rng.choice(statuses)
            level = rng.choice(levels)
            criminal, is_open = rng.random() < 0.03, status in Dispute.OPEN_STATUSES
            number = f"MD-34{district_id:04d}-{year}-{seq:06d}"
            applicant, respondent = name(rng), name(rng)
            summary, description = f"{applicant}与{respondent}纠纷", "基准测试数据：" + name(rng) * 3
            rows.append(
                Dispute(
                    number=number,
                    district_id=district_id,
                    township_id=township_id,
                    village_id=village_id,
                    grid_id=grid_id,
                    source=rng.choice(sources),
                    category=rng.choice(categories),
                    summary=summary,
                    description=description,
                    search_text=" ".join([number, summary, description, applicant, respondent]),
                    occurred_on=registered.date(),
                    risk_level=rng.choice(["general", "general", "significant", "major"]),
                    risk_criminal=criminal,
                    # Open cases flagged 民转刑 wait for the police (/police/); about one open
                    # case in a hundred is under supervision (/supervised/).
                    police_review="pending" if criminal and is_open else "",
                    police_review_due_at=registered + datetime.timedelta(days=5) if criminal and is_open else None,
                    supervised_at=registered + datetime.timedelta(days=20) if is_open and rng.random() < 0.01 else None,
                    status=status,
                    level=level,
                    registered_level="village",
                    registered_by=registrar,
                    registered_at=registered,
                    due_at=registered + datetime.timedelta(days=rng.randrange(3, 40)),
                )
            )
            pairs.append((applicant, respondent))
        with transaction.atomic():
            created = Dispute.objects.bulk_create(rows, batch_size=BATCH)
            Party.objects.bulk_create(
                [
                    party(d, role, who, rng)
                    for d, names in zip(created, pairs, strict=True)
                    for role, who in zip(("applicant", "respondent"), names, strict=True)
                ],
                batch_size=BATCH * 2,
            )
            # The district's supervision of the marked cases, as the supervisor's list reads it.
            Supervision.objects.bulk_create(
                [
                    Supervision(
                        content_type=dispute_type,
                        object_id=d.pk,
                        level="district",
                        area_id=d.district_id,
                        due_at=d.supervised_at + datetime.timedelta(days=7),
                        note="基准测试督办",
                        started_at=d.supervised_at,
                    )
                    for d in created
                    if d.supervised_at is not None
                ],
                batch_size=BATCH,
            )
        made += n
        rate = (made - have) / (time.monotonic() - started)
        print(f"\rdisputes: {made}/{target} ({rate:.0f}/s)", end="", flush=True)
    with transaction.atomic():
        for (district_id, year), last in counters.items():
            LedgerCounter.objects.update_or_create(district_id=district_id, year=year, defaults={"last": last})
    print()


def add_residents(target: int, districts: list[Area], rng: random.Random) -> None:
    grids = list(Grid.objects.filter(code__startswith="34").values_list("pk", "village_id"))
    have = Resident.objects.filter(grid__code__startswith="34").count()
    made = have
    while made < target:
        n = min(BATCH, target - made)
        rows = []
        for _ in range(n):
            grid_id, village_id = rng.choice(grids)
            rows.append(
                Resident(
                    grid_id=grid_id,
                    village_id=village_id,
                    name=name(rng),
                    gender=rng.choice("MF"),
                    birth_date=datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(33000)),
                )
            )
        Resident.objects.bulk_create(rows, batch_size=BATCH)
        made += n
        print(f"\rresidents: {made}/{target}", end="", flush=True)
    print()


def add_logs(target: int, districts: list[Area], rng: random.Random) -> None:
    """Sentiment logs over two years: most answered on the spot (filed), the reported ones
    open when recent and fed back when older. Written with COPY on PostgreSQL (5,000,000
    rows through the ORM's bulk_create would take most of an hour), bulk_create elsewhere."""
    have = Log.objects.filter(district__in=districts).count()
    if have >= target:
        print(f"logs: {have} already")
        return
    from django.db import connection

    spots = places(districts)
    filer = User.objects.get(username="benchvillage")
    now = timezone.now()
    kinds = [k for k, _ in Log.Kind.choices]
    categories = [c for c, _ in Log.Category.choices]
    open_statuses = [Log.Status.NEW, Log.Status.REPORTED_UP, Log.Status.IN_HAND]

    def make() -> dict:
        district_id, township_id, village_id, grid_id = rng.choice(spots)
        at = now - datetime.timedelta(seconds=rng.randrange(2 * 365 * 86400))
        reported = rng.random() < 0.1
        if not reported:
            status, next_step = Log.Status.FILED, Log.NextStep.ANSWERED
        elif now - at < datetime.timedelta(days=30):
            status, next_step = rng.choice(open_statuses), Log.NextStep.REPORT
        else:
            status, next_step = Log.Status.FED_BACK, Log.NextStep.REPORT
        return dict(
            grid_id=grid_id,
            village_id=village_id,
            township_id=township_id,
            district_id=district_id,
            recorded_by_id=filer.pk,
            occurred_at=at,
            kind=rng.choice(kinds),
            category=rng.choice(categories),
            visitor_name=name(rng),
            matter="基准测试民情：" + name(rng) * 2,
            next_step=next_step,
            status=status,
            reported_at=at if reported else None,
            due_at=at + datetime.timedelta(days=7) if reported else None,
            fed_back_at=at + datetime.timedelta(days=5) if status == Log.Status.FED_BACK else None,
            created_at=at,
            updated_at=at,
        )

    # Every column's value from one model instance (the defaults, prepared once); the rows
    # vary only in the columns make() sets.
    fields = [f for f in Log._meta.concrete_fields if not f.primary_key]
    sample = make()
    template = Log(**sample)
    started = time.monotonic()
    if connection.vendor == "postgresql":
        _logs_in_sql(target - have, fields, template, spots, kinds, categories, now, rng)
    else:
        made = have
        while made < target:
            n = min(BATCH * 10, target - made)
            Log.objects.bulk_create([Log(**make()) for _ in range(n)], batch_size=BATCH)
            made += n
            print(f"\rlogs: {made}/{target}", end="", flush=True)
    print(f"\rlogs: {target} ({(target - have) / (time.monotonic() - started):.0f}/s)")


def _logs_in_sql(n, fields, template, spots, kinds, categories, now, rng) -> None:
    """INSERT ... SELECT over generate_series: PostgreSQL makes the rows itself (5,000,000
    through Python took most of an hour on this machine), in chunks so that progress shows."""
    from django.db import connection

    varying = {
        "grid_id": "s.g",
        "village_id": "s.v",
        "township_id": "s.t",
        "district_id": "s.d",
        "occurred_at": "x.at",
        "created_at": "x.at",
        "updated_at": "x.at",
        "kind": "(%(kinds)s::text[])[1 + floor(x.k * %(nkinds)s)::int]",
        "category": "(%(categories)s::text[])[1 + floor(x.c * %(ncategories)s)::int]",
        "visitor_name": "(%(names)s::text[])[1 + floor(x.p * %(nnames)s)::int]",
        "matter": "'基准测试民情：' || (%(names)s::text[])[1 + floor(x.p2 * %(nnames)s)::int]",
        "next_step": "CASE WHEN x.rep < 0.1 THEN 'report' ELSE 'answered' END",
        "status": (
            "CASE WHEN x.rep >= 0.1 THEN 'filed' WHEN x.at < %(now)s - interval '30 days' THEN 'fed_back' "
            "ELSE (ARRAY['new', 'reported_up', 'in_hand'])[1 + floor(x.rep * 30)::int] END"
        ),
        "reported_at": "CASE WHEN x.rep < 0.1 THEN x.at END",
        "due_at": "CASE WHEN x.rep < 0.1 THEN x.at + interval '7 days' END",
        "fed_back_at": "CASE WHEN x.rep < 0.1 AND x.at < %(now)s - interval '30 days' THEN x.at + interval '5 days' END",
    }
    params = {
        "kinds": kinds,
        "nkinds": len(kinds),
        "categories": categories,
        "ncategories": len(categories),
        "names": [name(rng) for _ in range(500)],
        "nnames": 500,
        "now": now,
        "d": [p[0] for p in spots],
        "t": [p[1] for p in spots],
        "v": [p[2] for p in spots],
        "g": [p[3] for p in spots],
        "nspots": len(spots),
    }
    select = []
    for i, f in enumerate(fields):
        if f.attname in varying:
            select.append(varying[f.attname])
        else:
            key = f"c{i}"
            params[key] = f.get_db_prep_save(getattr(template, f.attname), connection)
            select.append(f"%({key})s")
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    chunk = 250_000
    done = 0
    while done < n:
        params["n"] = min(chunk, n - done)
        sql = f"""
            INSERT INTO {Log._meta.db_table} ({columns})
            SELECT {", ".join(select)}
            FROM (
                SELECT 1 + floor(random() * %(nspots)s)::int AS i,
                       %(now)s - random() * interval '730 days' AS at,
                       random() AS rep, random() AS k, random() AS c, random() AS p, random() AS p2
                FROM generate_series(1, %(n)s)
            ) x
            JOIN unnest(%(d)s::bigint[], %(t)s::bigint[], %(v)s::bigint[], %(g)s::bigint[])
                 WITH ORDINALITY AS s(d, t, v, g, i) ON s.i = x.i
        """
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
        done += params["n"]
        print(f"\rlogs: +{done}/{n}", end="", flush=True)


def _counts() -> tuple[int, int]:
    return Dispute.objects.count(), Log.objects.count()


def rebuild_tallies_if_needed(before: tuple[int, int]) -> None:
    """The bulk insert bypassed the services: recompute the dispute and log rollups
    (analysis.tallies) when disputes or logs were added or none were ever tallied."""
    from analysis.models import DisputeTally, LogTally
    from analysis.tallies import tally_rebuild

    if _counts() == before and DisputeTally.objects.exists() and LogTally.objects.exists():
        return
    started = time.monotonic()
    done = tally_rebuild()
    print(
        f"tallies: {done['tallies']} rows from {done['disputes']} disputes, {done['log_tallies']} from "
        f"{done['logs']} logs in {time.monotonic() - started:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=20)
    parser.add_argument("--townships", type=int, default=5)
    parser.add_argument("--villages", type=int, default=10)
    parser.add_argument("--disputes", type=int, default=int(os.environ.get("BENCH_DISPUTES", 200_000)))
    parser.add_argument("--residents", type=int, default=int(os.environ.get("BENCH_RESIDENTS", 200_000)))
    parser.add_argument("--logs", type=int, default=int(os.environ.get("BENCH_LOGS", 0)))
    args = parser.parse_args()
    rng = random.Random(2026)
    started = time.monotonic()
    districts = ensure_areas(args.districts, args.townships, args.villages)
    ensure_staff(districts)
    before = _counts()
    add_disputes(args.disputes, districts, rng)
    add_residents(args.residents, districts, rng)
    add_logs(args.logs, districts, rng)
    rebuild_tallies_if_needed(before)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum leaves a production database: statistics for the planner, and
            # the visibility map set, without which an index-only scan reads the heap anyway.
            cursor.execute("VACUUM ANALYZE")
    print(f"populated in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
