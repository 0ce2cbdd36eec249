"""Supervision by the higher level (挂牌督办), one mechanism for every flow.

District staff put any open item of their district under supervision, township staff
the open items of their villages (those still handled at village level), with a due
date and a note; the overdue sweep supervises, for the district centre, what cannot
move up by itself. The item carries the mark (its ``supervised_at`` column, shown in
lists, detail, print and export); a ``Supervision`` row says who supervises, until
when and why. Lifting it is a step on the item's timeline. The handler and the level
handling the item are reminded before the supervision's due date, once per stage
(the "supervision-due" reminder kind).

An item is supervisable when it follows the level protocol of ``govcenter.levels``
and has ``is_open``, ``handler`` (None allowed), ``supervised_at`` and
``get_absolute_url``. Each flow makes one ``Supervised`` with its timeline event
model, error class and event kinds, and appends ``steps()`` to its table::

    SUPERVISION = Supervised(model=Dispute, event_model=DisputeEvent, error=DisputeError,
                             started_kind=Kind.SUPERVISED, lifted_kind=Kind.SUPERVISION_LIFTED)
    FLOW = Flow(..., steps=[..., *SUPERVISION.steps()])
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import limits
from .deadlines import end_of_day
from .forms import Form, date_input
from .jurisdiction import is_admin
from .levels import Level, LevelStaff, is_level_staff, level_staff, local_date
from .models import Supervision
from .reminders import Reminder, register_reminder_kind
from .signals import send_rows_updated
from .steps import Step, check
from .timeline import TimelineEvent, WorkflowError, notify, require

# --- rules ------------------------------------------------------------------------------------


def supervising_level(user, item) -> str | None:
    """The level at which ``user`` may supervise ``item``: the district centre any item of
    its district (administrators as the district), the township centre an item of its
    villages still handled at village level or one it assigned to its stations and
    institutes (as the district does its departments); None for everyone else."""
    if is_admin(user) or is_level_staff(user, item, Level.DISTRICT):
        return Level.DISTRICT
    if item.level in (Level.VILLAGE, Level.TOWNSHIP_UNIT) and is_level_staff(user, item, Level.TOWNSHIP):
        return Level.TOWNSHIP
    return None


def active_supervision(item) -> Supervision | None:
    """The supervision in force on ``item`` (None when only the mark is set, e.g. by older data)."""
    if item.supervised_at is None:
        return None
    cached = getattr(item, "_active_supervision", False)
    if cached is False:
        cached = (
            Supervision.objects.filter(
                content_type=ContentType.objects.get_for_model(item), object_id=item.pk, lifted_at__isnull=True
            )
            .select_related("supervisor", "area")
            .first()
        )
        item._active_supervision = cached
    return cached


def can_supervise(user, item):
    """Open, not yet supervised, and the user is of a level above it (``supervising_level``)."""
    return (
        check(item.is_open, _("Only an open item can be put under supervision."))
        and check(item.supervised_at is None, _("This is already under supervision."))
        and check(
            supervising_level(user, item) is not None,
            _("Only the district centre, or the township centre for its villages, can put this under supervision."),
        )
    )


def can_lift_supervision(user, item):
    """The district centre; the township centre for a supervision it placed."""
    if item.supervised_at is None:
        return check(False, _("This is not under supervision."))
    sv = active_supervision(item)
    by_township = sv is not None and sv.level == Level.TOWNSHIP
    return check(
        is_admin(user)
        or is_level_staff(user, item, Level.DISTRICT)
        or (by_township and is_level_staff(user, item, Level.TOWNSHIP)),
        _("Only the district centre, or the township centre that placed it, can lift supervision.")
        if by_township
        else _("Only the district centre can lift supervision."),
    )


# --- forms ------------------------------------------------------------------------------------

_FORM_KWARGS = {"prefix", "initial", "auto_id"}


class _KernelStepForm(Form):
    """A step form the kernel adds to any flow: it ignores the flow's own form arguments."""

    id_prefix = "step"

    def __init__(self, *args, **kwargs):
        kwargs = {k: v for k, v in kwargs.items() if k in _FORM_KWARGS}
        if "prefix" not in kwargs:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class SuperviseForm(_KernelStepForm):
    id_prefix = "supervise"
    due_on = forms.DateField(
        label=gettext_lazy("Supervision due"),
        widget=date_input(),
        error_messages={"required": gettext_lazy("Choose the date the handler must report by.")},
    )
    note = forms.CharField(
        label=gettext_lazy("What is expected"),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Say what the supervision expects of the handler.")},
    )

    def clean_due_on(self):
        from django.utils import timezone

        day = self.cleaned_data["due_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return day


class LiftSupervisionForm(_KernelStepForm):
    id_prefix = "unsupervise"
    note = forms.CharField(
        label=gettext_lazy("Why the supervision ends"),
        max_length=500,
        error_messages={"required": gettext_lazy("Say why the supervision ends.")},
    )


# --- the steps --------------------------------------------------------------------------------

_REGISTRY: dict[type, Supervised] = {}


def supervised_kinds() -> dict[type, Supervised]:
    """Every flow's ``Supervised``, by item model (the supervisor's list, the reminders)."""
    return dict(_REGISTRY)


@dataclass(frozen=True, eq=False)
class Supervised:
    """How one flow's items are supervised (module docstring)."""

    model: type
    event_model: type[TimelineEvent]
    error: type[WorkflowError]
    started_kind: str
    lifted_kind: str
    # The item as a clerk names it in a notification, e.g. "dispute MD-…".
    label: Callable[[object], str] = str
    # The queryset the supervisor's list reads the items with (its select_related).
    queryset: Callable[[], object] | None = None
    # Extra rule conditions of the flow, e.g. the dispute's own wording; None: the kernel's.
    lift_rule: Callable | None = None
    # Likewise for putting an item under supervision (e.g. never a dispute merged into a lead).
    start_rule: Callable | None = None

    def __post_init__(self) -> None:
        _REGISTRY[self.model] = self

    def _require(self, condition, message=None, field=None) -> None:
        require(condition, message, field, error=self.error)

    def _recipients(self, item) -> list:
        return [getattr(item, "handler", None), *level_staff(item)]

    def start(self, *, item, actor, at: datetime.datetime, due_on: datetime.date, note: str):
        """District or township staff put ``item`` under supervision until ``due_on``."""
        note = (note or "").strip()
        with transaction.atomic():
            current = type(item).objects.select_for_update().get(pk=item.pk)
            self._require((self.start_rule or can_supervise)(actor, current))
            self._require(bool(note), _("Say what the supervision expects of the handler."), "note")
            self._require(due_on >= local_date(at), _("The due date cannot be in the past."), "due_on")
            level = supervising_level(actor, current)
            try:
                with transaction.atomic():
                    Supervision.objects.create(
                        content_type=ContentType.objects.get_for_model(current),
                        object_id=current.pk,
                        level=level,
                        area_id=current.district_id if level == Level.DISTRICT else current.township_id,
                        supervisor=actor,
                        due_at=end_of_day(due_on),
                        note=note,
                        started_at=at,
                    )
            except IntegrityError:
                raise self.error(_("This is already under supervision.")) from None
            current.supervised_at = at
            type(current).objects.filter(pk=current.pk).update(supervised_at=at)
            send_rows_updated(type(current), [current.pk], ("supervised_at",))
            self.event_model.record(
                current, self.started_kind, actor, at, note=f"{Level(level).label} · {due_on:%Y-%m-%d} · {note}"
            )
            notify(
                current,
                self._recipients(current),
                _("%(item)s is under supervision by the %(level)s centre, due %(date)s")
                % {"item": self.label(current), "level": Level(level).label, "date": f"{due_on:%Y-%m-%d}"},
                note,
                skip=actor,
            )
        item.refresh_from_db()
        item.__dict__.pop("_active_supervision", None)
        return item

    def lift(self, *, item, actor, at: datetime.datetime, note: str):
        """The supervising centre (or the district) ends the supervision; the handling level is told."""
        note = (note or "").strip()
        with transaction.atomic():
            current = type(item).objects.select_for_update().get(pk=item.pk)
            self._require((self.lift_rule or can_lift_supervision)(actor, current))
            self._require(bool(note), _("Say why the supervision ends."), "note")
            Supervision.objects.filter(
                content_type=ContentType.objects.get_for_model(current), object_id=current.pk, lifted_at__isnull=True
            ).update(lifted_at=at, lifted_by=actor, lift_note=note)
            current.supervised_at = None
            type(current).objects.filter(pk=current.pk).update(supervised_at=None)
            send_rows_updated(type(current), [current.pk], ("supervised_at",))
            self.event_model.record(current, self.lifted_kind, actor, at, note=note)
            notify(
                current,
                self._recipients(current),
                _("Supervision of %(item)s was lifted") % {"item": self.label(current)},
                note,
                skip=actor,
            )
        item.refresh_from_db()
        item.__dict__.pop("_active_supervision", None)
        return item

    def placed_by_sweep(self, item, *, at: datetime.datetime, due_at: datetime.datetime, note: str, level=None) -> None:
        """The overdue sweep supervised ``item`` (it already set the mark, conditionally):
        the row of the district centre (``level``'s), unless a supervision is in force."""
        level = level or Level.DISTRICT
        content_type = ContentType.objects.get_for_model(item)
        if Supervision.objects.filter(content_type=content_type, object_id=item.pk, lifted_at__isnull=True).exists():
            return
        Supervision.objects.create(
            content_type=content_type,
            object_id=item.pk,
            level=level,
            area_id=item.district_id if level == Level.DISTRICT else item.township_id,
            supervisor=None,
            due_at=due_at,
            note=note,
            started_at=at,
        )

    def steps(self) -> list[Step]:
        """The two rows to append to the flow's table."""
        return [
            Step(
                name="supervise",
                title=gettext_lazy("Put under supervision (挂牌督办)"),
                submit=gettext_lazy("Supervise"),
                style="danger",
                rule=self.start_rule or can_supervise,
                form=SuperviseForm,
                perform=lambda c: self.start(
                    item=c.item, actor=c.actor, at=c.at, due_on=c.data["due_on"], note=c.data["note"]
                ),
                success=gettext_lazy("Placed under supervision; the handling level is notified."),
            ),
            Step(
                name="unsupervise",
                title=gettext_lazy("Lift the supervision (督办)"),
                submit=gettext_lazy("Lift the supervision"),
                style="secondary",
                rule=self.lift_rule or can_lift_supervision,
                form=LiftSupervisionForm,
                perform=lambda c: self.lift(item=c.item, actor=c.actor, at=c.at, note=c.data["note"]),
                success=gettext_lazy("Supervision lifted."),
            ),
        ]


# --- reminders --------------------------------------------------------------------------------


@register_reminder_kind("supervision-due")
def supervisions_due(at, horizon):
    """Supervisions in force coming due on an open item: to its handler and the level handling it.
    Those the overdue sweep placed are due with the item's own renewed deadline, which the
    item's own reminder kind already announces: left out, so that each reminder goes once."""
    rows = (
        Supervision.objects.filter(
            lifted_at__isnull=True, supervisor__isnull=False, due_at__gt=at, due_at__lte=at + horizon
        )
        .select_related("content_type")
        .order_by("due_at", "pk")
    )
    for sv in rows.iterator(chunk_size=500):
        item = sv.item
        if item is None or not item.is_open:
            continue
        kind = _REGISTRY.get(type(item))
        label = kind.label(item) if kind else str(item)
        yield Reminder(
            subject=sv,
            deadline=sv.due_at,
            recipients=[getattr(item, "handler", None), LevelStaff.of(item)],
            title=_("%(item)s is under supervision and must be reported on") % {"item": label},
            body=sv.note,
            url=item.get_absolute_url(),
        )


# --- the supervisor's list --------------------------------------------------------------------

SUPERVISOR_ROWS = 200


def supervisions_of(user):
    """The supervisions in force placed by the user's centre (the district's, or the
    township's), soonest due first; every one for administrators; none for other roles."""
    from .models import User

    rows = Supervision.objects.filter(lifted_at__isnull=True)
    if is_admin(user):
        return rows.order_by("due_at", "pk")
    level = {User.Role.DISTRICT_STAFF: Level.DISTRICT, User.Role.TOWNSHIP_STAFF: Level.TOWNSHIP}.get(user.role)
    if level is None or user.area_id is None:
        return Supervision.objects.none()
    return rows.filter(level=level, area_id=user.area_id).order_by("due_at", "pk")


def with_items(rows: list[Supervision]) -> list[Supervision]:
    """Attach each row's item as ``sv.subject``: one query per kind of item, read through the
    kind's own queryset (``Supervised.queryset``) so that the list draws without more."""
    by_type: dict[int, list[Supervision]] = {}
    for sv in rows:
        by_type.setdefault(sv.content_type_id, []).append(sv)
    for type_id, group in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        kind = _REGISTRY.get(model)
        queryset = kind.queryset() if kind is not None and kind.queryset is not None else model._default_manager
        items = queryset.in_bulk([sv.object_id for sv in group])
        for sv in group:
            sv.subject = items.get(sv.object_id)
    return rows


def supervision_figures(rows: list[Supervision], at: datetime.datetime) -> dict[str, int]:
    """The counts above the supervisor's list: in force; of those, items still open, items
    closed (awaiting the lift), and open items past the supervision's due date."""
    open_items = [sv for sv in rows if sv.subject is not None and sv.subject.is_open]
    return {
        "total": len(rows),
        "open": len(open_items),
        "closed": len(rows) - len(open_items),
        "late": sum(1 for sv in open_items if sv.due_at < at),
    }


def status_with_supervision(item) -> str:
    """The item's status as exports and printed ledgers write it, with the supervision mark."""
    status = item.get_status_display()
    return f"{status} · {_('Under supervision (督办)')}" if item.supervised_at else status
