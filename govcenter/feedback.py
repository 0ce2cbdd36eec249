"""Results back to the origin, and the parties' satisfaction: one rule for every flow
(DESIGN.md, "Closing every loop"; seed 003, step 5).

When a result is confirmed at some level (a dispute resolved there, or its returned result
confirmed; a sentiment log's result fed back), it travels down through every level the
item passed on its way up, to the level that registered it, and to the grid worker who
found it: each is notified once, and the item is listed as "result returned" in their
lists until the parties are told. The origin (the registering level's centre, or at
village level a grid worker of the item's grid) then records that the parties were told
(已告知当事人), how, and their satisfaction (满意 / 基本满意 / 不满意). 不满意 sends the
item back to the level whose result it was, for review; when that level resolves again,
the result travels down again.

An item taking part adds ``ResultFeedback`` to its model's bases and has, besides the
level protocol of ``govcenter.levels``:

- ``origin_level``: the level it was registered at (the lowest the result goes down to);
- ``finder``: the grid worker who found it (a ``User``), or None;
- ``grid_id``, and ``events``: its timeline (a ``LevelMove`` event model), whose
  ``to_level`` values say which levels it passed.

An app's service for its "confirmed" step calls ``result_return`` on the locked row before
saving and ``notify_result_returned`` after; its rule for the told-the-parties step is
``can_tell_parties`` (plus its own state), its service calls ``record_parties_told`` and,
when that answers "unsatisfied", moves the item back with ``govcenter.levels.move_to_level``
to ``item.result_level``. Its FLOW gets the row from ``parties_told_step``.
"""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import limits
from .forms import Form, choice_buttons, text_area
from .levels import LEVEL_ORDER, Level, is_level_staff, level_staff, levels_below, serves_grid
from .steps import Step, check
from .timeline import WorkflowError, notify


class HowTold(models.TextChoices):
    PHONE = "phone", _("By phone")
    VISIT = "visit", _("Home visit")
    IN_PERSON = "in_person", _("In person at the centre")
    WRITING = "writing", _("In writing")
    OTHER = "other", _("Other")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASICALLY = "basically", _("Basically satisfied")  # 基本满意
    UNSATISFIED = "unsatisfied", _("Unsatisfied")  # 不满意


class ResultFeedback(models.Model):
    """Where the item's result came from, and what the parties said of it."""

    result_level = models.CharField(
        _("result given at"),
        max_length=12,
        choices=Level.choices,
        blank=True,
        help_text=_("The level whose result it is: an unsatisfied result goes back there for review."),
    )
    result_returned_at = models.DateTimeField(_("result returned down at"), null=True, blank=True)
    parties_told_at = models.DateTimeField(_("parties told at"), null=True, blank=True)
    parties_told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("parties told by"),
    )
    parties_told_how = models.CharField(_("parties told"), max_length=12, choices=HowTold.choices, blank=True)
    satisfaction = models.CharField(_("parties' satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)

    class Meta:
        abstract = True

    @property
    def awaiting_parties(self) -> bool:
        """The result came back down and the origin has not yet told the parties."""
        return self.result_returned_at is not None and self.parties_told_at is None

    @property
    def sent_back_for_review(self) -> bool:
        """The parties were unsatisfied with the last result (until the next one comes down)."""
        return self.satisfaction == Satisfaction.UNSATISFIED


# The fields, for the admin's read-only "Back to the origin" fieldsets (the services write them).
FIELDS = [
    "result_level",
    "result_returned_at",
    "parties_told_at",
    "parties_told_by",
    "parties_told_how",
    "satisfaction",
]


def awaiting_parties_q() -> Q:
    """The filter of ``ResultFeedback.awaiting_parties`` (the "result returned" lists)."""
    return Q(result_returned_at__isnull=False, parties_told_at__isnull=True)


def sent_back_for_review_q() -> Q:
    return Q(satisfaction=Satisfaction.UNSATISFIED)


# --- the way down --------------------------------------------------------------------------


def levels_passed(item) -> list[str]:
    """The levels ``item`` has been at, from its origin up (bottom first): its origin and
    every level a step moved it to (a level skipped on the way up is not among them)."""
    origin = LEVEL_ORDER.index(item.origin_level)
    reached = set(item.events.exclude(to_level="").values_list("to_level", flat=True)) | {item.origin_level}
    return [level for level in LEVEL_ORDER if level in reached and LEVEL_ORDER.index(level) >= origin]


def return_levels(item, below: str) -> list[str]:
    """The levels the result travels down to from ``below``: those ``item`` passed under it,
    down to its origin, top first."""
    under = levels_below(below)  # a township unit's result goes down from its township
    return [level for level in reversed(levels_passed(item)) if level in under]


def result_recipients(item, below: str) -> list:
    """Whom a result confirmed at ``below`` reaches: the staff of each level it passed under
    that one, and the grid worker who found it."""
    users = [user for level in return_levels(item, below) for user in level_staff(item, level)]
    return [*users, item.finder]


def result_return(item, *, level: str, at: datetime.datetime) -> None:
    """Mark ``item`` (the caller's locked copy, saved by the caller) as having a result of
    ``level`` on its way down: a new round, so the last round's answer is cleared."""
    item.result_level, item.result_returned_at = level, at
    item.parties_told_at, item.parties_told_by, item.parties_told_how, item.satisfaction = None, None, "", ""


def notify_result_returned(item, *, below: str, actor, title: str, body: str = "") -> None:
    """Notify everyone the result reaches from ``below`` (``result_recipients``), once each."""
    notify(item, result_recipients(item, below), title, body, skip=actor)


# --- the origin tells the parties ------------------------------------------------------------


def is_origin(user, item) -> bool:
    """The centre of the level ``item`` was registered at, or (registered at village level)
    a grid worker serving its grid; administrators."""
    return is_level_staff(user, item, item.origin_level) or (
        item.origin_level == Level.VILLAGE and serves_grid(user, item.grid_id)
    )


def can_tell_parties(user, item):
    """The rule's shared part: a returned result awaits the parties, and ``user`` is the origin."""
    return check(item.awaiting_parties, _("No returned result is waiting to be told to the parties.")) and check(
        is_origin(user, item),
        lambda: (
            _("Only the %(level)s centre where it was registered, or its grid worker, tells the parties.")
            % {"level": Level(item.origin_level).label}
        ),
    )


def record_parties_told(
    item, *, actor, at: datetime.datetime, how: str, satisfaction: str, error: type[WorkflowError] = WorkflowError
) -> bool:
    """Record on the caller's locked copy (saved by the caller) that the parties were told;
    True if they were unsatisfied (the caller then sends the item back for review)."""
    if how not in HowTold.values:
        raise error(str(_("Choose how the parties were told.")), "how")
    if satisfaction not in Satisfaction.values:
        raise error(str(_("Choose the parties' satisfaction.")), "satisfaction")
    item.parties_told_at, item.parties_told_by = at, actor
    item.parties_told_how, item.satisfaction = how, satisfaction
    return satisfaction == Satisfaction.UNSATISFIED


def told_note(item, note: str = "") -> str:
    """The timeline note of the told-the-parties step: how, the satisfaction, the note."""
    parts = [item.get_parties_told_how_display(), item.get_satisfaction_display(), note.strip()]
    return " · ".join(str(p) for p in parts if p)


def parties_answer(item) -> str:
    """What the origin recorded of the last result, for exports and printed sheets: how the
    parties were told and their satisfaction, or that a returned result awaits telling."""
    if item.parties_told_at is not None:
        return told_note(item)
    if item.result_returned_at is not None:
        return str(_("Result returned, parties not yet told"))
    return ""


class PartiesToldForm(Form):
    """The fields of the told-the-parties step; each app mixes in its own step-form base."""

    how = forms.ChoiceField(label=_("How the parties were told"), choices=HowTold.choices, widget=choice_buttons())
    satisfaction = forms.ChoiceField(
        label=_("The parties' satisfaction"),
        choices=Satisfaction.choices,
        widget=choice_buttons(),
        help_text=_("Unsatisfied sends it back to the level whose result it is, for review."),
    )
    note = text_area(_("Note"), max_length=limits.REASON)


def parties_told_step(*, rule, service, form: type[forms.Form]) -> Step:
    """The FLOW row of the told-the-parties step (its service: ``item, actor, at, how,
    satisfaction, note``)."""

    def success(item) -> str:
        if item.sent_back_for_review:
            return str(
                _("The parties are unsatisfied: it is back with the %(level)s for review.")
                % {"level": item.get_level_display()}
            )
        return str(_("Recorded that the parties were told."))

    return Step(
        name="told",
        url_name="parties_told",
        path="parties-told",
        title=_("Tell the parties the result (已告知当事人)"),
        submit=_("Record"),
        style="success",
        rule=rule,
        form=form,
        service=service,
        success=success,
        opens=True,
    )
