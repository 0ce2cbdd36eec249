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
