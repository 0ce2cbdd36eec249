"""Pages for grids, grid teams, households and residents.

Every object is fetched through its ``*_visible_to(user)`` selector, so an object
outside the user's jurisdiction answers 404 on every URL, read or write. A write
URL for an object the user does see, but whose role may only read (police, station
staff), answers 403. Lists run a fixed number of queries whatever their length.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from govcenter.forms import parse_pk
from govcenter.jurisdiction import can_edit_residents, can_manage_grids, can_reveal_id_numbers
from govcenter.models import Area, PersonalDataAccess
from govcenter.pagination import WindowPage
from govcenter.reveal import reveal_response

from . import services
from .filters import GridFilter, ResidentFilter
from .forms import GridForm, HouseholdForm, MembershipEndForm, MembershipForm, ResidentForm
from .models import Grid, GridMembership, Resident
from .selectors import grids_visible_to, households_visible_to, memberships_visible_to, residents_visible_to

RECENT_REVEALS = 5


# --- helpers ------------------------------------------------------------------


def _require(allowed: bool) -> None:
    """403 for a visible object the user's role may not change (lookup already gave 404 otherwise)."""
    if not allowed:
        raise PermissionDenied


def _paginate(request, queryset):
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _window(request, queryset) -> WindowPage:
    """The resident list pages without a total: counting every resident of a district on
    each page view is the cost DESIGN.md rules out (500,000 rows per county)."""
    return WindowPage.from_request(request, queryset, settings.PAGE_SIZE)


def _township_names(villages) -> dict[int, str]:
    """Township name per village id, in one query (the tree has no parent FK: the
    township's path is the first two steps of the village's path)."""
    villages = [v for v in villages if v is not None]
    depth2 = {v.path[: 2 * Area.steplen] for v in villages}
    names = dict(Area.objects.filter(path__in=depth2).values_list("path", "name"))
    return {v.pk: names.get(v.path[: 2 * Area.steplen], "") for v in villages}


def _save_page(request, form, service, *, success, page: dict, then=None, error_field=None, **service_kwargs):
    """The create, edit and team pages: a valid POST calls one service with the form's
    data, says ``success(saved)`` and goes to ``then`` (by default the saved object);
    otherwise (a GET, bad input, a constraint lost to a concurrent request, a team change
    the rules refuse, which become an error on the form, the latter on ``error_field``) the
    form page again, with ``page`` as ``_form_page``'s arguments."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = service(data=form.cleaned_data, **service_kwargs)
        except services.ConflictError as e:
            form.add_error(e.field, str(e))
        except services.TeamError as e:
            form.add_error(error_field, str(e))
        else:
            messages.success(request, success(saved))
            return redirect(then or saved)
    return _form_page(request, form, **page)


def _grid_crumbs(grid: Grid) -> list[tuple[str, str]]:
    return [(_("Grids"), reverse("grids:grid_list")), (grid.name, grid.get_absolute_url())]


def _form_page(
    request,
    form,
    *,
    title: str,
    crumbs,
    cancel_url: str,
    nav_active: str = "grids",
    intro: str = "",
    submit: str | None = None,
    status: int = 200,
):
    return render(
        request,
        "grids/form.html",
        {
            "form": form,
            "title": title,
            "breadcrumbs": [*crumbs, (title, "")],
            "cancel_url": cancel_url,
            "nav_active": nav_active,
            "intro": intro,
            "submit_label": submit or _("Save"),
        },
        status=status,
    )


# --- grids ---------------------------------------------------------------------


@login_required
def grid_list(request):
    user = request.user
    grid_filter = GridFilter(request.GET or None, queryset=grids_visible_to(user).order_by("code"), request=request)
    page = _paginate(request, grid_filter.qs)
    # Count the plain filtered grids, and join the team counts for this page's rows only:
    # a COUNT over the membership join would aggregate every grid of the district.
    offset = (page.number - 1) * settings.PAGE_SIZE
    page.object_list = list(
        grid_filter.qs.select_related("village").with_team_counts()[offset : offset + settings.PAGE_SIZE]
    )
    townships = _township_names([g.village for g in page.object_list])
    for grid in page.object_list:
        grid.township_name = townships.get(grid.village_id, "")
    return render(
        request,
        "grids/grid_list.html",
        {
            "nav_active": "grids",
            "breadcrumbs": [(_("Grids"), "")],
            "filter": grid_filter,
            "page": page,
            "may_manage": can_manage_grids(user),
        },
    )


@login_required
def grid_detail(request, pk: int):
    user = request.user
    grid = get_object_or_404(grids_visible_to(user).select_related("village"), pk=pk)
    memberships = list(grid.memberships.select_related("user").order_by("-started_on", "-pk"))
    team = [m for m in memberships if m.ended_on is None]
    Duty = GridMembership.Duty
    counts = {duty: sum(1 for m in team if m.duty == duty) for duty in Duty.values}
    households = households_visible_to(user).filter(grid=grid).annotate(n_members=Count("members")).order_by("number")
    may_manage = can_manage_grids(user)
    return render(
        request,
        "grids/grid_detail.html",
        {
            "nav_active": "grids",
            "breadcrumbs": _grid_crumbs(grid),
            "grid": grid,
            "township_name": _township_names([grid.village]).get(grid.village_id, ""),
            "team": sorted(team, key=lambda m: (Duty.values.index(m.duty), m.started_on)),
            "history": [m for m in memberships if m.ended_on is not None],
            "n_workers": counts[Duty.GRID_WORKER],
            "n_police": counts[Duty.COMMUNITY_POLICE],
            "n_auxiliaries": counts[Duty.AUXILIARY_POLICE],
            "page": _paginate(request, households),
            "may_manage": may_manage,
            "may_edit_residents": can_edit_residents(user),
        },
    )


@login_required
def grid_create(request):
    user = request.user
    _require(can_manage_grids(user))
    initial = {"village": parse_pk(request.GET.get("village"))}
    form = GridForm(request.POST or None, user=user, initial=initial)
    grids_url = reverse("grids:grid_list")
    return _save_page(
        request,
        form,
        services.grid_create,
        actor=user,
        success=lambda grid: _("Grid %(name)s created.") % {"name": grid.name},
        page={"title": _("New grid"), "crumbs": [(_("Grids"), grids_url)], "cancel_url": grids_url},
    )


@login_required
def grid_edit(request, pk: int):
    user = request.user
    grid = get_object_or_404(grids_visible_to(user).select_related("village"), pk=pk)
    _require(can_manage_grids(user))
    form = GridForm(request.POST or None, instance=grid, user=user)
    return _save_page(
        request,
        form,
        services.grid_update,
        grid=grid,
        actor=user,
        success=lambda saved: _("Grid %(name)s saved.") % {"name": saved.name},
        page={"title": _("Edit grid"), "crumbs": _grid_crumbs(grid), "cancel_url": grid.get_absolute_url()},
    )


# --- grid teams ----------------------------------------------------------------


@login_required
def membership_add(request, pk: int):
    user = request.user
    grid = get_object_or_404(grids_visible_to(user).select_related("village"), pk=pk)
    _require(can_manage_grids(user))
    duty = request.GET.get("duty")
    form = MembershipForm(
        request.POST or None, grid=grid, initial={"duty": duty} if duty in GridMembership.Duty.values else {}
    )
    return _save_page(
        request,
        form,
        lambda data: services.membership_add(
            grid=grid, user=data["user"], duty=data["duty"], started_on=data["started_on"], note=data["note"]
        ),
        success=lambda membership: (
            _("%(person)s joined the team as %(duty)s.")
            % {"person": membership.user.display_name, "duty": membership.get_duty_display()}
        ),
        then=grid,
        page={
            "title": _("Add to the team"),
            "crumbs": _grid_crumbs(grid),
            "cancel_url": grid.get_absolute_url(),
            "intro": _(
                "A grid has one or more grid workers, exactly one community police officer and at most two "
                "auxiliary police officers at a time."
            ),
            "submit": _("Add"),
        },
    )


@login_required
def membership_end(request, pk: int):
    user = request.user
    membership = get_object_or_404(memberships_visible_to(user).select_related("grid__village", "user"), pk=pk)
    _require(can_manage_grids(user))
    grid = membership.grid
    if membership.ended_on is not None:
        messages.info(request, _("This membership has already ended."))
        return redirect(grid)
    form = MembershipEndForm(request.POST or None, membership=membership)
    return _save_page(
        request,
        form,
        lambda data: services.membership_end(membership=membership, ended_on=data["ended_on"]),
        success=lambda _ended: (
            _("%(person)s's membership as %(duty)s ended.")
            % {"person": membership.user.display_name, "duty": membership.get_duty_display()}
        ),
        then=grid,
        error_field="ended_on",
        page={
            "title": _("End membership"),
            "crumbs": _grid_crumbs(grid),
            "cancel_url": grid.get_absolute_url(),
            "intro": _("%(person)s · %(duty)s since %(date)s")
            % {
                "person": membership.user.display_name,
                "duty": membership.get_duty_display(),
                "date": membership.started_on.isoformat(),
            },
            "submit": _("End membership"),
        },
    )


# --- households ----------------------------------------------------------------


@login_required
def household_create(request, pk: int):
    user = request.user
    grid = get_object_or_404(grids_visible_to(user).select_related("village"), pk=pk)
    _require(can_edit_residents(user))
    form = HouseholdForm(request.POST or None, grid=grid)
    return _save_page(
        request,
        form,
        services.household_create,
        grid=grid,
        actor=user,
        success=lambda household: _("Household %(name)s registered.") % {"name": household},
        page={"title": _("New household"), "crumbs": _grid_crumbs(grid), "cancel_url": grid.get_absolute_url()},
    )


@login_required
def household_detail(request, pk: int):
    user = request.user
    household = get_object_or_404(households_visible_to(user).select_related("grid__village"), pk=pk)
    members = residents_visible_to(user).filter(household=household).prefetch_related("care_tags").order_by("pk")
    return render(
        request,
        "grids/household_detail.html",
        {
            "nav_active": "grids",
            "breadcrumbs": [*_grid_crumbs(household.grid), (str(household), "")],
            "household": household,
            "grid": household.grid,
            "members": members,
            "may_edit": can_edit_residents(user),
        },
    )


@login_required
def household_edit(request, pk: int):
    user = request.user
    household = get_object_or_404(households_visible_to(user).select_related("grid__village"), pk=pk)
    _require(can_edit_residents(user))
    form = HouseholdForm(request.POST or None, instance=household, grid=household.grid)
    return _save_page(
        request,
        form,
        services.household_update,
        household=household,
        actor=user,
        success=lambda saved: _("Household %(name)s saved.") % {"name": saved},
        page={
            "title": _("Edit household"),
            "crumbs": [*_grid_crumbs(household.grid), (str(household), household.get_absolute_url())],
            "cancel_url": household.get_absolute_url(),
        },
    )


# --- residents -----------------------------------------------------------------


@login_required
def resident_list(request):
    user = request.user
    residents = (
        residents_visible_to(user)
        .select_related("grid", "household")
        .prefetch_related("care_tags")
        .order_by("name", "pk")
    )
    resident_filter = ResidentFilter(request.GET or None, queryset=residents, request=request)
    return render(
        request,
        "grids/resident_list.html",
        {
            "nav_active": "residents",
            "breadcrumbs": [(_("Residents"), "")],
            "filter": resident_filter,
            "page": _window(request, resident_filter.qs),
            "may_edit": can_edit_residents(user),
        },
    )


def _recent_reveals(resident: Resident):
    return list(
        PersonalDataAccess.objects.filter(
            content_type=ContentType.objects.get_for_model(Resident), object_id=resident.pk, field="id_number"
        )
        .select_related("user")
        .order_by("-at")[:RECENT_REVEALS]
    )


def _resident_page(request, resident: Resident, *, revealed_id: str = ""):
    user = request.user
    may_reveal = can_reveal_id_numbers(user, village_id=resident.village_id)
    response = render(
        request,
        "grids/resident_detail.html",
        {
            "nav_active": "residents",
            "breadcrumbs": [(_("Residents"), reverse("grids:resident_list")), (resident.name, "")],
            "resident": resident,
            "grid": resident.grid,
            "care_tags": list(resident.care_tags.all()),
            "may_edit": can_edit_residents(user),
            "may_reveal": may_reveal and resident.has_id_number,
            # The birth date is digits 7 to 14 of the ID number: only for those who may see it.
            "shows_birth_date": may_reveal,
            "reveals": _recent_reveals(resident) if may_reveal else [],
            "revealed_id": revealed_id,
        },
    )
    if revealed_id:
        response["Cache-Control"] = "no-store"
    return response


@login_required
def resident_detail(request, pk: int):
    resident = get_object_or_404(residents_visible_to(request.user).select_related("grid__village", "household"), pk=pk)
    return _resident_page(request, resident)


@never_cache
@require_POST
@login_required
def resident_reveal_id(request, pk: int):
    """Show one resident's clear ID number to a user allowed to see it, and record that they did.

    htmx asks for the small fragment that replaces the masked number in place; a plain
    form POST (no JavaScript) gets the whole detail page with the number shown.
    """
    user = request.user
    resident = get_object_or_404(residents_visible_to(user).select_related("grid__village", "household"), pk=pk)
    _require(can_reveal_id_numbers(user, village_id=resident.village_id))
    return reveal_response(
        request,
        resident,
        fragment="grids/_revealed_id.html",
        context={"resident": resident},
        page=lambda id_number: _resident_page(request, resident, revealed_id=id_number),
        back=resident,
    )


@login_required
def resident_create(request):
    user = request.user
    _require(can_edit_residents(user))
    # ?grid= and ?household= preset the form (links from a grid or household page, and the
    # htmx reload of the household list when the grid changes). Unknown ids are ignored.
    grid = grids_visible_to(user).filter(pk=parse_pk(request.GET.get("grid")) or 0).first()
    initial = {"grid": grid}
    if grid is not None:
        household = (
            households_visible_to(user).filter(grid=grid, pk=parse_pk(request.GET.get("household")) or 0).first()
        )
        initial["household"] = household
    form = ResidentForm(request.POST or None, user=user, initial=initial)
    crumbs = [(_("Residents"), reverse("grids:resident_list"))]
    cancel = reverse("grids:resident_list")
    if grid is not None:
        crumbs, cancel = _grid_crumbs(grid), grid.get_absolute_url()
    return _save_page(
        request,
        form,
        services.resident_create,
        actor=user,
        success=lambda resident: _("Resident %(name)s registered.") % {"name": resident.name},
        page={"title": _("New resident"), "crumbs": crumbs, "cancel_url": cancel, "nav_active": "residents"},
    )


@login_required
def resident_edit(request, pk: int):
    user = request.user
    resident = get_object_or_404(residents_visible_to(user).select_related("grid__village", "household"), pk=pk)
    _require(can_edit_residents(user))
    form = ResidentForm(request.POST or None, instance=resident, user=user)
    return _save_page(
        request,
        form,
        services.resident_update,
        resident=resident,
        actor=user,
        success=lambda saved: _("Resident %(name)s saved.") % {"name": saved.name},
        page={
            "title": _("Edit resident"),
            "crumbs": [(_("Residents"), reverse("grids:resident_list")), (resident.name, resident.get_absolute_url())],
            "cancel_url": resident.get_absolute_url(),
            "nav_active": "residents",
        },
    )
