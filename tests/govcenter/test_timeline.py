"""The kernel's timeline event and service helpers (``govcenter.timeline``), through the
ledger's ``DisputeEvent``."""

from __future__ import annotations

import pytest
from django.db import transaction

from disputes.models import DisputeEvent
from disputes.services import DisputeError
from govcenter.models import Notification
from govcenter.timeline import TimelineEvent, locked, notify, workflow_helpers
from tests.disputes.helpers import T0, register


def test_an_event_records_the_items_snapshot_fields(world):
    d = register(world.grid1_user, grid=world.grid1)
    event = DisputeEvent.record(d, DisputeEvent.Kind.ACCEPTED, world.village1_user, T0, note="n", to_level="village")
    event.refresh_from_db()
    assert (event.dispute, event.status, event.due_at, event.to_level) == (d, d.status, d.due_at, "village")
    assert event.item == d and event.actor_label == str(world.village1_user)
    assert str(event) == f"{d.number} · Accepted"
    assert DisputeEvent.record(d, DisputeEvent.Kind.SUPERVISED, None, T0).actor_label == "automatic"


def test_the_concrete_models_are_timeline_events():
    assert issubclass(DisputeEvent, TimelineEvent) and TimelineEvent._meta.abstract
    assert DisputeEvent._meta.ordering == ["at", "pk"] and DisputeEvent._meta.db_table == "disputes_disputeevent"


def test_notify_leaves_out_none_and_the_actor(world):
    d = register(world.grid1_user, grid=world.grid1)
    Notification.objects.all().delete()
    notify(d, [world.village1_user, None, world.grid1_user], "title", skip=world.grid1_user)
    assert list(Notification.objects.values_list("recipient__username", "url")) == [("village1", d.get_absolute_url())]
    notify(d, [None], "nobody")
    assert Notification.objects.count() == 1


def test_the_helpers_of_an_app(world):
    d = register(world.grid1_user, grid=world.grid1)
    _event, _notify, _locked, _require = workflow_helpers(DisputeEvent, DisputeError)
    with pytest.raises(DisputeError, match="no"):
        _require(False, "no")
    with transaction.atomic():
        assert locked(d) == d and _locked(d).status == d.status
    assert _event == DisputeEvent.record and _notify is notify


def test_an_event_that_moves_an_item_ends_a_handler_of_the_other_level(world):
    """The kernel's safety net for a step that moves an item with an UPDATE of its own: the
    event's from/to levels differ, so a handler not of the item's level is cleared."""
    from sentiment import services as log_services
    from sentiment.models import Log, LogEvent
    from tests.sentiment.helpers import at, at_township

    log = at_township(world)
    Log.objects.filter(pk=log.pk).update(handler=world.village1_user)  # left behind
    log.refresh_from_db()
    LogEvent.record(
        log, LogEvent.Kind.REPORTED_UP, world.village1_user, at(1), from_level="village", to_level="township"
    )
    log.refresh_from_db()
    assert log.handler_id is None
    # A step that does not move it keeps the handler of its level.
    log_services.log_handle_here(log=log, actor=world.township1_user, at=at(2), handler=world.township1_user)
    LogEvent.record(log, LogEvent.Kind.HANDLED_HERE, world.township1_user, at(3), to_level="township")
    log.refresh_from_db()
    assert log.handler == world.township1_user
