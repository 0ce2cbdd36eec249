"""The publicity demo: campaigns in every state, one distributed campaign half done with
activities, one with overdue assignments; a second run creates nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from govcenter.models import User
from publicity import demo
from publicity.files import validate_leaflet
from publicity.models import Activity, Assignment, Campaign, CampaignEvent, VillageDistribution
from publicity.selectors import campaign_progress


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Campaign, CampaignEvent, VillageDistribution, Assignment, Activity)}


@pytest.fixture
def seeded(seeded_demo, db):
    """The demo, seeded once for tests/demo with the leaflets under a temporary MEDIA_ROOT
    (tests/demo/conftest.py ``seeded_demo``); what a test writes is rolled back after it."""
    return seeded_demo


def test_campaigns_in_every_state(seeded):
    assert set(Campaign.objects.values_list("status", flat=True)) == set(Campaign.Status.values)
    returned_once = Campaign.objects.get(title="2026年反电信网络诈骗宣传月")
    kinds = list(returned_once.events.filter(assignment=None, distribution=None).values_list("kind", flat=True))
    assert kinds[:6] == ["created", "submitted", "returned", "edited", "submitted", "approved"]


def test_one_campaign_half_done_with_activities(seeded):
    c = Campaign.objects.get(title="2026年反电信网络诈骗宣传月", status=Campaign.Status.DISTRIBUTED)
    p = campaign_progress(User.objects.get(username="district1"), c).total
    assert p.villages == VillageDistribution.objects.filter(campaign=c).count() >= 8
    assert p.assigned >= 20 and p.overdue == 0
    assert p.done * 2 in (p.assigned, p.assigned - 1)  # half the grids
    assert p.covered > p.done and p.activities >= p.done and p.participants > 0 and p.households > 0
    assert all(
        a.log.kind == "publicity" and a.log.grid_id == a.assignment.grid_id
        for a in Activity.objects.filter(assignment__campaign=c).select_related("log", "assignment")
    )
    assert validate_leaflet(c.leaflet.open("rb")).content_type == "application/pdf"


def test_one_campaign_with_overdue_assignments(seeded):
    c = Campaign.objects.get(title="夏季防溺水安全教育")
    overdue = Assignment.objects.filter(campaign=c).overdue(timezone.localdate())
    assert overdue.count() >= 5
    assert Assignment.objects.filter(campaign=c, done_at__isnull=False).exists()
    p = campaign_progress(User.objects.get(username="district1"), c).total
    assert p.overdue == overdue.count()
    assert c.leaflet_type == "image/png"


def test_a_second_run_creates_nothing(seeded):
    before = counts()
    assert demo.seed(None) == []
    call_command("seed_demo", verbosity=0)
    assert counts() == before


def test_generated_leaflets_are_real_files():
    pdf = demo.leaflet_pdf(["Hello (world)"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:].startswith(b"xref")
    png = demo.leaflet_png(4, 3)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
