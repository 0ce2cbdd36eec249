"""Pages of policy-publicity campaigns: the list and detail with the review history, the
district's review queue and distribution page, the village's hand-out page, the grid
team's assignments and activities, the progress page and the activity export.

Every campaign, distribution, assignment and activity is looked up through its
``*_visible_to(user)`` selector: outside the user's jurisdiction it answers 404 on
every URL, read or write.

The steps taken from a detail page are the rows of two tables of steps (``govcenter.steps``):
``FLOW`` for a campaign's review (submit, approve, return, close) and ``ASSIGNMENT_FLOW``
for a grid team's assignment (mark done). Each row names its rule (``publicity.rules``,
role and state), its form and its service; the page offers exactly the steps whose rule
holds, and the kernel's one step view validates the form, calls the service (which asks
the same rule again; ``PublicityError`` carries the message) and redirects. Drafting,
editing, distributing, handing out and recording an activity have pages of their own:
they answer 403 to a user the rule refuses and re-render with what was typed.
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
from django.utils.translation import gettext_lazy

from govcenter.files import private_file_response
from govcenter.filters import filters_open
from govcenter.jurisdiction import is_admin, scope_of
from govcenter.models import Area, User
from govcenter.pagination import WindowPage
from govcenter.steps import Flow, Step

from . import exports, rules, selectors, services
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


def _campaigns_of(user):
    """The campaigns ``user`` sees, with what their pages show of each."""
    return campaigns_visible_to(user).select_related("owner_area", "district", "created_by", "reviewed_by")


def _assignments_of(user):
    """The assignments ``user`` sees, with what their pages show of each."""
    return assignments_visible_to(user).select_related("campaign", "grid", "village", "township", "done_by")


def _visible_campaign(request, pk: int) -> Campaign:
    return get_object_or_404(_campaigns_of(request.user), pk=pk)


def _visible_assignment(request, pk: int) -> Assignment:
    return get_object_or_404(_assignments_of(request.user), pk=pk)


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


def _render(request, template: str, context: dict, *, tab: str = ""):
    context = {"nav_active": "publicity", "tabs": _tabs(request.user), "tab": tab, **context}
    return render(request, template, context)


def _service(form, call) -> tuple[bool, object]:
    """Call a page's service with the valid form's data: (True, its result), or (False,
    None) with the service's refusal on the form, beside the field it names."""
    try:
        return True, call(form.cleaned_data)
    except PublicityError as e:
        form.add_error(e.field if e.field in form.fields else None, str(e))
        return False, None


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


def _detail_page(request, c: Campaign, *, bound: dict | None = None):
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
        for d in distributions:  # a village clerk lands here from the campaign's title: hand it on from here
            d.may_hand_out = rules.can_hand_out(user, d, c)
    my_assignments = []
    if user.role == Role.GRID_WORKER:
        my_assignments = list(assignments_visible_to(user).filter(campaign=c).select_related("grid"))
    return _render(
        request,
        "publicity/campaign_detail.html",
        {
            "campaign": c,
            "events": events,
            "actions": FLOW.actions(user, c, bound),
            "may_edit": rules.can_edit(user, c),
            "may_distribute": rules.can_distribute(user, c),
            "hand_out": next((d for d in distributions if d.may_hand_out and not is_admin(user)), None),
            "distributions": distributions,
            "n_distributions": n_distributions,
            "my_assignments": my_assignments,
            "today": timezone.localdate(),
        },
        tab="list",
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
        done, campaign = _service(
            form,
            lambda d: services.campaign_create(
                actor=user, at=timezone.now(), data=form.campaign_data(), leaflet=d.get("leaflet")
            ),
        )
        if done:
            if rules.is_district_own(campaign):
                messages.success(request, _("Draft saved. Publish it when it is ready."))
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
        done, _saved = _service(
            form,
            lambda d: services.campaign_update(
                campaign=campaign,
                actor=user,
                at=timezone.now(),
                data=form.campaign_data(),
                leaflet=d.get("leaflet"),
                remove_leaflet=d.get("remove_leaflet", False),
            ),
        )
        if done:
            messages.success(request, _("Campaign saved."))
            return redirect(campaign)
    return _form_page(request, form, title=_("Edit campaign"), campaign=campaign)


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
    form = DistributeForm(_posted(request)[0], campaign=campaign, **selectors.distribution_places(campaign))
    if request.method == "POST" and form.is_valid():
        done, created = _service(
            form,
            lambda d: services.campaign_distribute(
                campaign=campaign, actor=user, at=timezone.now(), areas=form.areas()
            ),
        )
        if done:
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
        form = HandOutForm(_posted(request)[0], campaign=campaign, grids=selectors.grids_to_hand_out(distribution))
        if request.method == "POST" and form.is_valid():
            done, created = _service(
                form,
                lambda d: services.assignments_hand_out(
                    distribution=distribution, actor=user, at=timezone.now(), grids=d["grids"], due_on=d["due_on"]
                ),
            )
            if done:
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


def _assignment_page(request, a: Assignment, *, bound: dict | None = None):
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
            "actions": ASSIGNMENT_FLOW.actions(user, a, bound),
            "totals": {
                "people": sum(x.log.participants or 0 for x in activities),
                "households": sum(x.log.households_reached or 0 for x in activities),
            },
        },
        tab="mine" if user.role == Role.GRID_WORKER else "assignments",
    )


@login_required
def assignment_detail(request, pk: int):
    return _assignment_page(request, _visible_assignment(request, pk))


@login_required
def activity_create(request, pk: int):
    """Record one activity of an assignment: a people's-sentiment log of kind publicity."""
    user = request.user
    a = _visible_assignment(request, pk)
    if not rules.can_record_activity(user, a, a.campaign):
        raise PermissionDenied
    form = ActivityForm(*_posted(request), assignment=a, companions=selectors.activity_companions(a))
    if request.method == "POST" and form.is_valid():
        done, _activity = _service(
            form,
            lambda d: services.activity_record(
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
            ),
        )
        if done:
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


# --- the tables of steps -------------------------------------------------------------------------
# One row per step taken from a detail page, in the order the page offers them: its rule
# (role and state, asked by the page and again by the service), its form and its service.
# ``govcenter.steps`` draws the actions panel from it and takes every step's POST URL.

FLOW = Flow(
    item_name="campaign",
    namespace="publicity",
    visible=_campaigns_of,
    detail=_detail_page,
    error=PublicityError,
    refused=gettext_lazy("You cannot take this step on this campaign now."),
    prefixed=True,  # every step's form has a "note"
    steps=[
        Step(
            name="publish",
            title=gettext_lazy("Publish (the district centre's own campaign)"),
            submit=gettext_lazy("Publish"),
            style="success",
            rule=rules.can_publish,
            form=NoteForm,
            service=services.campaign_publish,
            success=gettext_lazy("Campaign published. Distribute it to townships and villages next."),
            opens=True,
        ),
        Step(
            name="submit",
            title=gettext_lazy("Submit to the district centre for review"),
            submit=gettext_lazy("Submit for review"),
            style="success",
            rule=rules.can_submit,
            form=NoteForm,
            service=services.campaign_submit,
            success=gettext_lazy("Submitted to the district centre for review."),
            opens=True,
        ),
        Step(
            name="approve",
            title=gettext_lazy("Approve"),
            submit=gettext_lazy("Approve this campaign"),
            style="success",
            rule=rules.can_approve,
            form=NoteForm,
            service=services.campaign_approve,
            success=gettext_lazy("Campaign approved. Distribute it to townships and villages next."),
            opens=True,
        ),
        Step(
            name="return",
            title=gettext_lazy("Return with a note"),
            submit=gettext_lazy("Return for changes"),
            style="warning",
            rule=rules.can_return,
            form=ReturnForm,
            service=services.campaign_return,
            success=gettext_lazy("Campaign returned to its drafting centre with your note."),
        ),
        # Closing is never one click away: it stays folded.
        Step(
            name="close",
            title=gettext_lazy("Close the campaign"),
            submit=gettext_lazy("Close"),
            style="secondary",
            rule=rules.can_close,
            form=NoteForm,
            service=services.campaign_close,
            success=gettext_lazy("Campaign closed."),
        ),
    ],
)

ASSIGNMENT_FLOW = Flow(
    item_name="assignment",
    namespace="publicity",
    visible=_assignments_of,
    detail=_assignment_page,
    error=PublicityError,
    refused=gettext_lazy("You cannot take this step on this assignment now."),
    prefixed=True,
    url_prefix="assignments/",
    steps=[
        Step(
            name="complete",
            url_name="assignment_complete",
            path="done",
            title=gettext_lazy("Mark this assignment done"),
            submit=gettext_lazy("Mark done"),
            style="success",
            rule=rules.can_complete,
            form=CompleteForm,
            service=services.assignment_complete,
            success=gettext_lazy("Assignment marked done."),
            opens=True,
        ),
    ],
)
