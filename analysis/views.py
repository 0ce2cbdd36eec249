"""The statistics page (统计报表): the figures of ``analysis.figures`` for a period and a
scope within the user's jurisdiction, broken down by category, source, risk level,
handling level and area."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from disputes.filters import AREA_FILTERS, OPEN_STATUS
from disputes.models import Dispute, Level, RiskLevel
from disputes.selectors import disputes_visible_to, station_villages
from govcenter.forms import parse_pk
from govcenter.jurisdiction import is_admin, scope_of
from govcenter.levels import local_date
from govcenter.models import Area, User
from grids.models import Grid

from . import activity, figures
from .forms import PeriodForm

Role = User.Role

# Who gets the page: the centres, the police stations, the functional departments, administrators.
STATISTICS_ROLES = (
    Role.DISTRICT_STAFF,
    Role.TOWNSHIP_STAFF,
    Role.VILLAGE_CLERK,
    Role.STATION_STAFF,
    Role.DEPARTMENT_STAFF,
)
# The area a scope is broken down into.
CHILD_DIMENSION = {Area.Level.DISTRICT: "township", Area.Level.TOWNSHIP: "village", Area.Level.VILLAGE: "grid"}


def may_see_statistics(user) -> bool:
    return bool(user.is_authenticated and (is_admin(user) or user.role in STATISTICS_ROLES))


def scopes_for(user) -> QuerySet[Area]:
    """The areas ``user`` may narrow the statistics to: an administrator any; a centre its
    area and everything below; a police station the villages it covers; others none."""
    if is_admin(user):
        return Area.objects.all()
    scope = scope_of(user)
    if user.role in (Role.DISTRICT_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_CLERK) and scope.area is not None:
        return Area.objects.filter(path__startswith=scope.area.path)
    if user.role == Role.STATION_STAFF:
        return station_villages(user)
    return Area.objects.none()


def _scope_offered(user, chosen: Area | None) -> list[Area]:
    """The scopes the form lists: districts and townships (villages too below a district),
    and the chosen one."""
    areas = scopes_for(user).order_by("path")
    if is_admin(user) or user.role == Role.DISTRICT_STAFF:
        areas = areas.exclude(level=Area.Level.VILLAGE)
    offered = list(areas[:500])
    if chosen is not None and chosen not in offered:
        offered.append(chosen)
    return offered


def _cut(disputes: QuerySet[Dispute], area: Area | None) -> QuerySet[Dispute]:
    if area is None:
        return disputes
    return disputes.filter(**{area.level: area})


def _own_area(user) -> Area | None:
    scope = scope_of(user)
    return scope.area if not is_admin(user) else None


def _area_dimension(user, area: Area | None) -> str:
    if area is not None:
        return CHILD_DIMENSION[area.level]
    if is_admin(user):
        return "district"
    if user.role == Role.STATION_STAFF:
        return "village"
    return "township"


def _ledger_params(user, area: Area | None) -> dict[str, str]:
    """The ledger filter's parameters that narrow it to ``area`` (where the ledger offers them)."""
    offered = ("township", "village", "grid") if is_admin(user) else AREA_FILTERS.get(user.role, ())
    params = {}
    if area is not None and area.level == Area.Level.TOWNSHIP and "township" in offered:
        params["township"] = str(area.pk)
    if area is not None and area.level == Area.Level.VILLAGE:
        if "township" in offered:
            params["township"] = str(area.get_parent().pk)
        if "village" in offered:
            params["village"] = str(area.pk)
    return params


class Table:
    """One breakdown: rows of (label, counts and rates, ledger links, drill-down link or None),
    and the total row."""

    def __init__(self, title: str, rows: list, total: dict):
        self.title, self.rows, self.total = title, rows, total


def _links(base: dict, period: figures.Period, extra: dict | None, *, registered: bool = True) -> dict:
    """Ledger links for a row: registered in the period, open, overdue and supervised now.
    ``extra`` None: the row has no ledger filter (no links)."""
    if extra is None:
        return {}
    url = reverse("disputes:list")
    common = {**base, **extra}
    links = {
        "open": f"{url}?{urlencode({**common, 'status': OPEN_STATUS})}",
        "overdue": f"{url}?{urlencode({**common, 'overdue': 'yes'})}",
        "supervised": f"{url}?{urlencode({**common, 'supervised': 'yes'})}",
    }
    if registered:
        dates = {"registered_from": period.first.isoformat(), "registered_to": period.last.isoformat()}
        links["registered"] = f"{url}?{urlencode({**common, **dates})}"
    return links


def _choice_table(rows_by_key, choices, period, base, param: str, *, registered_links=True):
    """A row for every choice (zeros included), in the choices' order, with its ledger links."""
    rows = []
    for value, label in choices:
        row = rows_by_key.get(value) or figures.with_rates(dict.fromkeys(figures.COUNTS, 0))
        rows.append((label, row, _links(base, period, {param: value}, registered=registered_links)))
    return rows


def _area_rows(user, dimension, rows_by_key, period, base, query: dict):
    ids = [key for key in rows_by_key if key is not None]
    model = Grid if dimension == "grid" else Area
    names = {obj.pk: obj for obj in model.objects.filter(pk__in=ids)}
    offered = ("township", "village", "grid") if is_admin(user) else AREA_FILTERS.get(user.role, ())
    allowed = set(scopes_for(user).filter(pk__in=ids).values_list("pk", flat=True)) if model is Area else set()
    parents = {}
    if dimension == "village":
        paths = {obj.path[: -Area.steplen] for obj in names.values()}
        parents = dict(Area.objects.filter(path__in=paths).values_list("path", "pk"))
    rows = []
    for key, row in sorted(
        rows_by_key.items(), key=lambda item: (item[0] is None, getattr(names.get(item[0]), "code", ""))
    ):
        if key is None:
            rows.append((_("Not placed this low"), row, {}, None))
            continue
        obj = names[key]
        extra = None
        if dimension in offered:
            extra = {dimension: str(key)}
            if dimension == "village" and "township" in offered and "township" not in base:
                extra["township"] = str(parents[obj.path[: -Area.steplen]])
        drill = f"?{urlencode({**query, 'area': key})}" if key in allowed else None
        rows.append((obj.name, row, _links(base, period, extra), drill))
    return rows


@require_GET
@login_required
def statistics(request):
    user = request.user
    if not may_see_statistics(user):
        raise PermissionDenied
    area = None
    if "area" in request.GET and request.GET["area"] != "":
        pk = parse_pk(request.GET["area"])
        area = scopes_for(user).filter(pk=pk).first() if pk else None
        if area is None:
            raise Http404
    if area is None:
        area = _own_area(user)
    now = timezone.now()
    form = PeriodForm(request.GET or None, today=local_date(now))
    context = {
        "nav_active": "analysis",
        "form": form,
        "area": area,
        "scopes": _scope_offered(user, area),
        "now": now,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "analysis/statistics.html", context, status=200)
    period = form.cleaned_data["range"] if form.is_bound else _default_period(form)
    disputes = _cut(disputes_visible_to(user), area)
    base = _ledger_params(user, area)
    tally = figures.tally_scope(user, area)
    area_dimension = _area_dimension(user, area)
    total, breakdowns = figures.counts_and_breakdowns(
        disputes, period, ["category", "source", "risk_level", "level", area_dimension], now=now, tally=tally
    )
    tables = []
    for dimension, title, choices, param in (
        ("category", _("By category"), Dispute.Category.choices, "category"),
        ("source", _("By source"), Dispute.Source.choices, "source"),
        ("risk_level", _("By risk level"), RiskLevel.choices, "risk_level"),
        ("level", _("By handling level"), Level.choices, "level"),
    ):
        rows_by_key = breakdowns[dimension]
        # The ledger's level filter is the level handling a case now: right for the open
        # ones (overdue, supervised), not for one resolved through a returned result.
        rows = _choice_table(rows_by_key, choices, period, base, param, registered_links=dimension != "level")
        tables.append(Table(title, [(label, row, links, None) for label, row, links in rows], total))
    area_rows = _area_rows(
        user,
        area_dimension,
        breakdowns[area_dimension],
        period,
        base,
        _period_query(request),
    )
    tables.append(Table(_("By area"), area_rows, total))
    context.update(
        {
            "period": period,
            "total": total,
            "total_links": _links(base, period, {}),
            "tables": tables,
            **activity.page_tables(user, area, _own_area(user), period, now),
            "warning_table": _warning_table(user, area, period),
        }
    )
    return render(request, "analysis/statistics.html", context)


def _period_query(request) -> dict[str, str]:
    """The period's GET parameters (kept when drilling down to an area)."""
    return {name: request.GET[name] for name in PeriodForm.base_fields if request.GET.get(name)}


def _default_period(form: PeriodForm) -> figures.Period:
    unbound = PeriodForm({}, today=form.today)
    unbound.is_valid()
    return unbound.cleaned_data["range"]


def _warning_table(user, area, period):
    from .dashboard import warning_period_rows  # dashboard imports this module

    return warning_period_rows(user, area, period)
