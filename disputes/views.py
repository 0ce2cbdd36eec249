"""Pages of the dispute ledger: the list, registration, the detail page with one POST
URL per step, printing and exports.

Every dispute (and every party or attachment, through its dispute) is looked up in
``disputes_visible_to(user)``: outside the user's jurisdiction it answers 404 on every
URL. A step view validates its form, calls one service (which alone decides whether
this user may take the step now; ``DisputeError`` carries the message), and redirects
to the detail page. A form with errors re-renders the detail page with the form as
typed, so nothing is lost. The detail page offers only the steps ``rules`` allow.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from govcenter.actions import Action
from govcenter.clientip import client_ip
from govcenter.files import private_file_response
from govcenter.forms import parse_pk, search_query
from govcenter.pagination import WindowPage, capped_count
from govcenter.services import RevealLimitReached, personal_data_reveal
from grids.selectors import residents_visible_to, villages_visible_to

from . import exports, rules, services
from .filters import DisputeFilter
from .forms import (
    AcceptForm,
    AssignHandlerForm,
    AttachmentForm,
    ConfirmForm,
    DivertForm,
    EscalateForm,
    FeedbackForm,
    FollowUpForm,
    MediationForm,
    PartyFormSet,
    PoliceReviewForm,
    RegisterForm,
    RejectForm,
    ResolveForm,
    UnresolvedForm,
    grids_for,
    townships_for,
    villages_for,
)
from .models import Attachment, Dispute, FollowUp, Level, Party
from .selectors import disputes_visible_to, ledger_rows
from .services import DisputeError, PartyData

Status = Dispute.Status

PRINT_MAX_ROWS = 2000
RESIDENT_SEARCH_LIMIT = 10


# --- helpers -----------------------------------------------------------------------------


def _visible(request, pk: int) -> Dispute:
    qs = disputes_visible_to(request.user).select_related(
        "district", "township", "village", "grid", "handler", "department", "registered_by"
    )
    return get_object_or_404(qs, pk=pk)


def _ledger_filter(request) -> DisputeFilter:
    """The list's filter over the user's jurisdiction; the print and export views use the
    same, so they hold exactly the rows the list shows."""
    return DisputeFilter(request.GET or None, queryset=disputes_visible_to(request.user), request=request)


# --- the actions panel -----------------------------------------------------------------------


def available_actions(
    user, dispute: Dispute, bound: dict[str, django_forms.Form] | None = None, follow_ups: list[FollowUp] | None = None
) -> list[Action]:
    """The steps ``user`` may take on ``dispute`` in its current status, in the order a clerk
    would consider them. Mirrors the checks of ``services`` (which remain the authority)."""
    bound = bound or {}
    actions: list[Action] = []
    status = dispute.status
    handles = rules.can_handle(user, dispute)
    working = status in (Status.ACCEPTED, Status.IN_MEDIATION)

    def add(name, form_class, url_name, title, submit, style="primary", url_args=(), **form_kwargs):
        form = bound.get(name) or form_class(dispute=dispute, user=user, **form_kwargs)
        url = reverse(f"disputes:{url_name}", args=[dispute.pk, *url_args])
        actions.append(Action(name, title, url, form, submit, style, expanded=name in bound))

    if status == Status.REGISTERED and handles:
        add("accept", AcceptForm, "accept", _("Accept"), _("Accept this dispute"), "success")
    if status == Status.REGISTERED and rules.can_divert(user, dispute):
        add("divert", DivertForm, "divert", _("Divert to a township or village"), _("Divert"), "secondary")
    if working and rules.can_record_mediation(user, dispute):
        add("mediation", MediationForm, "mediation", _("Record mediation"), _("Save the mediation record"))
    if working and handles:
        add("resolve", ResolveForm, "resolve", _("Resolve"), _("Mark as resolved"), "success")
        if dispute.previous_level():
            add(
                "feedback",
                FeedbackForm,
                "feedback",
                _("Return the result to the %(level)s") % {"level": Level(dispute.previous_level()).label},
                _("Return the result"),
                "success",
            )
    if status == Status.AWAITING_CONFIRMATION and handles:
        add("confirm", ConfirmForm, "confirm", _("Confirm the returned result"), _("Confirm: resolved"), "success")
        add("reject", RejectForm, "reject", _("Reject the returned result"), _("Reject and send back up"), "danger")
    target = dispute.next_level()
    if (
        dispute.is_open
        and status != Status.AWAITING_CONFIRMATION
        and target
        and handles
        and (target != Level.TOWNSHIP or dispute.township_id)
    ):
        add(
            "escalate",
            EscalateForm,
            "escalate",
            _("Escalate to the %(level)s") % {"level": Level(target).label},
            _("Escalate"),
            "warning",
        )
    if dispute.is_open and handles:
        add("assign", AssignHandlerForm, "assign", _("Assign a handler"), _("Assign"), "secondary")
    if working and handles:
        add(
            "unresolved", UnresolvedForm, "unresolved", _("Close as not resolved"), _("Close as not resolved"), "danger"
        )
    if status == Status.RESOLVED and rules.can_follow_up(user, dispute):
        pending = follow_ups if follow_ups is not None else list(dispute.follow_ups.all())
        for fu in pending:
            if fu.is_pending:
                add(
                    f"followup{fu.pk}",
                    FollowUpForm,
                    "followup",
                    _("Record the follow-up visit due %(day)s") % {"day": fu.due_on.isoformat()},
                    _("Save the visit"),
                    url_args=(fu.pk,),
                    follow_up=fu,
                )
    if status != Status.ARCHIVED and rules.can_review_as_police(user, dispute):
        add("police", PoliceReviewForm, "police_review", _("Add a police opinion"), _("Save the opinion"))
    if status != Status.ARCHIVED and rules.can_attach(user, dispute):
        add("attach", AttachmentForm, "attach", _("Add a file"), _("Upload"), "secondary")
    return actions


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
            "follow_ups": follow_ups,
            "events": list(dispute.events.select_related("actor")),
            "actions": available_actions(user, dispute, bound, follow_ups),
            "may_reveal": rules.can_reveal_ids(user, dispute),
        },
    )
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


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
    page = WindowPage.from_request(request, ledger_rows(ledger_filter.qs), settings.PAGE_SIZE)
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
            "count": capped_count(ledger_filter.qs),
            "sort_links": _sort_links(request),
            "may_register": rules.can_register(request.user),
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
        rows = list(ledger_rows(qs)[:SUPERVISION_ROWS])
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
                    parties=[_party_data(p) for p in parties.filled()],
                    **form.place_kwargs(),
                )
            except DisputeError as e:
                form.add_error(None, str(e))
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


# --- steps -------------------------------------------------------------------------------------


def _step(
    request,
    dispute: Dispute,
    name: str,
    form_class,
    perform: Callable[[Dispute, dict], object],
    success: Callable[[Dispute], str],
    **form_kwargs,
):
    """Validate the step's form, call the service, message, redirect (CONVENTIONS: a view).

    A form with errors re-renders the detail page with the form as typed (status 200).
    """
    form = form_class(request.POST, request.FILES, dispute=dispute, user=request.user, **form_kwargs)
    if not form.is_valid():
        if any(a.name == name for a in available_actions(request.user, dispute)):
            return _detail_page(request, dispute, bound={name: form})
        messages.error(request, _("You cannot take this step on this dispute now."))
        return redirect(dispute)
    try:
        perform(dispute, form.cleaned_data)
    except DisputeError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, success(dispute))
    return redirect(dispute)


@require_POST
@login_required
def accept(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "accept",
        AcceptForm,
        lambda d, data: services.dispute_accept(dispute=d, actor=request.user, at=timezone.now(), note=data["note"]),
        lambda d: _("Dispute %(number)s accepted.") % {"number": d.number},
    )


@require_POST
@login_required
def assign(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "assign",
        AssignHandlerForm,
        lambda d, data: services.dispute_assign_handler(
            dispute=d, actor=request.user, at=timezone.now(), handler=data["handler"]
        ),
        lambda d: _("%(person)s now handles this dispute.") % {"person": d.handler.display_name},
    )


@require_POST
@login_required
def mediation(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "mediation",
        MediationForm,
        lambda d, data: services.dispute_record_mediation(
            dispute=d,
            actor=request.user,
            at=timezone.now(),
            held_on=data["held_on"],
            method=data["method"],
            mediator_kinds=data["mediator_kinds"],
            mediators=data["mediators"],
            outcome=data["outcome"],
            notes=data["notes"],
            agreement=data["agreement"],
        ),
        lambda d: _("Mediation recorded."),
    )


@require_POST
@login_required
def escalate(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "escalate",
        EscalateForm,
        lambda d, data: services.dispute_escalate(
            dispute=d, actor=request.user, at=timezone.now(), reason=data["reason"], department=data.get("department")
        ),
        lambda d: _("Escalated to %(level)s.") % {"level": d.get_level_display()},
    )


@require_POST
@login_required
def feedback(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "feedback",
        FeedbackForm,
        lambda d, data: services.dispute_return_feedback(
            dispute=d, actor=request.user, at=timezone.now(), result=data["result"]
        ),
        lambda d: _("Result returned to the %(level)s for confirmation.") % {"level": d.get_level_display()},
    )


@require_POST
@login_required
def confirm(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "confirm",
        ConfirmForm,
        lambda d, data: services.dispute_confirm_feedback(
            dispute=d, actor=request.user, at=timezone.now(), note=data["note"]
        ),
        lambda d: _("Result confirmed: the dispute is resolved."),
    )


@require_POST
@login_required
def reject(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "reject",
        RejectForm,
        lambda d, data: services.dispute_reject_feedback(
            dispute=d, actor=request.user, at=timezone.now(), reason=data["reason"]
        ),
        lambda d: _("Result rejected: the dispute is back with the %(level)s.") % {"level": d.get_level_display()},
    )


@require_POST
@login_required
def resolve(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "resolve",
        ResolveForm,
        lambda d, data: services.dispute_resolve(
            dispute=d, actor=request.user, at=timezone.now(), result=data["result"], agreement=data["agreement"]
        ),
        lambda d: _("Dispute %(number)s resolved; follow-up visits are scheduled.") % {"number": d.number},
    )


@require_POST
@login_required
def unresolved(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "unresolved",
        UnresolvedForm,
        lambda d, data: services.dispute_close_unresolved(
            dispute=d, actor=request.user, at=timezone.now(), result=data["result"], referral=data["referral"]
        ),
        lambda d: _("Dispute %(number)s closed as not resolved.") % {"number": d.number},
    )


@require_POST
@login_required
def followup(request, pk: int, followup_pk: int):
    dispute = _visible(request, pk)
    follow_up = get_object_or_404(FollowUp, pk=followup_pk, dispute=dispute)
    return _step(
        request,
        _visible(request, pk),
        f"followup{follow_up.pk}",
        FollowUpForm,
        lambda d, data: services.dispute_record_follow_up(
            dispute=d,
            follow_up=follow_up,
            actor=request.user,
            at=timezone.now(),
            visited_on=data["visited_on"],
            finding=data["finding"],
            notes=data["notes"],
        ),
        lambda d: {
            Status.ARCHIVED: _("Follow-up visit recorded; the dispute is archived."),
            Status.RESOLVED: _("Follow-up visit recorded."),
        }.get(d.status, _("Follow-up visit recorded; the dispute flared up again and is reopened.")),
        follow_up=follow_up,
    )


@require_POST
@login_required
def police_review(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "police",
        PoliceReviewForm,
        lambda d, data: services.dispute_add_police_review(
            dispute=d,
            actor=request.user,
            at=timezone.now(),
            opinion=data["opinion"],
            flags_criminal_risk=data["flags_criminal_risk"],
        ),
        lambda d: _("Police opinion saved."),
    )


@require_POST
@login_required
def divert(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "divert",
        DivertForm,
        lambda d, data: services.dispute_divert(
            dispute=d,
            actor=request.user,
            at=timezone.now(),
            township=data["township"],
            village=data["village"],
            grid=data["grid"],
            note=data["note"],
        ),
        lambda d: _("Dispute diverted to %(place)s.") % {"place": d.village or d.township},
    )


@require_POST
@login_required
def attach(request, pk: int):
    return _step(
        request,
        _visible(request, pk),
        "attach",
        AttachmentForm,
        lambda d, data: services.dispute_add_attachment(
            dispute=d, actor=request.user, at=timezone.now(), kind=data["kind"], upload=data["file"]
        ),
        lambda d: _("File added."),
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
    htmx = request.headers.get("HX-Request") == "true"
    try:
        id_number = personal_data_reveal(user=user, subject=party, ip_address=client_ip(request))
    except RevealLimitReached as e:
        # htmx swaps only 2xx answers: the refusal replaces the button in place.
        if htmx:
            response = render(request, "disputes/_party_id.html", {"party": party, "refused": str(e)})
        else:
            messages.error(request, str(e))
            response = redirect(dispute)
    else:
        if htmx:
            response = render(request, "disputes/_party_id.html", {"party": party, "id_number": id_number})
        else:
            response = _detail_page(request, dispute, revealed={party.pk: id_number})
    patch_vary_headers(response, ["HX-Request"])
    return response


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
            "follow_ups": [f for f in dispute.follow_ups.select_related("visited_by") if not f.cancelled],
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
    return exports.xlsx_response(_ledger_filter(request).qs)


@login_required
def export_csv(request):
    return exports.csv_response(_ledger_filter(request).qs)
