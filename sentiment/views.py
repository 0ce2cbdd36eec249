"""Pages of the sentiment log: filing from a phone, "my logs", the centres' incoming
queues, the filtered list with its export, monthly counts, the detail page with one
POST URL per step, printing, photos, and agency matters.

Every log (and every photo or agency matter, through its log or its own denormalised
places) is looked up in the user's visible rows: outside the jurisdiction it answers
404 on every URL. The steps on a log's page are the table ``FLOW`` (``govcenter.steps``):
each names its rule (``rules``, role and state), its form and its service; the page offers
exactly the steps whose rule holds, the one generic step view takes them, and the service
asks the same rule again. To add a step: its rule, its service function, its form, and one
row in ``FLOW``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from govcenter import feedback
from govcenter.background_exports import BACKGROUND_EXPORT_ROWS, export_now_or_later
from govcenter.files import private_file_response
from govcenter.forms import parse_pk, search_query
from govcenter.jurisdiction import is_admin, sees_residents
from govcenter.levels import ASSIGNED_LEVELS, BRANCHES, handler_choices, levels_above
from govcenter.pagination import WindowPage
from govcenter.steps import Flow, Step
from govcenter.urgent import pass_to_district_step, urgent_first, urgent_pinned
from grids.models import Resident
from grids.selectors import police_of_grids

from . import exports, rules, services
from .filters import AgencyFilter, LogFilter
from .forms import (
    AgencyCompleteForm,
    AssignDepartmentForm,
    AssignUnitForm,
    DeclineCosignForm,
    FeedBackForm,
    HandleHereForm,
    LogForm,
    MonthForm,
    PartiesToldForm,
    PhotosForm,
    PoliceOpinionForm,
    ReportUpForm,
    ToDisputeForm,
)
from .models import AgencyMatter, Level, Log, LogPhoto, Phrase
from .search import name_matches, query_is_long_enough, rank
from .selectors import (
    agency_matters_visible_to,
    department_choices,
    filing_grids,
    last_choices,
    log_rows,
    logs_to_cosign,
    logs_visible_to,
    recent_places,
    recent_residents,
    unit_choices,
)
from .services import LogAlreadyFiled, LogError

Status = Log.Status
RESIDENT_RESULTS = 12


# --- helpers -----------------------------------------------------------------------------


def _detail_rows(user):
    """The logs ``user`` sees, with what the detail page shows."""
    return log_rows(logs_visible_to(user)).select_related("fed_back_by")


def _visible(request, pk: int) -> Log:
    return get_object_or_404(_detail_rows(request.user), pk=pk)


def _log_filter(request) -> LogFilter:
    """The list's filter over the user's jurisdiction; the export uses the same, so it holds
    exactly the rows the list shows."""
    return LogFilter(request.GET or None, queryset=logs_visible_to(request.user), request=request)


def _page(request, queryset) -> WindowPage:
    return WindowPage.from_request(request, queryset, settings.PAGE_SIZE)


@login_required
def home(request):
    """The nav entry: the police's logs to co-sign, a grid worker's own logs, a centre's or
    department's queue, else the list."""
    user = request.user
    if getattr(user, "role", None) in rules.COSIGNING_ROLES:
        return redirect("sentiment:to_cosign")
    if rules.can_file(user):
        return redirect("sentiment:mine")
    if rules.queue_level(user):
        return redirect("sentiment:queue")
    return redirect("sentiment:list")


# --- filing ---------------------------------------------------------------------------------


@login_required
def file_log(request):
    user = request.user
    if not rules.can_file(user):
        raise PermissionDenied
    if request.method == "POST":
        form = _log_form(user, request.POST, request.FILES)
        if form.is_valid():
            try:
                log = services.log_file(actor=user, at=timezone.now(), **form.service_kwargs())
            except LogAlreadyFiled as e:
                messages.info(request, _("This log was already filed; here it is."))
                return redirect(e.log)
            except LogError as e:
                form.add_error(e.field if e.field in form.fields else None, str(e))
            else:
                messages.success(request, _("Log filed: %(summary)s") % {"summary": log.summary})
                # ?filed=1: the log's page offers "file another" (the next household's visit).
                return redirect(f"{log.get_absolute_url()}?filed=1")
    else:
        grids = filing_grids(user)
        # The worker's last kind, category and place are preset: visits come in runs.
        form = _log_form(user, initial={"client_token": uuid.uuid4().hex, **last_choices(user, grids)})
    chosen = form.chosen_resident()
    return render(
        request,
        "sentiment/file.html",
        {
            "nav_active": "logs",
            "form": form,
            "chosen_label": _resident_label(chosen) if chosen else None,
            # Before anything is typed, the residents the worker logged lately are offered.
            "recent_residents": [
                _resident_label(r) for r in recent_residents(user, form.grids) if not chosen or r.pk != chosen.pk
            ],
            "recent_places": recent_places(user),
            "phrases": Phrase.objects.offered(),
            "draft_key": f"sentiment-log-draft:{user.pk}",
        },
    )


def _log_form(user, *args, **kwargs) -> LogForm:
    """The filing form with its choices: the user's grids and their police (but the user: a
    community police officer filing names the officer who went with him, if any)."""
    grids = filing_grids(user)
    return LogForm(*args, grids=grids, police=police_of_grids(grids).exclude(pk=user.pk), **kwargs)


def _resident_label(r: Resident) -> dict:
    age = r.age()
    return {"pk": r.pk, "name": r.name, "household": r.household.number if r.household_id else "", "age": age}


@require_GET
@login_required
def resident_search(request):
    """Residents of one of the worker's grids matching the typed name or pinyin (htmx)."""
    user = request.user
    if not rules.can_file(user):
        raise PermissionDenied
    grid = get_object_or_404(filing_grids(user), pk=parse_pk(request.GET.get("grid")) or 0)
    q = search_query(request.GET.get("resident_q"))
    chosen_pk = parse_pk(request.GET.get("resident"))
    residents = list(
        Resident.objects.filter(grid=grid)
        .select_related("household")
        .only("pk", "name", "birth_date", "household__number")
        .order_by("name", "pk")
    )
    chosen = next((r for r in residents if r.pk == chosen_pk), None)
    matches: list[Resident] = []
    if q and query_is_long_enough(q):
        matches = sorted(
            (r for r in residents if r.pk != chosen_pk and name_matches(r.name, q)), key=lambda r: rank(r.name, q)
        )[:RESIDENT_RESULTS]
    return render(
        request,
        "sentiment/_resident_results.html",
        {
            "chosen": _resident_label(chosen) if chosen else None,
            "matches": [_resident_label(r) for r in matches],
            "q": q,
            "too_short": bool(q) and not query_is_long_enough(q),
        },
    )


# --- lists ------------------------------------------------------------------------------------


@login_required
def my_logs(request):
    user = request.user
    if not rules.can_file(user):
        raise PermissionDenied
    logs = urgent_first(log_rows(logs_visible_to(user).filter(recorded_by=user)).order_by("-occurred_at", "-pk"))
    tab = request.GET.get("tab", "all")
    if tab == "flow":
        logs = logs.filter(status__in=Log.OPEN_FLOW_STATUSES)
    elif tab == "fed_back":
        logs = logs.filter(status=Status.FED_BACK)
    elif tab == "to_tell":
        logs = logs.filter(feedback.awaiting_parties_q(), status=Status.FED_BACK)
    else:
        tab = "all"
    open_matters = agency_matters_visible_to(user).filter(assignee=user, status=AgencyMatter.Status.OPEN)
    return render(
        request,
        "sentiment/mine.html",
        {
            "nav_active": "logs",
            "page": _page(request, logs),
            "tab": tab,
            "open_matters": list(open_matters.select_related("log").order_by("due_on", "pk")[:5]),
            "today": timezone.localdate(),
        },
    )


@login_required
def cosign_list(request):
    """The logs awaiting the officer's co-signature, each confirmed with one tap (or opened
    to decline with a note)."""
    user = request.user
    if user.role not in rules.COSIGNING_ROLES:
        raise PermissionDenied
    return render(
        request,
        "sentiment/cosign.html",
        {"nav_active": "logs", "page": _page(request, log_rows(logs_to_cosign(user)))},
    )


QUEUE_TABS = ("new", "in_hand", "reported_up", "fed_back", "to_tell")


def _queue_level(request) -> str:
    user = request.user
    level = rules.queue_level(user)
    if level is None and is_admin(user):
        level = request.GET.get("level") if request.GET.get("level") in Level.values else Level.VILLAGE
    if level is None:
        raise PermissionDenied
    return level


def sent_on(level: str) -> list[str]:
    """The levels a log leaves ``level``'s queue for while still open: up the route, or (from
    the township) to one of its stations and institutes."""
    return [*levels_above(level), *(unit for unit, parent in BRANCHES.items() if parent == level)]


def _sent_on_label(level: str) -> str:
    if level == Level.DISTRICT:
        return _("With departments")
    if level == Level.TOWNSHIP:
        return _("Reported up or with stations")
    return _("Reported up")


def queue_rows(logs, level: str, tab: str):
    """The rows of one tab of a level's incoming queue (within the user's visible logs)."""
    if tab == "new":
        return logs.filter(level=level, status__in=Log.AWAITING_STATUSES).order_by("reported_at", "pk")
    if tab == "in_hand":
        return logs.filter(level=level, status=Status.IN_HAND).order_by("reported_at", "pk")
    if tab == "reported_up":
        return logs.filter(level__in=sent_on(level), status__in=Log.OPEN_FLOW_STATUSES).order_by("-reported_at", "-pk")
    if tab == "to_tell":  # the origin (the village centre) tells the parties the result fed back
        return logs.filter(feedback.awaiting_parties_q(), status=Status.FED_BACK).order_by("-fed_back_at", "-pk")
    return logs.filter(level__in=levels_above(level, inclusive=True), status=Status.FED_BACK).order_by(
        "-fed_back_at", "-pk"
    )


@login_required
def queue(request):
    """A centre's incoming logs: new (to screen), in hand here, reported further up, fed back."""
    level = _queue_level(request)
    tab = request.GET.get("tab") if request.GET.get("tab") in QUEUE_TABS else "new"
    logs = logs_visible_to(request.user)
    # One query for the three open tabs' badges: the flow's open logs are few (partial indexes).
    counts = logs.filter(status__in=Log.OPEN_FLOW_STATUSES).aggregate(
        new=Count("pk", filter=Q(level=level, status__in=Log.AWAITING_STATUSES)),
        in_hand=Count("pk", filter=Q(level=level, status=Status.IN_HAND)),
        reported_up=Count("pk", filter=Q(level__in=sent_on(level))),
    )
    tabs = [
        ("new", _("New"), counts["new"]),
        ("in_hand", _("In hand"), counts["in_hand"]),
        ("reported_up", _sent_on_label(level), counts["reported_up"]),
        ("fed_back", _("Fed back"), None),
    ]
    if level == Level.VILLAGE:
        tabs.append(("to_tell", _("Tell the parties"), None))
    if level in ASSIGNED_LEVELS:  # a department or township unit: assigned logs, no screening
        tabs = [t for t in tabs if t[0] in ("in_hand", "fed_back")]
        if tab not in ("in_hand", "fed_back"):
            tab = "in_hand"
    return render(
        request,
        "sentiment/queue.html",
        {
            "nav_active": "logs",
            "level": Level(level),
            "tab": tab,
            "tabs": tabs,
            "page": _page(request, urgent_pinned(log_rows(queue_rows(logs, level, tab)))),
            "admin_levels": Level.choices if is_admin(request.user) else None,
        },
    )


@login_required
def log_list(request):
    log_filter = _log_filter(request)
    rows = urgent_pinned(log_rows(log_filter.qs).order_by("-occurred_at", "-pk"))
    return render(
        request,
        "sentiment/list.html",
        {
            "nav_active": "logs",
            "filter": log_filter,
            "page": _page(request, rows),
            "may_file": rules.can_file(request.user),
            "may_see_residents": sees_residents(request.user),
        },
    )


@login_required
def export_xlsx(request):
    """The logs of the list's filter as XLSX: in the request up to BACKGROUND_EXPORT_ROWS
    rows, else as a background job with a progress page and then the download."""
    return export_now_or_later(
        request,
        _log_filter(request).qs.order_by("-occurred_at", "-pk"),
        kind="sentiment.logs",
        respond=exports.xlsx_response,
        threshold=BACKGROUND_EXPORT_ROWS,
    )


@login_required
def monthly(request):
    form = MonthForm(request.GET or None)
    month = form.month_start()
    counts = exports.monthly_counts(logs_visible_to(request.user), month)
    return render(
        request,
        "sentiment/monthly.html",
        {
            "nav_active": "logs",
            "form": form,
            "month": month,
            "counts": counts,
            "tables": [
                (_("Per grid"), counts.by_grid, _("Grid")),
                (_("Per grid worker"), counts.by_worker, _("Grid worker")),
            ],
            "kind_labels": [label for _key, label in Log.Kind.choices],
            "step_labels": [Log.NextStep(s).label for s in exports.STEP_KEYS],
        },
    )


# --- detail and steps ------------------------------------------------------------------------


def _detail_page(request, log: Log, *, bound: dict | None = None):
    """The log's page; ``bound`` holds a step's form that came back with errors (``FLOW``)."""
    user = request.user
    matters = list(log.agency_matters.select_related("assignee", "completed_by"))
    today = timezone.localdate()
    for m in matters:
        m.overdue = m.is_overdue(today)
        m.may_complete = rules.can_complete_agency(user, m)
    return render(
        request,
        "sentiment/detail.html",
        {
            "nav_active": "logs",
            "log": log,
            "events": list(log.events.select_related("actor")),
            "photos": list(log.photos.all()),
            "matters": matters,
            "police_reviews": list(log.police_reviews.select_related("author")),
            "actions": FLOW.actions(user, log, bound),
            "may_see_residents": sees_residents(user),
            "is_recorder": log.recorded_by_id == user.pk,
            # Just filed by this user: a button to file the next one.
            "file_another": (
                request.GET.get("filed") == "1" and log.recorded_by_id == user.pk and bool(rules.can_file(user))
            ),
        },
    )


@login_required
def detail(request, pk: int):
    return _detail_page(request, _visible(request, pk))


# --- the table of steps on a log's page, in the order a clerk would consider them ---------------


def _handle_title(log: Log) -> str:
    if log.status == Status.IN_HAND:
        return _("Change who is in charge")
    return _("Handle here: put someone in charge")


FLOW = Flow(
    item_name="log",
    namespace="sentiment",
    visible=_detail_rows,
    detail=_detail_page,
    error=LogError,
    refused=gettext_lazy("You cannot take this step on this log now."),
    form_kwargs=lambda user, log: {"log": log},
    prefixed=True,  # fields named "report-note", "handle-handler", ...
    steps=[
        Step(
            name="feedback",
            url_name="feed_back",
            title=gettext_lazy("Feed the result back"),
            submit=gettext_lazy("Feed back"),
            style="success",
            rule=rules.can_feed_back,
            form=FeedBackForm,
            service=services.log_feed_back,
            success=gettext_lazy("Result fed back; the grid worker and the reporting centres are notified."),
        ),
        Step(
            name="handle",
            url_name="handle_here",
            path="handle",
            title=_handle_title,
            submit=gettext_lazy("Assign"),
            rule=rules.can_handle_here,
            form=HandleHereForm,
            form_kwargs=lambda user, log: {"handlers": handler_choices(log, whole_village=True)},
            service=services.log_handle_here,
            success=lambda log: _("%(person)s is now in charge of this log.") % {"person": log.handler.display_name},
        ),
        Step(
            name="report",
            url_name="report_up",
            title=lambda log: _("Report up to the %(level)s") % {"level": Level(log.next_level()).label},
            submit=gettext_lazy("Report up"),
            style="warning",
            rule=rules.can_report_up,
            form=ReportUpForm,
            service=services.log_report_up,
            success=lambda log: _("Reported up to the %(level)s centre.") % {"level": log.get_level_display()},
        ),
        # An urgent log: the village centre skips the township (``govcenter.urgent``).
        pass_to_district_step(
            rule=rules.can_report_to_district,
            perform=lambda c: services.log_pass_to_district(log=c.item, actor=c.actor, at=c.at, note=c.data["note"]),
            success=gettext_lazy("Passed straight to the district; the township is told."),
        ),
        Step(
            name="department",
            url_name="assign_department",
            path="department",
            title=gettext_lazy("Assign to a functional department"),
            submit=gettext_lazy("Assign"),
            style="warning",
            rule=rules.can_assign_department,
            form=AssignDepartmentForm,
            form_kwargs=lambda user, log: {"departments": department_choices(log)},
            service=services.log_assign_department,
            success=lambda log: _("Assigned to %(department)s.") % {"department": log.department},
        ),
        Step(
            name="unit",
            url_name="assign_unit",
            path="unit",
            title=gettext_lazy("Assign to a township station or institute"),
            submit=gettext_lazy("Assign"),
            style="warning",
            rule=rules.can_assign_unit,
            form=AssignUnitForm,
            form_kwargs=lambda user, log: {"units": unit_choices(log)},
            service=services.log_assign_unit,
            success=lambda log: _("Assigned to %(unit)s.") % {"unit": log.department},
        ),
        Step(
            name="dispute",
            url_name="to_dispute",
            path="dispute",
            title=gettext_lazy("Turn into a dispute"),
            submit=gettext_lazy("Register in the dispute ledger"),
            # The worker chose "turn into a dispute" but the ledger entry is still missing.
            style=lambda log: "danger" if log.next_step == Log.NextStep.DISPUTE else "secondary",
            rule=rules.can_turn_into_dispute,
            form=ToDisputeForm,
            service=services.log_to_dispute,
            success=lambda log: _("Registered in the dispute ledger as %(number)s.") % {"number": log.dispute.number},
        ),
        Step(
            name="cosign",
            title=gettext_lazy("Co-sign: I was there"),
            submit=gettext_lazy("Co-sign"),
            style="success",
            rule=rules.can_cosign,
            form=None,
            service=services.log_cosign,
            success=gettext_lazy("Co-signed."),
            opens=True,  # unfolded: one tap on the page
        ),
        Step(
            name="decline",
            url_name="decline_cosign",
            path="decline-cosign",
            title=gettext_lazy("Decline to co-sign"),
            submit=gettext_lazy("Decline"),
            style="secondary",
            rule=rules.can_decline_cosign,
            form=DeclineCosignForm,
            service=services.log_decline_cosign,
            success=gettext_lazy("Declined; whoever filed the log is notified."),
        ),
        Step(
            name="police",
            url_name="police_opinion",
            path="police-opinion",
            title=gettext_lazy("Give the police opinion (研判)"),
            submit=gettext_lazy("Save the opinion"),
            rule=rules.can_give_police_opinion,
            form=PoliceOpinionForm,
            service=services.log_give_police_opinion,
            success=gettext_lazy("Police opinion saved; the log has left the review queue."),
            opens=True,
        ),
        Step(
            name="photos",
            url_name="add_photos",
            path="photos",
            title=gettext_lazy("Add photos"),
            submit=gettext_lazy("Upload"),
            style="secondary",
            rule=rules.can_add_photos,
            form=PhotosForm,
            service=services.log_add_photos,
            success=gettext_lazy("Photos added."),
        ),
        feedback.parties_told_step(
            rule=rules.can_tell_parties, service=services.log_tell_parties, form=PartiesToldForm
        ),
        # Supervision by the higher level (挂牌督办): "supervise" and "unsupervise", the kernel's.
        # Urgent (紧急): "mark urgent", the kernel's.
        *services.URGENCY.steps(),
        *services.SUPERVISION.steps(),
    ],
)


@login_required
def print_log(request, pk: int):
    """One log on an A4 sheet, for the paper file of the village centre."""
    log = _visible(request, pk)
    return render(
        request,
        "sentiment/print.html",
        {
            "log": log,
            "events": list(log.events.select_related("actor")),
            "matters": list(log.agency_matters.select_related("assignee")),
            "police_reviews": list(log.police_reviews.select_related("author")),
            "parties_answer": feedback.parties_answer(log),
            "printed_at": timezone.now(),
        },
    )


@login_required
def photo(request, pk: int):
    """A photo of a log the user sees. Photos are never served from a public media URL."""
    item = get_object_or_404(LogPhoto.objects.filter(log__in=logs_visible_to(request.user)), pk=pk)
    return private_file_response(
        item.file, name=item.original_name, content_type=item.content_type, reencoded=item.reencoded, fallback="photo"
    )


# --- agency matters -------------------------------------------------------------------------


@login_required
def agency_list(request):
    data = request.GET.copy()
    data.setdefault("state", "open")
    matters = agency_matters_visible_to(request.user).select_related("log", "assignee", "grid").order_by("due_on", "pk")
    agency_filter = AgencyFilter(data, queryset=matters, request=request)
    page = _page(request, agency_filter.qs)
    today = timezone.localdate()
    for m in page:
        m.overdue = m.is_overdue(today)
    return render(
        request,
        "sentiment/agency_list.html",
        {
            "nav_active": "logs",
            "filter": agency_filter,
            "page": page,
            "today": today,
        },
    )


@login_required
def agency_complete(request, pk: int):
    user = request.user
    matter = get_object_or_404(
        agency_matters_visible_to(user).select_related("log", "assignee", "grid", "resident", "completed_by"), pk=pk
    )
    may_complete = rules.can_complete_agency(user, matter)
    form = AgencyCompleteForm(request.POST or None)
    if request.method == "POST":
        if not may_complete:
            messages.error(request, _("This agency matter is completed, or you may not complete it."))
            return redirect("sentiment:agency_complete", pk=matter.pk)
        if form.is_valid():
            try:
                services.agency_matter_complete(
                    matter=matter, actor=user, at=timezone.now(), result=form.cleaned_data["result"]
                )
            except LogError as e:
                form.add_error("result" if e.field == "result" else None, str(e))
            else:
                messages.success(request, _("Agency matter completed."))
                return redirect(matter.log)
    return render(
        request,
        "sentiment/agency_complete.html",
        {
            "nav_active": "logs",
            "matter": matter,
            "form": form,
            "may_complete": may_complete,
            "overdue": matter.is_overdue(),
            "may_see_residents": sees_residents(user),
        },
    )
