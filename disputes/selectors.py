"""Reads of the ledger, always starting from the jurisdiction rule."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from govcenter import levels
from govcenter.jurisdiction import is_admin, scope_of
from govcenter.models import Area, Department, PoliceStation, User
from govcenter.police import this_week_start
from govcenter.related import Gather, attach
from grids.models import Grid
from grids.selectors import areas_visible_to, grids_visible_to, villages_visible_to

from .models import CourtReferral, Dispute, Party, PoliceTransfer

Role = User.Role


def disputes_visible_to(user) -> QuerySet[Dispute]:
    scope = scope_of(user)
    return Dispute.objects.filter(
        scope.q(village="village", grid="grid", township="township", district="district", department="department")
    )


def ledger_rows(qs: QuerySet[Dispute], *, closing_records: bool = True) -> QuerySet[Dispute]:
    """What a list, print or export row shows, fetched without per-row queries.

    Only what nearly every case has is joined: its places and, once accepted, its handler.
    The relations a case seldom has (department, police station) and the reverse
    one-to-ones (transfer to police, court referral) are prefetched, one query by primary
    key each (none when no row of the page has one): with nine LEFT JOINs PostgreSQL spent
    75 ms planning the ledger's page query (executing it took 1 ms), with six still 10 ms.
    Without ``closing_records`` the transfer and referral are not read."""
    rows = qs.select_related("village", "township", "grid", "handler").prefetch_related(
        "department",
        "police_station",
        Prefetch("parties", queryset=Party.objects.order_by("role", "pk")),
    )
    if closing_records:
        rows = rows.prefetch_related(
            Prefetch("police_transfer", queryset=PoliceTransfer.objects.select_related("station")), "court_referral"
        )
    return rows


# What a row of the ledger's list shows (jinja2/disputes/ledger_rows.html, its badges and the
# deadline check), and no more. A dispute row has about seventy columns, the long texts and
# the search text among them; reading them all made PostgreSQL send, and psycopg and Django
# parse, about 6 KB per row. The places, handler and department are foreign keys here; their
# names come from ``with_list_records``. A field read on the page but missing here costs one
# query per row: tests/disputes/test_ledger_fields.py draws rows of every kind and fails on
# such a read.
LIST_ROW_FIELDS = (
    "number",
    "registered_at",
    "police_station",
    "village",
    "township",
    "grid",
    "category",
    "summary",
    "risk_level",
    "risk_criminal",
    "risk_mass_incident",
    "vulnerable_party",
    "status",
    "result_returned_at",
    "parties_told_at",
    "satisfaction",
    "supervised_at",
    "level",
    "referral",
    "department",
    "handler",
    "due_at",
    "urgent_at",
    "urgent_reason",
)
# The names a list row shows of what it points to (``User.display_name`` reads the four).
LIST_ROW_NAMES = {
    "village": ("name",),
    "township": ("name",),
    "grid": ("name",),
    "department": ("name",),
    "handler": ("full_name", "first_name", "last_name", "username"),
}


def list_rows(qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """The ledger's list: only the columns its rows show (``LIST_ROW_FIELDS``), nothing
    joined. The page's rows then take ``with_list_records``. The police station is not read
    (the row shows only whether there is one)."""
    return qs.only(*LIST_ROW_FIELDS)


def names_police_transfer(dispute: Dispute) -> bool:
    """Whether the case's closing note names its transfer to the police (dispute_badges.closing_notes)."""
    return dispute.status == Dispute.Status.TRANSFERRED_TO_POLICE


def names_court_referral(dispute: Dispute) -> bool:
    """Whether the case's closing note names its referral to court."""
    return dispute.status == Dispute.Status.NOT_RESOLVED and dispute.referral == Dispute.Referral.LITIGATION


# What a list row shows of the rows that point to its case: its parties' names, and the
# transfer or referral its closing note names (only for the rows whose note names one).
LIST_ROW_GATHER = {
    "_party_rows": Gather(Party, "dispute", ("role", "name")),
    "_transfer_rows": Gather(PoliceTransfer, "dispute", ("case_number", "station__name"), of=names_police_transfer),
    "_referral_rows": Gather(CourtReferral, "dispute", ("court", "outcome"), of=names_court_referral),
}


def with_list_records(disputes: list[Dispute]) -> list[Dispute]:
    """What a page of the ledger's rows shows beyond their own columns, in one query
    (``govcenter.related.attach``): the names of their places, handlers and departments;
    ``party_names``, the parties' names in the ledger's order (by role, then as entered);
    the transfer to the police or court referral of the rows whose closing note names one.

    Joined to the rows' query, the names cost PostgreSQL 2 ms of planning on every page (the
    dispute table's 28 indexes weighed for each join order); read as four queries (names,
    parties, transfers, referrals), each cost more in its round trip and Django's prefetch
    machinery than in the database."""
    attach(disputes, LIST_ROW_NAMES, LIST_ROW_GATHER)
    transfer_of = Dispute._meta.get_field("police_transfer")
    referral_of = Dispute._meta.get_field("court_referral")
    station_of = PoliceTransfer._meta.get_field("station")
    for dispute in disputes:
        db = dispute._state.db
        parties = sorted(dispute.__dict__.pop("_party_rows", ()), key=lambda row: (row[1], row[0]))
        dispute.party_names = [name for _pk, _role, name in parties]
        if names_police_transfer(dispute):
            transfer = None
            for pk, case_number, station_name in dispute.__dict__.pop("_transfer_rows", ())[:1]:
                transfer = PoliceTransfer.from_db(db, ["id", "case_number"], [pk, case_number])
                station_of.set_cached_value(transfer, PoliceStation.from_db(db, ["name"], [station_name]))
            transfer_of.set_cached_value(dispute, transfer)
        if names_court_referral(dispute):
            referral = None
            for pk, court, outcome in dispute.__dict__.pop("_referral_rows", ())[:1]:
                referral = CourtReferral.from_db(db, ["id", "court", "outcome"], [pk, court, outcome])
            referral_of.set_cached_value(dispute, referral)
    return disputes


# --- transfer to police and court referral (statistics count these apart) --------------------
# Dispute.objects / disputes_visible_to(user) also answer .resolved(), .not_resolved(),
# .transferred_to_police(), .awaiting_police_acknowledgement(), .referred_to_court() and
# .awaiting_court_outcome() (models.DisputeQuerySet).


def covering_stations(dispute: Dispute) -> QuerySet[PoliceStation]:
    """The police stations whose jurisdiction covers the dispute's village (a transfer's choices)."""
    if dispute.village_id is None:
        return PoliceStation.objects.none()
    return PoliceStation.objects.filter(villages=dispute.village_id, district_id=dispute.district_id).order_by("name")


def station_staff(station: PoliceStation) -> QuerySet[User]:
    """The active staff of ``station``: whom a transfer to it notifies."""
    return _station_staff().filter(police_station=station)


def _station_staff() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role=Role.STATION_STAFF)


def court_outcome_counts(qs: QuerySet[Dispute]) -> dict[str, int]:
    """Court referrals among ``qs`` per outcome ("" = awaiting the outcome)."""
    counts = dict.fromkeys(["", *CourtReferral.Outcome.values], 0)
    rows = CourtReferral.objects.filter(dispute__in=qs.referred_to_court()).values_list("outcome")
    for (outcome,) in rows:
        counts[outcome] += 1
    return counts


def handler_choices(dispute: Dispute) -> QuerySet[User]:
    """Who may be named handler at the current level (``govcenter.levels.handler_choices``:
    that level's staff, and at village level the grid workers of the dispute's grid), by name;
    in the police station's mediation room, the station's staff."""
    if dispute.in_station_room:
        people = station_staff(dispute.police_station)
    else:
        people = levels.handler_choices(dispute)
    return people.order_by("full_name", "username")


@dataclass(frozen=True)
class StationStaff:
    """``station_staff`` as a recipient group (``govcenter.reminders.Group``): the stations of
    a chunk of reminders are looked up in one query."""

    station_id: int | None

    @classmethod
    def members_of_many(cls, groups: Iterable[StationStaff]) -> dict[StationStaff, list[User]]:
        groups = list(groups)
        staff: dict[int, list[User]] = {}
        ids = {g.station_id for g in groups if g.station_id is not None}
        for user in _station_staff().filter(police_station_id__in=ids):
            staff.setdefault(user.police_station_id, []).append(user)
        return {g: staff.get(g.station_id, []) for g in groups}


def level_group(dispute: Dispute, level: str) -> StationStaff | levels.LevelStaff:
    """``level_people`` as a recipient group, looked up with a chunk's others."""
    if level == dispute.level and dispute.held_by_station:
        return StationStaff(dispute.police_station_id)
    return levels.LevelStaff.of(dispute, level)


def level_people(dispute: Dispute, level: str) -> QuerySet[User]:
    """Who works on ``dispute`` at ``level`` (whom notifications and reminders go to): the
    police station's staff while the station holds it (not yet handed to mediation, or in
    its own mediation room), else the level's staff (``govcenter.levels.level_staff``)."""
    if level == dispute.level and dispute.held_by_station:
        return station_staff(dispute.police_station)
    return levels.level_staff(dispute, level)


def _of_the_station(user, qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """``qs`` narrowed to the 110 disputes of ``user``'s police station (all stations' for
    administrators; none for anyone but station staff and community police)."""
    if is_admin(user):
        return qs
    if user.role not in (Role.STATION_STAFF, Role.COMMUNITY_POLICE) or user.police_station_id is None:
        return qs.none()
    return qs.filter(police_station_id=user.police_station_id)


def handed_to_mediation(user) -> QuerySet[Dispute]:
    """The 110 disputes ``user``'s police station handed to a village or township centre
    whose result the station has not confirmed yet: still being mediated, or back and
    awaiting the station's confirmation (the police home's "handed to mediation")."""
    qs = disputes_visible_to(user).filter(
        police_station__isnull=False,
        handed_to__in=[Dispute.HandedTo.VILLAGE, Dispute.HandedTo.TOWNSHIP],
        station_confirmed_at__isnull=True,
    )
    return _of_the_station(user, qs)


def awaiting_station_confirmation(user) -> QuerySet[Dispute]:
    """Of ``handed_to_mediation(user)``, those whose result came back (resolved or closed)."""
    return handed_to_mediation(user).filter(status__in=Dispute.CLOSED_STATUSES)


def station_villages(user) -> QuerySet[Area]:
    """The villages ``user``'s police station covers (where station staff and community
    police register 110 disputes)."""
    if not getattr(user, "police_station_id", None):
        return Area.objects.none()
    return Area.objects.filter(level=Area.Level.VILLAGE, covering_stations=user.police_station_id).order_by("code")


def department_choices(dispute: Dispute) -> QuerySet[Department]:
    """The functional departments the district may assign ``dispute`` to."""
    return Department.objects.functional().filter(district_id=dispute.district_id, is_active=True).order_by("name")


def unit_choices(dispute: Dispute) -> QuerySet[Department]:
    """The active stations and institutes (站所) of the dispute's township: whom the township
    may assign it to."""
    return Department.objects.units_of(dispute.township_id).filter(is_active=True).order_by("name")


def district_places(dispute: Dispute) -> dict[str, QuerySet]:
    """The townships, villages and grids of the dispute's district (a diversion's choices;
    the form narrows villages and grids to what is chosen above them)."""
    district = dispute.district
    return {
        "townships": Area.objects.filter(level=Area.Level.TOWNSHIP, path__startswith=district.path).order_by("code"),
        "villages": Area.objects.filter(level=Area.Level.VILLAGE, path__startswith=district.path).order_by("code"),
        "grids": Grid.objects.filter(village__path__startswith=district.path).order_by("code"),
    }


# --- the registration form's places (also the ledger filter's) --------------------------------


def townships_for(user) -> QuerySet[Area]:
    return areas_visible_to(user).filter(level=Area.Level.TOWNSHIP).order_by("code")


def villages_for(user, *, township: Area | None) -> QuerySet[Area]:
    """Villages to offer: those of the chosen township; without one, all the user's villages
    if they are few (a township or less), none for a district or administrator (hundreds)."""
    villages = villages_visible_to(user).order_by("code")
    if township is not None:
        return villages.filter(path__startswith=township.path)
    if is_admin(user) or user.role == Role.DISTRICT_STAFF:
        return villages.none()
    return villages


def grids_for(user, *, village: Area | None, township: Area | None = None) -> QuerySet[Grid]:
    """Grids to offer, following the same rule as ``villages_for``."""
    grids = grids_visible_to(user).select_related("village").order_by("code")
    if village is not None:
        return grids.filter(village=village)
    if is_admin(user) or user.role == Role.DISTRICT_STAFF:
        return grids.none()
    if township is not None:
        return grids.filter(village__path__startswith=township.path)
    return grids


# --- the police home page --------------------------------------------------------------------


def criminal_risk_open(user) -> QuerySet[Dispute]:
    """Open cases in ``user``'s area flagged at risk of turning criminal (民转刑)."""
    return disputes_visible_to(user).open().filter(risk_criminal=True)


def new_this_week(user, *, at: datetime.datetime) -> QuerySet[Dispute]:
    """Cases in ``user``'s area registered since Monday 00:00 (local time) of the week of ``at``."""
    return disputes_visible_to(user).filter(registered_at__gte=this_week_start(at))


# --- linked cases (关联) and merged cases (并案) ------------------------------------------------

LINK_PICKER_ROWS = 20


def linked_cases(dispute: Dispute) -> list[Dispute]:
    """The other members of ``dispute``'s group of linked cases, with their parties, by number."""
    if dispute.link_group_id is None:
        return []
    return list(
        ledger_rows(Dispute.objects.filter(link_group_id=dispute.link_group_id).exclude(pk=dispute.pk))
        .select_related("merged_into")
        .order_by("number")
    )


def mergeable_into(dispute: Dispute) -> QuerySet[Dispute]:
    """The linked cases that may be merged into ``dispute``: open, not merged yet, without
    merged cases of their own (the service asks each one's rule again)."""
    if dispute.link_group_id is None:
        return Dispute.objects.none()
    return (
        Dispute.objects.open()
        .filter(link_group_id=dispute.link_group_id, merged_into__isnull=True, merged_cases__isnull=True)
        .exclude(pk=dispute.pk)
        .order_by("number")
    )


def link_candidates(user, dispute: Dispute, q: str) -> list[Dispute]:
    """Disputes in ``user``'s jurisdiction matching ``q`` (ledger number or a party's name:
    ``Dispute.search_text``) that are not yet linked with ``dispute``, newest first, at most
    ``LINK_PICKER_ROWS``; the picker offers those of them the user may link."""
    if not q:
        return []
    qs = disputes_visible_to(user).filter(search_text__icontains=q).exclude(pk=dispute.pk)
    if dispute.link_group_id is not None:
        qs = qs.exclude(link_group_id=dispute.link_group_id)
    return list(ledger_rows(qs).order_by("-registered_at", "-pk")[:LINK_PICKER_ROWS])
