"""Pages of the dispute ledger: the list, registration, the detail page with one POST
URL per step, printing and exports.

Every dispute (and every party or attachment, through its dispute) is looked up in
``disputes_visible_to(user)``: outside the user's jurisdiction it answers 404 on every
URL. The steps are the rows of ``FLOW`` (the table of steps, ``govcenter.steps``): the
detail page offers exactly the steps whose rule holds, and the kernel's one step view
validates the step's form, calls its service (which asks the same rule again;
``DisputeError`` carries the message) and redirects to the detail page. A form with
errors re-renders the detail page with the form as typed, so nothing is lost.
"""

from __future__ import annotations

import datetime
import re

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from govcenter import feedback
from govcenter.background_exports import BACKGROUND_EXPORT_ROWS, export_now_or_later
from govcenter.files import private_file_response
from govcenter.forms import parse_pk, search_query
from govcenter.models import ExportJob
from govcenter.pagination import WindowPage, capped_count
from govcenter.reveal import reveal_response
from govcenter.steps import Flow, Step
from govcenter.urgent import pass_to_district_step, urgent_first, urgent_pinned
from grids.selectors import residents_visible_to, villages_visible_to

from . import exports, rules, selectors, services
from .filters import DisputeFilter, quick_filters
from .forms import (
    AcceptForm,
    AcknowledgeTransferForm,
    AssignHandlerForm,
    AssignUnitForm,
    AttachmentForm,
    ConfirmForm,
    CourtOutcomeForm,
    DivertForm,
    EscalateForm,
    FeedbackForm,
    FollowUpForm,
    HandOverForm,
    LinkForm,
    LinkNoteForm,
    MediationForm,
    MergeForm,
    PartiesToldForm,
    PartyFormSet,
    PoliceReviewForm,
    RegisterForm,
    RejectForm,
    ResolveForm,
    StationConfirmForm,
    TransferToPoliceForm,
    UnresolvedForm,
)
from .models import Attachment, Dispute, Level, Party
from .rows_html import ledger_rows_html
from .selectors import (
    disputes_visible_to,
    grids_for,
    ledger_rows,
    list_rows,
    townships_for,
    villages_for,
    with_list_records,
)
from .services import DisputeError, PartyData

Status = Dispute.Status

PRINT_MAX_ROWS = 2000
RESIDENT_SEARCH_LIMIT = 10


# --- helpers -----------------------------------------------------------------------------


def _visible_to(user):
    """The disputes ``user`` sees, with what the detail page shows of each."""
    return disputes_visible_to(user).select_related(
        "district",
        "township",
        "village",
        "grid",
        "handler",
        "department",
        "registered_by",
        "police_station",
        "police_transfer__station",
        "police_transfer__transferred_by",
        "police_transfer__acknowledged_by",
        "court_referral",
        "merged_into",
    )


def _visible(request, pk: int) -> Dispute:
    return get_object_or_404(_visible_to(request.user), pk=pk)


def _ledger_filter(request) -> DisputeFilter:
    """The list's filter over the user's jurisdiction; the print and export views use the
    same, so they hold exactly the rows the list shows."""
    return DisputeFilter(request.GET or None, queryset=disputes_visible_to(request.user), request=request)


def _detail_page(request, dispute: Dispute, *, bound: dict | None = None, revealed: dict[int, str] | None = None):
    user = request.user
    follow_ups = list(dispute.follow_ups.select_related("visited_by"))
    parties = list(dispute.parties.select_related("resident"))
    for party in parties:
        party.revealed_id = (revealed or {}).get(party.pk, "")
    response = render(
        request,
        "disputes/detail.html",
        {
            "nav_active": "disputes",
            "dispute": dispute,
            "overdue": dispute.is_overdue(),
            "parties": parties,
            "mediations": list(dispute.mediations.select_related("recorded_by", "agreement")),
            "attachments": list(dispute.attachments.select_related("uploaded_by")),
            "police_reviews": list(dispute.police_reviews.select_related("author")),
            "police_transfer": rules.transfer_of(dispute),
            "court_referral": rules.court_referral_of(dispute),
            "follow_ups": follow_ups,
            "events": list(dispute.events.select_related("actor")),
            "actions": FLOW.actions(user, dispute, bound),
            "may_reveal": rules.can_reveal_ids(user, dispute),
            **_linked_context(user, dispute),
        },
    )
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


def _linked_context(user, dispute: Dispute) -> dict:
    """The detail page's linked cases (关联): each with its facts and link if the user sees
    it, else its number only; the lead of a merged case (并案)."""
    linked = selectors.linked_cases(dispute)
    seen = set(disputes_visible_to(user).filter(pk__in=[d.pk for d in linked]).values_list("pk", flat=True))
    for d in linked:
        d.seen = d.pk in seen
    return {
        "linked": linked,
        "lead": dispute.merged_into if dispute.merged_into_id else None,
        "may_link": rules.can_link(user, dispute),
    }


# --- list, registration, detail --------------------------------------------------------------

# Sortable columns of the list: (sort key, the direction a first click asks for).
SORTABLE = (
    ("number", "number"),
    ("registered_at", "-registered_at"),
    ("risk_level", "-risk_level"),
    ("due_at", "due_at"),
)


def _sort_links(request) -> dict[str, dict]:
    """Per sortable column: the URL that sorts by it (a second click reverses) and its arrow."""
    current = request.GET.get("sort") or "-registered_at"
    links = {}
    for key, first in SORTABLE:
        if current == first:
            target = first[1:] if first.startswith("-") else f"-{first}"
        else:
            target = first
        query = request.GET.copy()
        query["sort"] = target
        query.pop("page", None)
        arrow = "▲" if current == key else ("▼" if current == f"-{key}" else "")
        links[key] = {"url": f"?{query.urlencode()}", "arrow": arrow}
    return links


@login_required
def ledger(request):
    ledger_filter = _ledger_filter(request)
    rows = urgent_pinned(list_rows(ledger_filter.qs))
    count = rows.capped_count()  # first: with it, the urgent items' number (see UrgentFirst)
    page = WindowPage.from_request(request, rows, settings.PAGE_SIZE)
    with_list_records(page.object_list)
    now = timezone.now()
    for dispute in page:
        dispute.overdue = dispute.is_overdue(now)
    return render(
        request,
        "disputes/list.html",
        {
            "nav_active": "disputes",
            "filter": ledger_filter,
            "page": page,
            # Drawn here, not by a tag in the template: see disputes/rows_html.py.
            "rows_html": ledger_rows_html(page.object_list),
            "count": count,
            "sort_links": _sort_links(request),
            "may_register": rules.can_register(request.user),
            "quick_filters": quick_filters(request),
        },
    )


SUPERVISION_ROWS = 50


@login_required
def supervision(request):
    """The district's watch list: open cases under supervision (督办) and overdue open cases,
    most overdue first, within the user's jurisdiction."""
    now = timezone.now()
    visible = disputes_visible_to(request.user).open()
    supervised = visible.filter(supervised_at__isnull=False).order_by("due_at", "pk")
    overdue = visible.filter(due_at__lt=now, supervised_at__isnull=True).order_by("due_at", "pk")
    sections = []
    for key, title, qs, query in (
        ("supervised", _("Under supervision (督办)"), supervised, "supervised=yes"),
        ("overdue", _("Overdue"), overdue, "overdue=yes&sort=due_at"),
    ):
        rows = list(urgent_first(ledger_rows(qs))[:SUPERVISION_ROWS])
        for dispute in rows:
            dispute.overdue = dispute.is_overdue(now)
            dispute.days_overdue = (now - dispute.due_at).days if dispute.overdue else 0
        sections.append({"key": key, "title": title, "rows": rows, "count": capped_count(qs), "query": query})
    return render(
        request,
        "disputes/supervision.html",
        {"nav_active": "supervision", "sections": sections, "shown": SUPERVISION_ROWS},
    )


@login_required
def register(request):
    user = request.user
    if not rules.can_register(user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = RegisterForm(data, user=user)
    parties = PartyFormSet(data, user=user, prefix="parties")
    if request.method == "POST":
        form_ok = form.is_valid()
        parties_ok = parties.is_valid()
        if form_ok and parties_ok:
            d = form.cleaned_data
            try:
                dispute = services.dispute_register(
                    actor=user,
                    at=timezone.now(),
                    source=d["source"],
                    category=d["category"],
                    summary=d["summary"],
                    description=d["description"],
                    occurred_on=d["occurred_on"],
                    location=d["location"],
                    source_reference=d["source_reference"],
                    risk_level=d["risk_level"],
                    risk_criminal=d["risk_criminal"],
                    risk_mass_incident=d["risk_mass_incident"],
                    vulnerable_party=d["vulnerable_party"],
                    people_involved=d["people_involved"],
                    urgent_reason=d["urgent_reason"],
                    parties=[_party_data(p) for p in parties.filled()],
                    **form.place_kwargs(),
                    **form.alarm_kwargs(),
                    accept_here=True,
                )
            except DisputeError as e:
                form.add_error(e.field if e.field in form.fields else None, str(e))
            else:
                messages.success(request, _("Dispute %(number)s registered.") % {"number": dispute.number})
                return redirect(dispute)
    return render(
        request,
        "disputes/register.html",
        {
            "nav_active": "disputes",
            "form": form,
            "parties": parties,
        },
    )


def _party_data(p: dict) -> PartyData:
    id_number = p["id_number"]
    resident = p.get("resident")
    if resident is not None and not id_number and p["kind"] == Party.Kind.PERSON:
        # The party is this resident: carry their ID number over (stored encrypted and shown
        # masked, like the resident's; nobody sees it in clear by this).
        id_number = resident.reveal_id_number()
    return PartyData(
        role=p["role"],
        kind=p["kind"],
        name=p["name"],
        id_number=id_number,
        phone=p["phone"],
        address=p["address"],
        resident=resident,
        credit_code=p["credit_code"],
    )


def _param(request, suffix: str) -> int | None:
    """An id from the query string under ``suffix`` (or a prefixed name, "x-township")."""
    for key, value in request.GET.items():
        if key == suffix or key.endswith(f"-{suffix}"):
            return parse_pk(value)
    return None


@require_GET
@login_required
def place_options(request):
    """The <option>s of the village or grid select, reloaded (htmx) when the area above changes."""
    user = request.user
    field = request.GET.get("field")
    township_pk = _param(request, "township")
    township = townships_for(user).filter(pk=township_pk).first() if township_pk else None
    if field == "village":
        options = villages_for(user, township=township)
    elif field == "grid":
        village_pk = _param(request, "village")
        village = villages_visible_to(user).filter(pk=village_pk).first() if village_pk else None
        options = grids_for(user, village=village, township=township)
    else:
        raise Http404
    return render(request, "disputes/_options.html", {"options": options})


@require_GET
@login_required
def resident_search(request):
    """Residents the user sees whose name contains the query, to fill a party row (htmx)."""
    row = request.GET.get("row", "")
    if not re.fullmatch(r"parties-\d{1,2}", row):
        raise Http404
    q = search_query(request.GET.get("resident_q"))
    residents = []
    if q:
        qs = residents_visible_to(request.user).select_related("household", "grid")
        grid = parse_pk(request.GET.get("grid"))
        if grid:
            qs = qs.filter(grid_id=grid)
        residents = list(qs.filter(name__icontains=q).order_by("name", "pk")[:RESIDENT_SEARCH_LIMIT])
    return render(request, "disputes/_resident_results.html", {"residents": residents, "row": row, "q": q})


@login_required
def detail(request, pk: int):
    return _detail_page(request, _visible(request, pk))


# --- the table of steps ------------------------------------------------------------------------
# One row per step, in the order the detail page offers them: its rule (role and state,
# asked by the page and again by the service), its form and the service it calls.
# ``govcenter.steps`` draws the actions panel from it and takes every step's POST.


def _follow_up_recorded(d: Dispute) -> str:
    return {
        Status.ARCHIVED: _("Follow-up visit recorded; the dispute is archived."),
        Status.RESOLVED: _("Follow-up visit recorded."),
    }.get(d.status, _("Follow-up visit recorded; the dispute flared up again and is reopened."))


def _escalate_title(d: Dispute) -> str:
    # The district assigns (交办) a case to a department; it does not report up to it.
    if d.next_level() == Level.DEPARTMENT:
        return _("Assign to a functional department (交办)")
    return _("Escalate to the %(level)s") % {"level": Level(d.next_level()).label}


def _escalated(d: Dispute) -> str:
    if d.level == Level.DEPARTMENT:
        return _("Assigned to %(department)s.") % {"department": d.department}
    return _("Escalated to %(level)s.") % {"level": d.get_level_display()}


def _mergeable(user, d: Dispute):
    """The linked cases ``user`` may merge into ``d`` (the merge form's choices)."""
    qs = selectors.mergeable_into(d)
    if d.link_group_id is None:
        return qs
    return qs.filter(pk__in=[o.pk for o in qs if rules.can_merge(user, o)])


FLOW = Flow(
    item_name="dispute",
    namespace="disputes",
    visible=_visible_to,
    detail=_detail_page,
    error=DisputeError,
    refused=gettext_lazy("You cannot take this step on this dispute now."),
    form_kwargs=lambda user, d: {"dispute": d, "user": user},
    steps=[
        Step(
            name="accept",
            title=gettext_lazy("Accept"),
            submit=gettext_lazy("Accept this dispute"),
            style="success",
            rule=rules.can_accept,
            form=AcceptForm,
            service=services.dispute_accept,
            success=lambda d: _("Dispute %(number)s accepted.") % {"number": d.number},
        ),
        Step(
            name="divert",
            title=gettext_lazy("Divert to a township or village"),
            submit=gettext_lazy("Divert"),
            style="secondary",
            rule=rules.can_divert,
            form=DivertForm,
            form_kwargs=lambda user, d: selectors.district_places(d),
            service=services.dispute_divert,
            success=lambda d: _("Dispute diverted to %(place)s.") % {"place": d.village or d.township},
        ),
        Step(
            name="handover",
            title=gettext_lazy("Hand to mediation (警调联动)"),
            submit=gettext_lazy("Hand over"),
            style="success",
            rule=rules.can_hand_to_mediation,
            form=HandOverForm,
            service=services.dispute_hand_to_mediation,
            success=lambda d: (
                _("Dispute %(number)s handed to %(place)s.") % {"number": d.number, "place": d.get_handed_to_display()}
            ),
            opens=True,
        ),
        Step(
            name="mediation",
            title=gettext_lazy("Record mediation"),
            submit=gettext_lazy("Save the mediation record"),
            rule=rules.can_record_mediation,
            form=MediationForm,
            service=services.dispute_record_mediation,
            success=gettext_lazy("Mediation recorded."),
        ),
        Step(
            name="resolve",
            title=gettext_lazy("Resolve"),
            submit=gettext_lazy("Mark as resolved"),
            style="success",
            rule=rules.can_resolve,
            form=ResolveForm,
            service=services.dispute_resolve,
            success=lambda d: _("Dispute %(number)s resolved; follow-up visits are scheduled.") % {"number": d.number},
        ),
        Step(
            name="feedback",
            title=lambda d: _("Return the result to the %(level)s") % {"level": Level(d.previous_level()).label},
            submit=gettext_lazy("Return the result"),
            style="success",
            rule=rules.can_return_feedback,
            form=FeedbackForm,
            service=services.dispute_return_feedback,
            success=lambda d: (
                _("Result returned to the %(level)s for confirmation.") % {"level": d.get_level_display()}
            ),
        ),
        Step(
            name="confirm",
            title=gettext_lazy("Confirm the returned result"),
            submit=gettext_lazy("Confirm: resolved"),
            style="success",
            rule=rules.can_confirm_feedback,
            form=ConfirmForm,
            service=services.dispute_confirm_feedback,
            success=gettext_lazy("Result confirmed: the dispute is resolved."),
        ),
        Step(
            name="station_confirm",
            title=gettext_lazy("Confirm the mediation result for the police station"),
            submit=gettext_lazy("Confirm the result"),
            style="success",
            rule=rules.can_station_confirm,
            form=StationConfirmForm,
            service=services.dispute_station_confirm,
            success=gettext_lazy("Result confirmed by the police station."),
            opens=True,
        ),
        Step(
            name="reject",
            title=gettext_lazy("Reject the returned result"),
            submit=gettext_lazy("Reject and send back up"),
            style="danger",
            rule=rules.can_reject_feedback,
            form=RejectForm,
            service=services.dispute_reject_feedback,
            success=lambda d: (
                _("Result rejected: the dispute is back with the %(level)s.") % {"level": d.get_level_display()}
            ),
        ),
        Step(
            name="escalate",
            title=_escalate_title,
            submit=lambda d: _("Assign") if d.next_level() == Level.DEPARTMENT else _("Escalate"),
            style="warning",
            rule=rules.can_escalate,
            form=EscalateForm,
            form_kwargs=lambda user, d: {"departments": selectors.department_choices(d)},
            service=services.dispute_escalate,
            success=_escalated,
        ),
        # An urgent case: the village centre skips the township (``govcenter.urgent``).
        pass_to_district_step(
            rule=rules.can_pass_to_district,
            perform=lambda c: services.dispute_pass_to_district(
                dispute=c.item, actor=c.actor, at=c.at, note=c.data["note"]
            ),
            success=gettext_lazy("Passed straight to the district; the township is told."),
        ),
        Step(
            name="unit",
            url_name="assign_unit",
            path="unit",
            title=gettext_lazy("Assign to a township station or institute (交办)"),
            submit=gettext_lazy("Assign"),
            style="warning",
            rule=rules.can_assign_unit,
            form=AssignUnitForm,
            form_kwargs=lambda user, d: {"units": selectors.unit_choices(d)},
            service=services.dispute_assign_unit,
            success=lambda d: _("Assigned to %(unit)s.") % {"unit": d.department},
        ),
        Step(
            name="assign",
            title=gettext_lazy("Assign a handler"),
            submit=gettext_lazy("Assign"),
            style="secondary",
            rule=rules.can_assign,
            form=AssignHandlerForm,
            form_kwargs=lambda user, d: {"handlers": selectors.handler_choices(d)},
            service=services.dispute_assign_handler,
            success=lambda d: _("%(person)s now handles this dispute.") % {"person": d.handler.display_name},
        ),
        Step(
            name="unresolved",
            title=gettext_lazy("Close as not resolved"),
            submit=gettext_lazy("Close as not resolved"),
            style="danger",
            rule=rules.can_close_unresolved,
            form=UnresolvedForm,
            service=services.dispute_close_unresolved,
            success=lambda d: _("Dispute %(number)s closed as not resolved.") % {"number": d.number},
        ),
        Step(
            name="transfer",
            path="transfer-to-police",
            title=gettext_lazy("Transfer to the police (移送公安机关)"),
            submit=gettext_lazy("Transfer to the police"),
            style="danger",
            rule=rules.can_transfer_to_police,
            form=TransferToPoliceForm,
            form_kwargs=lambda user, d: {"stations": selectors.covering_stations(d)},
            service=services.dispute_transfer_to_police,
            success=lambda d: (
                _("Dispute %(number)s transferred to %(station)s.")
                % {"number": d.number, "station": d.police_transfer.station}
            ),
        ),
        Step(
            name="acknowledge",
            path="acknowledge-transfer",
            title=gettext_lazy("Acknowledge the transfer with the station's case number"),
            submit=gettext_lazy("Record the case number"),
            style="success",
            rule=rules.can_acknowledge_transfer,
            form=AcknowledgeTransferForm,
            service=services.dispute_acknowledge_transfer,
            success=gettext_lazy("Transfer acknowledged; the case number is recorded."),
            opens=True,
        ),
        Step(
            name="court",
            path="court-outcome",
            title=gettext_lazy("Record the court's outcome"),
            submit=gettext_lazy("Save the court's outcome"),
            rule=rules.can_record_court_outcome,
            form=CourtOutcomeForm,
            service=services.dispute_record_court_outcome,
            success=gettext_lazy("Court outcome recorded."),
        ),
        Step(
            name="followup",
            title=lambda fu: _("Record the follow-up visit due %(day)s") % {"day": fu.due_on.isoformat()},
            submit=gettext_lazy("Save the visit"),
            rule=rules.can_record_follow_up,
            form=FollowUpForm,
            targets=lambda d: d.follow_ups.all(),
            offered=lambda fu: fu.is_pending,
            target_kwarg="follow_up",
            service=services.dispute_record_follow_up,
            success=_follow_up_recorded,
        ),
        Step(
            name="police",
            url_name="police_review",
            title=lambda d: (
                _("Give the police opinion (研判): awaited")
                if d.awaits_police_review
                else _("Add a police opinion (研判)")
            ),
            submit=gettext_lazy("Save the opinion"),
            rule=rules.can_add_police_review,
            form=PoliceReviewForm,
            service=services.dispute_add_police_review,
            success=gettext_lazy("Police opinion saved."),
        ),
        Step(
            name="attach",
            path="attachment",
            title=gettext_lazy("Add a file"),
            submit=gettext_lazy("Upload"),
            style="secondary",
            rule=rules.can_attach,
            form=AttachmentForm,
            perform=lambda c: services.dispute_add_attachment(
                dispute=c.item, actor=c.actor, at=c.at, kind=c.data["kind"], upload=c.data["file"]
            ),
            success=gettext_lazy("File added."),
        ),
        feedback.parties_told_step(
            rule=rules.can_tell_parties, service=services.dispute_tell_parties, form=PartiesToldForm
        ),
        # Linked cases (关联) and merged cases (并案); linking itself is on the link picker page.
        Step(
            name="merge",
            title=gettext_lazy("Merge linked disputes into this one (并案)"),
            submit=gettext_lazy("Merge"),
            style="warning",
            rule=lambda user, d: rules.can_merge(user, d) and _mergeable(user, d).exists(),
            form=MergeForm,
            form_kwargs=lambda user, d: {"mergeable": _mergeable(user, d)},
            perform=lambda c: services.disputes_merge(
                lead=c.item, others=list(c.data["others"]), actor=c.actor, note=c.data["note"], at=c.at
            ),
            success=gettext_lazy("Merged: this dispute's steps and result now apply to the merged disputes."),
        ),
        Step(
            name="unmerge",
            title=lambda d: _("Unmerge from the lead case %(number)s") % {"number": d.merged_into.number},
            submit=gettext_lazy("Unmerge"),
            style="secondary",
            rule=rules.can_unmerge,
            form=LinkNoteForm,
            service=services.dispute_unmerge,
            success=gettext_lazy("Unmerged: this dispute is handled on its own again."),
        ),
        Step(
            name="unlink",
            title=gettext_lazy("Unlink from the related disputes"),
            submit=gettext_lazy("Unlink"),
            style="secondary",
            rule=rules.can_unlink,
            form=LinkNoteForm,
            service=services.dispute_unlink,
            success=gettext_lazy("Unlinked."),
        ),
        # Urgent (紧急): "mark urgent", the kernel's.
        *services.URGENCY.steps(),
        # Supervision by the higher level (挂牌督办): "supervise" and "unsupervise", the kernel's.
        *services.SUPERVISION.steps(),
    ],
)


@login_required
def link(request, pk: int):
    """The link picker (关联): search the ledger of the user's jurisdiction by number or
    party (GET ``q``), tick, link (POST). Every ticked id is looked up in the jurisdiction:
    one outside it answers 404, as any dispute does."""
    dispute = _visible(request, pk)
    user = request.user
    allowed = rules.can_link(user, dispute)
    if not allowed:
        messages.error(request, allowed.reason)
        return redirect(dispute)
    if request.method == "POST":
        form = LinkForm(request.POST)
        ids = {parse_pk(v) for v in request.POST.getlist("disputes")}
        if None in ids or not ids or not form.is_valid():
            messages.error(request, _("Tick the disputes to link with this one."))
            return redirect("disputes:link", pk=dispute.pk)
        chosen = list(disputes_visible_to(user).filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise Http404
        try:
            services.disputes_link(disputes=[dispute, *chosen], actor=user, note=form.cleaned_data["note"])
        except DisputeError as e:
            messages.error(request, str(e))
            return redirect("disputes:link", pk=dispute.pk)
        messages.success(request, _("Linked with %(numbers)s.") % {"numbers": "、".join(d.number for d in chosen)})
        return redirect(dispute)
    q = search_query(request.GET.get("q"))
    candidates = [d for d in selectors.link_candidates(user, dispute, q) if rules.can_link(user, d)]
    return render(
        request,
        "disputes/link.html",
        {
            "nav_active": "disputes",
            "dispute": dispute,
            "q": q,
            "candidates": candidates,
            "linked": selectors.linked_cases(dispute),
            "form": LinkForm(),
        },
    )


# --- personal data and files --------------------------------------------------------------------


@never_cache
@require_POST
@login_required
def party_reveal(request, pk: int):
    """Show one party's clear ID number to a user allowed to see it, and record that they did.

    htmx gets the small fragment that replaces the masked number; a plain form POST
    (no JavaScript) gets the whole detail page with the number shown.
    """
    user = request.user
    party = get_object_or_404(Party.objects.filter(dispute__in=disputes_visible_to(user)), pk=pk)
    dispute = _visible(request, party.dispute_id)
    if not (rules.can_reveal_ids(user, dispute) and party.has_id_number):
        raise PermissionDenied
    return reveal_response(
        request,
        party,
        fragment="disputes/_party_id.html",
        context={"party": party},
        page=lambda id_number: _detail_page(request, dispute, revealed={party.pk: id_number}),
        back=dispute,
    )


@login_required
def attachment(request, pk: int):
    """A file of a dispute the user sees. Files are never served from a public media URL."""
    item = get_object_or_404(Attachment.objects.filter(dispute__in=disputes_visible_to(request.user)), pk=pk)
    return private_file_response(
        item.file, name=item.original_name, content_type=item.content_type, reencoded=item.reencoded
    )


# --- print and export ---------------------------------------------------------------------------


@login_required
def print_sheet(request, pk: int):
    """The registration sheet (登记表) of one dispute, for paper filing."""
    dispute = _visible(request, pk)
    return render(
        request,
        "disputes/print_sheet.html",
        {
            "dispute": dispute,
            "parties": list(dispute.parties.all()),
            "mediations": list(dispute.mediations.select_related("recorded_by")),
            "police_reviews": list(dispute.police_reviews.select_related("author")),
            "follow_ups": [f for f in dispute.follow_ups.select_related("visited_by") if not f.cancelled],
            "parties_answer": feedback.parties_answer(dispute),
            "printed_at": timezone.now(),
        },
    )


@login_required
def print_ledger(request):
    """The ledger of the current filter on A4 landscape, up to PRINT_MAX_ROWS rows."""
    ledger_filter = _ledger_filter(request)
    rows = list(exports.export_queryset(ledger_filter.qs)[: PRINT_MAX_ROWS + 1])
    return render(
        request,
        "disputes/print_ledger.html",
        {
            "headers": [title for _key, title, _width in exports.columns()],
            # (text, is a date) per cell: dates must not wrap in the narrow paper columns.
            "rows": [
                [(_cell(v), isinstance(v, datetime.date)) for v in exports.row_values(d)] for d in rows[:PRINT_MAX_ROWS]
            ],
            "capped": len(rows) > PRINT_MAX_ROWS,
            "max_rows": PRINT_MAX_ROWS,
            "filters": _filter_summary(ledger_filter),
            "printed_at": timezone.now(),
            "user_label": request.user.display_name,
        },
    )


def _cell(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _filter_summary(ledger_filter: DisputeFilter) -> list[tuple[str, str]]:
    """(label, value) of each filter in use, printed above the ledger."""
    if not ledger_filter.is_bound:
        return []
    form = ledger_filter.form
    form.is_valid()
    summary = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", []) or name == "sort":
            continue
        if isinstance(field, django_forms.ChoiceField) and not isinstance(field, django_forms.ModelChoiceField):
            value = dict(field.choices).get(value, value)
        summary.append((str(field.label), _cell(value)))
    return summary


@login_required
def export_xlsx(request):
    """The ledger as XLSX: in the request up to BACKGROUND_EXPORT_ROWS rows, else as a
    background job whose page has a progress bar and then the download."""
    return export_now_or_later(
        request,
        _ledger_filter(request).qs,
        kind="disputes.ledger",
        respond=exports.xlsx_response,
        threshold=BACKGROUND_EXPORT_ROWS,
    )


@login_required
def export_csv(request):
    """The ledger as CSV: streamed up to BACKGROUND_EXPORT_ROWS rows, else the same file
    written by a background job (as ``export_xlsx``)."""
    return export_now_or_later(
        request,
        _ledger_filter(request).qs,
        kind="disputes.ledger",
        respond=exports.csv_response,
        threshold=BACKGROUND_EXPORT_ROWS,
        file_format=ExportJob.Format.CSV,
    )
