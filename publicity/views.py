"""Pages of policy-publicity campaigns: the list and detail with the review history, the
district's review queue and distribution page, the village's hand-out page, the grid
team's assignments and activities, the progress page and the activity export.

Every campaign, distribution, assignment and activity is looked up through its
``*_visible_to(user)`` selector: outside the user's jurisdiction it answers 404 on
every URL, read or write. A step view validates its form, calls one service (which
alone decides whether this user may take the step now; ``PublicityError`` carries the
message) and redirects. A form with errors re-renders its page with what was typed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govcenter.actions import Action
from govcenter.files import private_file_response
from govcenter.filters import filters_open
from govcenter.jurisdiction import is_admin, scope_of
from govcenter.models import Area, User
from govcenter.pagination import WindowPage

from . import exports, rules, services
from .filters import ActivityFilter, AssignmentFilter, CampaignFilter
from .forms import ActivityForm, CampaignForm, CompleteForm, DistributeForm, HandOutForm, NoteForm, ReturnForm
from .models import Activity, Assignment, Campaign, CampaignEvent, VillageDistribution
from .selectors import (
    activities_visible_to,
    assignments_visible_to,
    campaign_progress,
    campaigns_visible_to,
    distributions_visible_to,
)
from .services import PublicityError

Status = Campaign.Status
Role = User.Role


# --- helpers -------------------------------------------------------------------------------


def _posted(request) -> tuple:
    """(data, files) of a POST, else (None, None): an empty POST is still a bound form."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _window(request, queryset) -> WindowPage:
    """A page without a total, so a long list never counts every row of a county on each view."""
    return WindowPage.from_request(request, queryset, settings.PAGE_SIZE)


def _visible_campaign(request, pk: int) -> Campaign:
    qs = campaigns_visible_to(request.user).select_related("owner_area", "district", "created_by", "reviewed_by")
    return get_object_or_404(qs, pk=pk)


def _visible_assignment(request, pk: int) -> Assignment:
    qs = assignments_visible_to(request.user).select_related("campaign", "grid", "village", "township", "done_by")
    return get_object_or_404(qs, pk=pk)


def _visible_distribution(request, pk: int) -> VillageDistribution:
    qs = distributions_visible_to(request.user).select_related("campaign", "village", "township")
    return get_object_or_404(qs, pk=pk)


def _tabs(user) -> list[tuple[str, str, str]]:
    """The section's own menu: the pages this user's role works with."""
    tabs = [("list", reverse("publicity:list"), _("Campaigns"))]
    if rules.works_the_review_queue(user):
        tabs.append(("review", reverse("publicity:review_queue"), _("Review queue")))
    if is_admin(user) or user.role in (
        Role.VILLAGE_CLERK,
        Role.TOWNSHIP_STAFF,
        Role.COMMUNITY_POLICE,
        Role.STATION_STAFF,
    ):
        tabs.append(("distributions", reverse("publicity:distributions"), _("Received by villages")))
    if user.role == Role.GRID_WORKER:
        tabs.append(("mine", reverse("publicity:my_assignments"), _("My assignments")))
    tabs.append(("assignments", reverse("publicity:assignments"), _("Grid assignments")))
    tabs.append(("activities", reverse("publicity:activities"), _("Activities")))
    return tabs


def _render(request, template: str, context: dict, *, tab: str = "", status: int = 200):
    context = {"nav_active": "publicity", "tabs": _tabs(request.user), "tab": tab, **context}
    return render(request, template, context, status=status)


def _log_url(log) -> str:
    """The sentiment log's own page, if the sentiment app's pages are mounted."""
    try:
        return log.get_absolute_url()
    except NoReverseMatch:
        return ""


def _annotate_activity_counts(assignments: list[Assignment]) -> None:
    """Activities, people and households of each assignment on a page, in one query."""
    ids = [a.pk for a in assignments]
    rows = (
        Activity.objects.filter(assignment_id__in=ids)
        .order_by()
        .values("assignment_id")
        .annotate(n=Count("pk"), people=Sum("log__participants"), households=Sum("log__households_reached"))
    )
    figures = {r["assignment_id"]: r for r in rows}
    today = timezone.localdate()
    for a in assignments:
        f = figures.get(a.pk, {})
        a.n_activities = f.get("n", 0)
        a.n_people = f.get("people") or 0
        a.n_households = f.get("households") or 0
        a.overdue = a.is_overdue(today)


# --- campaign list, detail, drafting ----------------------------------------------------------


@login_required
def campaign_list(request):
    user = request.user
    campaign_filter = CampaignFilter(
        request.GET or None,
        queryset=campaigns_visible_to(user).select_related("owner_area").order_by("-created_at", "-pk"),
        request=request,
    )
    page = Paginator(campaign_filter.qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "publicity/campaign_list.html",
        {
            "filter": campaign_filter,
            "filters_open": filters_open(request, campaign_filter),
            "page": page,
            "may_draft": rules.can_draft(user),
        },
        tab="list",
    )


def _actions(user, c: Campaign, bound: dict | None = None) -> list[Action]:
    """The steps ``user`` may take on ``c`` now, mirroring the checks of ``services``."""
    bound = bound or {}
    actions: list[Action] = []

    def add(name, form_class, title, submit, style="primary"):
        form = bound.get(name) or (form_class(prefix=name) if form_class else None)
        # The step the campaign waits for opens by itself; closing is never one click away.
        expanded = name in bound or (not bound and name in ("submit", "approve"))
        actions.append(Action(name, title, reverse(f"publicity:{name}", args=[c.pk]), form, submit, style, expanded))

    if rules.can_submit(user, c):
        add("submit", NoteForm, _("Submit to the district centre for review"), _("Submit for review"), "success")
    if rules.can_review(user, c):
        add("approve", NoteForm, _("Approve"), _("Approve this campaign"), "success")
        add("return", ReturnForm, _("Return with a note"), _("Return for changes"), "warning")
    if rules.can_close(user, c):
        add("close", NoteForm, _("Close the campaign"), _("Close"), "secondary")
    return actions


def _detail_page(request, c: Campaign, *, bound: dict | None = None, status: int = 200):
    user = request.user
    events = list(c.events.filter(kind__in=CampaignEvent.REVIEW_KINDS).select_related("actor"))
    distributions = []
    n_distributions = 0
    if c.status in (Status.DISTRIBUTED, Status.CLOSED):
        visible = distributions_visible_to(user).filter(campaign=c)
        n_distributions = visible.count()
        distributions = list(
            visible.select_related("village", "township").annotate(n_assigned=Count("assignments"))[:30]
        )
    my_assignments = []
    if user.role == Role.GRID_WORKER:
        my_assignments = list(assignments_visible_to(user).filter(campaign=c).select_related("grid"))
    return _render(
        request,
        "publicity/campaign_detail.html",
        {
            "campaign": c,
            "events": events,
            "actions": _actions(user, c, bound),
            "may_edit": rules.can_edit(user, c),
            "may_distribute": rules.can_distribute(user, c),
            "distributions": distributions,
            "n_distributions": n_distributions,
            "my_assignments": my_assignments,
            "today": timezone.localdate(),
        },
        tab="list",
        status=status,
    )


@login_required
def campaign_detail(request, pk: int):
    return _detail_page(request, _visible_campaign(request, pk))


def _form_page(request, form, *, title: str, campaign: Campaign | None = None):
    return _render(
        request,
        "publicity/campaign_form.html",
        {
            "form": form,
            "title": title,
            "campaign": campaign,
            "breadcrumbs": [*([(campaign.title, campaign.get_absolute_url())] if campaign else []), (title, "")],
        },
        tab="list",
    )


@login_required
def campaign_create(request):
    user = request.user
    if not rules.can_draft(user):
        raise PermissionDenied
    form = CampaignForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                actor=user, at=timezone.now(), data=form.campaign_data(), leaflet=form.cleaned_data.get("leaflet")
            )
        except PublicityError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Draft saved. Submit it to the district centre when it is ready."))
            return redirect(campaign)
    return _form_page(request, form, title=_("New campaign"))


@login_required
def campaign_edit(request, pk: int):
    user = request.user
    campaign = _visible_campaign(request, pk)
    if not rules.can_edit(user, campaign):
        raise PermissionDenied
    form = CampaignForm(*_posted(request), campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(
                campaign=campaign,
                actor=user,
                at=timezone.now(),
                data=form.campaign_data(),
                leaflet=form.cleaned_data.get("leaflet"),
                remove_leaflet=form.cleaned_data.get("remove_leaflet", False),
            )
        except PublicityError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Campaign saved."))
            return redirect(campaign)
    return _form_page(request, form, title=_("Edit campaign"), campaign=campaign)


def _step(request, pk: int, name: str, form_class, call, success: str):
    """A POST step of the detail page: validate, call the service, message, redirect;
    a form with errors re-renders the detail page with it open and as typed."""
    campaign = _visible_campaign(request, pk)
    form = form_class(request.POST, prefix=name)
    if not form.is_valid():
        messages.error(request, _("Please correct the form below."))
        return _detail_page(request, campaign, bound={name: form})
    try:
        call(campaign, form.cleaned_data)
    except PublicityError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, success)
    return redirect(campaign)


@require_POST
@login_required
def campaign_submit(request, pk: int):
    return _step(
        request,
        pk,
        "submit",
        NoteForm,
        lambda c, d: services.campaign_submit(campaign=c, actor=request.user, at=timezone.now(), note=d["note"]),
        _("Submitted to the district centre for review."),
    )


@require_POST
@login_required
def campaign_approve(request, pk: int):
    return _step(
        request,
        pk,
        "approve",
        NoteForm,
        lambda c, d: services.campaign_approve(campaign=c, actor=request.user, at=timezone.now(), note=d["note"]),
        _("Campaign approved. Distribute it to townships and villages next."),
    )


@require_POST
@login_required
def campaign_return(request, pk: int):
    return _step(
        request,
        pk,
        "return",
        ReturnForm,
        lambda c, d: services.campaign_return(campaign=c, actor=request.user, at=timezone.now(), note=d["note"]),
        _("Campaign returned to its drafting centre with your note."),
    )


@require_POST
@login_required
def campaign_close(request, pk: int):
    return _step(
        request,
        pk,
        "close",
        NoteForm,
        lambda c, d: services.campaign_close(campaign=c, actor=request.user, at=timezone.now(), note=d["note"]),
        _("Campaign closed."),
    )


@login_required
def leaflet(request, pk: int):
    """The leaflet of a campaign the user sees; never served from a public media URL. An
    image leaflet is shown (``?download=1`` downloads it), a PDF is always downloaded."""
    campaign = _visible_campaign(request, pk)
    if not campaign.leaflet:
        raise Http404(_("This campaign has no leaflet."))
    return private_file_response(
        campaign.leaflet,
        name=campaign.leaflet_name,
        content_type=campaign.leaflet_type,
        reencoded=campaign.leaflet_reencoded,
        download=request.GET.get("download") == "1",
        fallback="leaflet",
    )


# --- review and distribution (district) --------------------------------------------------------


@login_required
def review_queue(request):
    user = request.user
    if not rules.works_the_review_queue(user):
        raise PermissionDenied
    queue = (
        campaigns_visible_to(user)
        .awaiting_review()
        .select_related("owner_area", "created_by")
        .annotate(n_returned=Count("events", filter=Q(events__kind=CampaignEvent.Kind.RETURNED)))
        .order_by("submitted_at", "pk")
    )
    page = Paginator(queue, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "publicity/review_queue.html", {"page": page}, tab="review")


@login_required
def campaign_distribute(request, pk: int):
    user = request.user
    campaign = _visible_campaign(request, pk)
    if not rules.can_distribute(user, campaign):
        raise PermissionDenied
    form = DistributeForm(_posted(request)[0], campaign=campaign, district=campaign.district)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.campaign_distribute(campaign=campaign, actor=user, at=timezone.now(), areas=form.areas())
        except PublicityError as e:
            form.add_error(None, str(e))
        else:
            if created:
                messages.success(request, _("Distributed to %(n)d villages.") % {"n": len(created)})
            else:
                messages.info(
                    request, _("Every chosen village had already received this campaign; nothing was sent twice.")
                )
            return redirect(campaign)
    received = set(campaign.distributions.values_list("village_id", flat=True))
    villages_by_township: dict[int, list] = {}
    township_paths = {t.pk: t.path for t in form.fields["townships"].queryset}
    for choice in form["villages"]:
        villages_by_township.setdefault(choice.data["value"].instance.path[: 2 * Area.steplen], []).append(choice)
    groups = []
    for choice in form["townships"]:
        township = choice.data["value"].instance
        path = township_paths[township.pk]
        village_choices = villages_by_township.get(path, [])
        groups.append(
            {
                "township": choice,
                "villages": village_choices,
                "received": sum(1 for v in village_choices if v.data["value"].instance.pk in received),
            }
        )
    return _render(
        request,
        "publicity/distribute.html",
        {"campaign": campaign, "form": form, "groups": groups, "received": received},
        tab="list",
    )


# --- villages hand campaigns to their grids ------------------------------------------------------


@login_required
def distribution_list(request):
    user = request.user
    rows = (
        distributions_visible_to(user)
        .select_related("campaign", "village", "township")
        .order_by("-distributed_at", "village__code")
    )
    page = _window(request, rows)
    ids = [d.pk for d in page]
    counts = {
        r["distribution_id"]: r
        for r in Assignment.objects.filter(distribution_id__in=ids)
        .order_by()
        .values("distribution_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(done_at__isnull=False)))
    }
    grid_counts = dict(
        Area.objects.filter(pk__in={d.village_id for d in page}).annotate(n=Count("grids")).values_list("pk", "n")
    )
    for d in page:
        d.n_assigned = counts.get(d.pk, {}).get("n", 0)
        d.n_done = counts.get(d.pk, {}).get("done", 0)
        d.n_grids = grid_counts.get(d.village_id, 0)
        d.may_hand_out = rules.can_hand_out(user, d, d.campaign)
    return _render(request, "publicity/distribution_list.html", {"page": page}, tab="distributions")


@login_required
def hand_out(request, pk: int):
    """The village's page for one campaign: hand it to all or some of its grids."""
    user = request.user
    distribution = _visible_distribution(request, pk)
    campaign = distribution.campaign
    may_hand_out = rules.can_hand_out(user, distribution, campaign)
    form = None
    if may_hand_out:
        form = HandOutForm(_posted(request)[0], distribution=distribution, campaign=campaign)
        if request.method == "POST" and form.is_valid():
            try:
                created = services.assignments_hand_out(
                    distribution=distribution,
                    actor=user,
                    at=timezone.now(),
                    grids=form.cleaned_data["grids"],
                    due_on=form.cleaned_data["due_on"],
                )
            except PublicityError as e:
                form.add_error(None, str(e))
            else:
                if created:
                    messages.success(request, _("Handed to %(n)d grids.") % {"n": len(created)})
                else:
                    messages.info(request, _("These grids already had this campaign; nothing was handed out twice."))
                return redirect(distribution)
    elif request.method == "POST":
        raise PermissionDenied
    assignments = list(
        assignments_visible_to(user).filter(distribution=distribution).select_related("grid").order_by("grid__code")
    )
    _annotate_activity_counts(assignments)
    return _render(
        request,
        "publicity/hand_out.html",
        {"distribution": distribution, "campaign": campaign, "form": form, "assignments": assignments},
        tab="distributions",
    )


# --- assignments and activities (grid teams) -------------------------------------------------------


@login_required
def my_assignments(request):
    """The grid worker's assignments: open ones first, soonest due first."""
    user = request.user
    rows = (
        assignments_visible_to(user)
        .filter(grid_id__in=sorted(scope_of(user).grid_ids))
        .select_related("campaign", "grid")
        .order_by(F("done_at").asc(nulls_first=True), "due_on", "pk")
    )
    page = _window(request, rows)
    _annotate_activity_counts(page.object_list)
    return _render(request, "publicity/my_assignments.html", {"page": page}, tab="mine")


@login_required
def assignment_list(request):
    user = request.user
    assignment_filter = AssignmentFilter(
        request.GET or None,
        queryset=assignments_visible_to(user)
        .select_related("campaign", "grid", "village", "township")
        .order_by("due_on", "grid__code", "pk"),
        request=request,
    )
    page = _window(request, assignment_filter.qs)
    _annotate_activity_counts(page.object_list)
    return _render(
        request,
        "publicity/assignment_list.html",
        {"filter": assignment_filter, "filters_open": filters_open(request, assignment_filter), "page": page},
        tab="assignments",
    )


def _assignment_page(request, a: Assignment, *, complete_form=None, status: int = 200):
    user = request.user
    activities = list(
        a.activities.select_related("log", "log__recorded_by")
        .annotate(n_photos=Count("log__photos"))
        .order_by("-held_on", "-pk")
    )
    for activity in activities:
        activity.log_url = _log_url(activity.log)
    may_record = rules.can_record_activity(user, a, a.campaign)
    return _render(
        request,
        "publicity/assignment_detail.html",
        {
            "assignment": a,
            "campaign": a.campaign,
            "activities": activities,
            "events": list(a.events.select_related("actor")),
            "overdue": a.is_overdue(),
            "may_record": may_record,
            "may_complete": rules.can_complete(user, a, a.campaign),
            "complete_form": complete_form or CompleteForm(prefix="complete"),
            "totals": {
                "people": sum(x.log.participants or 0 for x in activities),
                "households": sum(x.log.households_reached or 0 for x in activities),
            },
        },
        tab="mine" if user.role == Role.GRID_WORKER else "assignments",
        status=status,
    )


@login_required
def assignment_detail(request, pk: int):
    return _assignment_page(request, _visible_assignment(request, pk))


@require_POST
@login_required
def assignment_complete(request, pk: int):
    a = _visible_assignment(request, pk)
    form = CompleteForm(request.POST, prefix="complete")
    if not form.is_valid():
        return _assignment_page(request, a, complete_form=form)
    try:
        services.assignment_complete(
            assignment=a, actor=request.user, at=timezone.now(), note=form.cleaned_data["note"]
        )
    except PublicityError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Assignment marked done."))
    return redirect(a)


@login_required
def activity_create(request, pk: int):
    """Record one activity of an assignment: a people's-sentiment log of kind publicity."""
    user = request.user
    a = _visible_assignment(request, pk)
    if not rules.can_record_activity(user, a, a.campaign):
        raise PermissionDenied
    form = ActivityForm(*_posted(request), assignment=a, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.activity_record(
                assignment=a,
                actor=user,
                at=timezone.now(),
                form=d["form"],
                held_at=d["held_at"],
                place=d["place"],
                participants=d["participants"],
                households=d["households"],
                matter=d["matter"],
                accompanied_by=d.get("accompanied_by"),
                photos=d["photos"],
            )
        except PublicityError as e:
            form.add_error(e.field if e.field in form.fields else None, str(e))
        else:
            messages.success(request, _("Activity recorded."))
            return redirect(a)
    return _render(
        request,
        "publicity/activity_form.html",
        {"assignment": a, "campaign": a.campaign, "form": form},
        tab="mine",
    )


def _activity_filter(request) -> ActivityFilter:
    return ActivityFilter(
        request.GET or None,
        queryset=activities_visible_to(request.user).order_by("-held_on", "-pk"),
        request=request,
    )


@login_required
def activity_list(request):
    activity_filter = _activity_filter(request)
    page = _window(request, exports.activity_rows(activity_filter.qs))
    return _render(
        request,
        "publicity/activity_list.html",
        {"filter": activity_filter, "filters_open": filters_open(request, activity_filter), "page": page},
        tab="activities",
    )


@login_required
def activity_export(request):
    """The activities of the current filter as XLSX, exactly the rows of the list."""
    return exports.activities_xlsx_response(_activity_filter(request).qs)


# --- progress ----------------------------------------------------------------------------------


@login_required
def progress(request, pk: int):
    user = request.user
    campaign = _visible_campaign(request, pk)
    today = timezone.localdate()
    data = campaign_progress(user, campaign, today=today)
    # The chart shows villages when there are few, else townships.
    village_rows = [v for t in data.townships for v in t.villages]
    by_village = len(village_rows) <= 30
    points = (
        [(v.village.name, v.figures) for v in village_rows]
        if by_village
        else [(t.township.name, t.figures) for t in data.townships]
    )
    chart = {
        "labels": [name for name, _f in points],
        "datasets": [
            {"label": _("Grids assigned"), "data": [f.assigned for _n, f in points]},
            {"label": _("Grids covered"), "data": [f.covered for _n, f in points]},
            {"label": _("Assignments done"), "data": [f.done for _n, f in points]},
            {"label": _("Overdue"), "data": [f.overdue for _n, f in points]},
        ],
    }
    return _render(
        request,
        "publicity/progress.html",
        {
            "campaign": campaign,
            "progress": data,
            "chart": chart,
            "chart_by_village": by_village,
            "chart_height": max(14, 2 * len(points) + 4),
            "today": today,
        },
        tab="list",
    )
