"""Urgent items (紧急), one mechanism for every flow (issue 12, item 4).

A grid worker of the item's grid, or the staff of the level handling it, marks an item
urgent with a reason (major incident, risk of a mass incident, danger to life), when it
is registered or afterwards as a step. Marking it:

1. sets the mark (``urgent_reason``, ``urgent_at``) with a conditional UPDATE on an
   unmarked row, so that of two requests marking it at once (or one marking it twice)
   exactly one goes on;
2. writes one timeline event;
3. alarms at once the staff of its village, township and district centres, the staff of
   every police station covering its village and the community police of its grid
   (``urgent_recipients``), the person who marked it excepted: in-app, and by e-mail and
   SMS to every address they have, whatever they chose for everyday notifications
   (``Notification.urgent``). A user without a phone gets no SMS.

An urgent item comes first in every list and queue of its flow (``urgent_first``) while it
is open, carries a red badge (``{% urgent_badge %}``, govcenter/templatetags/badges.py) and a column in exports,
and the lists filter on it (``urgent_filter``). At village level the village centre may
pass it straight to the district, skipping the township (``can_pass_to_district``; the
app's own escalation service does the move, with the district as its target, and tells
the township).

An item is urgent-capable when it follows the level protocol of ``govcenter.levels``, has
the fields of ``UrgentItem`` and ``get_absolute_url``. Each flow makes one ``Urgency``
with its timeline event model, error class, event kind, the rule of its "mark urgent"
step and what "open" means for it, and appends its ``steps()`` to its table::

    URGENCY = Urgency(model=Dispute, event_model=DisputeEvent, error=DisputeError,
                      marked_kind=Kind.MARKED_URGENT, rule=rules.can_mark_urgent,
                      open_q=Q(status__in=Dispute.OPEN_STATUSES), label=...)
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import django_filters
from django import forms
from django.db import models, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When, prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import limits, pagination
from .jurisdiction import is_admin
from .levels import Level, is_level_staff, level_staff, serves_grid
from .pagination import CappedCount, capped_counts
from .police import police_of
from .signals import send_rows_updated
from .steps import Step, check
from .supervision import _KernelStepForm
from .timeline import TimelineEvent, WorkflowError, require


class UrgentReason(models.TextChoices):
    """Why an item is urgent (紧急)."""

    MAJOR_INCIDENT = "major_incident", gettext_lazy("Major incident")
    MASS_INCIDENT_RISK = "mass_incident", gettext_lazy("Risk of a mass incident")
    DANGER_TO_LIFE = "danger_to_life", gettext_lazy("Danger to life")


class UrgentItem(models.Model):
    """The urgent mark of an item; empty reason and no time: not urgent."""

    urgent_reason = models.CharField(
        gettext_lazy("urgent because"), max_length=16, choices=UrgentReason.choices, blank=True
    )
    urgent_at = models.DateTimeField(gettext_lazy("marked urgent at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_urgent(self) -> bool:
        return self.urgent_at is not None


# --- who ---------------------------------------------------------------------------------------


def urgent_recipients(item) -> list:
    """Whom marking ``item`` urgent alarms: the active staff of its village, township and
    district centres (as far as the item is placed) and its police (``police_of``: the staff
    of the stations covering its village, the community police of its grid). By id."""
    people = {}
    for level in (Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT):
        for user in level_staff(item, level):
            people[user.pk] = user
    if item.village_id is not None:
        for user in police_of(item):
            people[user.pk] = user
    return [people[pk] for pk in sorted(people)]


# --- rules -------------------------------------------------------------------------------------


def can_mark_urgent(user, item):
    """Not yet urgent; a grid worker serving its grid, or the staff of the level handling it.
    The flow adds its state (open, the kind of item) in its own rule."""
    return check(item.urgent_at is None, _("This is already marked urgent.")) and check(
        is_admin(user) or serves_grid(user, item.grid_id) or is_level_staff(user, item),
        _("Only a grid worker of its grid or the centre handling it can mark this urgent."),
    )


def can_pass_to_district(user, item):
    """An urgent item at village level, by the village centre: straight to the district.
    Grid workers do not (the village centre decides what leaves the village); the township
    escalates as usual. The flow adds its state (open, movable) in its own rule."""
    return (
        check(item.urgent_at is not None, _("Only an urgent item can be passed straight to the district."))
        and check(item.level == Level.VILLAGE, _("Only an item at village level can skip the township."))
        and check(
            is_level_staff(user, item, Level.VILLAGE),
            _("Only the village centre handling it can pass it straight to the district."),
        )
    )


# --- forms -------------------------------------------------------------------------------------


def urgent_reason_field(**kwargs) -> forms.ChoiceField:
    """The optional "urgent" field of a registration or filing form: empty is not urgent."""
    return forms.ChoiceField(
        label=gettext_lazy("Urgent (紧急)"),
        choices=[("", gettext_lazy("Not urgent")), *UrgentReason.choices],
        required=False,
        help_text=gettext_lazy(
            "Only for a major incident, a risk of a mass incident or a danger to life: the village, "
            "township and district centres and the police station are alerted at once, by SMS too."
        ),
        **kwargs,
    )


class MarkUrgentForm(_KernelStepForm):
    id_prefix = "urgent"
    urgent_reason = forms.ChoiceField(
        label=gettext_lazy("Why it is urgent"),
        choices=UrgentReason.choices,
        error_messages={
            "required": gettext_lazy("Choose why this is urgent."),
            "invalid_choice": gettext_lazy("Choose why this is urgent."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("What happened (optional)"),
        max_length=limits.REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PassToDistrictForm(_KernelStepForm):
    id_prefix = "to-district"
    note = forms.CharField(
        label=gettext_lazy("Why the district must take it now"),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Say why the district must take it now.")},
    )


# --- lists -------------------------------------------------------------------------------------

_REGISTRY: dict[type, Urgency] = {}


def urgent_first(qs: QuerySet) -> QuerySet:
    """``qs`` with its open urgent items first, in the order it had (or the model's) within
    each part. Items of a model without urgency are left as they are."""
    kind = _REGISTRY.get(qs.model)
    if kind is None:
        return qs
    order = list(qs.query.order_by) or list(qs.model._meta.ordering)
    rank = Case(
        When(Q(urgent_at__isnull=False) & kind.open_q, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.annotate(urgent_rank=rank).order_by("urgent_rank", *order)


class UrgentFirst:
    """A long list with its open urgent items first, for the pages that slice it (the ledger,
    the logs' lists and queues through ``WindowPage``): the same rows in the same order as
    ``urgent_first``, but as separate queries that each keep ``qs``'s own order, so that the
    database still walks the index of that order instead of sorting the whole table by an
    urgency rank (a province's ledger is a million rows, its open urgent items a handful).
    Sliceable, countable and iterable, like the queryset it stands for."""

    def __init__(self, qs: QuerySet, kind: Urgency):
        self.model = qs.model
        pressing = Q(urgent_at__isnull=False) & kind.open_q
        self._qs = qs
        # The related rows (parties, transfers) are fetched once for the page, not once per part.
        self._prefetch = qs._prefetch_related_lookups
        self._urgent = qs.filter(pressing).prefetch_related(None)
        self._rest = qs.exclude(pressing).prefetch_related(None)
        self._urgent_count: int | None = None  # known once ``capped_count`` has read it

    def capped_count(self, cap: int | None = None) -> CappedCount:
        """The list's ``pagination.capped_count``, read in one query with the number of its
        open urgent items: when there are none (most lists), its pages then read no urgent
        ids. Asked before a page is read."""
        cap = pagination.COUNT_CAP if cap is None else cap
        total, urgent = capped_counts([self._qs, self._urgent], cap + 1)
        self._urgent_count = urgent  # exact up to the cap; a page never reaches past it
        return CappedCount.of(total, cap)

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("UrgentFirst supports slices without a step only")
        start, stop = index.start or 0, index.stop
        # The urgent items up to the slice's end, without counting them: fewer than that
        # many means all of them, and the rest fills the slice after them. Read as ids
        # first: most pages show none, and a query of ids costs a fraction of a query of
        # rows (no columns to compile, send and parse, no joins to plan); the rows of the
        # ones this slice shows are read by id.
        ids = self._urgent.values_list("pk", flat=True)
        if self._urgent_count == 0:
            urgent = []  # counted with the list (``capped_count``): none to read
        else:
            urgent = list(ids if stop is None else ids[:stop])
        shown = urgent[start:stop]
        rows = []
        if shown:
            found = {item.pk: item for item in self._urgent.filter(pk__in=shown)}
            rows = [found[pk] for pk in shown if pk in found]  # one closed in between is left out
        n = len(urgent)
        if stop is None:
            rows += list(self._rest[max(start - n, 0) :])
        elif n < stop:
            rows += list(self._rest[max(start - n, 0) : stop - n])
        prefetch_related_objects(rows, *self._prefetch)
        return rows

    def __iter__(self):
        yield from self._urgent.prefetch_related(*self._prefetch)
        yield from self._rest.prefetch_related(*self._prefetch)

    def count(self) -> int:
        return self._qs.count()

    def __len__(self) -> int:
        return self.count()


def urgent_pinned(qs: QuerySet) -> UrgentFirst | QuerySet:
    """``qs`` with its open urgent items first, for a long list read a page at a time
    (``UrgentFirst``); ``urgent_first`` is for the short queues a page reads whole."""
    kind = _REGISTRY.get(qs.model)
    return qs if kind is None else UrgentFirst(qs, kind)


def _filter_urgent(queryset, name, value):
    return queryset.filter(urgent_at__isnull=False) if value == "yes" else queryset


def urgent_filter() -> django_filters.ChoiceFilter:
    """The lists' "urgent only" filter."""
    return django_filters.ChoiceFilter(
        choices=(("yes", gettext_lazy("Urgent only")),),
        method=_filter_urgent,
        label=gettext_lazy("Urgency"),
        empty_label=gettext_lazy("Urgent or not"),
    )


def urgent_text(item) -> str:
    """The export's and printed ledger's cell: "Urgent: <reason>", empty when not urgent."""
    if item.urgent_at is None:
        return ""
    return _("Urgent: %(reason)s") % {"reason": item.get_urgent_reason_display()}


# --- the step ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Urgency:
    """How one flow's items are marked urgent (module docstring)."""

    model: type
    event_model: type[TimelineEvent]
    error: type[WorkflowError]
    marked_kind: str
    # The flow's rule of the "mark urgent" step (role and state), built on ``can_mark_urgent``.
    rule: Callable
    # Which items are open: only those come first in the lists.
    open_q: Q
    # The item as a clerk names it in a notification, e.g. "dispute MD-…".
    label: Callable[[object], str] = str

    def __post_init__(self) -> None:
        _REGISTRY[self.model] = self

    def mark(self, *, item, actor, at: datetime.datetime, urgent_reason: str, note: str = ""):
        """The "mark urgent" step: the flow's rule, then ``mark_now``."""
        with transaction.atomic():
            current = type(item).objects.select_for_update().get(pk=item.pk)
            require(self.rule(actor, current), error=self.error)
            self.mark_now(current, actor=actor, at=at, urgent_reason=urgent_reason, note=note)
        item.refresh_from_db()
        return item

    def mark_now(self, item, *, actor, at: datetime.datetime, urgent_reason: str, note: str = "") -> None:
        """Mark ``item`` urgent inside the caller's transaction (the step, or the service that
        registers the item with the mark): steps 1 to 3 of the module docstring. Raises the
        flow's error if it is already marked (by someone else meanwhile)."""
        require(
            urgent_reason in UrgentReason.values, _("Choose why this is urgent."), "urgent_reason", error=self.error
        )
        marked = (
            type(item)
            .objects.filter(pk=item.pk, urgent_at__isnull=True)
            .update(urgent_reason=urgent_reason, urgent_at=at)
        )
        if not marked:
            raise self.error(_("This is already marked urgent."))
        send_rows_updated(type(item), [item.pk], ("urgent_reason", "urgent_at"))
        item.urgent_reason, item.urgent_at = urgent_reason, at
        reason = UrgentReason(urgent_reason).label
        note = (note or "").strip()
        self.event_model.record(item, self.marked_kind, actor, at, note=" · ".join(x for x in (str(reason), note) if x))
        notify_urgent(
            item,
            urgent_recipients(item),
            _("URGENT (%(reason)s): %(item)s") % {"reason": reason, "item": self.label(item)},
            note,
            skip=actor,
        )

    def steps(self) -> list[Step]:
        """The "mark urgent" row to append to the flow's table."""
        return [
            Step(
                name="urgent",
                url_name="mark_urgent",
                title=gettext_lazy("Mark urgent (紧急)"),
                submit=gettext_lazy("Mark urgent and alert everyone"),
                style="danger",
                rule=self.rule,
                form=MarkUrgentForm,
                perform=lambda c: self.mark(
                    item=c.item, actor=c.actor, at=c.at, urgent_reason=c.data["urgent_reason"], note=c.data["note"]
                ),
                success=gettext_lazy(
                    "Marked urgent: the village, township and district centres and the police are alerted."
                ),
            )
        ]


def pass_to_district_step(*, rule: Callable, perform: Callable, success) -> Step:
    """The village centre's "pass straight to the district" row; ``perform(StepCall)`` calls
    the flow's own escalation service with the district as target and the form's ``note``."""
    return Step(
        name="to_district",
        title=gettext_lazy("Urgent: pass straight to the district"),
        submit=gettext_lazy("Pass to the district"),
        style="danger",
        rule=rule,
        form=PassToDistrictForm,
        perform=perform,
        success=success,
    )


def notify_urgent(item, users, title: str, body: str = "", *, skip=None) -> None:
    """An urgent alarm about ``item``: in-app, e-mail and SMS to each of ``users`` but ``skip``."""
    from .services import notification_send

    recipients = [u for u in users if u is not None and (skip is None or u.pk != skip.pk)]
    if recipients:
        notification_send(recipients=recipients, title=title, body=body, url=item.get_absolute_url(), urgent=True)
