"""The demo: three months of logs for every grid, agency matters in every state, every stage
of the reporting flow, two disputes; a second run creates nothing."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone

from govcenter import demo as govcenter_demo
from govcenter.models import Notification, User
from grids import demo as grids_demo
from sentiment import demo
from sentiment.models import AgencyMatter, Log, LogEvent
from sentiment.selectors import logs_to_cosign


@pytest.fixture
def ctx(db):
    ctx = govcenter_demo.seed(io.StringIO())
    grids_demo.seed(ctx)
    return ctx


def test_demo_covers_every_grid_and_stage_and_is_idempotent(ctx):
    made = demo.seed(ctx)
    today = timezone.localdate()
    assert made == Log.objects.count() > 20 * len(ctx.grids)
    for grid in ctx.grids:
        logs = Log.objects.filter(grid=grid)
        first = timezone.localtime(logs.order_by("occurred_at").first().occurred_at).date()
        assert (today - first).days >= 80, grid  # about three months back
        assert logs.filter(occurred_at__gte=timezone.now() - datetime.timedelta(days=14)).exists(), grid
    stages = set(Log.objects.values_list("level", "status"))
    assert {
        ("village", "new"),
        ("village", "in_hand"),
        ("village", "fed_back"),
        ("township", "reported_up"),
        ("township", "in_hand"),
        ("township", "fed_back"),
        ("district", "reported_up"),
        ("department", "in_hand"),
        ("department", "fed_back"),
        ("town_unit", "in_hand"),
        ("town_unit", "fed_back"),
    } <= stages
    assert Log.objects.filter(dispute__isnull=False).count() == 2
    open_matters = AgencyMatter.objects.open()
    assert AgencyMatter.objects.filter(status="done").exists()
    assert open_matters.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=3)).exists()
    assert open_matters.filter(due_on__lt=today).exists()
    grid1_flow = Log.objects.filter(recorded_by__username="grid1", status="fed_back")
    assert grid1_flow.exists()  # grid1 sees results fed back in the demo
    # Co-signed logs (会签): every state, police1 finds some awaiting him and has filed one himself.
    assert set(Log.objects.exclude(cosign="").values_list("cosign", flat=True)) == {"awaiting", "signed", "declined"}
    police1 = User.objects.get(username="police1")
    assert logs_to_cosign(police1).exists()
    assert Log.objects.filter(recorded_by=police1, cosign="awaiting").exists()
    assert Notification.objects.filter(recipient=police1, title__startswith="Please co-sign").exists()
    signed = Log.objects.filter(cosign="signed")
    assert (
        signed.filter(cosigned_at__isnull=False).count()
        == signed.count()
        == (LogEvent.objects.filter(kind=LogEvent.Kind.COSIGNED).count())
    )
    # ... one told to the parties, the others waiting in village1's and grid1's "tell the parties" lists.
    assert grid1_flow.filter(parties_told_at__isnull=False, satisfaction="satisfied").count() == 1
    # (the township's and the department's results, and the one the township's 民政办 fed back)
    waiting = grid1_flow.filter(result_returned_at__isnull=False, parties_told_at__isnull=True)
    assert waiting.count() == 3
    assert sorted(waiting.values_list("result_level", flat=True)) == ["department", "town_unit", "township"]
    counts = (Log.objects.count(), AgencyMatter.objects.count())
    assert demo.seed(ctx) == 0
    assert (Log.objects.count(), AgencyMatter.objects.count()) == counts
