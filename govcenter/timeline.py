"""The timeline of a case-like item, and the helpers every app's ``services.py`` shares.

``TimelineEvent`` is the abstract model of one step on an item's timeline (written by
the services only, never edited). An app's concrete event model subclasses it, adds the
foreign key to its item and the fields it records after each step, and names them::

    class DisputeEvent(TimelineEvent):
        item_field = "dispute"                 # the foreign key to the item
        snapshot_fields = ("status", "due_at")  # copied from the item when recorded

        class Kind(models.TextChoices): ...
        dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events", ...)
        kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)  # its own choices
        status = models.CharField(_("status after"), max_length=24, choices=Dispute.Status.choices)

        class Meta(TimelineEvent.Meta):
            verbose_name = ...

The abstract model holds ``kind``, ``actor`` (None for automatic steps), ``at`` and
``note``; ``LevelMove`` adds ``from_level`` and ``to_level`` for flows that move between
handling levels. Concrete models keep their tables, columns and indexes.

The service helpers (one set per app, bound to its item model, event model and error
class)::

    class DisputeError(WorkflowError): ...
    _event, _notify, _locked, _require = workflow_helpers(DisputeEvent, DisputeError)

- ``_event(item, kind, actor, at, *, note="", **fields)`` writes one event, with the item's
  ``snapshot_fields`` as they are now;
- ``_notify(item, users, title, body="", *, skip=None)`` puts a notification linking to the
  item in the inbox of each user (None entries and ``skip`` left out);
- ``_locked(item)`` re-reads the item's row locked for the rest of the transaction
  (``select_for_update``; SQLite's IMMEDIATE transactions already serialise writers);
- ``_require(condition, message=None, field=None)`` raises the app's error class unless
  ``condition`` holds. ``condition`` is usually a rule's answer: a rule returns True, or a
  falsy ``Denied`` carrying why (``govcenter.steps.check``), so
  ``_require(rules.can_accept(actor, d))`` says why the step is refused; an explicit
  ``message`` wins over the rule's reason. ``field`` names the form field the error is
  about (the step view then shows it beside that field).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import limits
from .levels import Level
from .signals import send_rows_updated


class WorkflowError(Exception):
    """A step that is not allowed now, or input a service cannot accept: the message is
    shown to the user and nothing changed. ``field`` names the form field it is about, if
    any. Each app subclasses it (``DisputeError``, ``LogError``, ``PublicityError``)."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field


class TimelineEvent(models.Model):
    """One step on an item's timeline. Subclasses set ``item_field`` (the foreign key to
    their item) and ``snapshot_fields`` (the item's fields copied at each step), give
    ``kind`` their own choices, and add their item key and snapshot columns."""

    item_field: str = ""
    snapshot_fields: tuple[str, ...] = ("status",)

    kind = models.CharField(_("step"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for automatic steps."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), max_length=limits.NARRATIVE, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{getattr(self, self.item_field, '')} · {self.get_kind_display()}"

    @property
    def label(self) -> str:
        """The step as the timeline shows it (a flow may name some moves for what they mean)."""
        return self.get_kind_display()

    @property
    def actor_label(self) -> str:
        return str(self.actor) if self.actor_id else str(_("automatic"))

    @property
    def item(self):
        return getattr(self, self.item_field)

    @classmethod
    def record(cls, item, kind: str, actor, at: datetime.datetime, *, note: str = "", **fields: Any):
        """Write the event of step ``kind`` taken on ``item`` (see the module docstring).

        An event that moved the item between levels (``LevelMove`` with ``from_level`` and
        ``to_level`` different) also ends the handling by a person of the level it left
        (``govcenter.levels.level_handler``), so that no flow keeps showing or reminding them."""
        moved = fields.get("from_level") and fields.get("to_level") and fields["from_level"] != fields["to_level"]
        if issubclass(cls, LevelMove) and moved:
            _drop_handler_of_other_level(item)
        event = cls.build(item, kind, actor, at, note=note, **fields)
        event.save(force_insert=True)
        return event

    @classmethod
    def build(cls, item, kind: str, actor, at: datetime.datetime, *, note: str = "", **fields: Any):
        """The event ``record`` writes, unsaved: for a step taken on many items at once, whose
        events go in one ``bulk_create`` (the caller has ended any handling by a level the
        items left; ``bulk_create`` sends no ``post_save``)."""
        snapshot = {name: getattr(item, name) for name in cls.snapshot_fields}
        return cls(**{cls.item_field: item}, kind=kind, actor=actor, at=at, note=note, **{**snapshot, **fields})


class LevelMove(models.Model):
    """The levels a step moved the item between (empty when it stayed)."""

    from_level = models.CharField(_("from level"), max_length=12, choices=Level.choices, blank=True)
    to_level = models.CharField(_("to level"), max_length=12, choices=Level.choices, blank=True)

    class Meta:
        abstract = True


def _drop_handler_of_other_level(item) -> None:
    from .levels import level_handler

    if getattr(item, "handler_id", None) is not None and level_handler(item) is None:
        type(item).objects.filter(pk=item.pk).update(handler=None)
        send_rows_updated(type(item), [item.pk], ("handler",))
        item.handler = None


def notify(item, users: Iterable, title: str, body: str = "", *, skip=None) -> None:
    """Notify ``users`` (None entries and ``skip`` left out) with a link to ``item``."""
    from .services import notification_send

    recipients = [u for u in users if u is not None and (skip is None or u.pk != skip.pk)]
    if recipients:
        notification_send(recipients=recipients, title=title, body=body, url=item.get_absolute_url())


def locked(item):
    """``item``'s current row, locked for the rest of the transaction."""
    return type(item).objects.select_for_update().get(pk=item.pk)


def require(condition, message: str | None = None, field: str | None = None, *, error=WorkflowError) -> None:
    """Raise ``error`` unless ``condition`` holds; the message is ``message``, else the
    reason a ``Denied`` rule answer carries."""
    if not condition:
        raise error(str(message if message is not None else getattr(condition, "reason", "")), field)


def workflow_helpers(
    event_model: type[TimelineEvent], error: type[WorkflowError]
) -> tuple[Callable, Callable, Callable, Callable]:
    """``(_event, _notify, _locked, _require)`` for one app's services (module docstring)."""

    def _require(condition, message: str | None = None, field: str | None = None) -> None:
        require(condition, message, field, error=error)

    return event_model.record, notify, locked, _require
