"""Reads of campaigns, distributions, assignments and activities, always starting from
the one jurisdiction rule in ``govcenter.jurisdiction``.

Who sees a campaign (DESIGN.md, publicity):

- while a draft (or returned for changes): the staff of the centre that drafted it;
- once submitted: also the district centre that reviews it;
- once distributed: also everyone whose jurisdiction received it: the centres of the
  villages it went to and the townships above them, police of those villages, and the
  grid teams it was handed to.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from govcenter.jurisdiction import scope_of
from govcenter.models import Area, User
from grids.models import Grid
from grids.selectors import police_of_grids

from .models import Activity, Assignment, Campaign, VillageDistribution
from .rules import centre_area_id

Role = User.Role


def _area_q(scope, *, grid: str | None = "grid") -> Q:
    return scope.q(village="village", grid=grid, township="township", district="district")


def distributions_visible_to(user) -> QuerySet[VillageDistribution]:
    """Villages' copies of campaigns: the centres and police of those villages see them, and
    a grid team sees its village's copy once the campaign was handed to its grid."""
    scope = scope_of(user)
    q = _area_q(scope, grid=None)
    if scope.grid_ids:
        mine = Assignment.objects.filter(grid_id__in=sorted(scope.grid_ids)).values("distribution_id")
        q |= Q(pk__in=mine)
    return VillageDistribution.objects.filter(q)


def assignments_visible_to(user) -> QuerySet[Assignment]:
    scope = scope_of(user)
    return Assignment.objects.filter(_area_q(scope))


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    scope = scope_of(user)
    if scope.everything:
        return Campaign.objects.all()
    q = Q(pk__in=[])
    own = centre_area_id(user)
    if own is not None:
        q |= Q(owner_area_id=own)
    if user.role == Role.DISTRICT_STAFF and own is not None:
        # The district reviews every submitted campaign of its district and sees all it sent.
        return Campaign.objects.filter(q | (Q(district_id=own) & ~Q(status=Campaign.Status.DRAFT)))
    if scope.area is not None or scope.village_ids:
        q |= Q(pk__in=VillageDistribution.objects.filter(_area_q(scope, grid=None)).values("campaign_id"))
    if scope.grid_ids:
        q |= Q(pk__in=Assignment.objects.filter(grid_id__in=sorted(scope.grid_ids)).values("campaign_id"))
    return Campaign.objects.filter(q)


def activities_visible_to(user) -> QuerySet[Activity]:
    """Activities of assignments the user sees (the sentiment log itself keeps its own rules)."""
    scope = scope_of(user)
    return Activity.objects.filter(
        scope.q(
            village="assignment__village",
            grid="assignment__grid",
            township="assignment__township",
            district="assignment__district",
        )
    )


# --- the choices of the forms (passed in by the views) ---------------------------------------


def distribution_places(campaign: Campaign) -> dict[str, QuerySet[Area]]:
    """The townships and villages of the campaign's district: where it may be distributed."""
    below = Area.objects.filter(path__startswith=campaign.district.path).order_by("code")
    return {"townships": below.filter(level=Area.Level.TOWNSHIP), "villages": below.filter(level=Area.Level.VILLAGE)}


def grids_to_hand_out(distribution: VillageDistribution) -> QuerySet[Grid]:
    """The grids of the village that have not had the campaign yet."""
    assigned = distribution.assignments.values("grid_id")
    return Grid.objects.filter(village_id=distribution.village_id).exclude(pk__in=assigned).order_by("code")


def activity_companions(assignment: Assignment) -> QuerySet[User]:
    """Who may accompany the grid team's activity: the police serving its grid now."""
    return police_of_grids([assignment.grid_id]).order_by("grid_memberships__duty", "pk")


def district_staff(district_id: int) -> QuerySet[User]:
    return User.objects.filter(is_active=True, role=Role.DISTRICT_STAFF, area_id=district_id)


def area_staff(area_id: int) -> QuerySet[User]:
    """The staff of the centre of ``area`` (whichever level it is)."""
    return User.objects.filter(
        is_active=True, role__in=(Role.DISTRICT_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_CLERK), area_id=area_id
    )


def township_of(village: Area) -> Area:
    return Area.objects.get(code=Area.parent_code_of(village.code))


# --- progress ------------------------------------------------------------------------


@dataclass
class Figures:
    villages: int = 0
    assigned: int = 0
    covered: int = 0  # grids with at least one activity
    done: int = 0
    overdue: int = 0
    activities: int = 0
    participants: int = 0
    households: int = 0

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def coverage_percent(self) -> int:
        return round(100 * self.covered / self.assigned) if self.assigned else 0


@dataclass
class VillageRow:
    village: Area
    township_id: int
    distribution_id: int
    figures: Figures


@dataclass
class TownshipRow:
    township: Area
    figures: Figures = field(default_factory=Figures)
    villages: list[VillageRow] = field(default_factory=list)


@dataclass
class Progress:
    total: Figures
    townships: list[TownshipRow]


def campaign_progress(user, campaign: Campaign, *, today: datetime.date | None = None) -> Progress:
    """Grids assigned, covered and done, overdue assignments, activities, people and
    households reached, per village and township of the user's jurisdiction.

    Four queries whatever the size of the district: the distributions (with their
    village and township), assignments grouped by village, activities grouped by
    village, and the townships' names.
    """
    today = today or timezone.localdate()
    distributions = list(
        distributions_visible_to(user).filter(campaign=campaign).select_related("village").order_by("village__code")
    )
    by_village = (
        assignments_visible_to(user)
        .filter(campaign=campaign)
        .order_by()
        .values("village_id")
        .annotate(
            assigned=Count("pk"),
            done=Count("pk", filter=Q(done_at__isnull=False)),
            overdue=Count("pk", filter=Q(done_at__isnull=True, due_on__lt=today)),
        )
    )
    assignment_counts = {row["village_id"]: row for row in by_village}
    activity_rows = (
        activities_visible_to(user)
        .filter(assignment__campaign=campaign)
        .order_by()
        .values("assignment__village_id")
        .annotate(
            n=Count("pk"),
            covered=Count("assignment_id", distinct=True),
            participants=Sum("log__participants"),
            households=Sum("log__households_reached"),
        )
    )
    activity_counts = {row["assignment__village_id"]: row for row in activity_rows}
    townships = {a.pk: a for a in Area.objects.filter(pk__in={d.township_id for d in distributions}).order_by("code")}

    rows: dict[int, TownshipRow] = {pk: TownshipRow(township=t) for pk, t in townships.items()}
    total = Figures()
    for d in distributions:
        a = assignment_counts.get(d.village_id, {})
        act = activity_counts.get(d.village_id, {})
        figures = Figures(
            villages=1,
            assigned=a.get("assigned", 0),
            done=a.get("done", 0),
            overdue=a.get("overdue", 0),
            covered=act.get("covered", 0),
            activities=act.get("n", 0),
            participants=act.get("participants") or 0,
            households=act.get("households") or 0,
        )
        row = rows[d.township_id]
        row.villages.append(
            VillageRow(village=d.village, township_id=d.township_id, distribution_id=d.pk, figures=figures)
        )
        row.figures.add(figures)
        total.add(figures)
    return Progress(total=total, townships=[rows[pk] for pk in townships])
