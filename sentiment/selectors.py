"""Reads of the sentiment log, always starting from the jurisdiction rule. Who staffs a
level and whom it may put in charge come from the kernel (``govcenter.levels``)."""

from __future__ import annotations

from django.db.models import QuerySet

from govcenter.jurisdiction import scope_of
from govcenter.models import Department
from grids.models import Grid, Resident

from . import rules
from .models import AgencyMatter, Log


def logs_visible_to(user) -> QuerySet[Log]:
    """Logs in the user's jurisdiction: their grids, village, township, district, police
    station's villages, or (department staff) the logs the district assigned them."""
    scope = scope_of(user)
    return Log.objects.filter(
        scope.q(village="village", grid="grid", township="township", district="district", department="department")
    )


def agency_matters_visible_to(user) -> QuerySet[AgencyMatter]:
    scope = scope_of(user)
    return AgencyMatter.objects.filter(
        scope.q(village="village", grid="grid", township="township", district="district")
    )


def log_rows(qs: QuerySet[Log]) -> QuerySet[Log]:
    """What a list, export or print row shows, fetched without per-row queries.

    Every row has a grid, village and grid worker: joined. The others, often empty, are
    prefetched (one query by primary key each, none when no row has one): with all eight
    joined, PostgreSQL spent 41 ms planning a district's list page and 0.5 ms running it."""
    return qs.select_related("grid", "village", "recorded_by").prefetch_related(
        "accompanied_by", "resident", "dispute", "handler", "department"
    )


def department_choices(log: Log) -> QuerySet[Department]:
    """The active departments of the log's district (whom the district may assign it to)."""
    return Department.objects.functional().filter(district_id=log.district_id, is_active=True).order_by("name")


def unit_choices(log: Log) -> QuerySet[Department]:
    """The active stations and institutes (站所) of the log's township (whom the township may
    assign it to)."""
    return Department.objects.units_of(log.township_id).filter(is_active=True).order_by("name")


def filing_grids(user) -> QuerySet[Grid]:
    """The grids where a grid worker or community police officer may file logs, in code
    order: those they serve now (``rules.can_file_in`` asks the same memberships)."""
    if not rules.can_file(user):
        return Grid.objects.none()
    return Grid.objects.filter(pk__in=sorted(scope_of(user).grid_ids)).select_related("village").order_by("code")


def logs_to_cosign(user) -> QuerySet[Log]:
    """The logs that name ``user`` as the accompanying officer and await his co-signature,
    oldest visit first, within what he sees (partial index ``log_awaiting_cosign``)."""
    if not getattr(user, "is_authenticated", False):
        return Log.objects.none()
    return logs_visible_to(user).filter(accompanied_by=user, cosign=Log.Cosign.AWAITING).order_by("occurred_at", "pk")


RECENT = 5  # recent residents and places offered on the filing form
RECENT_LOGS_READ = 50  # how far back in the worker's logs they are looked for


def _latest_distinct(logs: QuerySet[Log], column: str) -> list:
    """The first RECENT different values of ``column`` in ``logs``, newest log first: one query
    over at most the last RECENT_LOGS_READ logs (index ``log_worker_recent``)."""
    values = logs.order_by("-occurred_at", "-pk").values_list(column, flat=True)[:RECENT_LOGS_READ]
    return list(dict.fromkeys(values))[:RECENT]


def recent_residents(user, grids) -> list[Resident]:
    """The residents of ``grids`` in ``user``'s latest logs, newest first, each once: offered on
    the filing form before anything is typed (two queries)."""
    pks = _latest_distinct(Log.objects.filter(recorded_by=user, grid__in=grids, resident__isnull=False), "resident_id")
    by_pk = Resident.objects.select_related("household").in_bulk(pks)
    return [by_pk[pk] for pk in pks if pk in by_pk]


def recent_places(user) -> list[str]:
    """The places of ``user``'s latest logs, newest first, each once (the place field's suggestions)."""
    return _latest_distinct(Log.objects.filter(recorded_by=user).exclude(place=""), "place")


def last_choices(user, grids) -> dict:
    """Kind, category and place of the worker's last log in one of ``grids``: the filing form's
    presets (the worker visits the same kind of matter in a row)."""
    last = (
        Log.objects.filter(recorded_by=user, grid__in=grids)
        .order_by("-occurred_at", "-pk")
        .values("kind", "category", "place")
        .first()
    )
    return last or {}
